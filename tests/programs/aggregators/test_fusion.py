"""fusion: the consensus draft extended with the sentences other drafts support."""

from mopa.programs.aggregators.consensus import consensus
from mopa.programs.aggregators.fusion import fusion

DRAFTS = [
    "The tuner is accurate. It clips on easily.",
    "Accurate tuner. The display is bright on stage. It clips on easily.",
    "The display is bright on stage. Battery life is long.",
    "I like pizza. Pizza is great food for everyone.",
]


def test_fusion_extends_the_consensus_draft_with_supported_new_sentences():
    fused = fusion(DRAFTS, target_words=16, metric="rougeL")
    assert fused.output.startswith(DRAFTS[fused.choice])
    assert "Pizza" not in fused.output  # no other draft supports it
    assert fused.output.count("clips on easily") == 1  # said already: not repeated
    assert len(fused.output.split()) >= 16 or "Battery" in fused.output
    # It records the consensus pick it started from.
    assert (fused.choice, fused.scores) == (consensus(DRAFTS, "rougeL").choice,
                                           consensus(DRAFTS, "rougeL").scores)


def test_fusion_without_a_target_or_already_long_is_the_consensus_draft():
    base = consensus(DRAFTS).choice
    assert fusion(DRAFTS, None).output == DRAFTS[base]
    assert fusion(DRAFTS, 3).output == DRAFTS[base]
