"""Output-error refit (multiple shooting): coefficients by maximum likelihood on the raw
samples, and the support tested by the same likelihood."""

from __future__ import annotations

import numpy as np

from physlens.data.trajectories import simulate
from physlens.methods.dynamics.derivatives import estimate_noise
from physlens.methods.dynamics.refit import output_error_refit


def _damped_arrays(noise, seed, t_end=12.0):
    data = simulate("damped_oscillator", n_trajectories=1, t_end=t_end, noise=noise, rng=seed)
    X = np.column_stack([data["x"], data["v"]])
    t = np.asarray(data["t"])
    sigma = np.array([estimate_noise(X[:, 0]), estimate_noise(X[:, 1])])
    return data, t, X, sigma


def _linear_and_square(Y):
    # library x, v, x**2 at states of any leading shape
    return np.stack([Y[..., 0], Y[..., 1], Y[..., 0] ** 2], axis=-1)


def _identity(x):
    return x


def test_output_error_refit_recovers_coefficients_from_a_poor_start():
    data, t, X, sigma = _damped_arrays(0.05, 1)
    truth = np.array([[0.0, 1.0, 0.0], [-4.0, -0.2, 0.0]])  # x' = v, v' = -omega^2 x - gamma v
    start = truth * np.array([[1, 1.1, 1], [0.9, 1.5, 1]])  # 10-50 % off
    refined = output_error_refit([(t, X)], _linear_and_square, start, sigma, _identity, test_support=False)
    assert refined is not None
    assert np.array_equal(refined != 0, truth != 0)
    relative = np.abs(refined - truth)[truth != 0] / np.abs(truth[truth != 0])
    assert relative.max() < 0.02, refined  # 5 % noise, 1200 samples: the damping within 2 %


def test_output_error_support_tests_add_a_missing_term_and_drop_a_spurious_one():
    truth = np.array([[0.0, 1.0, 0.0], [-4.0, -0.2, 0.0]])
    missing = truth.copy()
    missing[1, 1] = 0.0  # the damping term left out
    # 20 % noise: the undamped model still fits to within MISFIT x sigma^2, so the score test runs
    data, t, X, sigma = _damped_arrays(0.2, 2)
    refined = output_error_refit([(t, X)], _linear_and_square, missing, sigma, _identity)
    assert np.array_equal(refined != 0, truth != 0), refined
    # 5 % noise: the undamped model misses the data by far more than the noise; no support
    # tests then (they would only chase the misfit), the support stays as given
    data, t, X, sigma = _damped_arrays(0.05, 2)
    refined = output_error_refit([(t, X)], _linear_and_square, missing, sigma, _identity)
    assert np.array_equal(refined != 0, missing != 0), refined
    spurious = truth.copy()
    spurious[0, 2] = 0.01  # x' = v + 0.01 x^2: not in the truth
    refined = output_error_refit([(t, X)], _linear_and_square, spurious, sigma, _identity)
    assert np.array_equal(refined != 0, truth != 0), refined
