"""Checks of conserved quantities read from trajectories (pure functions): the noise floor
of a quantity's scatter along a trajectory, its scatter on trajectories the fit never saw,
the functional independence of a set, and the count against a known one."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import sympy

from physlens.validate.invariants import gradient_field
from physlens.validate.verdict import Verdict

__all__ = ["state_noise", "noise_share", "within_share", "independent_subset", "conservation_verdict", "count_verdict"]

# white noise on a 4th difference: var = (1 + 16 + 36 + 16 + 1) sigma^2
_FOURTH_DIFFERENCE_GAIN = 70.0


def state_noise(states: np.ndarray, trajectory: np.ndarray) -> np.ndarray:
    """Per state column, the measurement-noise std estimated from 4th differences along each
    trajectory. White noise gives 70 sigma^2 at any stride; a smooth orbit gives (h^4 x^(4))^2,
    16^2 times more at stride 2, so the two strides are combined to cancel the orbit's own
    curvature (Richardson): sigma^2 = (16 V1 - V2) / (15 * 70), bounded by V1 / 70."""
    states = np.asarray(states, dtype=float)
    first, second = [], []
    for label in np.unique(trajectory):
        rows = states[np.asarray(trajectory) == label]
        if len(rows) >= 9:
            first.append(np.diff(rows, n=4, axis=0))
            second.append(np.diff(rows[::2], n=4, axis=0))
    if not first:
        return np.zeros(states.shape[1])
    v1 = np.mean(np.concatenate(first) ** 2, axis=0)
    v2 = np.mean(np.concatenate(second) ** 2, axis=0)
    return np.sqrt(np.clip((16 * v1 - v2) / 15, 0, v1) / _FOURTH_DIFFERENCE_GAIN)


def within_share(values: np.ndarray, trajectory: np.ndarray) -> float:
    """Share of a quantity's variance that lies within trajectories (0: constant on each)."""
    values = np.asarray(values, dtype=float)
    _, inverse = np.unique(trajectory, return_inverse=True)
    means = np.bincount(inverse, values) / np.bincount(inverse)
    total = np.var(values)
    if not np.isfinite(total) or total <= 0:
        return float("inf")
    return float(np.mean((values - means[inverse]) ** 2) / total)


def noise_share(expression: sympy.Expr, names: Sequence[str], states: np.ndarray, noise: np.ndarray) -> float:
    """The within-trajectory share of variance that measurement noise of std ``noise`` (per
    state) alone gives the quantity (first order: sum_j (dg/dx_j)^2 sigma_j^2 over its variance)."""
    grad = gradient_field(expression, names, states)
    from physlens.expr import to_function

    values = np.broadcast_to(to_function(expression, list(names))(*np.asarray(states, dtype=float).T), (len(states),))
    total = np.var(values)
    if not np.isfinite(total) or total <= 0:
        return float("inf")
    return float(np.mean(np.sum(grad**2 * np.asarray(noise) ** 2, axis=1)) / total)


def independent_subset(expressions: Sequence[sympy.Expr], names: Sequence[str], points: np.ndarray, tolerance: float = 1e-6) -> list[int]:
    """Indices of a functionally independent subset, in order: an expression is kept when its
    (normalised) gradient raises the rank of the kept ones' gradients at most points."""
    grads = []
    for e in expressions:
        g = gradient_field(e, names, points)
        grads.append(g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-300))
    kept: list[int] = []
    for k, g in enumerate(grads):
        stacked = np.stack([grads[i] for i in kept] + [g], axis=2)  # (n, d, m)
        singular = np.linalg.svd(stacked, compute_uv=False)
        rank = np.sum(singular > tolerance * np.sqrt(stacked.shape[2]), axis=1)
        if np.median(rank) > len(kept):
            kept.append(k)
    return kept


def conservation_verdict(name: str, expression: sympy.Expr, share: float, threshold: float, where: str) -> Verdict:
    """A quantity's within-trajectory variance share against the noise-calibrated threshold."""
    return Verdict(
        f"{name} conserved {where}",
        bool(np.isfinite(share) and share <= threshold),
        share,
        f"{sympy.sstr(expression)}: a share {share:.2e} of its variance is scatter along single trajectories "
        f"(needs <= {threshold:.2e}: measurement noise's share with a margin)",
    )


def count_verdict(found: int, expected: int) -> Verdict:
    """The number of independent conserved quantities against the known one."""
    return Verdict("number of conserved quantities", found == expected, float(found),
                   f"{found} independent conserved quantities found, {expected} expected")
