"""The preset table is the one place a system is declared: a new row works everywhere."""

import optuna
import pytest

from mopa.optimizers.search_space import SearchSpace, suggest
from mopa.programs import MoPA, Preset, build_program, make_config
from mopa.programs.presets import PRESETS, layered_presets, table_presets


@pytest.fixture
def toy_preset(monkeypatch):
    # The worked example of "adding a preset touches one place": this row is all it takes.
    row = Preset("styled-rag-mopa", "Styled RAG MoPA", "mopa", kind="rag", roles=("style",))
    monkeypatch.setitem(PRESETS, row.name, row)
    return row


def test_a_new_row_builds_counts_and_is_searchable(toy_preset):
    config = make_config(toy_preset.name, agents=3, layers=2)
    assert [a.kind for a in config.agents] == ["rag"] * 3
    assert {a.role for a in config.agents} == {"style"}
    assert config.lm_calls == 0 + 3 * 2 + 2  # no planner
    assert isinstance(build_program(config), MoPA)
    assert toy_preset.name in layered_presets()
    assert toy_preset.name in table_presets()

    space = SearchSpace(presets=(toy_preset.name,), agents=(2, 2), layers=(1, 1))
    trial = optuna.trial.FixedTrial({"preset": toy_preset.name, "agents": 2, "layers": 1,
                                     "aggregator": "merge", "aggregator_temperature": 0.5,
                                     "user_length": False, "temperature": 0.7, "k": 4,
                                     "max_words": 100})
    assert suggest(trial, space, "product_review")[0].preset == toy_preset.name


@pytest.mark.parametrize("name", layered_presets())
def test_lm_calls_count_the_planners_the_program_builds(name):
    config = make_config(name, agents=3, layers=2, proposer_lms="fake,fake@0.2")
    assert config.lm_calls == len(build_program(config).planners) + 3 * 2 + 2


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="unknown program 'nope'.*planner-mopa"):
        make_config("nope")


def test_what_a_row_declares_is_what_counts_and_experiments_read(monkeypatch):
    plans = {name for name, p in PRESETS.items() if p.uses_plan}
    assert plans == {"planpers", "planner-mopa", "planner-mopa-md", "mopa-ad",
                     "multi-planner-mopa", "role-planner-mopa", "custom"}
    assert [name for name, p in PRESETS.items() if not p.needs_lm] == ["copy-latest"]
    assert [make_config(name).lm_calls for name in ("copy-latest", "rag", "planpers")] == [0, 1, 2]
    # A single-agent row is counted from what it declares, whatever its name.
    row = Preset("two-pass-rag", "Two-pass RAG", "rag", calls=2)
    monkeypatch.setitem(PRESETS, row.name, row)
    assert make_config(row.name).lm_calls == 2 and row.needs_lm and not row.uses_plan
