"""How finely the derivatives resolve a term: on clean data the error of a pointwise
derivative is not noise but the smoothing filter's own bias, and a spurious term can
fit that bias better than the true support does (a 5e-6 x1**2 in Lorenz's dz/dt, with
an 0.2 % smaller cross-validated error). Supports whose errors differ by less than the
derivative's own error are not told apart by the data; the sparsest of them is kept."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from physlens.methods.dynamics.derivatives import StateNoise, savgol_derivative

FLOOR_FACTOR = 1.5  # errors within 1.5 x the derivative's own relative error count as equal
ORDER = 5  # the reference derivative: a quintic Savitzky-Golay fit on the same window


def derivative_error(segments: Sequence[tuple[np.ndarray, np.ndarray]], scheme: str, noise: StateNoise) -> np.ndarray:
    """Relative RMS error of each state's pointwise derivative (schemes "smoothed" and
    "finite_difference"), estimated as its distance to a quintic Savitzky-Golay
    derivative on the same window (whose truncation error is an order smaller); zeros
    for the weak form, whose residual is judged by the noise and the output-error tests."""
    from scipy.signal import savgol_filter

    n_states = segments[0][1].shape[1]
    if scheme not in ("smoothed", "finite_difference"):
        return np.zeros(n_states)
    error, power = np.zeros(n_states), np.zeros(n_states)
    for tk, xk in segments:
        dt = np.diff(tk)
        if len(tk) < 15 or not np.allclose(dt, dt[0], rtol=1e-6, atol=0):
            continue
        for i in range(n_states):
            window = max(noise.windows[i], 7)
            window = min(window, len(tk) if len(tk) % 2 else len(tk) - 1)
            used = (savgol_derivative(xk[:, i], tk, window) if scheme == "smoothed"
                    else np.gradient(xk[:, i], tk, edge_order=2))
            reference = savgol_filter(xk[:, i], max(window, ORDER + 2), ORDER, deriv=1, delta=float(dt[0]))
            inner = slice(4, -4)
            error[i] += float(np.sum((used[inner] - reference[inner]) ** 2))
            power[i] += float(np.sum(reference[inner] ** 2))
    return np.sqrt(np.divide(error, power, out=np.zeros(n_states), where=power > 0))


def error_floors(segments, scheme: str, noise: StateNoise) -> np.ndarray:
    """Per equation, the cross-validated relative error below which supports are not
    told apart: FLOOR_FACTOR x the derivative's own relative error."""
    return FLOOR_FACTOR * derivative_error(segments, scheme, noise)
