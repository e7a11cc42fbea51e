"""Exhaustive enumeration of short expressions, after the brute-force stage of AI
Feynman (Udrescu & Tegmark, Sci. Adv. 2020), made cheap by two ideas:

* expressions are built bottom-up by size and deduplicated by their *values* on a few
  dozen sample points, so x*y and y*x, or sqrt(x**2) and x (for x > 0), are one entry;
* each expression g is scored by how well an affine map a*g + b explains the target,
  so scale factors and offsets never have to be enumerated.

Laws of two short terms, c0 + c1*g1 + c2*g2 or (c0 + c1*g1)/(c2 + g2), are found the
same way: for a given g1 (or g2) the best partner among all short terms is one pair
of matrix products away.

Once dimensional analysis has reduced a law to one or two dimensionless groups, most
Feynman laws are expressions of at most eight or nine nodes in those groups, which this
finds in seconds, where a genetic search can wander for minutes.

On noisy data the sample points carry the target smoothed over their neighbours (a
local quadratic), each row weighted by its noise (after the reduction t = y/scale, the
same noise on y is noise of 1/scale on t); laws within the noise left of each other
are ties, and the shortest of them, and those without fitted constants, are kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import sympy

from physlens.expr import count_complexity, real_values, symbols_for
from physlens.validate.fit import r2_score

_UNARY = {
    "sqrt": (np.sqrt, sympy.sqrt),
    "square": (np.square, lambda a: a**2),
    "inv": (lambda a: 1.0 / a, lambda a: 1 / a),
    "exp": (np.exp, sympy.exp),
    "log": (np.log, sympy.log),
    "sin": (np.sin, sympy.sin),
    "cos": (np.cos, sympy.cos),
    "neg": (np.negative, lambda a: -a),
}
_BINARY = {
    "add": (np.add, lambda a, b: a + b, True),
    "mul": (np.multiply, lambda a, b: a * b, True),
    "sub": (np.subtract, lambda a, b: a - b, False),
    "div": (np.divide, lambda a, b: a / b, False),
}
_LIMIT = 1e12
KNOTS = 30
PAIR_KNOTS = 8
TERM_SIZE = 5  # each term of a two-term law c0 + c1*g1 + c2*g2 has at most this many nodes
TERM_LEADS = 4  # first terms tried per target transformation and term size
MAX_TERMS = 12_000  # expressions eligible as terms, the shortest first
RATIO_COLUMNS = 2_000  # (denominator, transformation) pairs tried as ratios of a transformation times z**k
PLAIN_DENOMINATORS = 300  # denominators tried for each plain transformation of t
RESCORED = 20  # two-term leaders per kept one that are judged again on the target
ROUND_OFF = 1e-13  # relative error (of the target's variance) of a law that leaves only round-off
NOISY = 1e-5  # noise share (of the target's variance) above which data count as noisy
SAMPLE_POINTS = {False: 48, True: 200}  # enumeration sample points, for clean and for noisy data
DOMINANT_POINT = 0.5  # a transformed target with one sample point this share of its variance is not fitted
CLEAR_OF_NOISE = 10  # on noisy data enumeration uses the rows where |target| exceeds this many noise deviations
MIN_CLEAR_ROWS = 500  # fewer rows clear of the noise than this (or 30%): all rows are used
NOISE_TIES = 1.2  # fits whose errors differ by less than this many noise shares are ties
DENOISING_NEIGHBOURS = (10, 20, 40, 80)  # neighbourhoods tried for smoothing noisy data, in neighbours per quadratic term
# on noisy data a fitted a*g + b whose a and b are, within three standard errors, among these
# is a law without fitted constants: within the noise it comes before shorter laws that need them
PLAIN_SLOPES = np.array([1, 2, 3, 4, 1 / 2, 1 / 3, 1 / 4])
PLAIN_INTERCEPTS = np.array([0, 1, 2, 1 / 2])


@dataclass(frozen=True)
class Scored:
    """An enumerated expression g with the affine map a*g + b that best fits the target."""

    expression: sympy.Expr
    size: int
    r2: float
    plain: bool = False  # a and b simple numbers within the noise (see PLAIN_SLOPES)


_OPS = ["leaf", *_UNARY, *_BINARY]


class _Pool:
    """All distinct expressions found so far, by size: values on the sample points and
    recipes (operation, left size, left row, right size, right row) that rebuild each."""

    def __init__(self, points: np.ndarray, leaves: list):
        self.leaves = leaves
        self.values: dict[int, np.ndarray] = {}
        self.recipes: dict[int, np.ndarray] = {}
        self._pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._pending_count: dict[int, int] = {}
        self.keys = np.empty(0)
        self._projection = np.random.default_rng(0).normal(size=points.shape[0])

    def size_count(self, size: int) -> int:
        return len(self.recipes.get(size, ())) + self._pending_count.get(size, 0)

    def finish(self, size: int) -> None:
        """Gather the blocks added at ``size`` into one array (once the size is done)."""
        blocks = self._pending.pop(size, [])
        self._pending_count.pop(size, None)
        if blocks:
            self.values[size] = np.vstack([b[0] for b in blocks])
            self.recipes[size] = np.vstack([b[1] for b in blocks])

    def add(self, size: int, values: np.ndarray, recipes: np.ndarray, *, keep_constant: bool = False) -> None:
        """Keep the rows of ``values`` that are finite, bounded, not constant (unless
        asked) and not seen before: the key is a random projection of the values,
        rounded to ten significant digits."""
        if values.size == 0:
            return
        with np.errstate(all="ignore"):
            magnitude = np.max(np.abs(values), axis=1)
            ok = np.all(np.isfinite(values), axis=1) & (magnitude < _LIMIT)
            if not keep_constant:
                ok &= np.ptp(values, axis=1) > 1e-9 * (1 + magnitude)
            values, recipes = values[ok], recipes[ok]
            mantissa, exponent = np.frexp(values @ self._projection)
        keys = np.ldexp(np.round(mantissa, 10), exponent)
        keys, first = np.unique(keys, return_index=True)
        fresh = ~np.isin(keys, self.keys, assume_unique=True)
        if not fresh.any():
            return
        first = first[fresh]
        self.keys = np.union1d(self.keys, keys[fresh])
        self._pending.setdefault(size, []).append((values[first], recipes[first]))
        self._pending_count[size] = self._pending_count.get(size, 0) + len(first)

    def expression(self, size: int, row: int, symbols: list[sympy.Symbol]) -> sympy.Expr:
        op, left_size, left_row, right_size, right_row = (int(v) for v in self.recipes[size][row])
        kind = _OPS[op]
        if kind == "leaf":
            leaf = self.leaves[left_row]
            return leaf if isinstance(leaf, sympy.Basic) else symbols[leaf]
        left = self.expression(left_size, left_row, symbols)
        if kind in _UNARY:
            return _UNARY[kind][1](left)
        return _BINARY[kind][1](left, self.expression(right_size, right_row, symbols))


def _affine_r2(values: np.ndarray, targets_centred: np.ndarray, target_norms: np.ndarray) -> np.ndarray:
    """Squared correlation of each row with each target column: the R2 of the best a*g + b."""
    centred = values - values.mean(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        r = (centred @ targets_centred) / (np.linalg.norm(centred, axis=1)[:, None] * target_norms[None, :])
    return np.nan_to_num(r**2, nan=0.0)


@dataclass(frozen=True)
class _Transform:
    """The target seen through T, and T's inverse, symbolic and numeric."""

    values: np.ndarray
    inverse: Callable[[sympy.Expr], sympy.Expr]
    inverse_values: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (T-values, Z rows) -> target
    plain: bool = False  # a function of t alone (no factor z**k)


def _through_functions(values: np.ndarray, outer, outer_values) -> list[_Transform]:
    """``values`` seen through the identity, 1/v, v**2, 1/v**2, sqrt(|v|) and log|v|, each
    followed on the way back by ``outer`` (symbolic) and ``outer_values`` (numeric)."""
    sign = 1.0 if np.all(values > 0) else (-1.0 if np.all(values < 0) else 0.0)
    found = [_Transform(values, outer, outer_values)]
    with np.errstate(all="ignore"):
        if np.all(values != 0):
            found.append(_Transform(1.0 / values, lambda e: outer(1 / e), lambda e, r: outer_values(1.0 / e, r)))
        if sign:
            found.append(_Transform(values**2, lambda e: outer(sign * sympy.sqrt(e)), lambda e, r: outer_values(sign * np.sqrt(e), r)))
            # 1/v**2: a Lorentz factor 1/sqrt(1 - z**2) is 1 - z**2 through it
            found.append(_Transform(values**-2.0, lambda e: outer(sign / sympy.sqrt(e)), lambda e, r: outer_values(sign / np.sqrt(e), r)))
            found.append(_Transform(np.sqrt(sign * values), lambda e: outer(sign * e**2), lambda e, r: outer_values(sign * e**2, r)))
            found.append(_Transform(np.log(sign * values), lambda e: outer(sign * sympy.exp(e)), lambda e, r: outer_values(sign * np.exp(e), r)))
    return found


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
    rows = rng.choice(n, size=min(queries, n), replace=False)
    local = _local_quadratic(Z, target, rows, neighbours=2 * _quadratic_terms(m) + 6)
    if local is None:
        return 0.0
    fitted, smoother, _ = local
    residual = target[rows] - fitted
    leverage = smoother[:, 0]  # the row's own weight in its fitted value (it is its own nearest)
    return float(np.mean(residual**2 / np.maximum(1 - leverage, 1e-3)) / np.var(target))


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


def _denoised(Z: np.ndarray, target: np.ndarray, rows: np.ndarray, weights: np.ndarray):
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


def _target_transforms(Z: np.ndarray, target: np.ndarray, symbols: list[sympy.Symbol]) -> list[_Transform]:
    """The target t through 1/t, t**2, 1/t**2, sqrt(|t|), log|t| (and itself, and sin t for an
    angle); each of these times z_j**k for small k; and each of them applied to t * z_j**k. So
    z**3/(exp(z) - 1) is found as 1/(exp(z) - 1) for t / z**3, and a Gaussian
    exp(-d**2/(2 s**2))/s as an affine function of (d/s)**2 for log(t * s)."""
    transforms = _through_functions(target, lambda e: e, lambda e, rows: e)
    if np.all(np.abs(target) <= math.pi / 2):  # an angle: t = asin(g) is sin(t) = g (Snell's law)
        transforms.append(_Transform(np.sin(target), sympy.asin, lambda e, rows: np.arcsin(e)))
    transforms = [replace(t, plain=True) for t in transforms]
    for j, symbol in enumerate(symbols):
        if np.any(Z[:, j] == 0):
            continue
        for power in (-3, -2, -1, 1, 2, 3):
            with np.errstate(all="ignore"):
                factor = Z[:, j] ** power
            # T(t) * z**k ...
            for t in _through_functions(target, lambda e: e, lambda e, rows: e):
                transforms.append(_Transform(
                    t.values * factor,
                    lambda e, inv=t.inverse, z=symbol, k=power: inv(e / z**k),
                    lambda e, rows, inv=t.inverse_values, j=j, k=power: inv(e / rows[:, j] ** k, rows),
                ))
            # ... and T(t * z**k)
            transforms.extend(_through_functions(
                target * factor,
                lambda e, z=symbol, k=power: e / z**k,
                lambda e, rows, j=j, k=power: e / rows[:, j] ** k,
            ))
    return [t for t in transforms if np.all(np.isfinite(t.values)) and np.ptp(t.values) > 0]


def enumerate_expressions(
    Z: np.ndarray,
    target: np.ndarray,
    names: list[str],
    *,
    max_size: int = 9,
    max_per_size: int = 150_000,
    n_points: int = 48,
    keep: int = 12,
    exact_within: float = 1e-12,
    noise: float = 0.0,
    weights: np.ndarray | None = None,
    deadline: float | None = None,
    rng: np.random.Generator | None = None,
) -> list[Scored]:
    """The ``keep`` best laws T^-1(a*g(z) + b), best first: g of at most ``max_size``
    nodes, T one of the target transformations (:func:`_target_transforms`), a and b
    fitted by least squares on all rows.

    Sizes grow until ``max_size``, the per-size cap or the deadline (a size whose cost,
    estimated from the last one, would overrun the deadline is not started); the
    enumeration at each size is complete unless the cap cut it. Fits within
    ``exact_within`` (1 - R2) of perfect count as exact: among them the shortest wins,
    and enumeration stops at the first size that has one. ``noise`` (the noise's share of
    the target's variance, :func:`noise_share`) makes fits within the noise of each other
    ties: two-term laws also try the shortest term within the noise of the best, and the
    shortest laws within the noise of perfect are returned beside the best fits.
    With noise the target at the sample points is smoothed (:func:`_denoised`) and a and
    b are refined on the target itself, not on T(t). ``weights`` (each row's inverse
    noise variance, when the noise differs from row to row) draw the sample points from
    the quieter rows, and weight the smoothing, the final fits and the scores; a fit on a
    transformed target T(t) weights each row by its noise there."""
    rng = np.random.default_rng(rng)
    n, m = Z.shape
    if m == 0 or np.ptp(target) == 0:
        return []
    symbols = list(symbols_for(names).values())
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float) / np.mean(weights)
    weighted_variance = float(np.average((target - np.average(target, weights=w)) ** 2, weights=w))
    rows = rng.choice(n, size=min(n_points, n), replace=False, p=None if weights is None else w / w.sum())
    points = Z[rows]
    y = target[rows]
    # on noisy data the sample points carry the target smoothed over their neighbours
    # (else the noise at a few points decides among the many laws within the noise), and
    # laws are tied on the sample within the noise left after smoothing
    sample_noise = 0.0
    if noise > 0:
        local = _denoised(Z, target, rows, w)
        if local is not None:
            y, smoother, near = local
            row_noise = noise * float(np.var(target)) * noise_profile(n, weights)
            sample_noise = float(np.mean(np.sum(smoother**2 * row_noise[near], axis=1))) / max(float(np.var(y)), 1e-300)
    # the noise's share of the weighted variance, the measure of the laws' final scores
    noise *= float(np.var(target)) / (float(np.mean(1.0 / w)) * weighted_variance)
    # the transformations of the target on every row, and at the sample points
    both = _target_transforms(np.vstack([Z, points]), np.concatenate([target, y]), symbols)
    transforms = [replace(t, values=t.values[:n]) for t in both]
    sampled = np.column_stack([t.values[n:] for t in both])
    # a transformation whose values at the sample points are one point's outlier (z**-3
    # near z = 0) is fitted by any term sharing it: its fits say nothing, and crowd out
    deviation = (sampled - sampled.mean(axis=0)) ** 2
    informative = np.max(deviation, axis=0) < DOMINANT_POINT * np.sum(deviation, axis=0)
    informative[0] = True  # the target itself is always fitted
    transforms = [t for t, use in zip(transforms, informative) if use]
    sampled = sampled[:, informative]
    y_variance = float(np.var(y))
    centred = sampled - sampled.mean(axis=0)
    norms = np.linalg.norm(centred, axis=0)
    constants = [sympy.Integer(1), sympy.Integer(2), sympy.pi]
    leaves = [*range(m), *constants]
    pool = _Pool(points, leaves)
    leaf_values = np.vstack([points[:, j] for j in range(m)] + [np.full(len(rows), float(c)) for c in constants])
    leaf_recipes = np.array([(0, 0, i, 0, 0) for i in range(len(leaves))], dtype=np.int64)
    pool.add(1, leaf_values, leaf_recipes, keep_constant=True)
    pool.finish(1)
    best: list[tuple[float, int, int, int, bool]] = []  # (r2 on the transformed target, size, row, transform, plain)

    def score(size: int) -> None:
        if size not in pool.values:
            return
        # in blocks of rows, so memory stays bounded however many targets there are
        block = max(1, 2_000_000 // max(1, len(transforms)))
        candidates = []
        for start in range(0, len(pool.values[size]), block):
            r2 = _affine_r2(pool.values[size][start:start + block], centred, norms)
            count = min(keep, r2.shape[0])
            candidates.append(np.argpartition(-r2, count - 1, axis=0)[:count] + start)
        stacked = np.vstack(candidates)
        for t, transform in enumerate(transforms):
            # the block leaders for this target, then the affine fit judged on the target itself
            rows_t = np.unique(stacked[:, t])
            r2_t = _affine_r2(pool.values[size][rows_t], centred[:, [t]], norms[[t]])[:, 0]
            top_t = rows_t[np.argsort(-r2_t, kind="stable")[:keep]]
            g = pool.values[size][top_t]
            slope = ((g - g.mean(axis=1, keepdims=True)) @ centred[:, t]) / np.maximum(
                np.sum((g - g.mean(axis=1, keepdims=True)) ** 2, axis=1), 1e-300)
            intercept = sampled[:, t].mean() - slope * g.mean(axis=1)
            with np.errstate(all="ignore"):
                predicted = transform.inverse_values(slope[:, None] * g + intercept[:, None], points)
                error = np.mean((predicted - y[None, :]) ** 2, axis=1) / y_variance
            r2_target = np.where(np.isfinite(error), 1 - error, -np.inf)
            plain = _plain_constants(g, sampled[:, t], slope, intercept) if noise > 0 else np.zeros(len(top_t), dtype=bool)
            best.extend((float(r2_target[k]), size, int(i), t, bool(plain[k])) for k, i in enumerate(top_t))

    score(1)
    last_cost = 0.0
    pairs = None
    for size in range(2, max_size + 1):
        now = time.perf_counter()
        if deadline is not None and now + 8 * last_cost > deadline:
            break
        budget = max_per_size
        # unary operations on expressions one node smaller
        if size - 1 in pool.values:
            base = pool.values[size - 1]
            rows_below = np.arange(len(base))
            for name, (function, _) in _UNARY.items():
                if pool.size_count(size) >= budget:
                    break
                with np.errstate(all="ignore"):
                    values = function(base)
                recipe = np.column_stack([np.full(len(base), _OPS.index(name)), np.full(len(base), size - 1), rows_below,
                                          np.zeros(len(base)), np.zeros(len(base))]).astype(np.int64)
                pool.add(size, values, recipe)
        # binary operations on pairs whose sizes add up to size - 1
        for left_size in range(1, size - 1):
            right_size = size - 1 - left_size
            if left_size not in pool.values or right_size not in pool.values:
                continue
            A, B = pool.values[left_size], pool.values[right_size]
            for name, (function, _, commutative) in _BINARY.items():
                if commutative and left_size > right_size:
                    continue
                if pool.size_count(size) >= budget or (deadline is not None and time.perf_counter() > deadline):
                    break
                chunk = max(1, 200_000 // max(1, len(B)))
                for start in range(0, len(A), chunk):
                    block = A[start:start + chunk]
                    with np.errstate(all="ignore"):
                        values = function(block[:, None, :], B[None, :, :]).reshape(-1, len(rows))
                    left_rows, right_rows = np.meshgrid(np.arange(start, start + len(block)), np.arange(len(B)), indexing="ij")
                    recipe = np.column_stack([np.full(left_rows.size, _OPS.index(name)), np.full(left_rows.size, left_size),
                                              left_rows.ravel(), np.full(left_rows.size, right_size), right_rows.ravel()])
                    pool.add(size, values, recipe.astype(np.int64))
                    if pool.size_count(size) >= budget or (deadline is not None and time.perf_counter() > deadline):
                        break
        pool.finish(size)
        score(size)
        last_cost = time.perf_counter() - now
        if best and max(item[0] for item in best) > 1 - exact_within:
            break  # an exact law (to round-off) at this size: larger ones are not simpler
        if size == TERM_SIZE:  # two-term laws from the terms built so far, before longer single ones
            pairs = _two_term_leaders(pool, sampled, transforms, points, y, keep, deadline, sample_noise)
            # exact on the sample points, and on every row? Three fitted constants can bend two
            # terms to within 1e-12 of a law of one input, so stopping asks for 100x more
            strict = 1e-2 * exact_within
            if pairs and pairs[0][0] > 1 - strict:
                law = _pair_law(pairs[0], pool, transforms, symbols, Z)
                predicted = None if law is None else _values(law, symbols, Z)
                if predicted is not None and np.mean((predicted - target) ** 2) < strict * np.var(target):
                    break
    exact = best and max(item[0] for item in best) > 1 - exact_within
    if pairs is None and not exact and (deadline is None or time.perf_counter() < deadline):
        pairs = _two_term_leaders(pool, sampled, transforms, points, y, keep, deadline, sample_noise)  # the enumeration stopped short of TERM_SIZE
    pairs = pairs or []

    # the best distinct laws, a and b refitted on every row, scored on the target itself
    best.sort(key=lambda item: (-min(item[0], 1 - exact_within), item[1]))
    # on noisy data every law within the noise of perfect is as good as perfect: the
    # shortest of those come too (else noise picks which of them survive)
    ties_on = {"sample": max(exact_within, NOISE_TIES * sample_noise), "rows": max(exact_within, NOISE_TIES * noise)}

    def shortest_ties(items, r2, size, plain=None, on="sample"):
        if noise == 0:
            return []
        ties = ties_on[on]
        if plain is not None:  # the shortest of the ties without fitted constants
            return sorted((item for item in items if plain(item) and r2(item) >= 1 - ties), key=size)[:keep]
        return sorted(items, key=lambda item: (-min(r2(item), 1 - ties), size(item)))[:keep]
    # the leaders overall, and the leader of each size (the Pareto front of length vs
    # error), so a short law is not crowded out by longer ones fitting small errors
    leaders = (best[: 3 * keep] + shortest_ties(best, lambda item: item[0], lambda item: item[1])
               + shortest_ties(best, lambda item: item[0], lambda item: item[1], lambda item: item[4]))
    for size in sorted({item[1] for item in best}):
        leaders.append(next(item for item in best if item[1] == size))
    results: list[Scored] = []
    laws: list[tuple[sympy.Expr, int, bool]] = []  # (law, size of its enumerated part, plain)
    seen = set()
    for _, size, row, t, plain in leaders:
        g = pool.expression(size, row, symbols)
        values_t, inverse = transforms[t].values, transforms[t].inverse
        values = _values(g, symbols, Z)
        if values is None:
            continue
        if weights is None:
            root = np.sqrt(w)
        else:  # a row where dt/dT cannot be had carries no weight
            slope = _slope_of_inverse(transforms[t], transforms[t].values, Z)
            root = np.sqrt(w) * np.where(np.isfinite(slope), np.abs(slope), 0.0)
        (a, b), *_ = np.linalg.lstsq(np.column_stack([values, np.ones(n)]) * root[:, None], values_t * root, rcond=None)
        if noise > 0:  # noise on t is bent by T: a and b that fit T(t) best are refined to fit t itself
            a, b = _refined_on_target(transforms[t], values, a, b, target, w, Z)
        law = inverse(sympy.Float(a, 17) * g + sympy.Float(b, 17))
        key = sympy.srepr(law)
        if key in seen:
            continue
        seen.add(key)
        laws.append((law, size, plain))
    laws += [(law, pair[1], False) for pair in pairs if (law := _pair_law(pair, pool, transforms, symbols, Z)) is not None]
    for law, size, plain in laws:
        predicted = _values(law, symbols, Z)
        if predicted is None:
            continue
        with np.errstate(all="ignore"):
            r2 = 1 - float(np.mean(w * (predicted - target) ** 2)) / weighted_variance
        results.append(Scored(law, size, r2, plain))
    results.sort(key=lambda s: (-min(s.r2, 1 - exact_within), s.size))
    front, best_r2 = [], -math.inf
    for scored in sorted(results, key=lambda s: (s.size, -s.r2)):
        if scored.r2 > best_r2:
            front.append(scored)
            best_r2 = scored.r2
    chosen = results[:keep]
    chosen += [s for s in shortest_ties(results, lambda s: s.r2, lambda s: s.size, on="rows") if s not in chosen]
    chosen += [s for s in shortest_ties(results, lambda s: s.r2, lambda s: s.size, lambda s: s.plain, on="rows") if s not in chosen]
    return chosen + [s for s in front if s not in chosen]


def _plain_constants(g: np.ndarray, goal: np.ndarray, slope: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """For each row of ``g`` (values at the sample points) fitted to ``goal`` as
    slope*g + intercept: are |slope| and |intercept| within three standard errors of a
    simple number (PLAIN_SLOPES, PLAIN_INTERCEPTS)?"""
    n = g.shape[1]
    spread = np.sum((g - g.mean(axis=1, keepdims=True)) ** 2, axis=1)
    with np.errstate(all="ignore"):
        residual = np.sum((goal[None, :] - slope[:, None] * g - intercept[:, None]) ** 2, axis=1) / max(n - 2, 1)
        slope_error = np.sqrt(residual / spread)
        intercept_error = np.sqrt(residual * (1 / n + g.mean(axis=1) ** 2 / spread))
    near = lambda values, simple, error: np.min(np.abs(np.abs(values)[:, None] - simple[None, :]), axis=1) <= 3 * error
    return near(slope, PLAIN_SLOPES, slope_error) & near(intercept, PLAIN_INTERCEPTS, intercept_error)


def _refined_on_target(transform: _Transform, g: np.ndarray, a: float, b: float, target: np.ndarray, w: np.ndarray,
                       Z: np.ndarray, steps: int = 6) -> tuple[float, float]:
    """Gauss-Newton steps from (a, b) on the weighted squared error of T^-1(a*g + b)
    against the target; each step kept only if it lowers the error."""
    root = np.sqrt(w)

    def error(a_, b_):
        with np.errstate(all="ignore"):
            value = float(np.mean(w * (transform.inverse_values(a_ * g + b_, Z) - target) ** 2))
        return value if math.isfinite(value) else math.inf

    current = error(a, b)
    for _ in range(steps):
        u = a * g + b
        slope = _slope_of_inverse(transform, u, Z)
        with np.errstate(all="ignore"):
            residual = target - transform.inverse_values(u, Z)
        if not (np.all(np.isfinite(slope)) and np.all(np.isfinite(residual))):
            break
        (da, db), *_ = np.linalg.lstsq(np.column_stack([slope * g, slope]) * root[:, None], residual * root, rcond=None)
        trial = error(a + da, b + db)
        if not trial < current:
            break
        a, b, current = a + da, b + db, trial
    return a, b


def _slope_of_inverse(transform: _Transform, values: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dt/dT at T = ``values`` on every row of Z, by central differences of the inverse
    (non-finite where the inverse is): noise of variance v on t is noise of about
    v / (dt/dT)**2 on T(t)."""
    step = 1e-6 * (np.abs(values) + np.std(values) + 1e-300)
    with np.errstate(all="ignore"):
        return (transform.inverse_values(values + step, Z) - transform.inverse_values(values - step, Z)) / (2 * step)


def _terms(pool: _Pool) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]], np.ndarray]:
    """The non-constant expressions of at most ``TERM_SIZE`` nodes, shortest first:
    (values centred, their squared norms, (size, row) of each, sizes)."""
    sizes = [s for s in sorted(pool.values) if s <= TERM_SIZE]
    if not sizes:
        return np.empty((0, 0)), np.empty(0), [], np.empty(0, dtype=int)
    G = np.vstack([pool.values[s] for s in sizes])[:MAX_TERMS]
    ids = [(s, r) for s in sizes for r in range(len(pool.values[s]))][:MAX_TERMS]
    Gc = G - G.mean(axis=1, keepdims=True)
    power = np.sum(Gc**2, axis=1)
    usable = power > 1e-18 * np.sum(G**2, axis=1)  # not constant (the leaves 1, 2, pi)
    kept = np.flatnonzero(usable)
    return Gc[kept], power[kept], [ids[i] for i in kept], np.array([ids[i][0] for i in kept])


def _best_completions(Gc: np.ndarray, power: np.ndarray, firsts: np.ndarray, goals: np.ndarray,
                      deadline: float | None, noise: float = 0.0) -> list[tuple[int, float, int]]:
    """For each column k, the term j whose part orthogonal to (1, firsts[:, k]) best
    explains the part of goals[:, k] that (1, firsts[:, k]) leaves: returns (k, R2 of
    goals[:, k] on (1, first, term j), j), or nothing for columns the deadline cut. On
    noisy data (``noise``: the noise's share of the target's variance) the shortest term
    within the noise of the best comes too: noise decides between near-twins
    (cos(z)**2 and exp(sin(cos(z))**2)), and length should.
    Columns are centred and of unit norm; all terms are scored at once by two products."""
    found = []
    block = max(1, 2_000_000 // len(Gc))
    for start in range(0, firsts.shape[1], block):
        if deadline is not None and time.perf_counter() > deadline:
            break
        U, goal = firsts[:, start:start + block], goals[:, start:start + block]
        along = np.sum(U * goal, axis=0)
        rest = goal - U * along[None, :]
        remainder = power[:, None] - (Gc @ U) ** 2
        with np.errstate(all="ignore"):
            gain = np.where(remainder > 1e-9 * power[:, None], (Gc @ rest) ** 2 / remainder, 0.0)
        for k in range(U.shape[1]):
            # the shortest of the terms that explain the rest equally well (terms are by size)
            top = gain[:, k].max()
            j = int(np.argmax(gain[:, k] >= top * (1 - 1e-9)))
            found.append((start + k, float(along[k] ** 2 + gain[j, k]), j))
            if noise > 0:
                short = int(np.argmax(gain[:, k] >= top - NOISE_TIES * noise))
                if short != j:
                    found.append((start + k, float(along[k] ** 2 + gain[short, k]), short))
    return found


def _unit(columns: np.ndarray) -> np.ndarray:
    centred = columns - columns.mean(axis=0, keepdims=True)
    return centred / np.maximum(np.linalg.norm(centred, axis=0, keepdims=True), 1e-300)


def _two_term_leaders(pool: _Pool, sampled: np.ndarray, transforms: list[_Transform], points: np.ndarray, y: np.ndarray,
                      keep: int, deadline: float | None, noise: float = 0.0) -> list:
    """Laws of two short enumerated terms g1, g2 under a target transformation T:

    * sums T = c0 + c1*g1 + c2*g2 whose terms share inputs, so separability cannot split
      them (1/t = exp(z) + exp(-z); t**2 = 1 + 1/z0**2 - 2*cos(z1)/z0). For each T the
      ``TERM_LEADS`` terms of each size best correlated with it are tried as g1;
    * ratios T = (c0 + c1*g1) / (c2 + g2), fitted as the linear T*g2 = c0 + c1*g1 - c2*T
      ((1 - cos(n*z))/(1 - cos(z)); (z0 + z1)/(1 + z0)), for the shortest terms as g2.

    Returns (R2 on the target at the sample ``points``, size, kind, ((size1, row1),
    (size2, row2)), transformation), best first."""
    Gc, power, ids, sizes = _terms(pool)
    if len(ids) < 2:
        return []
    targets = _unit(sampled)
    correlation = (Gc @ targets) / np.sqrt(power)[:, None]
    leaders = []  # the leaders of each size: a right first term is often only fair on its own
    for size in np.unique(sizes):
        within = np.flatnonzero(sizes == size)
        leads = min(TERM_LEADS, len(within))
        leaders.append(within[np.argpartition(-np.abs(correlation[within]), leads - 1, axis=0)[:leads]])
    leaders = np.vstack(leaders)  # (leads, transformations)
    # denominators: the shortest terms, more of them for the plain transformations of t
    denominators = [range(min(len(ids), PLAIN_DENOMINATORS if transform.plain else max(1, RATIO_COLUMNS // len(transforms))))
                    for transform in transforms]
    # (transformation, kind, first term or denominator), by transformation: the plain
    # transformations of t come first, so a deadline cuts the more contrived ones
    columns = sorted([(t, "sum", int(i)) for t in range(sampled.shape[1]) for i in leaders[:, t]]
                     + [(t, "ratio", i) for t in range(sampled.shape[1]) for i in denominators[t]], key=lambda c: c[0])
    firsts = np.column_stack([Gc[i] / math.sqrt(power[i]) if kind == "sum" else targets[:, t] for t, kind, i in columns])
    # a ratio's g2 centred: T*(g2 - mean) differs from T*g2 by a multiple of T, which is in the fit
    goals = np.column_stack([targets[:, t] if kind == "sum" else _unit(sampled[:, t] * Gc[i]) for t, kind, i in columns])
    found = []
    for k, r2, j in _best_completions(Gc, power, firsts, goals, deadline, noise):
        t, kind, i = columns[k]
        terms = (ids[i], ids[j]) if kind == "sum" else (ids[j], ids[i])
        found.append((r2, int(sizes[i] + sizes[j] + (1 if kind == "sum" else 3)), kind, terms, t))
    found.sort(key=lambda item: (-item[0], item[1]))
    # judged again on the target itself: for a ratio the fit of T*g2 has the noise of T on
    # both sides, so its R2 flatters wrong denominators on noisy data (and the leaders of
    # each kind are judged, or flattered ratios crowd out every sum)
    judged = []
    leading = [item for kind in ("sum", "ratio") for item in [f for f in found if f[2] == kind][:RESCORED * keep]]
    for _, size, kind, (first, second), t in leading:
        g1, g2 = pool.values[first[0]][first[1]], pool.values[second[0]][second[1]]
        values_t = sampled[:, t]
        ones = np.ones(len(values_t))
        with np.errstate(all="ignore"):
            if kind == "sum":
                (c0, c1, c2), *_ = np.linalg.lstsq(np.column_stack([ones, g1, g2]), values_t, rcond=None)
                fitted = c0 + c1 * g1 + c2 * g2
                weakest = min(abs(c1) * np.std(g1), abs(c2) * np.std(g2))
            else:
                (c0, c1, c), *_ = np.linalg.lstsq(np.column_stack([ones, g1, values_t]), values_t * g2, rcond=None)
                fitted = (c0 + c1 * g1) / (g2 - c)
                weakest = abs(c1) * np.std(g1) / max(abs(c0) + abs(c1) * np.std(g1), 1e-300) * np.std(values_t)
            error = np.mean((transforms[t].inverse_values(fitted, points) - y) ** 2) / np.var(y)
        if weakest < 1e-6 * np.std(values_t):
            continue  # a term with a negligible share is round-off fitting, and the law one of a single term
        if np.isfinite(error):
            judged.append((1.0 - float(error), size, kind, (first, second), t))
    judged.sort(key=lambda item: (-item[0], item[1]))
    return judged[:keep]


def _pair_law(pair, pool: _Pool, transforms: list[_Transform], symbols: list[sympy.Symbol], Z: np.ndarray) -> sympy.Expr | None:
    """The law of a two-term leader (:func:`_two_term_leaders`), its constants fitted on every row."""
    _, _, kind, (first, second), t = pair
    g1, g2 = pool.expression(*first, symbols), pool.expression(*second, symbols)
    values_t, inverse = transforms[t].values, transforms[t].inverse
    v1, v2 = _values(g1, symbols, Z), _values(g2, symbols, Z)
    if v1 is None or v2 is None:
        return None
    ones = np.ones(len(Z))
    if kind == "sum":
        (c0, c1, c2), *_ = np.linalg.lstsq(np.column_stack([ones, v1, v2]), values_t, rcond=None)
        return inverse(sympy.Float(c0, 17) + sympy.Float(c1, 17) * g1 + sympy.Float(c2, 17) * g2)
    # a ratio: T*g2 = c0 + c1*g1 + c*T, so T = (c0 + c1*g1)/(g2 - c)
    (c0, c1, c), *_ = np.linalg.lstsq(np.column_stack([ones, v1, values_t]), values_t * v2, rcond=None)
    return inverse((sympy.Float(c0, 17) + sympy.Float(c1, 17) * g1) / (g2 - sympy.Float(c, 17)))


def _values(expression: sympy.Expr, symbols: list[sympy.Symbol], Z: np.ndarray) -> np.ndarray | None:
    """The expression on the rows of Z, or None when it is not finite everywhere."""
    try:
        function = sympy.lambdify(symbols, expression, modules="numpy")
        with np.errstate(all="ignore"):
            values = real_values(function(*Z.T), len(Z))
    except Exception:  # an expression numpy cannot evaluate is no candidate
        return None
    return values if np.all(np.isfinite(values)) else None


def _additive_fit(Z: np.ndarray, values: np.ndarray, left: list[int]) -> tuple[float, np.ndarray, np.ndarray]:
    """Fit values = G(z_left) + H(z_rest) with cubic splines in each input (a smooth
    additive model). Returns (R2, G on the rows, H on the rows)."""
    from sklearn.preprocessing import SplineTransformer

    def splines(j: int, knots: int) -> np.ndarray:
        # on log|z| for a one-signed input: ratios of inputs have long tails
        column = Z[:, [j]]
        if np.all(column > 0) or np.all(column < 0):
            column = np.log(np.abs(column))
        return SplineTransformer(n_knots=knots, degree=3, knots="quantile", include_bias=False).fit_transform(column)

    def basis(columns: list[int]) -> np.ndarray:
        # fine splines per input, and coarse ones multiplied pairwise for a part of
        # several inputs (fine ones would make the least squares minutes long)
        blocks = [splines(j, KNOTS) for j in columns]
        if len(columns) > 1:
            coarse = [splines(j, PAIR_KNOTS) for j in columns]
            blocks += [(a[:, :, None] * b[:, None, :]).reshape(len(Z), -1)
                       for i, a in enumerate(coarse) for b in coarse[i + 1:]]
        return np.column_stack(blocks)

    right = [j for j in range(Z.shape[1]) if j not in left]
    A, B = basis(left), basis(right)
    design = np.column_stack([np.ones(len(Z)), A, B])
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    G = A @ coefficients[1:1 + A.shape[1]]
    H = B @ coefficients[1 + A.shape[1]:]
    residual = values - coefficients[0] - G - H
    r2 = 1 - float(np.mean(residual**2)) / float(np.var(values))
    return r2, G, H


def separable_laws(
    Z: np.ndarray,
    target: np.ndarray,
    names: list[str],
    *,
    noise_floor: float = 0.0,
    max_size: int = 9,
    deadline: float | None = None,
    rng: np.random.Generator | None = None,
    max_rows: int = 3000,
) -> list[sympy.Expr]:
    """Laws t = g(z_A) * h(z_B) or g(z_A) + h(z_B), found part by part (AI Feynman's
    separability, tested here with a smooth additive model fitted to the data: log|t|
    for a product, t for a sum). Each part is enumerated alone (:func:`enumerate_expressions`)
    on the additive model's estimate of it, and the parts' best laws are combined with
    one overall constant fitted by least squares; the leading combinations then have
    all their constants refitted together on the data (each part was fitted to an
    estimate). A split is tried only when the additive model explains the data to
    within ``noise_floor`` (1 - R2 of a black-box fit) or 1e-5, whichever is larger,
    the best-explained splits first; a law at round-off ends the search."""
    from physlens.methods.symbolic import refit_constants

    rng = np.random.default_rng(rng)
    n, m = Z.shape
    if m < 2:
        return []
    rows = rng.choice(n, size=min(max_rows, n), replace=False)
    Zs, ts = Z[rows], target[rows]
    sign = 1.0 if np.all(ts > 0) else (-1.0 if np.all(ts < 0) else 0.0)
    kinds = [("sum", ts)] + ([("product", np.log(sign * ts))] if sign else [])
    splits = [[j] for j in range(m)] if m > 2 else [[0]]
    tolerance = max(1e-5, 2.0 * noise_floor)
    symbols = list(symbols_for(names).values())
    laws: list[sympy.Expr] = []
    fit_cost = 0.0
    separable = []
    for kind, values in kinds:
        for left in splits:
            started = time.perf_counter()
            if deadline is not None and started + fit_cost > deadline:
                break
            r2, G, H = _additive_fit(Zs, values, left)
            fit_cost = time.perf_counter() - started
            if 1 - r2 <= tolerance:
                separable.append((1 - r2, kind, left, G, H))  # G and H: the parts as the additive model sees them
    for unexplained, kind, left, G, H in sorted(separable, key=lambda item: item[0]):
        r2 = 1 - unexplained
        if deadline is not None and time.perf_counter() > deadline:
            break
        sides = (left, [j for j in range(m) if j not in left])
        parts = []
        for columns, component in zip(sides, (G, H)):
            part_target = np.exp(component - component.mean()) if kind == "product" else component
            remaining = None if deadline is None else time.perf_counter() + (deadline - time.perf_counter()) / 4
            found = enumerate_expressions(Zs[:, columns], part_target, [names[j] for j in columns], keep=4,
                                          max_size=max_size, deadline=remaining, rng=rng)
            parts.append(found)
        if not all(parts):
            continue
        combinations = [(g.expression, h.expression) for g in parts[0] for h in parts[1]]
        # backfitting on the data: a right part g makes t / g (or t - g) an exact
        # function of the other side's inputs, which enumeration then finds exactly
        for side, found in enumerate(parts):
            plausible = sorted((p for p in found if p.r2 > 1 - 100 * (1 - r2)), key=lambda p: p.size)[:2]
            other = sides[1 - side]
            for part in plausible:
                if deadline is not None and time.perf_counter() > deadline:
                    break
                values_part = _values(part.expression, symbols, Zs)
                if values_part is None or (kind == "product" and np.any(values_part == 0)):
                    continue
                rest = ts / values_part if kind == "product" else ts - values_part
                remaining = None if deadline is None else time.perf_counter() + (deadline - time.perf_counter()) / 4
                for found_rest in enumerate_expressions(Zs[:, other], rest, [names[j] for j in other], keep=2,
                                                        max_size=max_size, deadline=remaining, rng=rng)[:2]:
                    pair = (part.expression, found_rest.expression)
                    combinations.append(pair if side == 0 else pair[::-1])
        # the combinations are judged on the data, by error and length (a part fitted
        # to the additive model's estimate may have fitted its small errors too)
        scored = []
        for number, (g, h) in enumerate(combinations):
            if number >= 4 and deadline is not None and time.perf_counter() > deadline:
                break  # the first combinations are the parts' best laws
            combined = g * h if kind == "product" else g + h
            values_law = _values(combined, symbols, Zs)
            if values_law is None:
                continue
            if kind == "product":
                scale = float(values_law @ ts / max(values_law @ values_law, 1e-300))
                law, fitted = sympy.Float(scale, 17) * combined, scale * values_law
            else:
                offset = float(np.mean(ts - values_law))
                law, fitted = combined + sympy.Float(offset, 17), values_law + offset
            scored.append((_separable_score(law, fitted, ts, len(rows)), law))
        leading = [law for _, law in sorted(scored, key=lambda item: item[0])[:4]]
        # the parts' constants were fitted to estimates of the parts: refitted
        # together on the data they are the law's (1.00002*z2 + 0.99999*z0*z3 -> 1, 1)
        for law in leading:
            if deadline is None or time.perf_counter() < deadline or law is leading[0]:
                law = refit_constants(law, names, Zs, ts)
            laws.append(law)
            values_law = _values(law, symbols, Zs)
            if values_law is not None and 1 - r2_score(ts, values_law) <= ROUND_OFF:
                return laws  # the law leaves only round-off: no other split can do better
    return laws


def _separable_score(law: sympy.Expr, values: np.ndarray, target: np.ndarray, n: int) -> float:
    """A description length: n log(relative error) + size log(n)."""
    return n * math.log(max(1 - r2_score(target, values), 1e-14)) + count_complexity(law) * math.log(n)
