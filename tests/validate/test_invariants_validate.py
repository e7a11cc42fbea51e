import numpy as np
import sympy

from physlens.expr import symbols_for
from physlens.validate.invariants import event_r2, invariant_matches, pair_auc, span_residual

s = symbols_for(["x", "y"])
POINTS = np.random.default_rng(0).uniform(0.5, 2.0, (50, 2))


def test_monotone_map_of_the_truth_matches_exactly():
    truth = {"r2": s["x"] ** 2 + s["y"] ** 2}
    verdicts = invariant_matches([sympy.exp(3 * (s["x"] ** 2 + s["y"] ** 2)) + 1], truth, ["x", "y"], POINTS)
    assert [v.passed for v in verdicts] == [True, True]
    assert verdicts[0].score < 1e-12


def test_wrong_invariant_fails_with_a_large_residual():
    truth = {"r2": s["x"] ** 2 + s["y"] ** 2}
    verdicts = invariant_matches([s["x"] ** 2 + 2 * s["y"] ** 2], truth, ["x", "y"], POINTS)
    assert verdicts[0].passed is False and verdicts[0].score > 0.05
    assert verdicts[1].passed is False


def test_span_residual_known_answer():
    target = np.array([[1.0, 1.0, 0.0]])
    basis = np.array([[[1.0], [0.0], [0.0]]])
    assert abs(span_residual(target, basis) - np.sqrt(0.5)) < 1e-12


def test_event_r2_and_pair_auc_known_answers():
    events = np.array([0, 0, 1, 1])
    assert event_r2(np.array([1.0, 1.0, 3.0, 3.0]), events)[0] == 1.0
    assert abs(event_r2(np.array([1.0, 3.0, 1.0, 3.0]), events)[0]) < 1e-12
    assert pair_auc(np.array([0.1, 0.2]), np.array([1.0, 2.0])) == 1.0
    assert pair_auc(np.array([1.0]), np.array([1.0])) == 0.5
