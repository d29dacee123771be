"""The systems and aggregators experiments take every registered aggregator."""

from mopa.experiments import aggregators, systems
from mopa.programs.aggregators import aggregator_names


def test_every_aggregator_is_in_the_systems_experiment_or_left_out_with_a_reason():
    assert set(systems.ORDER) | set(systems.LEFT_OUT) == set(aggregator_names())
    assert not set(systems.ORDER) & set(systems.LEFT_OUT)
    used = {dict(s.options).get("aggregator") for s in systems.EXPERIMENT.systems}
    assert used - {None} == set(systems.ORDER)
    # The first block generates the drafts the later ones reuse: it adds no LM call.
    assert systems.ORDER[:3] == ("fusion", "consensus", "longest")


def test_the_aggregators_experiment_has_a_row_per_aggregator():
    used = [dict(s.options).get("aggregator") for s in aggregators.EXPERIMENT.systems]
    assert [a for a in used if a] == list(aggregator_names())
