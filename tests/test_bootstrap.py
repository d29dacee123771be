import numpy as np
import pytest

from mopa.bootstrap import bootstrap_mean, paired_bootstrap


def test_paired_bootstrap_detects_a_consistent_gain():
    rng = np.random.default_rng(3)
    base = rng.uniform(0.1, 0.4, size=60)
    better = base + 0.02 + rng.normal(0, 0.005, size=60)
    ci = paired_bootstrap(better, base, seed=1)
    assert ci.low > 0 and ci.excludes_zero
    assert abs(ci.estimate - float(np.mean(better - base))) < 1e-12
    assert ci == paired_bootstrap(better, base, seed=1)  # seeded: reproducible


def test_identical_systems_give_zero_interval_and_noise_includes_zero():
    a = np.linspace(0, 1, 50)
    ci = paired_bootstrap(a, a)
    assert (ci.estimate, ci.low, ci.high) == (0.0, 0.0, 0.0)
    rng = np.random.default_rng(0)
    noisy = paired_bootstrap(a + rng.normal(0, 0.1, 50), a + rng.normal(0, 0.1, 50))
    assert noisy.low < 0 < noisy.high and not noisy.excludes_zero


def test_mean_interval_contains_mean_and_validates():
    ci = bootstrap_mean([0.1, 0.2, 0.3, 0.4])
    assert ci.low <= ci.estimate <= ci.high and ci.n == 4
    with pytest.raises(ValueError, match="align"):
        paired_bootstrap([1, 2], [1])
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_mean([])
