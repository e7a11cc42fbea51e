"""Lattice configurations in: checks of one scan (square integer lattices, their spin
states, their temperatures) and the symmetric encoding of the spins the methods read.

Spins are encoded as +-1 for two states and as the clock vector (cos 2 pi s/q, sin 2 pi s/q)
per site for q >= 3 states, so every state enters symmetrically.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from physlens.errors import DataError, ParameterError

MAX_STATES = 8
ANGLE = "angle"  # states= for planar (XY) spins: angles, encoded as (cos, sin)


def check_configurations(configs: Any, temperature: Any, states: Sequence[int] | str | None = None, *, where: str = "configs") -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Validate one lattice size: square (or cubic) integer configurations, their states and
    temperatures; ``states="angle"`` declares planar (XY) spins, angles in radians.

    Returns (configs as int array, or angles in [0, 2 pi), temperature as float array,
    declared states: () for angles)."""
    configs = np.asarray(configs)
    if configs.ndim not in (3, 4):
        raise DataError(f"{where}: configurations must have shape (n, L, L) or (n, L, L, L); got shape {configs.shape}")
    n, rows = configs.shape[:2]
    if len(set(configs.shape[1:])) != 1:
        shape = " x ".join(str(v) for v in configs.shape[1:])
        raise DataError(f"{where}: lattices must be square (L x L) or cubic (L x L x L); got {shape}")
    if rows < 2 or n < 2:
        raise DataError(f"{where}: need at least 2 configurations of at least 2 x 2 sites; got shape {configs.shape}")
    if isinstance(states, str):
        if states != ANGLE:
            raise ParameterError(f"states={states!r} is invalid; expected spin values (integers) or {ANGLE!r} for planar spins")
        if configs.dtype.kind not in "iuf" or not np.all(np.isfinite(configs)):
            raise DataError(f"{where}: planar spins must be finite angles in radians")
        configs = np.mod(configs.astype(float), 2 * np.pi)
    elif configs.dtype.kind == "f":
        if not np.all(np.isfinite(configs)) or np.any(configs != np.round(configs)):
            bad = int(np.argwhere(~np.isfinite(configs) | (configs != np.round(configs)))[0][0])
            raise DataError(f"{where}: spins must be integers; configuration (row) {bad} holds a non-integer value")
        configs = configs.astype(np.int64)
    elif configs.dtype.kind not in "iub":
        raise DataError(f"{where}: spins must be integers (or pass states='angle' for planar spins); got dtype {configs.dtype}")
    if not isinstance(states, str):
        configs = configs.astype(np.int64)
    temperature = np.asarray(temperature, dtype=float).ravel() if np.asarray(temperature).dtype.kind in "iuf" else None
    if temperature is None:
        raise DataError(f"{where}: temperature must be numeric, one value per configuration")
    if temperature.size != n:
        raise DataError(f"{where}: temperature has {temperature.size} values but there are {n} configurations")
    bad_t = np.flatnonzero(~np.isfinite(temperature) | (temperature <= 0))
    if bad_t.size:
        raise DataError(f"{where}: temperature in row {bad_t[0]} is {temperature[bad_t[0]]}; temperatures must be finite and > 0")
    if np.unique(temperature).size < 3:
        raise DataError(
            f"{where}: found {np.unique(temperature).size} distinct temperature(s); a phase scan needs at least 3 "
            "temperatures across the transition"
        )
    if isinstance(states, str):
        states = ()
    elif states is None:
        found = np.unique(configs)
        if found.size > MAX_STATES:
            raise DataError(f"{where}: {found.size} distinct spin values; declare the states (at most {MAX_STATES})")
        if found.size < 2:
            raise DataError(f"{where}: every spin has the value {found[0]}; need at least 2 states")
        states = tuple(int(v) for v in found)
    else:
        states = tuple(int(v) for v in states)
        if len(set(states)) != len(states) or not 2 <= len(states) <= MAX_STATES:
            raise ParameterError(f"states={list(states)} is invalid; expected 2 to {MAX_STATES} distinct integers")
        outside = ~np.isin(configs, states)
        if outside.any():
            row, *site = (int(v) for v in np.argwhere(outside)[0])
            raise DataError(
                f"{where}: configuration (row) {row} has spin {configs[(row, *site)]} at site {tuple(site)}, outside the "
                f"declared states {list(states)}"
            )
    return configs, temperature, states

def isotropic_norm(latent: np.ndarray) -> np.ndarray:
    """Norm of a linear latent (n, k) after whitening it by its second moment about the
    origin (the disordered state).

    A linear map W m of the magnetisation vector m is anisotropic when W is not a multiple
    of an orthogonal matrix, and then |W m| depends on which of the q ordered states a
    configuration sits in; the state-permutation symmetry makes <m m^T> isotropic, so
    whitening restores |m| up to a constant. Directions with no variance (a rank-deficient
    map) are dropped."""
    latent = np.asarray(latent, dtype=float)
    moment = latent.T @ latent / max(len(latent), 1)
    eigenvalues, eigenvectors = np.linalg.eigh(moment)
    keep = eigenvalues > 1e-10 * max(float(eigenvalues.max()), 1e-300)
    return np.linalg.norm(latent @ (eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])), axis=1)

def encode(configs: np.ndarray, states: Sequence[int]) -> np.ndarray:
    """(n, L, L[, L]) spins -> (n, C, L, L[, L]) float32 channels: C = 1 (+-1) for two states,
    C = 2 (clock vector) for q >= 3 and for planar spins (states = ())."""
    if len(states) == 0:
        return np.stack([np.cos(configs), np.sin(configs)], axis=1).astype(np.float32)
    states = list(states)
    order = np.argsort(states)
    index = order[np.searchsorted(np.asarray(states)[order], configs)]
    q = len(states)
    if q == 2:
        return (2.0 * index - 1.0)[:, None].astype(np.float32)
    angle = 2.0 * np.pi * index / q
    return np.stack([np.cos(angle), np.sin(angle)], axis=1).astype(np.float32)
