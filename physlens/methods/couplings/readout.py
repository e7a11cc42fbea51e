"""Spin samples in and couplings out: checking samples and indexing their states, and
reading one signed coupling per pair from a generalised-Potts J_ij(a, b) in the zero-sum
gauge (J s_i s_j for two states mapped to -1/+1, J delta(s_i, s_j) for q > 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from physlens.errors import DataError


def encode_spins(spins: Any, states: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate samples (n x N) and return (state indices 0..q-1, the sorted states).

    Raises DataError naming the row/column of the first bad entry."""
    try:
        values = np.asarray(spins)
    except Exception as error:  # ragged lists and the like
        raise DataError(f"spins must be an (n_samples, n_spins) array of integer states: {error}") from None
    if values.dtype == object or not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        raise DataError(f"spins must be numeric integer states, got dtype {values.dtype}")
    if values.ndim != 2:
        raise DataError(f"spins must be a 2-D array (n_samples, n_spins), got shape {values.shape}")
    n, N = values.shape
    if N < 2:
        raise DataError(f"spins has {N} column; at least 2 spins are needed for couplings")
    if np.issubdtype(values.dtype, np.floating):
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise DataError(f"spins row {row}, column {col} is {values[row, col]}; spin states must be integers")
    values = values.astype(np.int64)
    if n < N:
        raise DataError(f"spins has {n} samples (rows) for {N} spins (columns); at least N = {N} samples are needed to estimate N x N couplings")
    if states is None:
        state_values = np.unique(values)
    else:
        state_values = np.asarray(states)
        if state_values.ndim != 1 or state_values.size == 0 or not np.all(np.isfinite(state_values.astype(float))) or np.any(state_values != np.round(state_values)):
            raise DataError(f"states must be a list of integer spin states, got {states!r}")
        state_values = np.unique(state_values.astype(np.int64))
        outside = ~np.isin(values, state_values)
        if outside.any():
            row, col = np.argwhere(outside)[0]
            raise DataError(
                f"spins row {row}, column {col} is {values[row, col]}, outside the declared states {state_values.tolist()}"
            )
    if state_values.size < 2:
        raise DataError(f"spins take a single state {state_values.tolist()}; at least 2 states are needed")
    return np.searchsorted(state_values, values), state_values


def reduced_one_hot(index: np.ndarray, n_states: int) -> np.ndarray:
    """(n, N) state indices -> (n, N (q - 1)) one-hot without the last state (it is implied)."""
    n, N = index.shape
    onehot = np.zeros((n, N, n_states - 1))
    for a in range(n_states - 1):
        onehot[:, :, a] = index == a
    return onehot.reshape(n, -1)


def connected_correlations(index: np.ndarray, n_states: int, pseudocount: float = 0.0) -> np.ndarray:
    """Connected correlations C of the one-hot states without the last state
    (N (q - 1) square), frequencies mixed with a uniform distribution of weight
    ``pseudocount``; naive mean-field inversion reads J = -C^-1 from them."""
    n, N = index.shape
    q = n_states
    X = reduced_one_hot(index, q)
    mean = (1 - pseudocount) * X.mean(axis=0) + pseudocount / q
    pair = (1 - pseudocount) * (X.T @ X) / n + pseudocount / q**2
    for i in range(N):  # within a site the pseudo-count table is diagonal
        block = slice(i * (q - 1), (i + 1) * (q - 1))
        pair[block, block] = np.diag(mean[block])
    return pair - np.outer(mean, mean)


def potts_from_inverse(inverse: np.ndarray, n_spins: int, n_states: int) -> np.ndarray:
    """-C^-1 (N (q - 1) square) as J_ij(a, b) (N, q, N, q), zero for the dropped last state."""
    q = n_states
    J = np.zeros((n_spins, q, n_spins, q))
    J[:, : q - 1, :, : q - 1] = -inverse.reshape(n_spins, q - 1, n_spins, q - 1)
    return J


def gauge_readout(potts_couplings: np.ndarray, potts_fields: np.ndarray, ising: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zero-sum gauge of J_ij(a, b) (N, q, N, q) and h_i(a) (N, q); returns (symmetric
    scalar couplings, scalar fields (N,) for Ising or gauged (N, q) for Potts,
    unsymmetrised scalar couplings, gauged J)."""
    J = np.array(potts_couplings, dtype=float)
    h = np.array(potts_fields, dtype=float)
    N, q = h.shape
    for i in range(N):
        J[i, :, i, :] = 0.0
    # terms depending on a only (the mean over b) are a field of site i
    h = h + J.mean(axis=3).sum(axis=2)
    h = h - h.mean(axis=1, keepdims=True)
    J = J - J.mean(axis=1, keepdims=True) - J.mean(axis=3, keepdims=True) + J.mean(axis=(1, 3), keepdims=True)
    scalar = np.einsum("iaja->ij", J) / (q - 1)
    if ising:
        scalar = scalar / 2.0  # Potts coupling of s_i s_j = 2 delta(s_i, s_j) - 1
        fields = (h[:, 1] - h[:, 0]) / 2.0
    else:
        fields = h
    np.fill_diagonal(scalar, 0.0)
    return (scalar + scalar.T) / 2.0, fields, scalar, J


def strongest_pairs(couplings: np.ndarray, k: int = 10) -> list[tuple[int, int, float]]:
    upper = np.triu_indices(couplings.shape[0], k=1)
    order = np.argsort(-np.abs(couplings[upper]), kind="stable")[:k]
    return [(int(upper[0][o]), int(upper[1][o]), float(couplings[upper][o])) for o in order]
