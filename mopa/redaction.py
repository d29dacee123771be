"""One redaction for everything MoPA saves or prints, and the refusal of keys typed into flags.

``redact`` is the only function that hides secrets: run manifests, program files, MLflow params
and tags, Optuna user attrs, log records, error lines and tracebacks all go through it, so
"redacted" means the same thing everywhere. It replaces with ``***``:

- the password of a URL (``postgresql://user:***@db/optuna``),
- the value of anything named like a secret: ``api_key=``, ``key=``, ``token=``,
  ``password=``, ``secret=``, ``access_token=`` ... (query strings, kwargs, env assignments,
  ``'api_key': '...'`` in reprs), and the value of such a key in a dict,
- ``Bearer <token>`` and ``Authorization: ...`` headers,
- strings shaped like provider keys (``sk-...``, ``hf_...``, ``AKIA...``, ``ghp_...``, JWTs),
- the literal value of any environment variable named like a secret (``*_KEY``, ``*_TOKEN``,
  ``*_SECRET``, ``*PASSWORD*``) wherever it appears.

Long random-looking strings in general are kept: run ids, git commits and program hashes are
such strings, and manifests need them intact.

``refuse_secret_flags`` stops a command whose LM flags (``--lm``, ``--api-base``, ...) hold a
key, before anything is written: those values are recorded verbatim, and a key belongs in the
environment, named by ``--api-key-env`` (``api_key_env`` of ``mopa.lm.factory.make_lm``).
This module imports only the standard library.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import traceback
import warnings
from collections.abc import Mapping
from urllib.parse import urlsplit

REDACTED = "***"

# Values this short would be replaced everywhere they occur as a substring ("1", "true").
_MIN_ENV_SECRET = 8
_SECRET_ENV_NAME = re.compile(r"(?i)(?:^|_)(?:KEY|APIKEY|TOKEN|SECRET|PASSWD)$|PASSWORD")

# A secret-like name: one of these words, alone or as the last part of a dotted/dashed/snake
# name (OPENAI_API_KEY, x-api-key, db.password); "max_tokens" or "monkey" are not.
_WORDS = (r"api[_\-]?key|apikey|key|token|secret|password|passwd|pwd|auth|authorization|"
          r"credentials?|signature|sig")
_NAME = rf"(?:[A-Za-z0-9]+[_\-.])*(?:{_WORDS})"
_SECRET_NAME = re.compile(rf"(?i){_NAME}")
_ASSIGNMENT = re.compile(rf"(?i)(?<![A-Za-z0-9])({_NAME})(\s*=\s*['\"]?)([^\s&#'\",;)\]}}]+)")
_QUOTED = re.compile(rf"(?i)(['\"])({_NAME})\1(\s*:\s*)(['\"])([^'\"]+)\4")
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^\s/@:?#]*):[^\s/?#]*@")
_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization\s*:\s*(?:(?:bearer|basic|token)\s+)?)"
                     r"[^\s'\",]+")
# A bearer token has a digit: "a Bearer token" in prose is left alone.
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?=[A-Za-z0-9._~+/\-]*\d)[A-Za-z0-9._~+/\-]{8,}=*")
_KEY_SHAPES = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?:sk|rk|pk)[-_][A-Za-z0-9_\-]{16,}"  # OpenAI (sk-proj-), Anthropic (sk-ant-), DeepSeek
    r"|hf_[A-Za-z0-9]{16,}"  # Hugging Face
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key ids
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_\-]{20,}"
    r"|xox[abprs]-[A-Za-z0-9\-]{10,}"  # Slack
    r"|AIza[0-9A-Za-z_\-]{35}"  # Google
    r"|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"  # JWTs
    r")")
# A whole LM spec that is a bare token: key prefixes, or 32+ characters with no provider "/".
_BARE_KEY = re.compile(r"^(?:sk|pk|rk|key|api)[-_]|^[A-Za-z0-9_\-]{32,}$")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def redact(value):
    """``value`` with its secrets replaced by ``***``: a string redacted, a dict/list/tuple
    copied with its keys and values redacted (a secret-named key's string value wholly),
    anything else (None, numbers) unchanged."""
    return _redact(value, _env_secrets())


def _redact(value, env: list[str]):
    if isinstance(value, str):
        return _redact_text(value, env)
    if isinstance(value, Mapping):
        return {_redact(k, env): REDACTED if _secret_item(k, v) else _redact(v, env)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, env) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact(v, env) for v in value)
    return value


def _secret_item(key, value) -> bool:
    return isinstance(key, str) and isinstance(value, str) and bool(value) and bool(
        _SECRET_NAME.fullmatch(key))


def _env_secrets() -> list[str]:
    """The values of secret-named environment variables, longest first (so that a value
    containing another is replaced whole)."""
    values = {v for k, v in os.environ.items()
              if _SECRET_ENV_NAME.search(k) and len(v) >= _MIN_ENV_SECRET}
    return sorted(values, key=len, reverse=True)


def _redact_text(text: str, env: list[str]) -> str:
    for secret in env:
        text = text.replace(secret, REDACTED)
    text = _USERINFO.sub(rf"\1:{REDACTED}@", text)
    text = _QUOTED.sub(rf"\1\2\1\3\4{REDACTED}\4", text)
    text = _ASSIGNMENT.sub(rf"\1\2{REDACTED}", text)
    text = _HEADER.sub(rf"\1{REDACTED}", text)
    text = _BEARER.sub(rf"\1{REDACTED}", text)
    return _KEY_SHAPES.sub(REDACTED, text)


def looks_like_key(text: str) -> bool:
    """Whether ``text`` holds something ``redact`` hides, or is as a whole a bare token where
    an LM spec was expected (``sk-...``, 32+ characters without a provider ``/``)."""
    text = text.strip()
    return redact(text) != text or ("/" not in text and bool(_BARE_KEY.match(text)))


# The flags (argparse dests) that name an LM or where one is served: their values are recorded
# as given, in run.json, program files and MLflow params.
LM_FLAGS = {"lm": "--lm", "proposer_lm": "--proposer-lm", "planner_lm": "--planner-lm",
            "aggregator_lm": "--aggregator-lm", "proposer_lms": "--proposer-lms",
            "prompt_lm": "--prompt-lm", "reflection_lm": "--reflection-lm",
            "api_base": "--api-base"}


def refuse_secret_flags(values: Mapping) -> None:
    """Raise ValueError naming the first LM flag in ``values`` (parsed flags by dest) that
    holds a key, token or password, without echoing it."""
    for dest, flag in LM_FLAGS.items():
        value = values.get(dest)
        if not isinstance(value, str):
            continue
        if dest == "api_base":
            found = _has_password(value) or looks_like_key(value)
            plain = "the URL without it, e.g. --api-base http://127.0.0.1:8080/v1"
        else:  # a comma list of specs (--proposer-lms), each maybe text:<spec>@<temperature>
            found = any(looks_like_key(_spec_name(p)) for p in value.split(",") if p.strip())
            plain = f"the plain spec, e.g. {flag} openai/gpt-4o-mini"
        if found:
            shown = redact(value)
            raise ValueError(
                f"{flag} {shown if shown != value else REDACTED!r}: this looks like it holds an "
                "API key, token or password, and flag values are saved as given (run.json, "
                "program files, MLflow params); put the key in an environment variable and "
                "pass its name with --api-key-env NAME (make_lm's api_key_env; without it "
                f"LiteLLM reads its provider's own, e.g. OPENAI_API_KEY), and pass {plain}")
    name = values.get("api_key_env")
    if isinstance(name, str) and not _is_env_name(name):
        raise ValueError("--api-key-env: expected the NAME of an environment variable that "
                         "holds the key (letters, digits, _), e.g. OPENAI_API_KEY, not the key "
                         "itself (not shown): export KEY_NAME=... and pass --api-key-env KEY_NAME")


def _spec_name(spec: str) -> str:
    """``text:openai/x@0.7`` -> ``openai/x`` (what make_lm is given)."""
    spec = spec.strip().removeprefix("text:")
    name, at, temperature = spec.rpartition("@")
    return name if at and temperature.replace(".", "", 1).isdigit() else spec


def _is_env_name(name: str) -> bool:
    # 24+ characters without an "_" are key material, not a variable name.
    return (bool(_ENV_NAME.fullmatch(name)) and redact(name) == name
            and (len(name) < 24 or "_" in name))


def _has_password(url: str) -> bool:
    try:
        return urlsplit(url).password is not None
    except ValueError:
        return False


class _RedactingRecord(logging.LogRecord):
    """A log record whose message (and formatted traceback) is redacted when it is made."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Bad %-args: the record is left as it is, for logging to report as usual.
        with contextlib.suppress(Exception):
            self.msg, self.args = redact(self.getMessage()), ()
        if self.exc_info and self.exc_info[0] is not None:
            self.exc_text = redact("".join(traceback.format_exception(*self.exc_info)).rstrip())


def _excepthook(kind, error, tb) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, error, tb))))


def _redacting_showwarning(show):
    def showwarning(message, category, filename, lineno, file=None, line=None):
        show(redact(str(message)), category, filename, lineno, file, line)

    showwarning.redacting = True
    return showwarning


def redact_process_output() -> None:
    """From now on, log records (ours and libraries'), warnings and uncaught tracebacks are
    redacted: an MLflow or LiteLLM error can quote a tracking URI or request with its
    credentials."""
    logging.setLogRecordFactory(_RedactingRecord)
    sys.excepthook = _excepthook
    if not getattr(warnings.showwarning, "redacting", False):  # wrap once per process
        warnings.showwarning = _redacting_showwarning(warnings.showwarning)
