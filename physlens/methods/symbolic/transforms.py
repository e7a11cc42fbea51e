"""Transformations T of the target (1/t, t**2, log|t|, t*z**k, ...) under which a law is
an affine function of one enumerated expression, with their inverses."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import sympy


@dataclass(frozen=True)
class Transform:
    """The target seen through T, and T's inverse, symbolic and numeric."""

    values: np.ndarray
    inverse: Callable[[sympy.Expr], sympy.Expr]
    inverse_values: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (T-values, Z rows) -> target
    plain: bool = False  # a function of t alone (no factor z**k)


def through_functions(values: np.ndarray, outer, outer_values) -> list[Transform]:
    """``values`` seen through the identity, 1/v, v**2, 1/v**2, sqrt(|v|) and log|v|, each
    followed on the way back by ``outer`` (symbolic) and ``outer_values`` (numeric)."""
    sign = 1.0 if np.all(values > 0) else (-1.0 if np.all(values < 0) else 0.0)
    found = [Transform(values, outer, outer_values)]
    with np.errstate(all="ignore"):
        if np.all(values != 0):
            found.append(Transform(1.0 / values, lambda e: outer(1 / e), lambda e, r: outer_values(1.0 / e, r)))
        if sign:
            found.append(Transform(values**2, lambda e: outer(sign * sympy.sqrt(e)), lambda e, r: outer_values(sign * np.sqrt(e), r)))
            # 1/v**2: a Lorentz factor 1/sqrt(1 - z**2) is 1 - z**2 through it
            found.append(Transform(values**-2.0, lambda e: outer(sign / sympy.sqrt(e)), lambda e, r: outer_values(sign / np.sqrt(e), r)))
            found.append(Transform(np.sqrt(sign * values), lambda e: outer(sign * e**2), lambda e, r: outer_values(sign * e**2, r)))
            found.append(Transform(np.log(sign * values), lambda e: outer(sign * sympy.exp(e)), lambda e, r: outer_values(sign * np.exp(e), r)))
    return found


def target_transforms(Z: np.ndarray, target: np.ndarray, symbols: list[sympy.Symbol]) -> list[Transform]:
    """The target t through 1/t, t**2, 1/t**2, sqrt(|t|), log|t| (and itself, and sin t for an
    angle); each of these times z_j**k for small k; and each of them applied to t * z_j**k. So
    z**3/(exp(z) - 1) is found as 1/(exp(z) - 1) for t / z**3, and a Gaussian
    exp(-d**2/(2 s**2))/s as an affine function of (d/s)**2 for log(t * s)."""
    transforms = through_functions(target, lambda e: e, lambda e, rows: e)
    if np.all(np.abs(target) <= math.pi / 2):  # an angle: t = asin(g) is sin(t) = g (Snell's law)
        transforms.append(Transform(np.sin(target), sympy.asin, lambda e, rows: np.arcsin(e)))
    transforms = [replace(t, plain=True) for t in transforms]
    for j, symbol in enumerate(symbols):
        if np.any(Z[:, j] == 0):
            continue
        for power in (-3, -2, -1, 1, 2, 3):
            with np.errstate(all="ignore"):
                factor = Z[:, j] ** power
            # T(t) * z**k ...
            for t in through_functions(target, lambda e: e, lambda e, rows: e):
                transforms.append(Transform(
                    t.values * factor,
                    lambda e, inv=t.inverse, z=symbol, k=power: inv(e / z**k),
                    lambda e, rows, inv=t.inverse_values, j=j, k=power: inv(e / rows[:, j] ** k, rows),
                ))
            # ... and T(t * z**k)
            transforms.extend(through_functions(
                target * factor,
                lambda e, z=symbol, k=power: e / z**k,
                lambda e, rows, j=j, k=power: e / rows[:, j] ** k,
            ))
    return [t for t in transforms if np.all(np.isfinite(t.values)) and np.ptp(t.values) > 0]


def refined_on_target(transform: Transform, g: np.ndarray, a: float, b: float, target: np.ndarray, w: np.ndarray,
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
        slope = slope_of_inverse(transform, u, Z)
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


def slope_of_inverse(transform: Transform, values: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dt/dT at T = ``values`` on every row of Z, by central differences of the inverse
    (non-finite where the inverse is): noise of variance v on t is noise of about
    v / (dt/dT)**2 on T(t)."""
    step = 1e-6 * (np.abs(values) + np.std(values) + 1e-300)
    with np.errstate(all="ignore"):
        return (transform.inverse_values(values + step, Z) - transform.inverse_values(values - step, Z)) / (2 * step)
