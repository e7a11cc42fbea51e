"""Checks of conserved quantities read from trajectories (pure functions): the noise floor
of a quantity's scatter along a trajectory, its scatter on trajectories the fit never saw,
the functional independence of a set, and the count against a known one."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import sympy

from physlens.validate.invariants import gradient_field
from physlens.validate.verdict import Verdict

__all__ = ["white_noise_share", "within_share", "independent_subset", "conservation_verdict", "count_verdict"]

# white noise on a 4th difference: var = (1 + 16 + 36 + 16 + 1) sigma^2
_FOURTH_DIFFERENCE_GAIN = 70.0


def within_share(values: np.ndarray, trajectory: np.ndarray) -> float:
    """Share of a quantity's variance that lies within trajectories (0: constant on each)."""
    values = np.asarray(values, dtype=float)
    _, inverse = np.unique(trajectory, return_inverse=True)
    means = np.bincount(inverse, values) / np.bincount(inverse)
    total = np.var(values)
    if not np.isfinite(total) or total <= 0:
        return float("inf")
    return float(np.mean((values - means[inverse]) ** 2) / total)


def white_noise_share(values: np.ndarray, trajectory: np.ndarray) -> float:
    """The share of a quantity's variance that white measurement noise accounts for, read
    from the quantity itself: 4th differences along each trajectory (in time order) keep
    white noise (variance 70 sigma^2) and remove slow change, so for a conserved quantity seen
    through noise this equals its within-trajectory share, while a slowly drifting (only
    approximately conserved) one scatters far more than its 4th differences show."""
    values = np.asarray(values, dtype=float)
    trajectory = np.asarray(trajectory)
    pieces = [np.diff(values[trajectory == label], n=4) for label in np.unique(trajectory) if np.sum(trajectory == label) >= 5]
    total = np.var(values)
    if not pieces or not np.isfinite(total) or total <= 0:
        return float("inf")
    return float(np.mean(np.concatenate(pieces) ** 2) / _FOURTH_DIFFERENCE_GAIN / total)


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
        f"(needs <= {threshold:.2e}: the share white noise accounts for, with a margin)",
    )


def count_verdict(found: int, expected: int) -> Verdict:
    """The number of independent conserved quantities against the known one."""
    return Verdict("number of conserved quantities", found == expected, float(found),
                   f"{found} independent conserved quantities found, {expected} expected")
