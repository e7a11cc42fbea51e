"""Scores of learned interaction strengths against known ones (pure functions).

Couplings are square symmetric matrices with a zero diagonal (self-couplings are not
interactions); every score reads the off-diagonal part only, each pair once (i < j).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from physlens.errors import DataError
from physlens.validate.verdict import Verdict


def _square(matrix, name: str) -> np.ndarray:
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise DataError(f"{name} must be a square (N x N) coupling matrix, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise DataError(f"{name} has a non-finite entry at row {row}, column {col}")
    return values


def _pairs(estimate, truth) -> tuple[np.ndarray, np.ndarray]:
    estimate, truth = _square(estimate, "estimate"), _square(truth, "truth")
    if estimate.shape != truth.shape:
        raise DataError(f"estimate has shape {estimate.shape} but truth has {truth.shape}")
    upper = np.triu_indices(truth.shape[0], k=1)
    return estimate[upper], truth[upper]


def relative_coupling_error(estimate, truth) -> float:
    """||J_hat - J||_F / ||J||_F over the pairs i < j (0 is perfect)."""
    est, true = _pairs(estimate, truth)
    norm = np.linalg.norm(true)
    if norm == 0:
        raise DataError("truth has no non-zero coupling; the relative error is undefined")
    return float(np.linalg.norm(est - true) / norm)


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    scores = np.asarray(scores, dtype=float).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    if scores.shape != labels.shape:
        raise DataError(f"{scores.size} scores but {labels.size} labels")
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise DataError("AUC needs both positive and negative labels")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def edge_auc(estimate, truth, *, tolerance: float = 0.0) -> float:
    """AUC of |J_hat_ij| separating true edges (|J_ij| > tolerance) from non-edges."""
    est, true = _pairs(estimate, truth)
    return roc_auc(np.abs(est), np.abs(true) > tolerance)


def edge_precision_recall(edges, truth, *, tolerance: float = 0.0) -> tuple[float, float]:
    """Precision and recall of a recovered interaction graph: ``edges`` are pairs (i, j)
    (either order, each pair once), the true bonds the pairs with |J_ij| > tolerance.
    Precision is 0 when no edge is claimed; a truth without bonds is an error."""
    true = _square(truth, "truth")
    pairs = np.asarray(edges, dtype=float).reshape(-1, 2) if len(edges) else np.zeros((0, 2))
    n_spins = true.shape[0]
    if pairs.size and (np.any(pairs != np.round(pairs)) or pairs.min() < 0 or pairs.max() >= n_spins or np.any(pairs[:, 0] == pairs[:, 1])):
        raise DataError(f"edges must be pairs (i, j) of distinct spin indices in 0..{n_spins - 1}, got {pairs.tolist()[:5]}")
    claimed = {(min(i, j), max(i, j)) for i, j in pairs.astype(int).tolist()}
    upper = np.triu_indices(n_spins, k=1)
    bonds = {(int(i), int(j)) for i, j in zip(*upper) if abs(true[i, j]) > tolerance}
    if not bonds:
        raise DataError("truth has no bond (no |J_ij| above the tolerance); edge recall is undefined")
    hits = len(claimed & bonds)
    return (hits / len(claimed) if claimed else 0.0), hits / len(bonds)


def rank_correlation(estimate, truth) -> float:
    """Spearman rank correlation of two equally long sequences of numbers."""
    a = np.asarray(estimate, dtype=float).ravel()
    b = np.asarray(truth, dtype=float).ravel()
    if a.shape != b.shape or a.size < 3:
        raise DataError(f"rank correlation needs two sequences of equal length >= 3, got {a.size} and {b.size}")
    ra, rb = rankdata(a), rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = np.sqrt((ra**2).sum() * (rb**2).sum())
    return float((ra * rb).sum() / denominator) if denominator > 0 else 0.0


def chain_bonds(matrix) -> np.ndarray:
    """The nearest-neighbour bonds J_{i,i+1} of an open chain's coupling matrix."""
    values = _square(matrix, "couplings")
    return np.array([values[i, i + 1] for i in range(values.shape[0] - 1)])


def linear_r2(features, target) -> float:
    """R2 of the least-squares fit target ~ features @ w + c (1 is perfectly linear)."""
    X = np.asarray(features, dtype=float)
    y = np.asarray(target, dtype=float).ravel()
    X = X.reshape(len(y), -1)
    design = np.column_stack([X, np.ones(len(y))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    total = ((y - y.mean()) ** 2).sum()
    return float(1 - (residual**2).sum() / total) if total > 0 else 0.0


def relative_error(estimate: float, truth: float) -> float:
    """|estimate - truth| / |truth| for one number (a radius, a strength)."""
    if truth == 0:
        raise DataError("relative error to a true value of 0 is undefined")
    return float(abs(estimate - truth) / abs(truth))


def coupling_verdicts(estimate, truth, *, edges=None, max_error: float = 0.5, min_auc: float = 0.99,
                      min_precision: float = 0.95, min_recall: float = 0.95) -> list[Verdict]:
    """Relative Frobenius error and edge-recovery AUC against the true couplings, and,
    given the recovered ``edges`` (pairs i, j), their precision and recall."""
    error = relative_coupling_error(estimate, truth)
    verdicts = [
        Verdict(
            "coupling error",
            error <= max_error,
            error,
            f"||J_hat - J|| / ||J|| = {error:.3f} (target <= {max_error:g})",
        )
    ]
    _, true = _pairs(estimate, truth)
    if np.any(true != 0) and np.any(true == 0):
        auc = edge_auc(estimate, truth)
        verdicts.append(
            Verdict("edge recovery AUC", auc >= min_auc, auc, f"|J_hat| separates true bonds from non-bonds with AUC {auc:.4f} (target >= {min_auc:g})")
        )
    if edges is not None and np.any(true != 0):
        precision, recall = edge_precision_recall(edges, truth)
        n_bonds = int(np.count_nonzero(true))
        verdicts += [
            Verdict("edge precision", precision >= min_precision, precision,
                    f"{round(precision * len(edges))} of the {len(edges)} recovered edges are true bonds: precision {precision:.3f} (target >= {min_precision:g})"),
            Verdict("edge recall", recall >= min_recall, recall,
                    f"{round(recall * n_bonds)} of the {n_bonds} true bonds recovered: recall {recall:.3f} (target >= {min_recall:g})"),
        ]
    return verdicts
