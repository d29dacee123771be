"""consensus: the draft the others agree with, and the scores behind the pick."""

import pytest

from mopa.programs.aggregators import SIMILARITIES
from mopa.programs.aggregators.consensus import consensus


@pytest.mark.parametrize("metric", SIMILARITIES)
def test_consensus_picks_the_draft_the_others_agree_with(metric):
    drafts = ["accurate tuner with a bright display",
              "accurate tuner, bright display, holds its tuning on stage",
              "it holds its tuning on stage",
              "I like pizza"]
    pick = consensus(drafts, metric)
    assert pick.choice == 1 and pick.output == drafts[1] and len(pick.scores) == 4
    assert pick.scores[3] == min(pick.scores)
    assert pick.record()["choice"]["chosen"] == 2


def test_consensus_of_one_draft_is_that_draft():
    assert consensus(["only"]).choice == 0


def test_unknown_similarity_names_the_choices():
    with pytest.raises(ValueError, match="meteor, rougeL"):
        consensus(["a b", "c d"], "bleu")
