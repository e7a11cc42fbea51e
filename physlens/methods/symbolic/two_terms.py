"""Laws of two short enumerated terms under a target transformation: sums
c0 + c1*g1 + c2*g2 and ratios (c0 + c1*g1)/(c2 + g2). For a given g1 (or g2) the best
partner among all short terms is one pair of matrix products away."""

from __future__ import annotations

import math
import time

import numpy as np
import sympy

from physlens.methods.symbolic.laws import values_on
from physlens.methods.symbolic.noise import NOISE_TIES
from physlens.methods.symbolic.pool import ExpressionPool
from physlens.methods.symbolic.transforms import Transform

TERM_SIZE = 5  # each term of a two-term law c0 + c1*g1 + c2*g2 has at most this many nodes
TERM_LEADS = 4  # first terms tried per target transformation and term size
MAX_TERMS = 12_000  # expressions eligible as terms, the shortest first
RATIO_COLUMNS = 2_000  # (denominator, transformation) pairs tried as ratios of a transformation times z**k
PLAIN_DENOMINATORS = 300  # denominators tried for each plain transformation of t
RESCORED = 20  # two-term leaders per kept one that are judged again on the target


def _terms(pool: ExpressionPool) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]], np.ndarray]:
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


def two_term_leaders(pool: ExpressionPool, sampled: np.ndarray, transforms: list[Transform], points: np.ndarray, y: np.ndarray,
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


def pair_law(pair, pool: ExpressionPool, transforms: list[Transform], symbols: list[sympy.Symbol], Z: np.ndarray) -> sympy.Expr | None:
    """The law of a two-term leader (:func:`two_term_leaders`), its constants fitted on every row."""
    _, _, kind, (first, second), t = pair
    g1, g2 = pool.expression(*first, symbols), pool.expression(*second, symbols)
    values_t, inverse = transforms[t].values, transforms[t].inverse
    v1, v2 = values_on(g1, symbols, Z), values_on(g2, symbols, Z)
    if v1 is None or v2 is None:
        return None
    ones = np.ones(len(Z))
    if kind == "sum":
        (c0, c1, c2), *_ = np.linalg.lstsq(np.column_stack([ones, v1, v2]), values_t, rcond=None)
        return inverse(sympy.Float(c0, 17) + sympy.Float(c1, 17) * g1 + sympy.Float(c2, 17) * g2)
    # a ratio: T*g2 = c0 + c1*g1 + c*T, so T = (c0 + c1*g1)/(g2 - c)
    (c0, c1, c), *_ = np.linalg.lstsq(np.column_stack([ones, v1, values_t]), values_t * v2, rcond=None)
    return inverse((sympy.Float(c0, 17) + sympy.Float(c1, 17) * g1) / (g2 - sympy.Float(c, 17)))
