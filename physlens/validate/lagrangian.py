"""Checks of a Lagrangian read in closed form (pure functions).

A Lagrangian is defined only up to a scale and a total time derivative: alpha L + dF(q, t)/dt
gives the same equations of motion. The Euler-Lagrange operator E_j[L] = d/dt dL/dv_j - dL/dq_j
is linear in L and vanishes identically exactly on total derivatives (the null Lagrangians),
so two Lagrangians are equivalent when E[candidate] = alpha E[truth] at every (q, v, a).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import sympy

from physlens.expr import symbols_for
from physlens.validate.verdict import Verdict

__all__ = ["euler_lagrange", "euler_lagrange_accelerations", "lagrangian_equivalence", "lagrangian_verdict", "acceleration_verdict"]

MAX_EQUIVALENCE_RESIDUAL = 1e-3
MAX_ACCELERATION_ERROR = 0.05


def euler_lagrange(lagrangian: sympy.Expr, coordinates: Sequence[str], velocities: Sequence[str]) -> tuple[list[sympy.Expr], list[sympy.Symbol]]:
    """The Euler-Lagrange expressions d/dt dL/dv_j - dL/dq_j as functions of (q, v, a), and the
    acceleration symbols a_j they introduce."""
    symbols = symbols_for(list(coordinates) + list(velocities))
    q = [symbols[n] for n in coordinates]
    v = [symbols[n] for n in velocities]
    a = [sympy.Symbol(f"a_{n}", real=True) for n in coordinates]
    expressions = []
    for qj, vj in zip(q, v):
        momentum = sympy.diff(lagrangian, vj)
        total = sum(sympy.diff(momentum, qk) * vk + sympy.diff(momentum, vk) * ak for qk, vk, ak in zip(q, v, a))
        expressions.append(total - sympy.diff(lagrangian, qj))
    return expressions, a


def _evaluate(expressions, symbols, points: np.ndarray) -> np.ndarray:
    function = sympy.lambdify(symbols, expressions, "numpy")
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (points.shape[0],)) for v in function(*points.T)], axis=1)


def lagrangian_equivalence(candidate: sympy.Expr, truth: sympy.Expr, coordinates: Sequence[str], velocities: Sequence[str],
                           points: np.ndarray, rng: np.random.Generator | None = None) -> tuple[float, float]:
    """(alpha, residual): the scale alpha minimising |E[candidate] - alpha E[truth]| over the
    states ``points`` (q..., v...) with random accelerations, and the relative residual
    |E[c] - alpha E[t]| / |E[c]| (0: equivalent up to scale and a total derivative)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    points = np.atleast_2d(np.asarray(points, dtype=float))
    names = list(coordinates) + list(velocities)
    symbols = symbols_for(names)
    accelerations = rng.standard_normal((points.shape[0], len(coordinates))) * np.maximum(points[:, len(coordinates):].std(axis=0), 1.0)
    values = []
    for lagrangian in (candidate, truth):
        expressions, a = euler_lagrange(lagrangian, coordinates, velocities)
        values.append(_evaluate(expressions, [symbols[n] for n in names] + a, np.column_stack([points, accelerations])).ravel())
    found, true = values
    if not (np.all(np.isfinite(found)) and np.all(np.isfinite(true))) or not np.any(true):
        return float("nan"), float("inf")
    alpha = float(found @ true / (true @ true))
    residual = float(np.linalg.norm(found - alpha * true) / max(np.linalg.norm(found), 1e-300))
    return alpha, residual


def lagrangian_verdict(residual: float, alpha: float, maximum: float = MAX_EQUIVALENCE_RESIDUAL) -> Verdict:
    """The closed-form L against the true one, up to a scale and a total derivative."""
    return Verdict(
        "closed-form L matches true L",
        bool(np.isfinite(residual) and residual <= maximum and alpha != 0),
        residual,
        f"Euler-Lagrange expressions of the closed form = {alpha:.4g} x the true ones, relative residual {residual:.2e} "
        f"(needs <= {maximum:g}: equal up to a scale and a total time derivative)",
    )


def euler_lagrange_accelerations(lagrangian: sympy.Expr, coordinates: Sequence[str], velocities: Sequence[str],
                                 states: np.ndarray) -> np.ndarray:
    """The accelerations a closed-form L predicts at ``states`` (q..., v...): the EL
    expressions are linear in a, E = M a - f, so a = M^-1 f with M and f read by evaluating
    them at a = 0 and a = unit vectors."""
    expressions, a = euler_lagrange(lagrangian, coordinates, velocities)
    names = list(coordinates) + list(velocities)
    symbols = symbols_for(names)
    ordered = [symbols[n] for n in names] + a
    states = np.atleast_2d(np.asarray(states, dtype=float))
    f = len(coordinates)
    at = lambda acc: _evaluate(expressions, ordered, np.column_stack([states, acc]))  # noqa: E731
    zero = at(np.zeros((len(states), f)))
    mass = np.stack([at(np.tile(np.eye(f)[k], (len(states), 1))) - zero for k in range(f)], axis=2)  # (n, j, k)
    singular = ~np.all(np.isfinite(mass), axis=(1, 2)) | (np.abs(np.linalg.det(np.nan_to_num(mass))) < 1e-12)
    mass[singular] = np.eye(f)  # a candidate without kinetic term there: no acceleration follows
    with np.errstate(all="ignore"):
        accelerations = np.linalg.solve(mass, np.nan_to_num(-zero)[:, :, None])[:, :, 0]
    accelerations[singular] = np.nan
    return accelerations


def acceleration_verdict(predicted: np.ndarray, observed: np.ndarray, what: str, maximum: float = MAX_ACCELERATION_ERROR) -> Verdict:
    """Relative RMS error of predicted accelerations against observed ones."""
    predicted, observed = np.asarray(predicted, dtype=float), np.asarray(observed, dtype=float)
    error = float(np.sqrt(np.mean((predicted - observed) ** 2)) / max(np.sqrt(np.mean(observed**2)), 1e-300))
    if not np.isfinite(error):
        error = float("inf")
    return Verdict(f"{what} reproduces the accelerations", bool(error <= maximum), error,
                   f"relative RMS error of the predicted accelerations {error:.2e} (needs <= {maximum:g})")
