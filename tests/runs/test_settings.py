"""``MetricSettings``: the metrics, the scoring LM and the judge (one declaration of its flags)."""

import argparse

import pytest

from mopa.flags import add_flags
from mopa.runs.settings import MetricSettings
from mopa.scoring.judge import Judge
from mopa.scoring.judge_settings import JudgeSettings
from mopa.settings import from_args


def _settings(*argv) -> MetricSettings:
    parser = argparse.ArgumentParser()
    add_flags(parser, MetricSettings)
    return from_args(MetricSettings, parser.parse_args(list(argv)))


def test_the_judge_flags_are_declared_once_and_built_into_a_judge():
    parser = argparse.ArgumentParser()
    add_flags(parser, MetricSettings)
    flags = [s for a in parser._actions for s in a.option_strings]
    for flag in ("--judge-lm", "--judge-mode", "--judge-force", "--judge-api-base",
                 "--judge-api-key-env", "--scoring-lm", "--metrics"):
        assert flags.count(flag) == 1
    settings = _settings("--metrics", "judge", "--judge-lm", "fake", "--judge-mode",
                         "reference")
    assert settings.judge == JudgeSettings(judge_lm="fake", judge_mode="reference")
    judge = settings.lms()["judge"]
    assert isinstance(judge, Judge) and judge.mode == "reference"


def test_the_embedded_judge_is_refused_unless_forced():
    with pytest.raises(ValueError, match="base model cannot follow a rubric"):
        _settings("--metrics", "judge", "--judge-lm", "embedded")
    forced = _settings("--metrics", "judge", "--judge-lm", "embedded", "--judge-force")
    assert forced.lms()["judge"].judge_lm.model  # built; the model itself loads on first call


def test_only_the_lms_the_chosen_metrics_need_are_built():
    assert _settings("--metrics", "reader,meteor", "--judge-lm", "fake").lms() == {}
    assert set(_settings("--metrics", "fluency", "--scoring-lm", "fake").lms()) == {"scoring"}
