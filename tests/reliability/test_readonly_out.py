"""`mopa tune` with an --out it cannot write in (a read-only mount; /sys stands in for one, as
it refuses writes even to root) is refused in one line before the study, a trial or an MLflow
run exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from mopa.cli import main
from mopa.writable import check_writable_dir

UNWRITABLE = Path("/sys/mopa-tune-out")


def _tune(tmp_path, out: Path) -> list[str]:
    return ["tune", "--lm", "fake", "--no-progress", "--data", "demo:product_review",
            "--limit", "1", "--trials", "1", "--storage", f"sqlite:///{tmp_path}/optuna.db",
            "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db", "--out", str(out)]


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs Linux's /sys")
def test_tune_refuses_an_unwritable_out_before_the_study(tmp_path, capsys):
    assert main(_tune(tmp_path, UNWRITABLE)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"mopa: error: --out {UNWRITABLE / 'mopa'}: cannot write in /sys")
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no optuna.db, no mlflow.db


def test_tune_refuses_an_unwritable_storage_directory(tmp_path, capsys):
    argv = _tune(tmp_path, tmp_path / "runs")
    argv[argv.index("--storage") + 1] = "sqlite:////sys/optuna.db"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--storage /sys: cannot write in /sys" in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_writable_directory_passes_and_keeps_nothing(tmp_path):
    check_writable_dir(tmp_path / "not" / "yet", "--out")
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_is_named(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match="afile is a file, not a directory"):
        check_writable_dir(tmp_path / "afile" / "study", "--out")
