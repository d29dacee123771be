import optuna
import pytest
from optuna.trial import FixedTrial

from mopa.optimizers.search_space import (
    SearchSpace,
    multi_lm_presets,
    refuse_searched,
    space_from_flags,
    suggest,
)
from mopa.programs import AGGREGATORS, REFINES, ROLES, ProgramOptions, build_program
from mopa.programs.presets import PRESETS, layered_presets
from mopa.runs.settings import RunSettings

optuna.logging.set_verbosity(optuna.logging.WARNING)

# The parameters every trial has besides the structure, at values that keep the others away.
ALWAYS = {"aggregator": "longest", "user_length": False, "temperature": 0.7, "k": 4,
          "max_words": 100}


def test_default_space_is_every_mopa_preset_but_the_md_ones_and_every_setting():
    space = SearchSpace()
    assert set(space.presets) == set(layered_presets()) - set(multi_lm_presets())
    assert "custom" in space.presets
    assert space.agents == (1, 10) and space.layers == (1, 5)
    assert set(space.roles) == set(ROLES) | {None}
    assert space.proposer_lms == () and space.aggregator_temperature == (0.0, 1.0)
    # Every registered aggregator, the report's in the order studies were made with (Optuna
    # resumes a study only with its categorical choices in the same order).
    assert space.aggregators == tuple(AGGREGATORS) == ("merge", "consensus", "fusion",
                                                       "likelihood", "contrast", "longest",
                                                       "concat", "reader", "reader_fusion")
    assert space.refines == REFINES
    assert space.similarities == ("meteor", "rougeL") and space.target_factor == (0.8, 1.6)
    assert space.length_factor == ((1.0, 2.0), None)
    assert space.stop_similarity == ((0.5, 0.95), None)
    assert (space.temperature, space.k, space.max_words) == ((0.3, 1.0), (2, 8), (50, 150))
    assert space_from_flags() == space


def test_flags_narrow_the_space():
    space = space_from_flags(presets="planner-mopa,rag-mopa", agents="1-3", layers="1-2",
                             roles="content,style,none", proposer_lms="fake,fake@0.2",
                             aggregator_temperature="0.0-1.0", aggregators="consensus,fusion",
                             similarities="rougeL", target_factor="1.2", refines="exemplar",
                             stop_similarity="none", length_factor="1.0-2.0",
                             temperature="0.5", k="2-4", max_words="80")
    assert space == SearchSpace(presets=("planner-mopa", "rag-mopa"), agents=(1, 3),
                                layers=(1, 2), roles=("content", "style", None),
                                proposer_lms=("fake", "fake@0.2"),
                                aggregator_temperature=(0.0, 1.0),
                                aggregators=("consensus", "fusion"), similarities=("rougeL",),
                                target_factor=(1.2, 1.2), refines=("exemplar",),
                                stop_similarity=(None,), length_factor=((1.0, 2.0),),
                                temperature=(0.5, 0.5), k=(2, 4), max_words=(80, 80))
    assert space_from_flags(agents="2", aggregator_temperature="0.3").agents == (2, 2)
    assert space_from_flags(aggregator_temperature="none").aggregator_temperature is None
    assert space_from_flags(aggregator_temperature="0.3").aggregator_temperature == (0.3, 0.3)
    assert space_from_flags(length_factor="none,1.5").length_factor == (None, (1.5, 1.5))
    # The study's MLflow params spell the space as the flags do.
    assert space.as_dict()["stop_similarity"] == "none"
    assert SearchSpace().as_dict()["length_factor"] == "1.0-2.0,none"


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
    ({"aggregators": "merge,vote"}, "'merge,vote'", "--aggregators: expected"),
    ({"refines": "rewrite"}, "'rewrite'", "drafts, exemplar"),
    ({"similarities": "bleu"}, "'bleu'", "meteor, rougeL"),
    ({"stop_similarity": "0.5-1.5"}, "'0.5-1.5'", "HIGH <= 1"),
    ({"length_factor": "1.0-2.0,1.5"}, "'1.0-2.0,1.5'", "a range and none"),
    ({"length_factor": "0"}, "'0'", "0 < LOW"),
    ({"target_factor": "none"}, "'none'", "--target-factor"),
    ({"temperature": "-0.5"}, "'-0.5'", "--temperature"),
    ({"k": "0-4"}, "'0-4'", "--k: expected N or LOW-HIGH"),
    ({"max_words": "many"}, "'many'", "--max-words"),
])
def test_bad_flags_say_what_was_received_and_what_is_expected(flags, received, expected):
    with pytest.raises(ValueError) as error:
        space_from_flags(**flags)
    assert received in str(error.value) and expected in str(error.value)


def test_fixed_planner_trial_gives_the_preset_structure():
    config, settings = suggest(FixedTrial({
        **ALWAYS, "preset": "planner-mopa", "agents": 2, "layers": 3, "aggregator": "merge",
        "aggregator_temperature": 0.25, "refine": "drafts", "adaptive_depth": False}),
        SearchSpace(), "product_review")
    assert config.preset == "planner-mopa" and config.layers == 3
    assert [(a.kind, a.role, a.lm) for a in config.agents] == [("plan", None, None)] * 2
    assert config.aggregator_temperature == 0.25
    assert config.lm_calls == 1 + 2 * 3 + 3
    assert (settings.temperature, settings.k, settings.max_words) == (0.7, 4, 100)


def test_every_searched_setting_reaches_the_program_and_the_run_settings():
    params = {"preset": "rag-mopa", "agents": 3, "layers": 2, "aggregator": "fusion",
              "similarity": "rougeL", "target_factor": 1.2, "refine": "exemplar",
              "adaptive_depth": True, "stop_similarity": 0.8, "user_length": True,
              "length_factor": 1.5, "temperature": 0.5, "k": 3, "max_words": 60}
    base = RunSettings(lm="fake", max_tokens=90, progress=False)
    config, settings = suggest(FixedTrial(params), SearchSpace(), "product_review",
                               ProgramOptions(planner_lm="fake@0.1", trim=True), base)
    assert (config.aggregator, config.similarity, config.target_factor) == ("fusion", "rougeL",
                                                                            1.2)
    assert (config.refine, config.stop_similarity, config.length_factor) == ("exemplar", 0.8,
                                                                             1.5)
    assert config.aggregator_temperature is None  # only merge samples
    assert (config.planner_lm, config.trim) == ("fake@0.1", True)  # the fixed options stay
    assert settings == RunSettings(lm="fake", temperature=0.5, max_tokens=90, k=3,
                                   max_words=60, progress=False)
    assert config.lm_calls == 3 * 2  # fusion makes no LM call
    assert settings.lm_pool().temperature == 0.5
    build_program(config, settings.lm_pool())


def test_switched_off_settings_are_none_and_irrelevant_ones_their_defaults():
    config, _ = suggest(FixedTrial({**ALWAYS, "preset": "rag-mopa", "agents": 2, "layers": 2,
                                    "aggregator": "consensus", "similarity": "meteor",
                                    "refine": "drafts", "adaptive_depth": False}),
                        SearchSpace(), "product_review")
    assert config.stop_similarity is None and config.length_factor is None
    assert config.target_factor == 1.0 and config.aggregator_temperature is None


def test_fixed_custom_trial_sets_every_slot():
    space = SearchSpace(proposer_lms=("fake", "fake@0.2"))
    params = {**ALWAYS, "preset": "custom", "agents": 3, "layers": 1, "rag_agents": 1,
              "role_0": "style", "role_1": None, "role_2": "content",
              "lm_0": "fake@0.2", "lm_1": "fake", "lm_2": "fake"}
    config, _ = suggest(FixedTrial(params), space, "abstract_generation")
    assert config.task == "abstract_generation"
    assert [(a.kind, a.role, a.lm) for a in config.agents] == [
        ("rag", "style", "fake@0.2"), ("plan", None, "fake"), ("plan", "content", "fake")]


def test_md_presets_cycle_the_given_lms_and_mopa_ad_mixes_kinds():
    space = SearchSpace(presets=("rag-mopa-md", "mopa-ad"), proposer_lms=("fake", "fake@0.2"),
                        aggregator_temperature=None)
    md, _ = suggest(FixedTrial({**ALWAYS, "preset": "rag-mopa-md", "agents": 3, "layers": 1,
                                "aggregator": "merge"}), space, "product_review")
    assert [a.lm for a in md.agents] == ["fake", "fake@0.2", "fake"]
    assert md.aggregator_temperature is None
    ad, _ = suggest(FixedTrial({**ALWAYS, "preset": "mopa-ad", "agents": 3, "layers": 1,
                                "rag_agents": 2}), space, "product_review")
    assert [a.kind for a in ad.agents] == ["rag", "rag", "plan"]


def test_searched_options_and_run_settings_given_as_fixed_values_are_refused():
    refuse_searched(ProgramOptions(trim=True), RunSettings(lm="fake", max_tokens=9))
    with pytest.raises(ValueError, match=r"tune searches aggregator='longest', k=3: fix it in "
                                         "the search space"):
        refuse_searched(ProgramOptions(aggregator="longest"), RunSettings(k=3))


def _sample(space: SearchSpace, sampler, n: int = 24) -> list:
    trials = []

    def objective(trial):
        config, settings = suggest(trial, space, "product_review")
        build_program(config)  # every suggestion must be buildable
        trials.append((trial.params, config, settings))
        return len(config.agents) + config.layers + settings.k

    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n)
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    return trials


@pytest.mark.parametrize("sampler", [optuna.samplers.RandomSampler(seed=0),
                                     optuna.samplers.TPESampler(seed=0, n_startup_trials=4),
                                     optuna.samplers.NSGAIISampler(seed=0)])
def test_sampled_configs_are_valid_and_params_present_only_when_they_matter(sampler):
    space = space_from_flags(proposer_lms="fake,fake@0.2", agents="1-3", layers="1-2")
    for params, config, settings in _sample(space, sampler):
        n, kind = len(config.agents), config.aggregator
        assert config.preset in space.presets and 1 <= n <= 3 and 1 <= config.layers <= 2
        assert all(a.role in space.roles for a in config.agents)
        roles = {k for k in params if k.startswith("role_")}
        assert roles == ({f"role_{i}" for i in range(n)} if PRESETS[config.preset].searched_roles
                         else set())
        if config.preset in ("custom", "mopa-ad"):
            assert sum(a.kind == "rag" for a in config.agents) == params["rag_agents"] <= n
        assert params["aggregator"] == kind
        assert ("aggregator_temperature" in params) == (kind == "merge")
        assert ("similarity" in params) == (kind in ("consensus", "fusion"))
        assert ("target_factor" in params) == (kind in ("fusion", "concat", "reader_fusion"))
        assert ("refine" in params) == ("adaptive_depth" in params) == (config.layers > 1)
        assert ("stop_similarity" in params) == bool(params.get("adaptive_depth"))
        assert ("length_factor" in params) == params["user_length"]
        for name in ("aggregator_temperature", "similarity", "target_factor", "refine",
                     "stop_similarity", "length_factor"):
            if name in params:
                assert getattr(config, name) == params[name]
        assert config.stop_similarity is None or 0.5 <= config.stop_similarity <= 0.95
        assert config.length_factor is None or 1.0 <= config.length_factor <= 2.0
        assert (settings.temperature, settings.k, settings.max_words) == (
            params["temperature"], params["k"], params["max_words"])
        assert 0.3 <= settings.temperature <= 1.0 and 2 <= settings.k <= 8
        assert 50 <= settings.max_words <= 150


def test_a_narrowed_dimension_keeps_its_one_value():
    space = space_from_flags(presets="rag-mopa", agents="2", layers="3", aggregators="consensus",
                             similarities="rougeL", refines="exemplar", stop_similarity="0.7",
                             length_factor="none", temperature="0.5", k="3", max_words="80")
    for params, config, settings in _sample(space, optuna.samplers.RandomSampler(seed=1), 6):
        assert (config.aggregator, config.similarity, config.refine) == ("consensus", "rougeL",
                                                                         "exemplar")
        assert (config.stop_similarity, config.length_factor) == (0.7, None)
        assert (settings.temperature, settings.k, settings.max_words) == (0.5, 3, 80)
        assert params["adaptive_depth"] is True and params["user_length"] is False
