"""Known-answer tests of the dynamics scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from physlens.validate.dynamics import (
    coefficient_error,
    conserved_drift,
    rollout_error,
    support_recovery,
    terms_of,
    valid_time,
)

x, y = sympy.symbols("x y", real=True)


def test_terms_of_splits_coefficients_and_constant():
    assert terms_of(3 * x * y - 2 + x) == {x * y: 3.0, sympy.Integer(1): -2.0, x: 1.0}
    assert terms_of(-9.81 * sympy.sin(x)) == {sympy.sin(x): -9.81}
    assert terms_of(x + 1e-9 * y, tolerance=1e-6) == {x: 1.0}


def test_terms_of_matches_float_and_rational_exponents():
    float_form = terms_of(-1.0 * x / (x**2 + y**2) ** 1.5)
    rational_form = terms_of(-x / (x**2 + y**2) ** sympy.Rational(3, 2))
    assert float_form == rational_form


def test_support_recovery_counts_missing_and_extra():
    truth = {"x": 10 * y - 10 * x, "y": 28 * x - y}
    found = {"x": 9.9 * y - 10.1 * x + 0.01 * x * y, "y": 28 * x}
    score = support_recovery(found, truth)
    assert not score["exact"]
    assert score["missing"] == ["y: y"]
    assert score["extra"] == ["x: x*y"]
    assert score["n_true_terms"] == 4 and score["n_found_terms"] == 4
    assert support_recovery({"x": -2 * x + 3 * y, "y": x}, {"x": 3 * y - 2 * x, "y": x})["exact"]


def test_coefficient_error_is_largest_relative_error():
    truth = {"x": 10 * y - 10 * x, "z": -sympy.Rational(8, 3) * x}
    found = {"x": 10.5 * y - 10 * x, "z": -2.6 * x}
    assert coefficient_error(found, truth) == pytest.approx(0.05)
    assert coefficient_error({"x": 10 * y}, {"x": 10 * y - 10 * x}) == pytest.approx(1.0)


def test_rollout_error_and_valid_time():
    t = np.linspace(0, 10, 101)
    observed = np.column_stack([np.sin(t), np.cos(t)])
    assert rollout_error(observed, observed) == 0.0
    shifted = observed + 0.1
    rms = np.sqrt(np.mean(observed**2, axis=0))
    assert rollout_error(shifted, observed) == pytest.approx(float(np.sqrt(np.mean((0.1 / rms) ** 2))))
    drifting = observed.copy()
    drifting[:, 0] += 0.1 * t  # error grows linearly: 0.1 t / rms_x
    scale = np.array([1.0, 1.0])
    # normalised error sqrt(((0.1 t)^2 + 0) / 2) exceeds 0.2 when t > 2 sqrt(2)
    assert valid_time(t, drifting, observed, threshold=0.2, scale=scale) == pytest.approx(2.9, abs=0.11)
    blown = observed.copy()
    blown[50:] = np.nan
    assert rollout_error(blown, observed) == math.inf
    assert valid_time(t, blown, observed, threshold=0.2) == pytest.approx(5.0)


def test_conserved_drift():
    assert conserved_drift(np.array([2.0, 2.0, 2.0])) == 0.0
    assert conserved_drift(np.array([2.0, 2.1, 1.9])) == pytest.approx(0.05)
    assert conserved_drift(np.array([1.0, np.nan])) == math.inf
