"""Separable laws t = g(z_A) * h(z_B) or g(z_A) + h(z_B), after AI Feynman's separability
(Udrescu & Tegmark, Sci. Adv. 2020): tested with a smooth additive model fitted to the
data, each part enumerated alone, the parts' constants refitted together."""

from __future__ import annotations

import math
import time

import numpy as np
import sympy

from physlens.expr import count_complexity, symbols_for
from physlens.methods.symbolic.constants import refit_constants
from physlens.methods.symbolic.enumeration import enumerate_expressions
from physlens.methods.symbolic.laws import ROUND_OFF, values_on
from physlens.validate.fit import r2_score

KNOTS = 30  # spline knots per input of the additive model
PAIR_KNOTS = 8  # ... per input in the pairwise products, for a part of several inputs


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
    key_seed: int = 0,
) -> list[sympy.Expr]:
    """Laws t = g(z_A) * h(z_B) or g(z_A) + h(z_B), found part by part (AI Feynman's
    separability, tested here with a smooth additive model fitted to the data: log|t|
    for a product, t for a sum). Each part is enumerated alone (:func:`enumerate_expressions`)
    on the additive model's estimate of it, and the parts' best laws are combined with
    one overall constant fitted by least squares; the leading combinations then have
    all their constants refitted together on the data (each part was fitted to an
    estimate). A split is tried only when the additive model explains the data to
    within ``noise_floor`` (1 - R2 of a black-box fit) or 1e-5, whichever is larger,
    the best-explained splits first; a law at round-off ends the search. ``key_seed`` is
    passed to each enumeration."""
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
                                          max_size=max_size, deadline=remaining, rng=rng, key_seed=key_seed)
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
                values_part = values_on(part.expression, symbols, Zs)
                if values_part is None or (kind == "product" and np.any(values_part == 0)):
                    continue
                rest = ts / values_part if kind == "product" else ts - values_part
                remaining = None if deadline is None else time.perf_counter() + (deadline - time.perf_counter()) / 4
                for found_rest in enumerate_expressions(Zs[:, other], rest, [names[j] for j in other], keep=2,
                                                        max_size=max_size, deadline=remaining, rng=rng, key_seed=key_seed)[:2]:
                    pair = (part.expression, found_rest.expression)
                    combinations.append(pair if side == 0 else pair[::-1])
        # the combinations are judged on the data, by error and length (a part fitted
        # to the additive model's estimate may have fitted its small errors too)
        scored = []
        for number, (g, h) in enumerate(combinations):
            if number >= 4 and deadline is not None and time.perf_counter() > deadline:
                break  # the first combinations are the parts' best laws
            combined = g * h if kind == "product" else g + h
            values_law = values_on(combined, symbols, Zs)
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
            values_law = values_on(law, symbols, Zs)
            if values_law is not None and 1 - r2_score(ts, values_law) <= ROUND_OFF:
                return laws  # the law leaves only round-off: no other split can do better
    return laws


def _separable_score(law: sympy.Expr, values: np.ndarray, target: np.ndarray, n: int) -> float:
    """A description length: n log(relative error) + size log(n)."""
    return n * math.log(max(1 - r2_score(target, values), 1e-14)) + count_complexity(law) * math.log(n)
