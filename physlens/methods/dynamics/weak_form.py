"""The weak (integral) form of the derivative relation (Messenger & Bortz, J. Comput.
Phys. 443, 110525, 2021): dx/dt = f(x) integrated against compactly supported test
functions phi, so the derivative falls on phi and never on the noisy data."""

from __future__ import annotations

import numpy as np

TARGET_NOISE = 0.1  # test functions wide enough for noise <= 10 % of the signal


def phi_weights(t: np.ndarray, width: int) -> tuple[list, list]:
    """[(start, w*phi)], [(start, w*phi')] for test functions phi = (u(1-u))^4 on
    windows of ``width`` samples (stride width/4), normalised to int phi dt = 1;
    trapezoid weights w handle uneven sampling."""
    n = len(t)
    width = int(min(max(width, 7), n))
    stride = max(1, width // 4)
    starts = list(range(0, n - width + 1, stride))
    if starts[-1] != n - width:
        starts.append(n - width)
    p = 4
    phis, dphis = [], []
    for s in starts:
        tt = t[s:s + width]
        a, b = tt[0], tt[-1]
        u = (tt - a) / (b - a)
        phi = (u * (1 - u)) ** p
        dphi = p * (u * (1 - u)) ** (p - 1) * (1 - 2 * u) / (b - a)
        w = np.zeros(width)
        steps = np.diff(tt)
        w[:-1] += steps / 2
        w[1:] += steps / 2
        norm = float(np.sum(w * phi))
        phis.append((s, w * phi / norm))
        dphis.append((s, w * dphi / norm))
    return phis, dphis


def weak_rows(t: np.ndarray, x: np.ndarray, theta: np.ndarray, width: int,
              weights: tuple[list, list] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weak form rows: int phi_k theta dt and -int phi_k' x dt (= int phi_k dx/dt dt);
    ``weights`` are :func:`phi_weights` (t, width) when already computed."""
    width = int(min(max(width, 7), len(t)))
    phis, dphis = weights if weights is not None else phi_weights(t, width)
    F = np.array([wp @ theta[s:s + width] for s, wp in phis])
    T = np.array([-(wd @ x[s:s + width]) for s, wd in dphis])
    return F, T


def support_width(tk: np.ndarray, xk: np.ndarray, sigma: np.ndarray) -> int:
    """Test-function support (samples): the narrowest whose weak derivative rows have
    noise below TARGET_NOISE of their signal for every state (noise propagated from
    the estimated ``sigma`` of each state); the most favourable width when none reaches it."""
    n = len(tk)
    candidates = np.unique(np.geomspace(15, max(15, n // 3), 16).astype(int))
    best, best_ratio = int(candidates[0]), np.inf
    for width in candidates:
        if width > n:
            break
        _, dweights = phi_weights(tk, int(width))
        ratios = []
        for i in range(xk.shape[1]):
            rows = np.array([-(dw @ xk[s:s + width, i]) for s, dw in dweights])
            noise = sigma[i] * float(np.sqrt(np.mean([np.sum(dw**2) for _, dw in dweights])))
            signal = np.sqrt(max(float(np.mean(rows**2)) - noise**2, 0.0))
            ratios.append(noise / signal if signal > 0 else np.inf)
        ratio = max(ratios)
        if ratio <= TARGET_NOISE:
            return int(width)
        if ratio < best_ratio:
            best, best_ratio = int(width), ratio
    return best
