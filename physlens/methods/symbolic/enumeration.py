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

The pieces live beside this module: the expression pool (:mod:`.pool`), the target
transformations (:mod:`.transforms`), two-term laws (:mod:`.two_terms`) and the noise
estimate (:mod:`.noise`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import sympy

from physlens.expr import symbols_for
from physlens.methods.symbolic.laws import values_on
from physlens.methods.symbolic.noise import NOISE_TIES, denoised, noise_profile
from physlens.methods.symbolic.pool import BINARY, OPERATIONS, UNARY, ExpressionPool, affine_r2
from physlens.methods.symbolic.transforms import refined_on_target, slope_of_inverse, target_transforms
from physlens.methods.symbolic.two_terms import TERM_SIZE, pair_law, two_term_leaders

SAMPLE_POINTS = {False: 48, True: 200}  # enumeration sample points, for clean and for noisy data
DOMINANT_POINT = 0.5  # a transformed target with one sample point this share of its variance is not fitted
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
    key_seed: int = 0,
) -> list[Scored]:
    """The ``keep`` best laws T^-1(a*g(z) + b), best first: g of at most ``max_size``
    nodes, T one of the target transformations (:func:`target_transforms`), a and b
    fitted by least squares on all rows.

    Sizes grow until ``max_size``, the per-size cap or the deadline (a size whose cost,
    estimated from the last one, would overrun the deadline is not started); the
    enumeration at each size is complete unless the cap cut it. Fits within
    ``exact_within`` (1 - R2) of perfect count as exact: among them the shortest wins,
    and enumeration stops at the first size that has one. ``noise`` (the noise's share of
    the target's variance, :func:`noise_share`) makes fits within the noise of each other
    ties: two-term laws also try the shortest term within the noise of the best, and the
    shortest laws within the noise of perfect are returned beside the best fits.
    With noise the target at the sample points is smoothed (:func:`denoised`) and a and
    b are refined on the target itself, not on T(t). ``weights`` (each row's inverse
    noise variance, when the noise differs from row to row) draw the sample points from
    the quieter rows, and weight the smoothing, the final fits and the scores; a fit on a
    transformed target T(t) weights each row by its noise there. ``key_seed`` fixes the
    projection that deduplicates expressions by value (:class:`.pool.ExpressionPool`)."""
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
        local = denoised(Z, target, rows, w)
        if local is not None:
            y, smoother, near = local
            row_noise = noise * float(np.var(target)) * noise_profile(n, weights)
            sample_noise = float(np.mean(np.sum(smoother**2 * row_noise[near], axis=1))) / max(float(np.var(y)), 1e-300)
    # the noise's share of the weighted variance, the measure of the laws' final scores
    noise *= float(np.var(target)) / (float(np.mean(1.0 / w)) * weighted_variance)
    # the transformations of the target on every row, and at the sample points
    both = target_transforms(np.vstack([Z, points]), np.concatenate([target, y]), symbols)
    transforms = [replace(t, values=t.values[:n]) for t in both]
    sampled = np.column_stack([t.values[n:] for t in both])
    # a transformation whose values at the sample points are one point's outlier (z**-3
    # near z = 0) is fitted by any term sharing it: its fits say nothing, and crowd out
    # (a transformation that overflows at realistic magnitudes, 1e-30 ** -3, is no use either)
    with np.errstate(over="ignore", invalid="ignore"):
        deviation = (sampled - sampled.mean(axis=0)) ** 2
        informative = np.all(np.isfinite(deviation), axis=0) & (np.max(deviation, axis=0) < DOMINANT_POINT * np.sum(deviation, axis=0))
    informative[0] = True  # the target itself is always fitted
    transforms = [t for t, use in zip(transforms, informative) if use]
    sampled = sampled[:, informative]
    y_variance = float(np.var(y))
    centred = sampled - sampled.mean(axis=0)
    norms = np.linalg.norm(centred, axis=0)
    constants = [sympy.Integer(1), sympy.Integer(2), sympy.pi]
    leaves = [*range(m), *constants]
    pool = ExpressionPool(points, leaves, key_seed=key_seed)
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
            r2 = affine_r2(pool.values[size][start:start + block], centred, norms)
            count = min(keep, r2.shape[0])
            candidates.append(np.argpartition(-r2, count - 1, axis=0)[:count] + start)
        stacked = np.vstack(candidates)
        for t, transform in enumerate(transforms):
            # the block leaders for this target, then the affine fit judged on the target itself
            rows_t = np.unique(stacked[:, t])
            r2_t = affine_r2(pool.values[size][rows_t], centred[:, [t]], norms[[t]])[:, 0]
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
            for name, (function, _) in UNARY.items():
                if pool.size_count(size) >= budget:
                    break
                with np.errstate(all="ignore"):
                    values = function(base)
                recipe = np.column_stack([np.full(len(base), OPERATIONS.index(name)), np.full(len(base), size - 1), rows_below,
                                          np.zeros(len(base)), np.zeros(len(base))]).astype(np.int64)
                pool.add(size, values, recipe)
        # binary operations on pairs whose sizes add up to size - 1
        for left_size in range(1, size - 1):
            right_size = size - 1 - left_size
            if left_size not in pool.values or right_size not in pool.values:
                continue
            A, B = pool.values[left_size], pool.values[right_size]
            for name, (function, _, commutative) in BINARY.items():
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
                    recipe = np.column_stack([np.full(left_rows.size, OPERATIONS.index(name)), np.full(left_rows.size, left_size),
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
            pairs = two_term_leaders(pool, sampled, transforms, points, y, keep, deadline, sample_noise)
            # exact on the sample points, and on every row? Three fitted constants can bend two
            # terms to within 1e-12 of a law of one input, so stopping asks for 100x more
            strict = 1e-2 * exact_within
            if pairs and pairs[0][0] > 1 - strict:
                law = pair_law(pairs[0], pool, transforms, symbols, Z)
                predicted = None if law is None else values_on(law, symbols, Z)
                if predicted is not None and np.mean((predicted - target) ** 2) < strict * np.var(target):
                    break
    exact = best and max(item[0] for item in best) > 1 - exact_within
    if pairs is None and not exact and (deadline is None or time.perf_counter() < deadline):
        pairs = two_term_leaders(pool, sampled, transforms, points, y, keep, deadline, sample_noise)  # the enumeration stopped short of TERM_SIZE
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
        values = values_on(g, symbols, Z)
        if values is None:
            continue
        if weights is None:
            root = np.sqrt(w)
        else:  # a row where dt/dT cannot be had carries no weight
            slope = slope_of_inverse(transforms[t], transforms[t].values, Z)
            root = np.sqrt(w) * np.where(np.isfinite(slope), np.abs(slope), 0.0)
        (a, b), *_ = np.linalg.lstsq(np.column_stack([values, np.ones(n)]) * root[:, None], values_t * root, rcond=None)
        if noise > 0:  # noise on t is bent by T: a and b that fit T(t) best are refined to fit t itself
            a, b = refined_on_target(transforms[t], values, a, b, target, w, Z)
        law = inverse(sympy.Float(a, 17) * g + sympy.Float(b, 17))
        key = sympy.srepr(law)
        if key in seen:
            continue
        seen.add(key)
        laws.append((law, size, plain))
    laws += [(law, pair[1], False) for pair in pairs if (law := pair_law(pair, pool, transforms, symbols, Z)) is not None]
    for law, size, plain in laws:
        predicted = values_on(law, symbols, Z)
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
