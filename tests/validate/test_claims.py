"""Claims that hold: fresh rows and their extremes, R2 <= 0, the sampled regime, columns."""

import numpy as np

from physlens.validate.fit import heldout_accuracy
from physlens.validate.symbolic import holds_on_fresh_rows, relevant_columns, sampled_regime


def test_heldout_accuracy_fails_when_no_better_than_the_mean():
    # the surrogate itself is poor (few rows): -0.47 was once judged a pass against it
    verdict = heldout_accuracy(-0.47, -0.3)
    assert verdict.passed is False and "no better than the mean" in verdict.reason
    assert heldout_accuracy(0.0, -5.0).passed is False
    assert heldout_accuracy(0.9, -0.3).passed is True


def test_fresh_rows_pass_for_the_law_and_fail_at_the_extremes_for_its_limit():
    x = np.linspace(0.01, 1.0, 200)
    y = np.tanh(x)
    extremes = np.zeros(200, dtype=bool)
    extremes[-4:] = True
    assert holds_on_fresh_rows(y, np.tanh(x), extremes, 0.999, 1e-30, 1e-30).passed is True
    # x fits tanh(x) to R2 0.99 overall (within the surrogate's slack here), yet misses most where x is largest
    rows = slice(0, 196)
    linear_error = float(np.mean((x[rows] - y[rows]) ** 2))
    verdict = holds_on_fresh_rows(y, x, extremes, 0.5, linear_error, 0.0)
    assert verdict.passed is False and "extremes" in verdict.reason


def test_fresh_rows_fail_when_worse_than_the_mean():
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    verdict = holds_on_fresh_rows(y, y[::-1].copy(), np.zeros(50, dtype=bool), -2.0, 1.0, 1.0)
    assert verdict.passed is False and "no better than the mean" in verdict.reason


def test_sampled_regime_names_the_limit():
    small = sampled_regime([("B*C*mom/T", 1e-5, 3e-4)])
    assert small.passed is True and "<= 0.0003" in small.reason and "tanh(x) and x" in small.reason
    large = sampled_regime([("z", 50.0, 400.0)])
    assert "large-z regime" in large.reason
    assert sampled_regime([("z", 0.2, 5.0)]).reason.startswith("no limit")
    assert sampled_regime([]).passed is None


def test_relevant_columns_verdict():
    assert relevant_columns([], ["junk"]).passed is True
    failed = relevant_columns(["junk"], [])
    assert failed.passed is False and "junk" in failed.reason


def test_a_structured_residual_is_not_noise():
    from physlens.validate.symbolic import residual_is_noise

    assert residual_is_noise(1e-15, None).passed is True  # round-off
    assert residual_is_noise(0.01, 0.97).passed is True  # noise
    # the classical momentum on noise-free relativistic data: 1e-7 of the variance, all smooth
    verdict = residual_is_noise(7.7e-8, 0.001)
    assert verdict.passed is False and "structure" in verdict.reason
    assert residual_is_noise(1e-3, None).passed is None
