"""How much of a target is noise, estimated without a law (local quadratic fits), the
target smoothed at sample points, and the rows that stand clear of the noise."""

from __future__ import annotations

import math

import numpy as np

NOISY = 1e-5  # noise share (of the target's variance) above which data count as noisy
NOISE_TIES = 1.2  # fits whose errors differ by less than this many noise shares are ties
CLEAR_OF_NOISE = 10  # on noisy data enumeration uses the rows where |target| exceeds this many noise deviations
MIN_CLEAR_ROWS = 500  # fewer rows clear of the noise than this (or 30%): all rows are used
DENOISING_NEIGHBOURS = (10, 20, 40, 80)  # neighbourhoods tried for smoothing noisy data, in neighbours per quadratic term


def noise_share(Z: np.ndarray, target: np.ndarray, rng: np.random.Generator | None = None, *, queries: int = 2000) -> float:
    """The share of the target's variance that is noise, estimated without a law: at
    ``queries`` rows, a local quadratic fit in the inputs to the nearest rows, its
    residual at the row itself corrected by its leverage. Inputs of one sign enter as
    log|z|, all standardised. Round-off-free data give about 1e-6 or less (the local fit's
    own error); noisy data their noise to a few per cent."""
    rng = np.random.default_rng(rng)
    n, m = Z.shape
    if m == 0 or np.var(target) == 0:
        return 0.0
    return noise_at(Z, target, rng.choice(n, size=min(queries, n), replace=False)) / float(np.var(target))


def noise_at(Z: np.ndarray, target: np.ndarray, rows: np.ndarray) -> float:
    """The noise variance at ``rows``, estimated as :func:`noise_share` does (a local
    quadratic fit to each row's neighbours, its residual at the row corrected by its
    leverage); 0 when it cannot be estimated."""
    if Z.shape[1] == 0 or len(rows) == 0:
        return 0.0
    local = _local_quadratic(Z, target, rows, neighbours=2 * _quadratic_terms(Z.shape[1]) + 6)
    if local is None:
        return 0.0
    fitted, smoother, _ = local
    leverage = smoother[:, 0]  # the row's own weight in its fitted value (it is its own nearest)
    return float(np.mean((target[rows] - fitted) ** 2 / np.maximum(1 - leverage, 1e-3)))


def _quadratic_terms(m: int) -> int:
    return 1 + m + m * (m + 1) // 2


def _local_quadratic(Z: np.ndarray, target: np.ndarray, rows: np.ndarray, *, neighbours: int,
                     weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """At each of ``rows``, a quadratic fitted (by least squares weighted by ``weights``)
    to the target at the ``neighbours`` nearest rows, in inputs standardised after
    log|z| for inputs of one sign. Returns (its value at each row, the weight of every
    neighbour in that value, the neighbours' indices; the last two of shape (rows,
    neighbours), the row itself first among its neighbours); None when the inputs cannot
    be standardised."""
    from scipy.spatial import cKDTree

    n, m = Z.shape
    with np.errstate(all="ignore"):
        logged = np.column_stack([np.log(np.abs(c)) if (np.all(c > 0) or np.all(c < 0)) else c for c in Z.T])
    spread = logged.std(axis=0)
    if not np.all(np.isfinite(logged)) or np.any(spread == 0):
        return None
    scaled = (logged - logged.mean(axis=0)) / spread
    squares = [(a, b) for a in range(m) for b in range(a, m)]
    neighbours = min(n, neighbours)
    _, near = cKDTree(scaled).query(scaled[rows], k=neighbours)  # each row is its own nearest
    offsets = scaled[near] - scaled[rows][:, None, :]
    design = np.concatenate([np.ones((len(rows), neighbours, 1)), offsets]
                            + [offsets[:, :, [a]] * offsets[:, :, [b]] for a, b in squares], axis=2)
    root = np.ones((len(rows), neighbours)) if weights is None else np.sqrt(weights[near])
    inverse = np.linalg.pinv(design * root[..., None]) * root[:, None, :]  # (rows, parameters, neighbours)
    smoother = inverse[:, 0, :]  # the fitted value at each row is smoother @ target[near]
    return np.einsum("rk,rk->r", smoother, target[near]), smoother, near


def denoised(Z: np.ndarray, target: np.ndarray, rows: np.ndarray, weights: np.ndarray):
    """The local quadratic (:func:`_local_quadratic`) at ``rows`` over the neighbourhood,
    among DENOISING_NEIGHBOURS, of least leave-one-out error at the rows: wider ones
    average more noise away, narrower ones bend less."""
    terms = _quadratic_terms(Z.shape[1])
    best, best_error = None, math.inf
    for per_term in DENOISING_NEIGHBOURS:
        if per_term * terms > len(target) // 4:
            break
        local = _local_quadratic(Z, target, rows, neighbours=per_term * terms, weights=weights)
        if local is None:
            return None
        fitted, smoother, _ = local
        error = float(np.mean(weights[rows] * ((target[rows] - fitted) / np.maximum(1 - smoother[:, 0], 1e-3)) ** 2))
        if error < best_error:
            best, best_error = local, error
    return best


def rows_clear_of_noise(target: np.ndarray, share: float, weights: np.ndarray | None = None) -> np.ndarray:
    """Mask of the rows where |target| exceeds ``CLEAR_OF_NOISE`` noise deviations (given
    the noise's ``share`` of the target's variance, spread over the rows in inverse
    proportion to ``weights`` when given): where the noise swamps the target, 1/t, log|t|
    or t**2 of it are noise, or do not exist once noise flips its sign. All rows when the
    data are clean or too few rows stand clear."""
    clear = np.abs(target) > CLEAR_OF_NOISE * np.sqrt(share * float(np.var(target)) * noise_profile(len(target), weights))
    if share < 1e-7 or clear.sum() < max(MIN_CLEAR_ROWS, 0.3 * len(target)):
        return np.ones(len(target), dtype=bool)
    return clear


def noise_profile(n: int, weights: np.ndarray | None) -> np.ndarray:
    """Each row's noise variance relative to the mean over rows, for rows of inverse
    noise variance ``weights`` (None: the same noise on every row)."""
    if weights is None:
        return np.ones(n)
    inverse = 1.0 / np.asarray(weights, dtype=float)
    return inverse / np.mean(inverse)
