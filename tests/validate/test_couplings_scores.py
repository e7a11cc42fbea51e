"""Known-answer tests of the coupling scores."""

import numpy as np
import pytest

from physlens.errors import DataError
from physlens.validate.couplings import (
    chain_bonds,
    coupling_verdicts,
    edge_auc,
    edge_precision_recall,
    linear_r2,
    rank_correlation,
    relative_coupling_error,
    relative_error,
    roc_auc,
)

TRUTH = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, -2.0], [0.0, -2.0, 0.0]])


def test_relative_error_known_answers():
    assert relative_coupling_error(TRUTH, TRUTH) == 0.0
    assert relative_coupling_error(2 * TRUTH, TRUTH) == pytest.approx(1.0)
    assert relative_coupling_error(np.zeros((3, 3)), TRUTH) == pytest.approx(1.0)
    # the diagonal is not an interaction and is ignored
    assert relative_coupling_error(TRUTH + 5 * np.eye(3), TRUTH) == 0.0
    # one pair off by 1 of norm sqrt(1 + 4)
    off = TRUTH.copy()
    off[0, 1] = off[1, 0] = 2.0
    assert relative_coupling_error(off, TRUTH) == pytest.approx(1 / np.sqrt(5))


def test_roc_auc_known_answers():
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1.0
    assert roc_auc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5
    # one of four positive-negative pairs misordered
    assert roc_auc([0.9, 0.3, 0.4, 0.1], [1, 1, 0, 0]) == pytest.approx(0.75)
    with pytest.raises(DataError, match="both positive and negative"):
        roc_auc([0.1, 0.2], [1, 1])


def test_edge_auc_uses_magnitudes_of_pairs():
    # the bond (1,2) is negative: its magnitude still ranks it above the non-bond (0,2)
    estimate = np.array([[0.0, 0.8, 0.1], [0.8, 0.0, -1.5], [0.1, -1.5, 0.0]])
    assert edge_auc(estimate, TRUTH) == 1.0
    estimate[0, 2] = estimate[2, 0] = 1.0
    assert edge_auc(estimate, TRUTH) == 0.5


def test_rank_correlation_known_answers():
    assert rank_correlation([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert rank_correlation([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert rank_correlation([1, 2, 3, 4], [1, 4, 9, 16.5]) == pytest.approx(1.0)  # monotone, not linear
    assert rank_correlation([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    with pytest.raises(DataError):
        rank_correlation([1, 2], [1, 2])


def test_chain_bonds_and_relative_error():
    assert chain_bonds(TRUTH).tolist() == [1.0, -2.0]
    assert relative_error(1.05, 1.0) == pytest.approx(0.05)
    with pytest.raises(DataError):
        relative_error(1.0, 0.0)


def test_linear_r2_known_answers():
    x = np.linspace(-1, 1, 50)
    features = np.column_stack([x, x**2])
    assert linear_r2(features, 3 * x - 2 * x**2 + 1) == pytest.approx(1.0)
    assert linear_r2(x[:, None], x**2) == pytest.approx(0.0, abs=1e-12)  # even function: no linear part


def test_coupling_verdicts_pass_and_fail():
    good = coupling_verdicts(TRUTH * 1.05, TRUTH)
    assert [v.name for v in good] == ["coupling error", "edge recovery AUC"]
    assert all(v.passed for v in good)
    bad = coupling_verdicts(np.ones((3, 3)), TRUTH)
    assert not bad[0].passed and not bad[1].passed


def test_edge_precision_recall_known_answers():
    # TRUTH has bonds (0, 1) and (1, 2)
    assert edge_precision_recall([(1, 0), (1, 2)], TRUTH) == (1.0, 1.0)  # either order
    assert edge_precision_recall([(0, 1), (0, 2)], TRUTH) == (0.5, 0.5)
    assert edge_precision_recall([(0, 1), (0, 1)], TRUTH) == (1.0, 0.5)  # a pair counts once
    assert edge_precision_recall(np.zeros((0, 2), dtype=int), TRUTH) == (0.0, 0.0)
    with pytest.raises(DataError, match="distinct spin indices"):
        edge_precision_recall([(0, 3)], TRUTH)
    with pytest.raises(DataError, match="no bond"):
        edge_precision_recall([(0, 1)], np.zeros((3, 3)))


def test_coupling_verdicts_score_the_edge_set():
    verdicts = {v.name: v for v in coupling_verdicts(TRUTH, TRUTH, edges=[(0, 1), (0, 2)])}
    assert not verdicts["edge precision"].passed and verdicts["edge precision"].score == 0.5
    assert not verdicts["edge recall"].passed and "1 of the 2 true bonds" in verdicts["edge recall"].reason


def test_scores_reject_bad_matrices():
    with pytest.raises(DataError, match="square"):
        relative_coupling_error(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(DataError, match="row 0, column 1"):
        relative_coupling_error(np.array([[0, np.nan], [1, 0]]), np.eye(2))
    with pytest.raises(DataError, match="shape"):
        relative_coupling_error(np.zeros((2, 2)), TRUTH)
