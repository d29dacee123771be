"""Bad input, table-driven: every user mistake is one ``mopa: error:`` line naming what was
wrong (the file, its line and field where there is one), exit code 2, no traceback, and a
refusal before anything is written to ``--out``.

Each case is a command line whose ``{t}`` is the test's directory, holding the files that
``bad_files`` writes, and the text the error line must contain.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mopa.cli import main
from tests.conftest import review_record

ABSTRACT = {"name": "Ada", "input": 'Generate an abstract for the title "X" using the '
            "following items: a, b", "output": "Text.",
            "profile": [{"title": "t", "abstract": "a b c", "id": "1", "year": 2001}]}


def _jsonl(*lines) -> bytes:
    return b"".join((ln if isinstance(ln, bytes) else json.dumps(ln).encode()) + b"\n"
                    for ln in lines)


@pytest.fixture
def bad_files(tmp_path):
    good = [review_record(f"u{i}") for i in range(3)]
    latin1 = json.dumps(review_record("caf\u00e9"), ensure_ascii=False).encode("latin-1")
    files = {
        "good.jsonl": _jsonl(*good),
        "latin1.jsonl": _jsonl(good[0], latin1),
        "latin1.json": b"[\n" + latin1 + b"\n]\n",
        "notlist.json": b'{"a": 1}\n',
        "mixed.jsonl": _jsonl(good[0], ABSTRACT),
        "badjson.jsonl": _jsonl(good[0], b"{not json"),
        "nofield.jsonl": _jsonl(good[0], {k: v for k, v in good[1].items() if k != "output"}),
        "afile": b"not a directory\n",
        "blank.jsonl": b"\n\n",
        "preds-latin1.jsonl": _jsonl({"id": "a", "prediction": "x"},
                                     b'{"id": "b", "prediction": "caf\xe9"}'),
        "preds-noprediction.jsonl": _jsonl({"id": "a"}),
        "preds-unknown.jsonl": _jsonl({"id": "nobody", "prediction": "x"}),
        "prog-preset.json": _prog({"task": "product_review", "preset": "nope"}),
        "prog-agents.json": _prog({"task": "product_review", "preset": "rag-mopa",
                                   "agents": "x"}),
        "prog-noconfig.json": json.dumps({"format": "mopa-program/1", "state": {}}).encode(),
        "prog-state.json": _prog({"task": "product_review", "preset": "rag"}, {"x": {}}),
        "prog-notjson.json": b"{\n",
        "prog-latin1.json": b'{"format": "caf\xe9"}',
        "torn/run.json": b'{\n  "data": "go',
        "exp/table/results.json": b'{"settings": ',
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "adir").mkdir()
    return tmp_path


def _prog(config: dict, state: dict | None = None) -> bytes:
    return json.dumps({"format": "mopa-program/1", "config": config,
                       "state": {} if state is None else state}).encode()


RUN = ["run", "--lm", "fake", "--no-progress", "--program", "rag", "--out", "{t}/out"]
RUN_GOOD = [*RUN, "--data", "{t}/good.jsonl"]
# MLflow under --out too, so "nothing written" covers a tracking run started too early.
TRACK = ["--tracking-uri", "sqlite:///{t}/out/mlflow.db"]

CASES = {
    # Data files and sources.
    "data not UTF-8": ([*RUN, "--data", "{t}/latin1.jsonl"],
                       "latin1.jsonl:2: not UTF-8 text (byte 0xe9"),
    "data .json not UTF-8": ([*RUN, "--data", "{t}/latin1.json"], "latin1.json:2: not UTF-8"),
    ".json not a list": ([*RUN, "--data", "{t}/notlist.json"], "must hold a list of records"),
    "data mixing tasks": ([*RUN, "--data", "{t}/mixed.jsonl"],
                          "mixed.jsonl:2: field 'name' makes this record abstract_generation, "
                          "but line 1 is product_review"),
    "data is a directory": ([*RUN, "--data", "{t}/adir"], "adir: is a directory"),
    "data bad JSON line": ([*RUN, "--data", "{t}/badjson.jsonl"],
                           "badjson.jsonl:2: invalid JSON"),
    "data missing field": ([*RUN, "--data", "{t}/nofield.jsonl"],
                           "nofield.jsonl:2: field 'output' is missing"),
    "data without records": ([*RUN, "--data", "{t}/blank.jsonl"],
                             "blank.jsonl: no examples to run"),
    "data missing file": ([*RUN, "--data", "{t}/nope.jsonl"], "nope.jsonl does not exist"),
    "unknown demo task": ([*RUN, "--data", "demo:nope"], "unknown task 'nope'"),
    "unknown hub config": ([*RUN, "--data", "longlamp:nope"], "unknown LongLaMP config"),
    # --out.
    "out is a file": ([*RUN_GOOD, "--out", "{t}/afile"], "--out {t}/afile is a file"),
    "out under a file": ([*RUN_GOOD, "--out", "{t}/afile/run"],
                         "afile/run: a part of this path is a file"),
    "torn run.json": ([*RUN_GOOD, "--out", "{t}/torn"],
                      "torn/run.json is unreadable (line 2: Unterminated string"),
    # LM specs and run settings.
    "unknown LM spec": ([*RUN_GOOD, "--lm", "gpt4"], "unknown LM spec 'gpt4'"),
    "fake unknown key": ([*RUN_GOOD, "--lm", "fake?nope=1"], "unknown key 'nope'"),
    "fake bad rate": ([*RUN_GOOD, "--lm", "fake?fail_rate=2"],
                      "fail_rate='2', expected a probability"),
    "fake bad latency": ([*RUN_GOOD, "--lm", "fake?latency=-1"], "latency='-1'"),
    "fake rates over 1": ([*RUN_GOOD, "--lm", "fake?fail_rate=0.6&empty_rate=0.6"],
                          "fail_rate + empty_rate must be <= 1"),
    "bad temperature suffix": ([*RUN_GOOD, "--lm", "fake@hot"], "the part after '@'"),
    "bad proposer LM": ([*RUN_GOOD, "--program", "rag-mopa", "--agents", "2", "--layers", "1",
                         "--proposer-lm", "gpt4"], "unknown LM spec 'gpt4'"),
    "k 0": ([*RUN_GOOD, "--k", "0"], "--k 0: expected an integer >= 1"),
    "max-tokens 0": ([*RUN_GOOD, "--max-tokens", "0"], "--max-tokens 0"),
    "temperature -1": ([*RUN_GOOD, "--temperature", "-1"], "--temperature -1.0"),
    "limit 0": ([*RUN_GOOD, "--limit", "0"], "--limit 0"),
    "workers 0": ([*RUN_GOOD, "--workers", "0"], "--workers 0"),
    "max-words 0": ([*RUN_GOOD, "--max-words", "0"], "--max-words 0"),
    # Program files.
    "program unknown preset": ([*RUN_GOOD, "--program-file", "{t}/prog-preset.json"],
                               "prog-preset.json: field 'config': unknown program 'nope'"),
    "program bad agents": ([*RUN_GOOD, "--program-file", "{t}/prog-agents.json"],
                           "prog-agents.json: field 'config'"),
    "program without config": ([*RUN_GOOD, "--program-file", "{t}/prog-noconfig.json"],
                               "prog-noconfig.json: field 'config' is missing"),
    "program state mismatch": ([*RUN_GOOD, "--program-file", "{t}/prog-state.json"],
                               "prog-state.json: field 'state'"),
    "program not JSON": ([*RUN_GOOD, "--program-file", "{t}/prog-notjson.json"],
                         "prog-notjson.json:2: invalid JSON"),
    "program not UTF-8": ([*RUN_GOOD, "--program-file", "{t}/prog-latin1.json"],
                          "prog-latin1.json:1: not UTF-8 text"),
    "program missing": ([*RUN_GOOD, "--program-file", "{t}/nope.json"],
                        "program file {t}/nope.json does not exist"),
    "program is a directory": ([*RUN_GOOD, "--program-file", "{t}/adir"],
                               "adir: is a directory, not a JSON file"),
    # mopa evaluate and mopa data stats.
    "predictions not UTF-8": (["evaluate", "--data", "{t}/good.jsonl", "--predictions",
                               "{t}/preds-latin1.jsonl"], "preds-latin1.jsonl:2: not UTF-8"),
    "predictions is a directory": (["evaluate", "--data", "{t}/good.jsonl", "--predictions",
                                    "{t}/adir"], "adir: is a directory"),
    "predictions without prediction": (["evaluate", "--data", "{t}/good.jsonl",
                                        "--predictions", "{t}/preds-noprediction.jsonl"],
                                       "preds-noprediction.jsonl:1: field 'prediction'"),
    "predictions of other data": (["evaluate", "--data", "{t}/good.jsonl", "--predictions",
                                   "{t}/preds-unknown.jsonl"], "are not in the data"),
    "predictions missing": (["evaluate", "--data", "{t}/good.jsonl", "--predictions",
                             "{t}/nope.jsonl"], "predictions file {t}/nope.jsonl does not"),
    "evaluate data not UTF-8": (["evaluate", "--data", "{t}/latin1.jsonl", "--predictions",
                                 "{t}/preds-unknown.jsonl"], "latin1.jsonl:2: not UTF-8"),
    "stats of a directory": (["data", "stats", "--data", "{t}/adir"], "adir: is a directory"),
    "stats mixing tasks": (["data", "stats", "--data", "{t}/mixed.jsonl"], "mixed.jsonl:2:"),
    # compile and experiment refuse before writing their outputs.
    "compile unknown LM": (["compile", "--data", "{t}/good.jsonl", "--train", "1", "--val", "1",
                            "--lm", "gpt4",
                            "--no-progress", "--program-file", "{t}/out/program.json", *TRACK],
                           "unknown LM spec 'gpt4'"),
    "compile bad prompt LM": (["compile", "--data", "{t}/good.jsonl", "--train", "1", "--val",
                               "1", "--lm", "fake", "--prompt-lm", "gpt4", "--no-progress",
                               "--program-file", "{t}/out/program.json", *TRACK],
                              "unknown LM spec 'gpt4'"),
    "compile data mixing tasks": (["compile", "--data", "{t}/mixed.jsonl", "--lm", "fake",
                                   "--no-progress", "--program-file", "{t}/out/program.json",
                                   *TRACK],
                                  "mixed.jsonl:2:"),
    "experiment unknown LM": (["experiment", "table", "--data", "{t}/good.jsonl", "--lm",
                               "gpt4", "--no-progress", "--out", "{t}/out"],
                              "unknown LM spec 'gpt4'"),
    "experiment bad -md LMs": (["experiment", "table", "--data", "{t}/good.jsonl", "--lm",
                                "fake", "--systems", "copy-latest,rag-mopa-md",
                                "--proposer-lms", "fake,gpt4", "--no-progress", "--out",
                                "{t}/out"], "unknown LM spec 'gpt4'"),
    "experiment torn results.json": (["experiment", "table", "--data", "{t}/good.jsonl", "--lm",
                                      "fake", "--systems", "copy-latest", "--no-progress",
                                      "--out", "{t}/exp"],
                                     "exp/table/results.json:1: invalid JSON"),
    "results torn results.json": (["results", "--runs", "{t}/exp", "--doc",
                                   "{t}/out/results.md"],
                                  "exp/table/results.json:1: invalid JSON"),
}


def _snapshot(root):
    # The directory lock is taken (and its file created) before run.json can be read safely.
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock"}


@pytest.mark.parametrize("argv, expected", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_naming_the_problem_and_writes_nothing(bad_files, capsys,
                                                                     argv, expected):
    before = _snapshot(bad_files)
    code = main([a.format(t=bad_files) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("mopa: error: "), err
    assert expected.format(t=bad_files) in err
    assert "Traceback" not in err
    assert not (bad_files / "out").exists()
    assert _snapshot(bad_files) == before  # no input touched, nothing half-written


def test_a_file_with_a_utf8_byte_order_mark_is_read(bad_files, capsys):
    path = bad_files / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (bad_files / "good.jsonl").read_bytes())
    assert main(["data", "stats", "--data", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["examples"] == 3


def test_the_corrected_rerun_into_the_same_out_runs(bad_files, capsys):
    """A refused --lm left nothing behind, so fixing the flag is enough."""
    argv = [a.format(t=bad_files) for a in RUN_GOOD]
    assert main([*argv, "--lm", "gpt4"]) == 2
    assert main([*argv, "--lm", "fake"]) == 0
    assert "changed" not in capsys.readouterr().err


def test_the_installed_command_exits_2_with_one_line_and_no_traceback(bad_files):
    """Once through a real process: the exit code and stderr a shell sees (`mopa` is main)."""
    done = subprocess.run([sys.executable, "-m", "mopa.cli", "run", "--data",
                           str(bad_files / "adir"), "--lm", "fake", "--out",
                           str(bad_files / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == (f"mopa: error: {bad_files / 'adir'}: is a directory, not a data "
                           "file; pass the file's path\n")
    assert not (bad_files / "out").exists()
