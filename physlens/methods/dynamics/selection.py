"""Which library terms each equation keeps: the STLSQ path over thresholds (pysindy's
optimizer) and backward elimination give candidate supports, a Pareto front of
cross-validated error against number of terms picks the sparsest good one, and a
bootstrap ensemble (Fasel, Kutz, Brunton & Brunton, Proc. R. Soc. A 478, 20210904, 2022)
gives each term's inclusion probability.

Columns of ``G`` (features) and ``B`` (targets) arrive scaled to unit RMS."""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import sympy

PARETO_TOLERANCE = 0.05  # sparsest model within 5 % of the best cross-validated error
MAX_SWAP_SIZE = 6  # supports up to this size get the one-term swap search
BLOCK_ROWS = 4  # bootstrap blocks: 4 rows, the overlap of neighbouring weak-form test functions
ERROR_FLOOR = 1e-3  # relative errors below this are treated as equal (numerical floor)


def pareto_thresholds(G: np.ndarray, B: np.ndarray, groups: np.ndarray, terms: Sequence[sympy.Expr],
                      floors: Sequence[float] | None = None):
    """Per equation: the STLSQ path over thresholds (plus backward elimination) gives
    candidate supports; each is scored by cross-validated (row blocks ``groups``)
    relative error; the sparsest support within PARETO_TOLERANCE of the best (or below
    ERROR_FLOOR, or below the equation's ``floors`` entry: the derivative's own error)
    wins, and its threshold is kept for the ensemble.

    Returns (thresholds, Pareto fronts as DataFrames, candidate supports) per equation."""
    import pandas as pd

    R, QB = compress(G, B)
    full, *_ = np.linalg.lstsq(R, QB, rcond=None)
    top = float(np.max(np.abs(full))) if np.any(full) else 1.0
    grid = np.concatenate([[0.0], np.geomspace(1e-4, max(top, 1e-3), 30)])
    n_eq = B.shape[1]
    # each support with the thresholds that give it (the ensemble later uses the
    # geometric middle of that range, away from both edges)
    supports: list[dict[tuple, list[float]]] = [{(): []} for _ in range(n_eq)]
    for lam in grid:
        coef = stlsq(R, QB, lam)
        for i in range(n_eq):
            supports[i].setdefault(tuple(np.flatnonzero(coef[i])), []).append(lam)
    folds = np.unique(groups)
    compressed = [(groups == f, *compress(G[groups != f], B[groups != f])) for f in folds]
    thresholds, fronts, candidates = [], [], []
    for i in range(n_eq):
        # backward elimination adds candidates the threshold path can skip (a small
        # true term outlived by larger spurious ones)
        for support in backward_path(R, QB[:, i]):
            supports[i].setdefault(support, [])
        errors = {sup: cv_error(G, B[:, i], list(sup), compressed, i) for sup in supports[i]}
        _add_swaps(errors, G, B[:, i], compressed, i)
        rows = []
        for support, error in errors.items():
            lam = threshold_for(R, QB[:, i], list(support), supports[i].get(support, []), top)
            rows.append({"n_terms": len(support), "cv_error": error, "threshold": lam, "support": support})
        front = pd.DataFrame(rows).sort_values(["n_terms", "cv_error"]).drop_duplicates("n_terms")
        candidates.append([tuple(sup) for sup in front["support"]])
        best = float(front["cv_error"].min())
        limit = max(best * (1 + PARETO_TOLERANCE), ERROR_FLOOR, _floor(floors, i))
        chosen = front[front["cv_error"] <= limit].iloc[0]
        front = front.assign(chosen=front["n_terms"] == chosen["n_terms"])
        front["terms"] = [", ".join(sympy.sstr(terms[j]) for j in sup) for sup in front["support"]]
        thresholds.append(float(chosen["threshold"]))
        fronts.append(front.drop(columns="support").reset_index(drop=True))
    return thresholds, fronts, candidates


def _floor(floors: Sequence[float] | None, equation: int) -> float:
    return 0.0 if floors is None else float(floors[equation])


def _add_swaps(errors: dict[tuple, float], G: np.ndarray, b: np.ndarray, compressed: list, column: int) -> None:
    """One-term swaps of the best support of each size, scored into ``errors``: collinear
    terms (y and y*z when z has a large mean) can hide the better support from both paths."""
    for _round in range(3):
        improved = False
        best_by_size: dict[int, tuple] = {}
        for sup, error in errors.items():
            if 0 < len(sup) <= MAX_SWAP_SIZE and (len(sup) not in best_by_size or error < errors[best_by_size[len(sup)]]):
                best_by_size[len(sup)] = sup
        for sup in best_by_size.values():
            for out_term in sup:
                for in_term in range(G.shape[1]):
                    if in_term in sup:
                        continue
                    trial = tuple(sorted([k for k in sup if k != out_term] + [in_term]))
                    if trial not in errors:
                        errors[trial] = cv_error(G, b, list(trial), compressed, column)
                        improved = improved or errors[trial] < errors[sup]
        if not improved:
            break


def bootstrap_rows(n_rows: int, rng: np.random.Generator) -> np.ndarray:
    """Row indices of one block-bootstrap resample: blocks of BLOCK_ROWS neighbouring rows
    (correlated through the weak form's overlapping test functions) drawn whole, with
    replacement, as many as there are."""
    n_blocks = (n_rows - 1) // BLOCK_ROWS + 1
    drawn = rng.integers(0, n_blocks, n_blocks)
    return np.concatenate([np.arange(k * BLOCK_ROWS, min((k + 1) * BLOCK_ROWS, n_rows)) for k in drawn])


def ensemble_inclusion(G: np.ndarray, B: np.ndarray, thresholds: Sequence[float], candidates: list | None,
                       n_models: int, library_drop: float, rng: np.random.Generator,
                       floors: Sequence[float] | None = None) -> np.ndarray:
    """(equations, terms) fraction of the bootstrap models that chose each term, among
    the models that had it available. Each model draws blocks of rows and drops a
    fraction of the library; with Pareto ``candidates`` it repeats the selection among
    them on its rows (out-of-bag error), so the inclusion probability measures the whole
    procedure's stability; without, it runs STLSQ at the fixed ``thresholds``."""
    n_eq = B.shape[1]
    n_rows, n_terms = G.shape
    selected = np.zeros((n_eq, n_terms))
    available = np.zeros((n_eq, n_terms))
    n_drop = int(round(library_drop * n_terms))
    for _ in range(n_models):
        rows = bootstrap_rows(n_rows, rng)
        out_of_bag = np.setdiff1d(np.arange(n_rows), rows)
        keep = np.ones(n_terms, bool)
        if n_drop:
            keep[rng.choice(n_terms, n_drop, replace=False)] = False
        if candidates is not None and len(out_of_bag) >= 2:
            R, QB = compress(G[rows], B[rows])
            for i in range(n_eq):
                support = select_support(candidates[i], keep, R, QB[:, i], G[out_of_bag], B[out_of_bag, i],
                                         _floor(floors, i))
                selected[i, list(support)] += 1
                available[i, keep] += 1
        else:
            R, QB = compress(G[rows][:, keep], B[rows])
            # one STLSQ for all equations: dividing equation i by its threshold makes
            # a common threshold of 1 act as threshold_i on it
            scale = np.maximum(np.asarray(thresholds), 1e-12)
            coef = stlsq(R, QB / scale, 1.0 if min(thresholds) > 0 else 0.0)
            selected[:, keep] += coef != 0
            available[:, keep] += 1
    return np.divide(selected, available, out=np.zeros_like(selected), where=available > 0)


def coefficient_spread(G: np.ndarray, B: np.ndarray, kept: np.ndarray, n_resamples: int,
                       rng: np.random.Generator) -> np.ndarray:
    """(equations, terms) standard deviation of each kept coefficient over block-bootstrap
    resamples of the rows, refitted by least squares on the final support: the
    uncertainty the data leave on it (rows within a block are correlated, so blocks are
    drawn whole, as in :func:`ensemble_inclusion`)."""
    draws = np.zeros((n_resamples,) + kept.shape)
    for r in range(n_resamples):
        rows = bootstrap_rows(G.shape[0], rng)
        for i in range(kept.shape[0]):
            support = np.flatnonzero(kept[i])
            if support.size:
                draws[r, i, support] = np.linalg.lstsq(G[np.ix_(rows, support)], B[rows, i], rcond=None)[0]
    return np.where(kept, draws.std(axis=0, ddof=1), 0.0)


def backward_path(R: np.ndarray, b: np.ndarray) -> list[tuple]:
    """Supports from greedy backward elimination: drop, one at a time, the term whose
    removal raises the least-squares residual least."""
    support = list(range(R.shape[1]))
    path = [tuple(support)]
    while len(support) > 1:
        best, best_rss = None, np.inf
        for j in support:
            rest = [k for k in support if k != j]
            coef, *_ = np.linalg.lstsq(R[:, rest], b, rcond=None)
            rss = float(np.sum((b - R[:, rest] @ coef) ** 2))
            if rss < best_rss:
                best, best_rss = j, rss
        support.remove(best)
        path.append(tuple(support))
    return path


def threshold_for(R: np.ndarray, b: np.ndarray, support: list[int], lams: list[float], top: float) -> float:
    """A threshold for the ensemble that keeps ``support``: the geometric middle of the
    thresholds that gave it on the path (at least half its smallest coefficient), or (for
    supports found otherwise) the middle between its smallest refitted coefficient and
    the largest coefficient outside it."""
    positive = [v for v in lams if v > 0]
    if not support:
        return 2.0 * max(top, 1e-3)
    coef, *_ = np.linalg.lstsq(R[:, support], b, rcond=None)
    smallest = float(np.min(np.abs(coef)))
    if len(positive) >= 2:
        # at least half the smallest kept term: bootstrap excursions of collinear
        # spurious terms stay below it
        return float(max(np.sqrt(min(positive) * max(positive)), 0.5 * smallest))
    full, *_ = np.linalg.lstsq(R, b, rcond=None)
    outside = [abs(full[j]) for j in range(R.shape[1]) if j not in support]
    largest_out = float(max(outside)) if outside else smallest * 0.1
    if largest_out < smallest:
        return float(np.sqrt(smallest * max(largest_out, smallest * 1e-3)))
    return 0.5 * smallest


def select_support(candidates: list[tuple], keep: np.ndarray, R: np.ndarray, b: np.ndarray,
                   G_test: np.ndarray, b_test: np.ndarray, floor: float = 0.0) -> tuple:
    """Among the candidate supports less the dropped terms, the sparsest whose out-of-bag
    relative error is within PARETO_TOLERANCE of the best (or below ERROR_FLOOR or
    ``floor``)."""
    norm = max(float(np.sqrt(np.mean(b_test**2))), 1e-300)
    scored = []
    # a candidate loses its dropped terms rather than leaving the race: otherwise every
    # model that drops one true term counts against the other true terms' inclusion
    for support in dict.fromkeys(tuple(j for j in sup if keep[j]) for sup in candidates):
        if support:
            coef, *_ = np.linalg.lstsq(R[:, list(support)], b, rcond=None)
            residual = b_test - G_test[:, list(support)] @ coef
        else:
            residual = b_test
        scored.append((len(support), float(np.sqrt(np.mean(residual**2))) / norm, support))
    if not scored:
        return ()
    best = min(e for _, e, _ in scored)
    limit = max(best * (1 + PARETO_TOLERANCE), ERROR_FLOOR, floor)
    return min((n, e, sup) for n, e, sup in scored if e <= limit)[2]


def compress(G: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R, Q^T B) of G = QR: least squares on any subset of columns, and so STLSQ,
    give the same coefficients on (R, Q^T B) as on (G, B), at a fraction of the cost."""
    Q, R = np.linalg.qr(G, mode="reduced")
    return R, Q.T @ B


def stlsq(G: np.ndarray, B: np.ndarray, threshold: float) -> np.ndarray:
    """pysindy's STLSQ (columns already scaled to unit RMS); coefficients (n_eq, n_terms)."""
    import pysindy as ps

    B = np.asarray(B).reshape(len(G), -1)
    optimizer = ps.STLSQ(threshold=threshold, alpha=1e-10, max_iter=25, normalize_columns=False, unbias=False)
    with warnings.catch_warnings():
        # "Sparsity parameter is too big ... eliminated all coefficients" is an answer here
        warnings.simplefilter("ignore")
        optimizer.fit(G, B)
    return np.asarray(optimizer.coef_).reshape(B.shape[1], G.shape[1])


def cv_error(G: np.ndarray, b: np.ndarray, support: list[int], compressed: list, column: int) -> float:
    """Cross-validated relative RMS error of least squares on ``support``; ``compressed``
    holds (test rows, R, Q^T B) of each fold's training rows."""
    residual = np.empty_like(b)
    for test, R, QB in compressed:
        if support:
            coef, *_ = np.linalg.lstsq(R[:, support], QB[:, column], rcond=None)
            residual[test] = b[test] - G[test][:, support] @ coef
        else:
            residual[test] = b[test]
    return float(np.sqrt(np.mean(residual**2)) / max(np.sqrt(np.mean(b**2)), 1e-300))
