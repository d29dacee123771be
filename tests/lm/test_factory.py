import json
import os
import subprocess
import sys
from types import SimpleNamespace

import dspy
import pytest

from mopa.lm import FakeEngine, LlamaCppEngine, describe_lm, make_lm
from mopa.lm.embedded import AsyncLlamaCppEngine
from mopa.lm.factory import LOCAL_SERVER_PLACEHOLDER_KEY, CompletionsEngine

SECRET = "sk-test-0123456789abcdef0123456789abcdef"


def test_fake_spec():
    lm = make_lm("fake", temperature=0.2, max_tokens=50)
    assert isinstance(lm.engine, FakeEngine)
    assert lm.model_type == "text"
    assert lm.kwargs["temperature"] == 0.2 and lm.kwargs["max_tokens"] == 50


def test_embedded_spec_builds_without_loading_the_model():
    lm = make_lm("embedded")
    assert isinstance(lm.engine, LlamaCppEngine)
    assert lm.model == "local/gemma-3-270m" and lm.model_type == "text"
    assert lm.kwargs["temperature"] == 0.7 and lm.kwargs["max_tokens"] == 256


def test_package_import_does_not_import_llama_cpp():
    code = "import sys, mopa.lm; mopa.lm.make_lm('embedded'); print('llama_cpp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert out.stdout.strip() == "False"


def test_embedded_lm_state_saves_without_secrets_or_machine_paths(tmp_path):
    lm = make_lm("embedded")
    state = lm.dump_state()
    assert state["engine"]["state"] == {"model_path": None, "n_ctx": 8192, "n_threads": 2}
    restored = dspy.BaseLM.load_state(state, allow_custom_lm_class=True)
    assert isinstance(restored.engine, LlamaCppEngine)
    assert isinstance(restored._async_engine_spec, AsyncLlamaCppEngine)

    predict = dspy.Predict("query -> review")
    predict.set_lm(lm)
    predict.save(tmp_path / "p.json")
    loaded = dspy.Predict("query -> review")
    loaded.load(tmp_path / "p.json", allow_unsafe_lm_state=True)
    assert loaded.lm.model == "local/gemma-3-270m"


def test_custom_model_path_gets_its_own_model_name():
    from mopa.lm import embedded_lm

    assert embedded_lm(model_path="/models/other-base.gguf").model == "local/other-base"


def test_litellm_spec_passes_settings_through():
    lm = make_lm("openai/gpt-4o-mini", temperature=0.3, max_tokens=100)
    assert isinstance(lm, dspy.LM)
    assert lm.model == "openai/gpt-4o-mini" and lm.model_type == "chat"
    assert lm.kwargs["temperature"] == 0.3 and lm.kwargs["max_tokens"] == 100
    assert "api_key" not in lm.kwargs  # LiteLLM's own environment lookup applies


def test_litellm_cost_map_download_is_disabled():
    assert os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP") == "True"


@pytest.mark.parametrize("spec", ["gpt4o", "", "   ", "openai/", "open ai/gpt"])
def test_malformed_specs_are_refused(spec):
    with pytest.raises(ValueError, match="LM spec|model string"):
        make_lm(spec)


def test_a_key_passed_as_spec_is_refused_without_echoing_it():
    with pytest.raises(ValueError) as info:
        make_lm(SECRET)
    assert SECRET not in str(info.value) and "api_key_env" in str(info.value)


def test_api_key_comes_only_from_the_named_environment_variable(monkeypatch):
    monkeypatch.setenv("MOPA_TEST_KEY", SECRET)
    lm = make_lm("deepseek/deepseek-chat", api_key_env="MOPA_TEST_KEY")
    assert lm.kwargs["api_key"] == SECRET
    assert SECRET not in json.dumps(describe_lm(lm), default=str)
    assert SECRET not in json.dumps(lm.dump_state(), default=str)
    with pytest.raises(ValueError, match="api_key cannot be passed"):
        make_lm("openai/gpt-4o", api_key=SECRET)


def test_missing_or_invalid_key_variable_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("MOPA_MISSING_KEY", raising=False)
    with pytest.raises(ValueError, match="MOPA_MISSING_KEY is not set"):
        make_lm("openai/gpt-4o", api_key_env="MOPA_MISSING_KEY")
    with pytest.raises(ValueError, match="NAME of an environment variable"):
        make_lm("openai/gpt-4o", api_key_env=SECRET + "!")


def test_api_base_without_key_variable_sends_a_placeholder_not_an_ambient_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    lm = make_lm("openai/local-model", api_base="http://127.0.0.1:8080/v1?tok=zq7")
    assert lm.kwargs["api_key"] == LOCAL_SERVER_PLACEHOLDER_KEY
    info = describe_lm(lm)
    assert info["api_base_host"] == "127.0.0.1:8080"
    assert "zq7" not in json.dumps(info) and SECRET not in json.dumps(info)
    with pytest.raises(ValueError, match="must not carry credentials"):
        make_lm("openai/local-model", api_base="http://usr:pw9x@127.0.0.1:8080/v1")
    with pytest.raises(ValueError, match="must not carry credentials") as info:
        make_lm("openai/local-model", api_base="http://127.0.0.1:8080/v1?api_key=zq7")
    assert "zq7" not in str(info.value)


def test_bad_api_base_and_model_type_are_refused():
    with pytest.raises(ValueError, match="http"):
        make_lm("openai/x", api_base="127.0.0.1:8080")
    with pytest.raises(ValueError, match="model_type"):
        make_lm("openai/x", model_type="completion")
    with pytest.raises(ValueError, match="in-process"):
        make_lm("embedded", api_base="http://127.0.0.1:1/v1")


def test_describe_lm_fields():
    info = describe_lm(make_lm("fake", temperature=0.1, max_tokens=9))
    assert info["model"] == "local/fake" and info["model_type"] == "text"
    assert info["temperature"] == 0.1 and info["max_tokens"] == 9
    assert info["engine"] == "FakeEngine"
    assert info["engine_state"] == {"latency": 0.0, "fail_first": 0, "retry_after": 0.0}
    json.dumps(info)


class _FakeTextCompletion:
    """Stands in for litellm.text_completion; records the arguments of each call."""

    def __init__(self, fail_first=0):
        self.calls, self.fail_first = [], fail_first

    def __call__(self, **arguments):
        import litellm

        self.calls.append(arguments)
        if len(self.calls) <= self.fail_first:
            raise litellm.APIConnectionError(message="down", llm_provider="openai",
                                             model=arguments["model"])
        return SimpleNamespace(id="cmpl-1", choices=[SimpleNamespace(text=" on topic",
                                                                     finish_reason="stop")],
                               usage=SimpleNamespace(prompt_tokens=7, completion_tokens=2))


def _patch_text_completion(monkeypatch, fake: _FakeTextCompletion) -> _FakeTextCompletion:
    """Patch the real ``litellm`` module, which DSPy's lazy proxy reads through on every call.

    Patching the proxy object itself broke on pytest 9 (its monkeypatch restores with
    ``delattr``/``setattr`` on the proxy, which has no such attribute of its own).
    """
    import litellm

    monkeypatch.setattr(litellm, "text_completion", fake)
    return fake


@pytest.fixture
def text_completion(monkeypatch):
    return _patch_text_completion(monkeypatch, _FakeTextCompletion())


def test_text_spec_sends_the_prompt_verbatim_to_the_completions_endpoint(text_completion):
    lm = make_lm("openai/gemma", temperature=0.2, max_tokens=30, model_type="text",
                 api_base="http://127.0.0.1:9999/v1", cache=False, seed=3)
    assert isinstance(lm.engine, CompletionsEngine) and lm.model_type == "text"
    assert lm("Review:\n", stop=["\n\n"]) == [" on topic"]
    (sent,) = text_completion.calls
    # Verbatim: no chat template and none of DSPy's "BEGIN RESPONSE:" suffix.
    assert sent["prompt"] == "Review:\n"
    assert sent["model"] == "text-completion-openai/gemma"
    assert sent["api_base"] == "http://127.0.0.1:9999/v1"
    assert sent["api_key"] == LOCAL_SERVER_PLACEHOLDER_KEY
    assert (sent["max_tokens"], sent["temperature"], sent["stop"], sent["seed"]) == (
        30, 0.2, ["\n\n"], 3)
    assert lm.history[-1]["usage"]["prompt_tokens"] == 7


def test_text_spec_reads_the_key_at_call_time_and_never_stores_it(text_completion,
                                                                  monkeypatch):
    monkeypatch.setenv("MOPA_TEXT_KEY", SECRET)
    lm = make_lm("openai/gemma", model_type="text", api_key_env="MOPA_TEXT_KEY", cache=False)
    lm("x")
    assert text_completion.calls[0]["api_key"] == SECRET
    assert "api_base" not in text_completion.calls[0]
    for record in (lm.dump_state(), describe_lm(lm), lm.kwargs):
        assert SECRET not in json.dumps(record, default=str)
    assert lm.dump_state()["engine"]["state"]["api_key_env"] == "MOPA_TEXT_KEY"


def test_text_spec_transport_errors_are_retried_by_dspy(monkeypatch):
    flaky = _patch_text_completion(monkeypatch, _FakeTextCompletion(fail_first=1))
    lm = make_lm("openai/gemma", model_type="text", api_base="http://127.0.0.1:9999/v1",
                 cache=False, num_retries=1)
    assert lm("x") == [" on topic"]
    assert len(flaky.calls) == 2
