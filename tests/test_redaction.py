"""mopa.redaction: what is hidden, what is kept, and which LM flags are refused."""

import logging
import sys
import warnings

import pytest

from mopa.redaction import (
    REDACTED,
    looks_like_key,
    redact,
    redact_process_output,
    refuse_secret_flags,
)

OPENAI = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t"
HF = "hf_AbCdEfGhIjKlMnOpQrStUv12"
AWS = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

REDACTED_CASES = [
    # URL userinfo: the password goes, the user and the rest stay
    ("postgresql://mopa:s3cret@db:5432/optuna", "postgresql://mopa:***@db:5432/optuna"),
    ("http://user:p@ss@host/v1", "http://user:***@host/v1"),
    ("see http://u:pw@127.0.0.1:9/ for runs", "see http://u:***@127.0.0.1:9/ for runs"),
    # secret-named query params and assignments, whatever the value looks like
    ("postgresql://mopa:s3cret@db:5432/optuna?sslmode=require&password=x",
     "postgresql://mopa:***@db:5432/optuna?sslmode=require&password=***"),
    ("http://h/v1?api_key=abc123&model=m", "http://h/v1?api_key=***&model=m"),
    ("http://h/v1?key=abc&token=def&access_token=ghi&secret=jkl",
     "http://h/v1?key=***&token=***&access_token=***&secret=***"),
    ("OPENAI_API_KEY=whatever-it-is", "OPENAI_API_KEY=***"),
    ("LM(api_key='xyz', model='m')", "LM(api_key='***', model='m')"),
    ("{'api_key': 'xyz', 'model': 'm'}", "{'api_key': '***', 'model': 'm'}"),
    ('{"x-api-key": "xyz"}', '{"x-api-key": "***"}'),
    # headers and bearer tokens
    ("Authorization: Bearer abc.def-123", "Authorization: Bearer ***"),
    ("sent Bearer abcd1234efgh to the server", "sent Bearer *** to the server"),
    # key shapes anywhere
    (f"openai/gpt-4o-mini?api_key={OPENAI}", "openai/gpt-4o-mini?api_key=***"),
    (f"AuthenticationError: Incorrect API key provided: {OPENAI}.",
     "AuthenticationError: Incorrect API key provided: ***."),
    (f"token {HF} and {AWS}", "token *** and ***"),
    (f"{GITHUB} {JWT}", "*** ***"),
]

KEPT = [
    "sqlite:///optuna.db",
    "http://127.0.0.1:5000",
    "http://mopa@db/optuna",  # a user without a password is not a secret
    "openai/gpt-4o-mini",
    "text:openai/gemma@0.7",
    "max_tokens=256 monkey=banana",
    "a Bearer token is needed",
    "run 0123456789abcdef0123456789abcdef, commit 5f2b8c1e4d0a9b7c6e3f2a1d0c9b8a7f6e5d4c3b",
    "program_hash e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "task-specific desk-organizer-with-drawers",
    "make_lm(spec, api_key_env='NAME')",
]


@pytest.mark.parametrize(("text", "expected"), REDACTED_CASES)
def test_secrets_are_replaced(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # idempotent: redacting twice changes nothing


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_text_is_kept(text):
    assert redact(text) == text


@pytest.mark.parametrize(("name", "hidden"), [
    ("MOPA_TEST_API_KEY", True), ("MOPA_TEST_TOKEN", True), ("MOPA_TEST_SECRET", True),
    ("MOPA_TEST_DB_PASSWORD_FILE", True), ("MOPA_TEST_SETTING", False),
])
def test_values_of_secret_named_env_vars_are_replaced(monkeypatch, name, hidden):
    monkeypatch.setenv(name, "plain-value-42")
    assert (redact("got plain-value-42 back") == "got *** back") is hidden


def test_short_env_values_are_not_replaced_everywhere(monkeypatch):
    monkeypatch.setenv("MOPA_TEST_TOKEN", "true")
    assert redact("true") == "true"


def test_structures_are_redacted_recursively():
    manifest = {"lm": f"openai/x?key={OPENAI}", "n": 3, "none": None,
                "nested": {"api_key": "plain", "list": ["http://u:pw@h", ("t", 1)]},
                "max_tokens": 256, "tokens": "kept"}
    assert redact(manifest) == {"lm": "openai/x?key=***", "n": 3, "none": None,
                                "nested": {"api_key": REDACTED, "list": ["http://u:***@h",
                                                                          ("t", 1)]},
                                "max_tokens": 256, "tokens": "kept"}
    assert redact(None) is None and redact(1.5) == 1.5


@pytest.mark.parametrize(("spec", "key_like"), [
    (OPENAI, True), ("sk-short", True), ("A" * 40, True), (f"openai/{OPENAI}", True),
    ("openai/gpt-4o?api_key=x", True), ("openai/gpt-4o", False), ("embedded", False),
    ("fake@0.2", False), ("deepseek/deepseek-chat", False),
    ("openai/meta-llama-3.1-70b-instruct-turbo-0123456789", False),
])
def test_looks_like_key(spec, key_like):
    assert looks_like_key(spec) is key_like


@pytest.mark.parametrize(("dest", "flag", "value", "secret"), [
    ("lm", "--lm", f"openai/gpt-4o-mini?api_key={OPENAI}", OPENAI),
    ("lm", "--lm", OPENAI, OPENAI),
    ("lm", "--lm", "x" * 40, "x" * 40),
    ("planner_lm", "--planner-lm", OPENAI, OPENAI),
    ("proposer_lm", "--proposer-lm", f"text:{OPENAI}@0.5", OPENAI),
    ("proposer_lms", "--proposer-lms", f"fake,{OPENAI}@1.0", OPENAI),
    ("aggregator_lm", "--aggregator-lm", HF, HF),
    ("prompt_lm", "--prompt-lm", OPENAI, OPENAI),
    ("reflection_lm", "--reflection-lm", OPENAI, OPENAI),
    ("api_base", "--api-base", "http://user:hunter2pass@host/v1", "hunter2pass"),
    ("api_base", "--api-base", "http://host/v1?api_key=abcdef123", "abcdef123"),
])
def test_keys_in_lm_flags_are_refused_without_echo(dest, flag, value, secret):
    with pytest.raises(ValueError) as info:
        refuse_secret_flags({dest: value, "data": "demo:product_review"})
    message = str(info.value)
    assert message.startswith(f"{flag} ") and secret not in message
    assert "environment variable" in message and "--api-key-env NAME" in message


@pytest.mark.parametrize("value", [OPENAI, "A1b2C3d4E5f6G7h8I9j0K1l2M3n4", "MY-KEY", "x=y"])
def test_a_key_given_as_api_key_env_is_refused_without_echo(value):
    with pytest.raises(ValueError, match="--api-key-env: expected the NAME") as info:
        refuse_secret_flags({"api_key_env": value})
    assert value not in str(info.value)


def test_plain_lm_flags_pass():
    refuse_secret_flags({"lm": "fake", "proposer_lms": "fake,fake@0.2,embedded@1.0",
                         "api_base": "http://127.0.0.1:8080/v1", "planner_lm": None,
                         "aggregator_lm": "text:openai/gemma@0.3",
                         "api_key_env": "MY_PROVIDER_API_KEY",
                         "tracking_uri": "http://u:pw@h"})  # not an LM flag: redacted later


def test_process_output_is_redacted(monkeypatch, capsys):
    factory = logging.getLogRecordFactory()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            redact_process_output()
            redact_process_output()  # twice (main() runs more than once in a process): one wrap
            warnings.warn(f"cannot reach http://u:pw@h with {OPENAI}", UserWarning, stacklevel=1)
        assert [str(w.message) for w in caught] == ["cannot reach http://u:***@h with ***"]
        record = logging.getLogger("mopa.test").makeRecord(
            "mopa.test", logging.WARNING, __file__, 1, "key %s at %s", (OPENAI, "http://u:pw@h"),
            None)
        assert record.getMessage() == "key *** at http://u:***@h"
        try:
            raise RuntimeError(f"cannot reach http://u:pw@h with {OPENAI}")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        err = capsys.readouterr().err
        assert "RuntimeError: cannot reach http://u:***@h with ***" in err and OPENAI not in err
    finally:
        logging.setLogRecordFactory(factory)
