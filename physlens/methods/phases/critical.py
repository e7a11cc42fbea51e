"""The critical temperature of a scan, with a 95% interval, from one lattice size or several.

One size - the fluctuation peak of the learned order parameter O: the susceptibility-like
chi(T) = N var(O) / T (N sites) peaks at a pseudo-critical temperature T_L on the
disordered side of T_c, shifted by O(L^-1/nu); its width shrinks as L^-1/nu too. Below T_c
the order parameter sits at its bulk value and its fluctuations fall off faster than the
peak's low-temperature flank, so T_c lies between the point where chi first reaches half
its height (the low half-maximum T_half) and the peak: the finite-size shift is bounded by
the data, by the half-width of the peak on its ordered side. T_c is the middle of
[T_half, T_L]; the 95% interval is that bracket widened by 1.96 bootstrap standard errors
(configurations resampled within each temperature) at each end. A peak on the edge of the
scan, or a flank that never falls to half the height, means the scan does not contain the
transition: no T_c.

Several sizes - the weighted finite-size scaling collapse of the Binder cumulants
(:func:`.finite_size.scaling_collapse`), which extrapolates to L -> infinity; 95% interval
+-1.96 bootstrap standard deviations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np


Z95 = 1.959964
MIN_TEMPERATURES = 5
MIN_SAMPLES_PER_TEMPERATURE = 16
PEAK_FALL = 0.7
MAX_BOOTSTRAP_FAILURES = 0.2


@dataclass(frozen=True)
class CriticalEstimate:
    """A critical temperature, its 95% interval, which estimator gave it and why; when the
    data cannot fix T_c, ``temperature`` is NaN and ``problem`` says why."""

    estimator: str
    why: str
    temperature: float
    low: float = math.nan
    high: float = math.nan
    std: float | None = None
    problem: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.problem is None and math.isfinite(self.temperature)

    def to_dict(self) -> dict:
        finite = self.found
        return {
            "name": self.estimator,
            "why": self.why,
            "critical_temperature": self.temperature if finite else None,
            "interval_95": [self.low, self.high] if finite else None,
            "std": self.std,
            "problem": self.problem,
            **self.details,
        }


def fluctuation_curve(temperature: np.ndarray, order_parameter: np.ndarray, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """chi(T) = N var(O) / T per temperature (the susceptibility of the learned quantity)."""
    grid = np.unique(temperature)
    chi = np.array([n_sites * np.var(order_parameter[temperature == t]) / t for t in grid])
    return grid, chi


def peak_bracket(grid: np.ndarray, chi: np.ndarray) -> tuple[float, float, str | None]:
    """(T_half, T_peak, problem): see :func:`peak_shape`."""
    t_half, t_peak, _, problem = peak_shape(grid, chi)
    return t_half, t_peak, problem


def peak_shape(grid: np.ndarray, chi: np.ndarray) -> tuple[float, float, float, str | None]:
    """(T_half, T_peak, T_half_above, problem): the peak of chi (a parabola in log chi through the
    highest point and its neighbours) and where chi first reaches half the peak height on
    the low-temperature side, and first falls to half above it (linear interpolation; the
    scan's end if it does not). ``problem`` is None, or why the scan
    holds no complete peak."""
    top = int(np.argmax(chi))
    if top == 0 or top == grid.size - 1:
        side = "lowest" if top == 0 else "highest"
        return math.nan, math.nan, math.nan, (f"the fluctuation peak lies at the edge of the scan window (the {side} temperature, "
                                    f"T = {grid[top]:.4g}): T_c is probably outside [{grid[0]:.4g}, {grid[-1]:.4g}]")
    y = np.log(np.maximum(chi[top - 1 : top + 2], 1e-300))
    x = grid[top - 1 : top + 2]
    a, b, c = np.polyfit(x - x[1], y, 2)
    t_peak = x[1] - b / (2 * a) if a < 0 else x[1]
    t_peak = float(np.clip(t_peak, x[0], x[2]))
    height = max(float(np.exp(np.polyval([a, b, c], t_peak - x[1]))), float(chi[top]))
    half = 0.5 * height
    below = np.flatnonzero(chi[:top] < half)
    # Above the peak a clear fall (to PEAK_FALL of the height) shows it is a maximum, not noise on a rising edge.
    above = np.flatnonzero(chi[top + 1 :] < PEAK_FALL * height)
    if below.size == 0:
        return math.nan, t_peak, math.nan, (f"the fluctuation peak (T = {t_peak:.4g}) does not fall to half its height below it inside the "
                                  f"scan: the scan starts too close to the transition, or holds too few samples")
    if above.size and np.max(chi[top + 1 + int(above[0]) :]) >= PEAK_FALL * height:
        above = above[:0]  # chi rises again above the fall: noise on a rising edge, not a maximum
    if above.size == 0:
        return math.nan, t_peak, math.nan, (f"the fluctuation peak (T = {t_peak:.4g}) does not fall to {PEAK_FALL:g} of its height above it "
                                  f"inside the scan: the scan ends too close to the transition, or holds too few samples")
    j = int(below[-1])
    t_half = grid[j] + (grid[j + 1] - grid[j]) * (half - chi[j]) / (chi[j + 1] - chi[j])
    falls = np.flatnonzero(chi[top + 1 :] < half)
    if falls.size == 0:  # the width is then at least the distance to the scan's end
        return float(t_half), t_peak, float(grid[-1]), None
    k = top + int(falls[0])
    t_above = grid[k] + (grid[k + 1] - grid[k]) * (chi[k] - half) / (chi[k] - chi[k + 1])
    return float(t_half), t_peak, float(t_above), None


def fluctuation_peak(temperature: np.ndarray, order_parameter: np.ndarray, n_sites: int, rng: np.random.Generator, bootstrap: int) -> CriticalEstimate:
    """T_c of one lattice size from the fluctuation peak of the learned order parameter
    (see the module docstring)."""
    name = "fluctuation peak (one size)"
    why = ("one lattice size: no finite-size extrapolation is possible, so T_c is bracketed by the peak of the learned "
           "order parameter's fluctuations chi = N var(O)/T (a pseudo-critical temperature on the disordered side) and "
           "its low-temperature half-maximum, which bounds the O(L^-1/nu) shift from the data")
    grid = np.unique(temperature)
    counts = np.array([np.sum(temperature == t) for t in grid])
    if grid.size < MIN_TEMPERATURES or counts.min() < MIN_SAMPLES_PER_TEMPERATURE:
        return CriticalEstimate(name, why, math.nan, problem=(
            f"too few samples to locate a fluctuation peak: {grid.size} temperatures with {counts.min()} to {counts.max()} "
            f"configurations each (need >= {MIN_TEMPERATURES} temperatures and >= {MIN_SAMPLES_PER_TEMPERATURE} each)"))
    grid, chi = fluctuation_curve(temperature, order_parameter, n_sites)
    t_half, t_peak, t_above, problem = peak_shape(grid, chi)
    details = {"peak_temperature": t_peak if math.isfinite(t_peak) else None,
               "half_maximum_temperature": t_half if math.isfinite(t_half) else None,
               "full_width_half_maximum": t_above - t_half if math.isfinite(t_above) else None}
    if problem:
        return CriticalEstimate(name, why, math.nan, problem=problem, details=details)
    rows_by_t = [np.flatnonzero(temperature == t) for t in grid]
    halves, peaks = [], []
    for _ in range(bootstrap):
        rows = np.concatenate([rng.choice(r, size=r.size) for r in rows_by_t])
        h, p, bad = peak_bracket(*fluctuation_curve(temperature[rows], order_parameter[rows], n_sites))
        if bad is None:
            halves.append(h)
            peaks.append(p)
    if bootstrap and len(halves) < (1 - MAX_BOOTSTRAP_FAILURES) * bootstrap:
        return CriticalEstimate(name, why, math.nan, details=details, problem=(
            f"the fluctuation peak at T = {t_peak:.4g} is not stable: {bootstrap - len(halves)} of {bootstrap} bootstrap "
            "resamples of the configurations show no complete peak (too few samples, or the scan misses the transition)"))
    sigma_half = float(np.std(halves)) if len(halves) > 1 else 0.0
    sigma_peak = float(np.std(peaks)) if len(peaks) > 1 else 0.0
    estimate = 0.5 * (t_half + t_peak)
    std = float(np.std(0.5 * (np.asarray(halves) + np.asarray(peaks)))) if len(halves) > 1 else None
    details["finite_size_shift_bound"] = 0.5 * (t_peak - t_half)
    details["bootstrap_failures"] = bootstrap - len(halves)
    # Both ends are interpolated between scan temperatures: each is known to half the local spacing.
    resolution_low = 0.5 * _spacing_at(grid, t_half)
    resolution_high = 0.5 * _spacing_at(grid, t_peak)
    return CriticalEstimate(name, why, float(estimate), low=float(t_half - Z95 * sigma_half - resolution_low),
                            high=float(t_peak + Z95 * sigma_peak + resolution_high), std=std, details=details)


def _spacing_at(grid: np.ndarray, temperature: float) -> float:
    """The spacing of the scan's temperatures around ``temperature``."""
    i = int(np.clip(np.searchsorted(grid, temperature), 1, grid.size - 1))
    return float(grid[i] - grid[i - 1])


def shift_of_either_sign(estimate: CriticalEstimate, *, first_order: bool = True) -> CriticalEstimate:
    """A one-size estimate at a first-order transition, where the pseudo-critical
    temperature lies below T_c (by O(L^-d), Borgs & Kotecky 1990) for a strong transition and
    above it while L is below the correlation length: T_c is the peak itself, and the
    interval grows by the peak's full width at half maximum at each end."""
    if not estimate.found or "peak_temperature" not in estimate.details:
        return estimate
    width = estimate.details["full_width_half_maximum"]
    if not first_order:  # several sizes that do not collapse: the side of the shift is not established either
        return replace(estimate, why=estimate.why + "; as the sizes do not collapse, the shift may have either sign: the interval "
                       "is widened by the peak's full width at half maximum below and above", low=estimate.low - width, high=estimate.high + width)
    why = (estimate.why + "; the transition is first order, so the shift may have either sign: T_c is the peak and the interval "
           "is widened by the peak's full width at half maximum below and above")
    return replace(estimate, why=why, temperature=float(estimate.details["peak_temperature"]), low=estimate.low - width,
                   high=estimate.high + width)


def collapse_estimate(tc: float, nu: float, chi2: float, replicas: list[float], sizes: list[int]) -> CriticalEstimate:
    """T_c of several sizes from their scaling collapse (T_c, nu, chi^2/dof of
    :func:`.finite_size.scaling_collapse`) and its bootstrap ``replicas``."""
    name = "finite-size scaling collapse"
    why = (f"{len(sizes)} lattice sizes {sizes}: the Binder cumulants collapse onto one curve of (T - T_c) L^(1/nu), "
           "which extrapolates T_c to L -> infinity")
    details = {"nu": nu if math.isfinite(nu) else None, "collapse_residual": chi2 if math.isfinite(chi2) else None}
    if not math.isfinite(tc):
        return CriticalEstimate(name, why, math.nan, problem="the finite-size scaling collapse found no critical temperature inside the scan",
                                details=details)
    finite = np.asarray([r for r in replicas if math.isfinite(r)])
    std = float(np.std(finite)) if finite.size > 1 else None
    half = Z95 * (std or 0.0)
    return CriticalEstimate(name, why, tc, low=tc - half, high=tc + half, std=std, details=details)


def helicity_crossing(angles: np.ndarray, temperature: np.ndarray, size: int, rng: np.random.Generator, bootstrap: int) -> CriticalEstimate:
    """T_BKT of planar (XY) spins from the helicity modulus Y_L(T) of one size.

    Y jumps from 2 T_BKT / pi to 0 at T_BKT (Nelson & Kosterlitz 1977); at size L,
    Y_L(T_BKT) = (2 T / pi)(1 + 1 / (2 ln L + C)) with C >= 0 (Weber & Minnhagen 1988). So
    T_BKT lies between where Y_L crosses (2T/pi)(1 + 1/(2 ln L)) (C = 0) and where it
    crosses 2T/pi (C -> infinity); the estimate is the middle, the 95% interval that
    bracket widened by 1.96 bootstrap standard errors at each end."""
    from physlens.data.observables import helicity_modulus_scan
    from physlens.methods.phases.finite_size import level_crossing

    name = "helicity-modulus crossing (BKT)"
    why = ("planar spins in 2D: no local order parameter survives L -> infinity (Mermin-Wagner), so T_BKT comes from the "
           "universal jump of the helicity modulus Y = 2T/pi (Nelson-Kosterlitz), bracketed between the crossings of Y_L with "
           "2T/pi and with (2T/pi)(1 + 1/(2 ln L)) (the Weber-Minnhagen finite-size form)")
    factor = 1.0 + 1.0 / (2.0 * math.log(size))

    def bracket(rows: np.ndarray) -> tuple[float, float]:
        grid, stiffness = helicity_modulus_scan(angles[rows], temperature[rows])
        return (level_crossing(grid, stiffness - factor * 2 * grid / np.pi, 0.0), level_crossing(grid, stiffness - 2 * grid / np.pi, 0.0))

    lower, upper = bracket(np.arange(len(temperature)))
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return CriticalEstimate(name, why, math.nan, problem=(
            f"the helicity modulus of L = {size} does not cross 2T/pi (and (2T/pi)(1 + 1/(2 ln L))) inside the scan "
            f"[{temperature.min():.4g}, {temperature.max():.4g}]: T_BKT is outside it"))
    rows_by_t = [np.flatnonzero(temperature == t) for t in np.unique(temperature)]
    replicas = np.array([bracket(np.concatenate([rng.choice(r, size=r.size) for r in rows_by_t])) for _ in range(bootstrap)]).reshape(-1, 2)
    replicas = replicas[np.all(np.isfinite(replicas), axis=1)]
    sigma = np.std(replicas, axis=0) if len(replicas) > 1 else np.zeros(2)
    estimate = 0.5 * (lower + upper)
    return CriticalEstimate(name, why, float(estimate), low=float(lower - Z95 * sigma[0]), high=float(upper + Z95 * sigma[1]),
                            std=float(np.std(replicas.mean(axis=1))) if len(replicas) > 1 else None,
                            details={"crossing_2T_over_pi": upper, "crossing_finite_size_corrected": lower})
