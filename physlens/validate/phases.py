"""Scores of a learned order parameter and a critical-temperature estimate against truth.

Pure functions: the magnetisation of lattice configurations (the known order parameter of
ferromagnetic Ising and Potts models), the correlation of a learned order parameter with
it, and the relative error of an estimated T_c.
"""

from __future__ import annotations

import math

import numpy as np

from physlens.errors import DataError
from physlens.validate.verdict import Verdict


def magnetization(configs: np.ndarray, states: tuple[int, ...] | list[int]) -> np.ndarray:
    """|m| per configuration, in [0, 1].

    Two states: |mean of the +-1 spin| (the first state counts as -1). q >= 3 states:
    |mean of exp(2 pi i s / q)| over sites, the modulus of the Potts clock magnetisation
    (1 in a fully ordered state, ~0 in a disordered one). No states (planar spins, angles
    in radians): |mean of exp(i theta)|.
    """
    configs = np.asarray(configs)
    states = list(states)
    if configs.ndim not in (3, 4):
        raise DataError(f"configs must have shape (n, L, L) or (n, L, L, L); got shape {configs.shape}")
    sites = tuple(range(1, configs.ndim))
    if len(states) == 0:
        return np.abs(np.exp(1j * configs).mean(axis=sites))
    index = np.searchsorted(np.asarray(sorted(states)), configs)
    order = np.argsort(states)
    index = order[np.clip(index, 0, len(states) - 1)]
    q = len(states)
    if q == 2:
        return np.abs((2.0 * index - 1.0).mean(axis=sites))
    phase = np.exp(2j * np.pi * index / q)
    return np.abs(phase.mean(axis=sites))


def order_parameter_correlation(learned: np.ndarray, magnetisation: np.ndarray, *, threshold: float = 0.99) -> Verdict:
    """|Pearson correlation| between a learned order parameter and |m|; passes at >= threshold."""
    learned = np.asarray(learned, dtype=float).ravel()
    magnetisation = np.asarray(magnetisation, dtype=float).ravel()
    if learned.shape != magnetisation.shape:
        raise DataError(f"learned order parameter has {learned.size} values, |m| has {magnetisation.size}")
    if learned.size < 3 or np.std(learned) == 0 or np.std(magnetisation) == 0:
        return Verdict("order parameter vs |m|", False, 0.0, "the learned order parameter is constant: no correlation")
    r = abs(float(np.corrcoef(learned, magnetisation)[0, 1]))
    passed = r >= threshold
    return Verdict(
        "order parameter vs |m|",
        passed,
        r,
        f"|corr| with the magnetisation |m| = {r:.4f} ({'>=' if passed else '<'} {threshold})",
    )


def critical_temperature_error(estimate: float | None, truth: float, *, tolerance: float) -> Verdict:
    """Relative error |estimate - truth| / truth; passes at <= tolerance (a fraction)."""
    if estimate is None or not math.isfinite(estimate):
        return Verdict("T_c vs truth", False, None, "no critical temperature was estimated")
    error = abs(estimate - truth) / abs(truth)
    passed = error <= tolerance
    return Verdict(
        "T_c vs truth",
        passed,
        error,
        f"T_c = {estimate:.5f} vs exact {truth:.5f}: relative error {100 * error:.3f}% "
        f"({'within' if passed else 'outside'} {100 * tolerance:.2g}%)",
    )


def critical_temperature_tolerance(n_states: int) -> float:
    """The relative T_c error a phase method is held to: 0.5% for two states (Ising), 1%
    for q >= 3 states (Potts)."""
    return 0.005 if n_states == 2 else 0.01


def critical_temperature_verdict(values: dict, truth: float) -> Verdict:
    """"T_c vs truth" of an order-parameter interpretation's ``values`` (its
    ``critical_temperature``, None when none was found, and its ``states``) against the
    true T_c, at :func:`critical_temperature_tolerance` for its number of states."""
    tolerance = critical_temperature_tolerance(len(values["states"]))
    return critical_temperature_error(values["critical_temperature"], truth, tolerance=tolerance)
