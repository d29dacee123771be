"""--batch-n and --rpm reach the run's API LMs: RAG MoPA 4x1 against the local server sends one
proposer request (n=4) and one merge per example, each example's records intact."""

import json
import uuid

import pytest

from mopa.cli import main
from mopa.runs.settings import RunSettings
from tests.servers.openai_compat import OpenAIServer


def test_a_run_with_batch_n_and_rpm_sends_one_proposer_request_per_example(tmp_path):
    with OpenAIServer() as server:
        code = main(["run", "--data", "demo:product_review", "--limit", "2", "--program",
                     "rag-mopa", "--agents", "4", "--layers", "1", "--metrics", "rouge1",
                     "--lm", f"openai/t-{uuid.uuid4().hex[:8]}", "--api-base", server.url,
                     "--batch-n", "--rpm", "6000", "--no-progress", "--out", str(tmp_path)])
        assert code == 0
        assert sorted(server.counts.n_seen) == [1, 1, 4, 4]  # per example: proposers, merge
    records = [json.loads(line) for line in (tmp_path / "predictions.jsonl").open()]
    assert [r["lm_calls"] for r in records] == [2, 2]
    assert all(len(r["layers"][0]["drafts"]) == 4 and not r["layers"][0]["failures"]
               for r in records)


def test_a_bad_limit_is_refused_naming_the_flag():
    with pytest.raises(ValueError, match=r"--rpm 0: expected a number > 0"):
        RunSettings(rpm=0)
