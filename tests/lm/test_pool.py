import dspy
import pytest

from mopa.lm.pool import LMPool, split_spec
from mopa.program_files import load_program, program_state, rebuild, save_program
from mopa.programs import build_program, make_config


def test_specs_carry_temperatures_and_are_shared():
    pool = LMPool(default="fake", temperature=0.7)
    assert split_spec("embedded@1.0") == ("embedded", 1.0)
    assert pool.get("fake@0.2").kwargs["temperature"] == 0.2
    assert pool.get(None) is pool.get("fake") and pool.default.kwargs["temperature"] == 0.7
    with pytest.raises(ValueError, match="temperature"):
        split_spec("fake@hot")


def test_text_prefix_makes_a_completions_lm_for_a_served_base_model():
    lm = LMPool(api_base="http://127.0.0.1:9/v1").get("text:openai/gemma")
    assert lm.model_type == "text" and lm.model == "openai/gemma"


def test_api_key_env_reaches_api_lms_only(monkeypatch):
    monkeypatch.setenv("MOPA_TEST_POOL_KEY", "value-of-the-key")
    pool = LMPool(default="fake", api_key_env="MOPA_TEST_POOL_KEY")
    assert pool.get("openai/gpt-4o-mini").kwargs["api_key"] == "value-of-the-key"
    assert pool.default is not None  # an in-process LM beside it takes no key, and no error
    with_base = LMPool(api_base="http://127.0.0.1:9/v1", api_key_env="MOPA_TEST_POOL_KEY")
    assert with_base.get("openai/m").kwargs["api_key"] == "value-of-the-key"  # not "no-key"


def _lms(program):
    return {name: p.lm for name, p in program.named_predictors()}


def test_build_pins_each_role_to_its_lm():
    config = make_config("planner-mopa-md", agents=2, layers=1, proposer_lms="fake@0.1,fake@0.9",
                         aggregator_lm="fake@0.5")
    lms = _lms(build_program(config, LMPool(default="fake")))
    assert lms["planners[0]"] is None  # the default LM, from dspy.context
    assert lms["layers[0].proposers[0]"].kwargs["temperature"] == 0.1
    assert lms["layers[0].proposers[1]"].kwargs["temperature"] == 0.9
    assert isinstance(lms["aggregator"], dspy.LM) and lms["aggregator"].kwargs["temperature"] == 0.5
    assert set(_lms(build_program(config)).values()) == {None}  # no pool, nothing pinned


def test_saved_state_has_no_lm_and_loading_or_rebuilding_binds_the_runs_lms(tmp_path):
    config = make_config("planner-mopa-md", agents=2, layers=1, proposer_lms="fake@0.1,fake@0.9")
    pool = LMPool(default="fake")
    program = build_program(config, pool)
    program.aggregator.demos = [{"query": "q", "drafts": "d", "review": "r"}]
    pinned = _lms(program)
    assert all(state["lm"] is None for state in program_state(program).values())
    assert _lms(program) == pinned  # dumping the state left the LMs in place
    path = save_program(program, config, tmp_path / "p.json")
    for _, predictor in program.named_predictors():
        predictor.lm = None  # as an optimizer's reset_copy leaves the student
    for built in (load_program(path, pool)[1], rebuild(program, config, pool)):
        assert _lms(built) == pinned
        assert program_state(built) == program_state(program)
