"""Derivatives of noisy trajectories: the noise on each state, Savitzky-Golay smoothing
with the window that minimises the estimated error, and the linear system
``target ~ features @ coef`` built by one derivative scheme (finite differences,
smoothed pointwise derivatives, or the weak form)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from physlens.methods.dynamics.weak_form import phi_weights, support_width, weak_rows

DERIVATIVES = ("auto", "weak", "smoothed", "finite_difference")
CLEAN_NOISE_RATIO = 2e-3  # below this noise/RMS, pointwise smoothed derivatives are used

Segment = tuple[np.ndarray, np.ndarray]  # (times, states) of one stretch of a trajectory


def estimate_noise(values: np.ndarray) -> float:
    """Std of white noise on a smooth signal, from the MAD of third differences
    (var of a third difference of white noise is 20 sigma^2)."""
    d3 = np.diff(values, n=3)
    if d3.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d3 - np.median(d3))) / math.sqrt(20.0))


def savgol(values: np.ndarray, window: int, deriv: int = 0, delta: float = 1.0) -> np.ndarray:
    """Cubic Savitzky-Golay filter (or its derivative) along axis 0."""
    from scipy.signal import savgol_filter

    return savgol_filter(values, window, 3, deriv=deriv, delta=delta, mode="interp", axis=0)


def choose_window(values: np.ndarray, sigma: float) -> int:
    """Savitzky-Golay (cubic) window minimising bias^2 + variance for one state.

    Variance of the smoothed value is sigma^2 h0 (h0 = the filter's centre weight);
    bias^2 is the residual power beyond what noise alone leaves, sigma^2 (1 - h0)."""
    from scipy.signal import savgol_coeffs

    n = len(values)
    largest = n if n % 2 else n - 1
    if largest < 5:
        return 0
    if sigma <= 0:
        return 5
    candidates = sorted({w for w in np.unique(np.geomspace(5, largest, 24).astype(int) | 1) if 5 <= w <= largest})
    best, best_mse = candidates[0], np.inf
    for w in candidates:
        h0 = float(savgol_coeffs(w, 3)[w // 2])
        residual = float(np.mean((values - savgol(values, w)) ** 2))
        mse = max(residual - sigma**2 * (1 - h0), 0.0) + sigma**2 * h0
        if mse < best_mse:
            best, best_mse = w, mse
    return int(best)


def savgol_derivative(x: np.ndarray, t: np.ndarray, window: int) -> np.ndarray:
    """dx/dt of a Savitzky-Golay fit; uneven sampling differentiates the smoothed values."""
    window = min(window, len(x) if len(x) % 2 else len(x) - 1)
    dt = float(np.median(np.diff(t)))
    if np.allclose(np.diff(t), dt, rtol=1e-6, atol=0):
        return savgol(x, window, deriv=1, delta=dt)
    return np.gradient(savgol(x, window), t, edge_order=2)


@dataclass(frozen=True)
class StateNoise:
    """Noise std of each state and its Savitzky-Golay window, measured on training data."""

    sigma: np.ndarray  # (states,)
    windows: list[int]  # (states,) odd sample counts
    exogenous: int = 0  # trailing known columns (inputs, time): in the library, never a target

    @classmethod
    def measure(cls, segments: Sequence[Segment]) -> "StateNoise":
        """Median over segments of each state's noise and best window."""
        n_states = segments[0][1].shape[1]
        sigma = np.array([np.median([estimate_noise(x[:, i]) for _, x in segments]) for i in range(n_states)])
        windows = [int(np.median([choose_window(x[:, i], sigma[i]) or 5 for _, x in segments])) for i in range(n_states)]
        return cls(sigma, windows)

    def with_exogenous(self, count: int) -> "StateNoise":
        """The same noise with ``count`` noiseless known columns appended after the states."""
        return StateNoise(np.r_[self.sigma, np.zeros(count)], list(self.windows) + [5] * count, count)

    def smooth(self, x: np.ndarray) -> np.ndarray:
        """Each state smoothed with its window; noiseless states are left as they are."""
        out = np.empty_like(x)
        for i, w in enumerate(self.windows):
            w = min(w, len(x) if len(x) % 2 else len(x) - 1)
            out[:, i] = savgol(x[:, i], w) if w >= 5 and self.sigma[i] > 0 else x[:, i]
        return out


@dataclass
class Design:
    """Linear system target ~ features @ coef, rows from one derivative scheme."""

    features: np.ndarray  # (rows, terms)
    target: np.ndarray  # (rows, states)
    groups: np.ndarray  # (rows,) contiguous block id for cross-validation


def derivative_design(segments: Sequence[Segment], scheme: str, library: Callable[[np.ndarray], np.ndarray],
                      noise: StateNoise, widths: dict | None = None) -> Design:
    """Rows of library values (``library``: states -> term values) against derivatives by
    ``scheme`` ("finite_difference", "smoothed" or "weak"); up to 5 CV blocks a segment.
    Known columns after the states (``noise.exogenous``) are library inputs, not targets;
    ``widths`` caches each segment's weak-form support (and test functions) across libraries."""
    features, targets, groups = [], [], []
    group = 0
    widths = {} if widths is None else widths
    for index, (tk, xk) in enumerate(segments):
        if scheme == "finite_difference":
            F, T = library(xk), np.gradient(xk, tk, axis=0, edge_order=2)
        elif scheme == "smoothed":
            derivative = np.column_stack([
                savgol_derivative(xk[:, i], tk, max(noise.windows[i], 7)) for i in range(xk.shape[1])])
            F, T = library(noise.smooth(xk)), derivative
            F, T = F[3:-3], T[3:-3]  # the filter's edges are least accurate
        else:
            # raw states: the test functions average the noise; pre-smoothing would
            # add the bias f(smooth(x)) != smooth(f(x)) (measured: worse on Lorenz)
            if index not in widths:
                width = support_width(tk, xk, noise.sigma)
                widths[index] = width
                widths["weights", index] = phi_weights(tk, int(min(max(width, 7), len(tk))))
            F, T = weak_rows(tk, xk, library(xk), widths[index], widths.get(("weights", index)))
        T = T[:, :T.shape[1] - noise.exogenous]
        n = len(F)
        features.append(F)
        targets.append(T)
        n_blocks = max(1, min(5, n // 10))
        groups.append(group + (np.arange(n) * n_blocks) // max(n, 1))
        group += n_blocks
    return Design(np.vstack(features), np.vstack(targets), np.concatenate(groups))
