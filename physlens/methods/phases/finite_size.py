"""Finite-size statistics of a learned order parameter O over a temperature scan.

Binder cumulants U_L(T) = 1 - <O^4> / ((1 + 2/n) <O^2>^2) per lattice size, with bootstrap
errors, and T_c from a weighted finite-size scaling collapse U_L(T) = f((T - T_c) L^(1/nu))
that fits T_c and nu together (no exponent is assumed), i.e. extrapolates to L -> infinity.
With a single lattice size there is no extrapolation: the midpoint of the curve is a
pseudo-critical temperature.
"""

from __future__ import annotations

import numpy as np


def _bootstrap_sigma(values: np.ndarray, statistic, rng: np.random.Generator, resamples: int = 40) -> float:
    rows = rng.integers(0, values.size, size=(resamples, values.size))
    return float(np.std(statistic(values[rows]))) + 1e-6


def temperature_means(temperature: np.ndarray, values: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of ``values`` per temperature with a bootstrap standard error."""
    grid = np.unique(temperature)
    means = np.array([values[temperature == t].mean() for t in grid])
    sigma = np.array([_bootstrap_sigma(values[temperature == t], lambda v: v.mean(axis=-1), rng) for t in grid])
    return grid, means, sigma


def binder_cumulant(temperature: np.ndarray, order_parameter: np.ndarray, n_components: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U(T) = 1 - <O^4> / ((1 + 2/n) <O^2>^2) per temperature (0 disordered, 2/(n+2)
    ordered), with a bootstrap standard error."""
    grid = np.unique(temperature)
    factor = 1.0 + 2.0 / n_components

    def statistic(o: np.ndarray) -> np.ndarray:
        o2 = o**2
        return 1.0 - np.mean(o2**2, axis=-1) / np.maximum(factor * np.mean(o2, axis=-1) ** 2, 1e-300)

    u = np.array([statistic(order_parameter[temperature == t]) for t in grid])
    sigma = np.array([_bootstrap_sigma(order_parameter[temperature == t], statistic, rng) for t in grid])
    return grid, u, sigma


def _window(grid: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """Rows of the transition region of a decreasing curve: between 30% and 97% of the way
    from its high-temperature plateau to its low-temperature plateau (the upper part, where
    Binder cumulants of different sizes cross), widened by one grid point on each side."""
    low, high = np.mean(curve[-3:]), np.mean(curve[:3])
    level = (curve - low) / (high - low) if high > low else np.zeros_like(curve)
    inside = np.flatnonzero((level > 0.3) & (level < 0.97))
    if inside.size == 0:
        return np.arange(grid.size)
    return np.arange(max(inside[0] - 1, 0), min(inside[-1] + 2, grid.size))


def scaling_collapse(curves: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]], *, degree: int = 3, start: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """Finite-size scaling collapse Y_L(T) = f((T - T_c) L^(1/nu)) over all sizes at once.

    Each curve is (temperatures, values, standard errors); only the transition window of
    each size is used (see :func:`_window`). f is a polynomial of ``degree`` fitted by
    weighted least squares for each trial (T_c, nu), and (T_c, nu) minimise chi^2
    (variable projection, Nelder-Mead from a few starting exponents, or from ``start`` =
    (T_c, nu) alone, as bootstrap replicas do). Returns
    (T_c, nu, chi^2 per degree of freedom); near 1 means the sizes collapse within errors.
    """
    from scipy.optimize import minimize

    sizes = sorted(curves)
    points = []
    for L in sizes:
        grid, curve, sigma = curves[L]
        rows = _window(grid, curve)
        points.extend((L, grid[i], curve[i], sigma[i]) for i in rows)
    size_arr = np.array([p[0] for p in points], dtype=float)
    t_arr = np.array([p[1] for p in points])
    y_arr = np.array([p[2] for p in points])
    weight = 1.0 / np.array([p[3] for p in points])
    start_tc = midpoint_temperature(*curves[sizes[-1]][:2])
    if not np.isfinite(start_tc):
        start_tc = float(np.median(t_arr))
    t_span = max(np.ptp(t_arr), 1e-12)

    def residual(params: np.ndarray) -> float:
        tc, log_nu = params
        nu = np.exp(log_nu)
        x = (t_arr - tc) / t_span * (size_arr / sizes[-1]) ** (1.0 / nu)
        design = np.vander(x, degree + 1) * weight[:, None]
        coef, *_ = np.linalg.lstsq(design, y_arr * weight, rcond=None)
        return float(np.sum((design @ coef - y_arr * weight) ** 2))

    best = None
    starts = [(start_tc, log_nu) for log_nu in (np.log(0.7), 0.0, np.log(1.4))]
    if start is not None and all(np.isfinite(start)):
        starts = [(start[0], np.log(start[1]))]
    for initial in starts:
        result = minimize(residual, np.array(initial), method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-12, "maxiter": 2000})
        if best is None or result.fun < best.fun:
            best = result
    tc, log_nu = best.x
    if not (t_arr.min() <= tc <= t_arr.max()) or not -3 < log_nu < 3:
        return float("nan"), float("nan"), float("nan")
    dof = max(len(points) - degree - 3, 1)
    return float(tc), float(np.exp(log_nu)), float(best.fun / dof)


def midpoint_temperature(grid: np.ndarray, curve: np.ndarray) -> float:
    """Temperature where a decreasing curve passes half-way between its extremes (linear
    interpolation); a pseudo-critical temperature for a single lattice size."""
    return level_crossing(grid, curve, 0.5 * (np.max(curve) + np.min(curve)))


def level_crossing(grid: np.ndarray, curve: np.ndarray, level: float) -> float:
    """First temperature where a decreasing curve drops below ``level`` (linear
    interpolation); NaN if it never does."""
    below = np.flatnonzero((curve[:-1] >= level) & (curve[1:] < level))
    if below.size == 0:
        return float("nan")
    i = below[0]
    return float(grid[i] + (grid[i + 1] - grid[i]) * (curve[i] - level) / (curve[i] - curve[i + 1]))
