"""Noise estimate, Savitzky-Golay derivatives and the design rows of each scheme."""

from __future__ import annotations

import numpy as np
import pytest

from physlens.methods.dynamics.derivatives import StateNoise, derivative_design, estimate_noise, savgol_derivative


def test_estimate_noise_known_answer():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 10, 5000)
    assert estimate_noise(np.sin(t) + 0.05 * rng.standard_normal(t.size)) == pytest.approx(0.05, rel=0.05)


def test_savgol_derivative_is_exact_on_a_cubic():
    t = np.linspace(-1, 1, 101)
    assert np.allclose(savgol_derivative(t**3, t, 11), 3 * t**2, atol=1e-10)
    # slightly uneven sampling: the smoothed values are differentiated on the true times
    uneven = t + 0.002 * np.random.default_rng(1).uniform(-1, 1, t.size) * (t[1] - t[0])
    assert np.allclose(savgol_derivative(uneven**2, uneven, 11), 2 * uneven, atol=1e-2)


def test_measured_noise_sets_the_smoothing():
    rng = np.random.default_rng(2)
    t = np.linspace(0, 10, 1000)
    x = np.column_stack([np.sin(t), np.cos(t) + 0.1 * rng.standard_normal(t.size)])
    noise = StateNoise.measure([(t, x)])
    assert noise.sigma[0] < 1e-4 and noise.sigma[1] == pytest.approx(0.1, rel=0.1)
    assert noise.windows[1] > noise.windows[0]
    smooth = noise.smooth(x)
    assert np.std(smooth[:, 1] - np.cos(t)) < 0.5 * np.std(x[:, 1] - np.cos(t))
    # a state without noise is passed through untouched
    assert np.array_equal(StateNoise(np.array([0.0, 0.1]), noise.windows).smooth(x)[:, 0], x[:, 0])


@pytest.mark.parametrize("scheme", ["finite_difference", "smoothed", "weak"])
def test_every_scheme_gives_rows_of_the_derivative_relation(scheme):
    t = np.linspace(0, 10, 800)
    x = np.column_stack([np.sin(t), np.cos(t)])  # x0' = x1, x1' = -x0
    design = derivative_design([(t, x), (t, x)], scheme, lambda X: X, StateNoise(np.zeros(2), [7, 7]))
    assert design.features.shape[0] == design.target.shape[0] == len(design.groups)
    assert set(np.unique(design.groups)) == set(range(10))  # 5 blocks per segment
    coef, *_ = np.linalg.lstsq(design.features, design.target, rcond=None)
    assert np.allclose(coef.T, [[0, 1], [-1, 0]], atol=1e-3)
