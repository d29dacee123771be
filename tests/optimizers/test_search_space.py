import optuna
import pytest
from optuna.trial import FixedTrial

from mopa.optimizers.search_space import (
    SearchSpace,
    multi_lm_presets,
    space_from_flags,
    suggest,
)
from mopa.programs import ROLES, ProgramOptions, build_program
from mopa.programs.presets import PRESETS, layered_presets

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_default_space_is_every_mopa_preset_but_the_md_ones():
    space = SearchSpace()
    assert set(space.presets) == set(layered_presets()) - set(multi_lm_presets())
    assert "custom" in space.presets
    assert space.agents == (1, 10) and space.layers == (1, 5)
    assert set(space.roles) == set(ROLES) | {None}
    assert space.proposer_lms == () and space.aggregator_temperature == (0.0, 1.0)
    assert space_from_flags() == space


def test_flags_narrow_the_space():
    space = space_from_flags(presets="planner-mopa,rag-mopa", agents="1-3", layers="1-2",
                             roles="content,style,none", proposer_lms="fake,fake@0.2",
                             aggregator_temperature="0.0-1.0")
    assert space == SearchSpace(presets=("planner-mopa", "rag-mopa"), agents=(1, 3),
                                layers=(1, 2), roles=("content", "style", None),
                                proposer_lms=("fake", "fake@0.2"),
                                aggregator_temperature=(0.0, 1.0))
    assert space_from_flags(agents="2", aggregator_temperature="0.3").agents == (2, 2)
    assert space_from_flags(aggregator_temperature="none").aggregator_temperature is None
    assert space_from_flags(aggregator_temperature="0.3").aggregator_temperature == (0.3, 0.3)


def test_proposer_lms_bring_in_the_md_presets_unless_presets_are_given():
    assert set(multi_lm_presets()) <= set(space_from_flags(proposer_lms="fake,fake@0.2").presets)
    assert space_from_flags(presets="rag-mopa", proposer_lms="fake").presets == ("rag-mopa",)


@pytest.mark.parametrize("flags, received, expected", [
    ({"agents": "3-1"}, "'3-1'", "LOW-HIGH"),
    ({"agents": "two"}, "'two'", "LOW-HIGH"),
    ({"layers": "0"}, "'0'", "1 <= LOW <= HIGH"),
    ({"presets": "rag,planner-mopa"}, "'rag,planner-mopa'", "custom"),
    ({"roles": "content,poetry"}, "'content,poetry'", "usefulness"),
    ({"proposer_lms": "fake@warm"}, "'fake@warm'", "temperature"),
    ({"aggregator_temperature": "1.0-0.5"}, "'1.0-0.5'", "or none"),
    ({"presets": "planner-mopa-md"}, "planner-mopa-md", "--proposer-lms"),
])
def test_bad_flags_say_what_was_received_and_what_is_expected(flags, received, expected):
    with pytest.raises(ValueError) as error:
        space_from_flags(**flags)
    assert received in str(error.value) and expected in str(error.value)


def test_fixed_planner_trial_gives_the_preset_structure():
    config = suggest(FixedTrial({"preset": "planner-mopa", "agents": 2, "layers": 3,
                                 "aggregator_temperature": 0.25}), SearchSpace(),
                     "product_review")
    assert config.preset == "planner-mopa" and config.layers == 3
    assert [(a.kind, a.role, a.lm) for a in config.agents] == [("plan", None, None)] * 2
    assert config.aggregator_temperature == 0.25
    assert config.lm_calls == 1 + 2 * 3 + 3


def test_every_trial_shares_the_fixed_program_options():
    options = ProgramOptions(aggregator="longest", planner_lm="fake@0.1",
                             aggregator_temperature=0.9)
    trial = {"preset": "planner-mopa", "agents": 1, "layers": 1, "aggregator_temperature": 0.25}
    searched = suggest(FixedTrial(trial), SearchSpace(), "product_review", options)
    assert (searched.aggregator, searched.planner_lm) == ("longest", "fake@0.1")
    assert searched.aggregator_temperature == 0.25  # searched: the trial's
    fixed = suggest(FixedTrial(trial), SearchSpace(aggregator_temperature=None),
                    "product_review", options)
    assert fixed.aggregator_temperature == 0.9


def test_fixed_custom_trial_sets_every_slot():
    space = SearchSpace(proposer_lms=("fake", "fake@0.2"))
    params = {"preset": "custom", "agents": 3, "layers": 1, "rag_agents": 1,
              "role_0": "style", "role_1": None, "role_2": "content",
              "lm_0": "fake@0.2", "lm_1": "fake", "lm_2": "fake", "aggregator_temperature": 0.0}
    config = suggest(FixedTrial(params), space, "abstract_generation")
    assert config.task == "abstract_generation"
    assert [(a.kind, a.role, a.lm) for a in config.agents] == [
        ("rag", "style", "fake@0.2"), ("plan", None, "fake"), ("plan", "content", "fake")]


def test_md_presets_cycle_the_given_lms_and_mopa_ad_mixes_kinds():
    space = SearchSpace(presets=("rag-mopa-md", "mopa-ad"), proposer_lms=("fake", "fake@0.2"),
                        aggregator_temperature=None)
    md = suggest(FixedTrial({"preset": "rag-mopa-md", "agents": 3, "layers": 1}), space,
                 "product_review")
    assert [a.lm for a in md.agents] == ["fake", "fake@0.2", "fake"]
    assert md.aggregator_temperature is None
    ad = suggest(FixedTrial({"preset": "mopa-ad", "agents": 3, "layers": 2, "rag_agents": 2}),
                 space, "product_review")
    assert [a.kind for a in ad.agents] == ["rag", "rag", "plan"]


@pytest.mark.parametrize("sampler", [optuna.samplers.RandomSampler(seed=0),
                                     optuna.samplers.TPESampler(seed=0, n_startup_trials=4),
                                     optuna.samplers.NSGAIISampler(seed=0)])
def test_sampled_configs_are_valid_and_params_consistent(sampler):
    space = space_from_flags(proposer_lms="fake,fake@0.2", agents="1-3", layers="1-2")
    configs = []

    def objective(trial):
        config = suggest(trial, space, "product_review")
        build_program(config)  # every suggestion must be buildable
        configs.append((trial.params, config))
        return len(config.agents) + config.layers

    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=16)
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    for params, config in configs:
        n = len(config.agents)
        assert config.preset in space.presets and 1 <= n <= 3 and 1 <= config.layers <= 2
        assert 0.0 <= config.aggregator_temperature <= 1.0
        assert all(a.role in space.roles for a in config.agents)
        roles = {k for k in params if k.startswith("role_")}
        assert roles == ({f"role_{i}" for i in range(n)} if PRESETS[config.preset].searched_roles
                         else set())
        if config.preset in ("custom", "mopa-ad"):
            assert sum(a.kind == "rag" for a in config.agents) == params["rag_agents"] <= n
