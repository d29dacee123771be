"""A local OpenAI-compatible server for offline tests and benches: /v1/chat/completions and
/v1/completions, in a thread of the test's own process.

It counts what a provider would bill (requests, prompt and completion tokens, one token per
whitespace-separated word), answers ``n`` choices in one response, and answers 429 with a
``Retry-After`` header once more than ``limit`` requests arrive within ``window`` seconds
(a sliding window, as providers' per-minute limits behave). ``reject_n`` makes it refuse
``n > 1`` with a 400, like an endpoint that does not sample several choices.

Chat replies speak DSPy's ChatAdapter format (``[[ ## field ## ]]`` markers for the output
fields the prompt asks for), so programs parse them like a chat model's.

    with OpenAIServer(limit=5, window=1.0) as server:
        lm = make_lm("openai/test", api_base=server.url)
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field

WORDS = ("great", "sound", "sturdy", "easy", "worth", "price", "tone", "solid", "value",
         "warm", "light", "reliable", "love", "decent", "happy", "strings")
_MARKER = re.compile(r"\[\[ ## (\w+) ## \]\]")


@dataclass
class Counts:
    requests: int = 0  # answered requests (429s and 400s excluded)
    rejected: int = 0  # 429s sent
    refused_n: int = 0  # 400s sent for n > 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    choices: int = 0
    n_seen: list[int] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # monotonic time of answered requests


def words(text: str) -> int:
    return len(text.split())


def reply_text(prompt: str, index: int) -> str:
    """Deterministic, distinct per prompt and per choice; 24 words, as long as a short review
    (a shorter one would be written again under the length policy)."""
    digest = hashlib.sha256(f"{index}\x00{prompt}".encode()).digest()
    return " ".join(WORDS[b % len(WORDS)] for b in digest[:24]) + "."


def chat_reply(messages: list[dict], index: int) -> str:
    prompt = "\n".join(str(m.get("content") or "") for m in messages)
    last = str(messages[-1].get("content") or "") if messages else ""
    asked = last.rsplit("Respond with", 1)[-1] if "Respond with" in last else ""
    names = [n for n in dict.fromkeys(_MARKER.findall(asked)) if n != "completed"]
    text = reply_text(prompt, index)
    if not names:
        return text
    return "\n\n".join(f"[[ ## {n} ## ]]\n{text}" for n in names) + "\n\n[[ ## completed ## ]]"


class OpenAIServer:
    def __init__(self, limit: int | None = None, window: float = 60.0, retry_after: float = 1.0,
                 reject_n: bool = False, latency: float = 0.0):
        self.limit, self.window, self.retry_after = limit, window, retry_after
        self.reject_n, self.latency = reject_n, latency
        self.counts = Counts()
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}/v1"

    def __enter__(self) -> OpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        with self._lock:
            self.counts = Counts()
            self._recent.clear()

    def admit(self) -> bool:
        """False when this request is over the rate limit (then it is answered 429)."""
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] >= self.window:
                self._recent.popleft()
            if self.limit is not None and len(self._recent) >= self.limit:
                self.counts.rejected += 1
                return False
            self._recent.append(now)
            self.counts.arrivals.append(now)
            return True

    def answer(self, path: str, body: dict) -> tuple[int, dict]:
        n = int(body.get("n") or 1)
        if n > 1 and self.reject_n:
            with self._lock:
                self.counts.refused_n += 1
            return 400, {"error": {"message": "n > 1 is not supported", "type":
                                   "invalid_request_error", "param": "n", "code": None}}
        if path.endswith("/chat/completions"):
            messages = body.get("messages") or []
            prompt_tokens = sum(words(str(m.get("content") or "")) for m in messages)
            texts = [chat_reply(messages, i) for i in range(n)]
            choices = [{"index": i, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": t}}
                       for i, t in enumerate(texts)]
            kind = "chat.completion"
        else:
            prompt = body.get("prompt") or ""
            prompt = prompt[0] if isinstance(prompt, list) else prompt
            prompt_tokens = words(prompt)
            texts = [reply_text(prompt, i) for i in range(n)]
            choices = [{"index": i, "finish_reason": "stop", "text": t, "logprobs": None}
                       for i, t in enumerate(texts)]
            kind = "text_completion"
        completion_tokens = sum(words(t) for t in texts)
        with self._lock:
            c = self.counts
            c.requests += 1
            c.prompt_tokens += prompt_tokens
            c.completion_tokens += completion_tokens
            c.choices += n
            c.n_seen.append(n)
        return 200, {"id": f"test-{c.requests}", "object": kind, "created": int(time.time()),
                     "model": body.get("model", "test"), "choices": choices,
                     "usage": {"prompt_tokens": prompt_tokens,
                               "completion_tokens": completion_tokens,
                               "total_tokens": prompt_tokens + completion_tokens}}


def _handler(server: OpenAIServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.rstrip("/").endswith(("/chat/completions", "/completions")):
                return self._send(404, {"error": {"message": f"no route {self.path}"}})
            if not server.admit():
                return self._send(429, {"error": {"message": "rate limit exceeded", "type":
                                                  "rate_limit_error", "code": "rate_limit"}},
                                  {"Retry-After": f"{server.retry_after:g}"})
            if server.latency:
                time.sleep(server.latency)
            status, reply = server.answer(self.path.rstrip("/"), body)
            self._send(status, reply)

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler
