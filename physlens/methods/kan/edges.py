"""Snapping one KAN edge to a library function: the best a*f(b*x + c) + d for each f of
:data:`SNAP_LIBRARY`, fitted on the edge's samples, and the simplest that fits."""

from __future__ import annotations

import numpy as np
import sympy


# name, complexity, numpy function, sympy function
SNAP_LIBRARY = (
    ("x", 1, lambda x: x, lambda x: x),
    ("x^2", 2, lambda x: x**2, lambda x: x**2),
    ("x^3", 3, lambda x: x**3, lambda x: x**3),
    ("1/x", 3, lambda x: 1 / x, lambda x: 1 / x),
    ("1/x^2", 3, lambda x: 1 / x**2, lambda x: 1 / x**2),
    ("sqrt", 3, lambda x: np.sqrt(x), sympy.sqrt),
    ("exp", 3, np.exp, sympy.exp),
    ("log", 3, lambda x: np.log(x), sympy.log),
    ("sin", 3, np.sin, sympy.sin),
    ("cos", 3, np.cos, sympy.cos),
    ("tanh", 4, np.tanh, sympy.tanh),
)


def torch_function(name):
    """The library function as a torch operation, guarded so that training cannot step
    outside its domain (the guards are inactive where the snapped edge lives)."""
    import torch

    def away_from_zero(u):
        return torch.where(u >= 0, u.clamp(min=1e-6), u.clamp(max=-1e-6))

    return {
        "x": lambda u: u,
        "x^2": lambda u: u**2,
        "x^3": lambda u: u**3,
        "1/x": lambda u: 1 / away_from_zero(u),
        "1/x^2": lambda u: 1 / away_from_zero(u) ** 2,
        "sqrt": lambda u: torch.sqrt(u.clamp(min=1e-12)),
        "exp": lambda u: torch.exp(u.clamp(max=50.0)),
        "log": lambda u: torch.log(u.clamp(min=1e-12)),
        "sin": torch.sin,
        "cos": torch.cos,
        "tanh": torch.tanh,
    }[name]


def _refine(f, x, values, best, total):
    """Least-squares polish of (a, b, c, d) from the grid's best start."""
    from scipy.optimize import least_squares

    def residual(theta):
        a, b, c, d = theta
        with np.errstate(all="ignore"):
            out = a * f(b * x + c) + d - values
        return np.where(np.isfinite(out), out, 1e6)

    fit = least_squares(residual, np.array(best[1]), method="lm", max_nfev=400)
    r2 = 1 - np.sum(residual(fit.x) ** 2) / total
    return (float(r2), tuple(float(v) for v in fit.x)) if r2 > best[0] else best


def fit_edge(x: np.ndarray, values: np.ndarray, r2_needed: float):
    """Best a*f(b*x + c) + d over :data:`SNAP_LIBRARY` for samples of one edge function.
    Returns (name, r2, (a, b, c, d), sympy_function), the simplest with R2 >= r2_needed,
    or the most accurate if none reaches it."""
    return choose_edge(edge_candidates(x, values), r2_needed)


def choose_edge(results, r2_needed):
    accurate = [r for r in results if r[2] >= r2_needed]
    chosen = min(accurate, key=lambda r: (r[1], -r[2])) if accurate else max(results, key=lambda r: r[2])
    return chosen[0], float(chosen[2]), chosen[3], chosen[4]


def edge_candidates(x: np.ndarray, values: np.ndarray):
    """Every library function's best fit a*f(b*x + c) + d to one edge's samples, as
    (name, complexity, r2, (a, b, c, d), sympy_function)."""
    total = np.sum((values - values.mean()) ** 2)
    if total <= 1e-300:
        return [("0", 0, 1.0, (0.0, 1.0, 0.0, float(values.mean())), None)]
    results = []
    scales = np.concatenate([-np.logspace(-1, 1, 15), np.logspace(-1, 1, 15)])
    shifts = np.linspace(-3, 3, 25)
    centred_values = values - values.mean()
    for name, complexity, f, g in SNAP_LIBRARY:
        best = None
        inner = np.array([(1.0, 0.0)] if name == "x" else [(b, c) for b in scales for c in shifts])
        with np.errstate(all="ignore"):
            features = f(inner[:, :1] * x[None] + inner[:, 1:])  # (grid, n)
        usable = np.all(np.isfinite(features), axis=1) & (np.ptp(np.where(np.isfinite(features), features, 0), axis=1) > 0)
        if usable.any():
            features, inner = features[usable], inner[usable]
            centred = features - features.mean(axis=1, keepdims=True)
            covariance = centred @ centred_values
            variance = np.sum(centred**2, axis=1)
            r2_grid = covariance**2 / (variance * total)  # R2 of the best a*f + d
            k = int(np.argmax(r2_grid))
            a = covariance[k] / variance[k]
            d = values.mean() - a * features[k].mean()
            best = (float(r2_grid[k]), (float(a), float(inner[k, 0]), float(inner[k, 1]), float(d)))
        if best is not None and name != "x":
            best = _refine(f, x, values, best, total)
        if best is not None:
            results.append((name, complexity, best[0], best[1], g))
    return results


SYMPY_OF = {name: g for name, _, _, g in SNAP_LIBRARY}
