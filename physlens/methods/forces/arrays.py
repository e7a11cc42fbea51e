"""Checks of particle arrays (positions, accelerations, masses...) a user passes in."""

from __future__ import annotations

from typing import Any

import numpy as np

from physlens.errors import DataError


def check_particle_array(values: Any, name: str, *, n_samples: int | None = None, n_particles: int | None = None, vector: bool) -> np.ndarray:
    """A finite float array (n, N, 2) when ``vector`` else (n, N); errors name the row."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise DataError(f"{name} must be a numeric array: {error}") from None
    expected = "(n_samples, n_particles, 2)" if vector else "(n_samples, n_particles)"
    if array.ndim != (3 if vector else 2) or (vector and array.shape[2] != 2):
        raise DataError(f"{name} must have shape {expected} (2D space), got {array.shape}")
    if n_samples is not None and array.shape[0] != n_samples:
        raise DataError(f"{name} has {array.shape[0]} samples but positions have {n_samples}")
    if n_particles is not None and array.shape[1] != n_particles:
        raise DataError(f"{name} has {array.shape[1]} particles but positions have {n_particles}")
    bad = ~np.isfinite(array)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise DataError(f"{name} sample (row) {where[0]}, particle {where[1]} is not finite ({array[tuple(where)]}); remove or repair that row")
    return array
