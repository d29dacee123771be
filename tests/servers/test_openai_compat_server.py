import json
import urllib.error
import urllib.request

from tests.servers.openai_compat import OpenAIServer


def post(url: str, body: dict):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with opener.open(request, timeout=5) as reply:
            return reply.status, dict(reply.headers), json.loads(reply.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def test_chat_answers_n_choices_in_chat_adapter_format_and_counts_tokens():
    with OpenAIServer() as server:
        status, _, reply = post(server.url + "/chat/completions", {"n": 2, "messages": [
            {"role": "system", "content": "two words"},
            {"role": "user", "content": "Respond with the field `[[ ## output ## ]]`, then "
                                        "`[[ ## completed ## ]]`."}]})
        texts = [c["message"]["content"] for c in reply["choices"]]
        assert status == 200 and len(texts) == 2 and texts[0] != texts[1]
        assert texts[0].startswith("[[ ## output ## ]]\n")
        assert texts[0].endswith("[[ ## completed ## ]]")
        assert reply["usage"]["prompt_tokens"] == server.counts.prompt_tokens == 17  # words
        assert server.counts.requests == 1 and server.counts.choices == 2


def test_completions_and_the_rate_limit_with_retry_after():
    with OpenAIServer(limit=1, window=60, retry_after=7) as server:
        status, _, reply = post(server.url + "/completions", {"prompt": "once upon a time"})
        assert status == 200 and reply["choices"][0]["text"]
        status, headers, _ = post(server.url + "/completions", {"prompt": "again"})
        assert status == 429 and headers["Retry-After"] == "7"
        assert server.counts.requests == 1 and server.counts.rejected == 1


def test_an_endpoint_that_refuses_n():
    with OpenAIServer(reject_n=True) as server:
        status, _, reply = post(server.url + "/completions", {"prompt": "x", "n": 2})
        assert status == 400 and reply["error"]["param"] == "n"
