"""Harmonic oscillators m x'' = -k x with varied k, m, amplitude and phase: the seed's
first experiment. Trajectories are integrated numerically (not written in closed form)
so the tables below are measurements of a simulated system, with their truth."""

from __future__ import annotations

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable, add_noise
from physlens.errors import ParameterError
from physlens.expr import symbols_for


def _integrate(k: np.ndarray, m: np.ndarray, amplitude: np.ndarray, phase: np.ndarray, t_end: float):
    """Integrate all oscillators together (one vectorised system, solve_ivp DOP853 at
    tight tolerance); returns a function t -> positions, shape (n_oscillators, len(t))."""
    from scipy.integrate import solve_ivp

    omega = np.sqrt(k / m)
    n = len(k)
    state0 = np.concatenate([amplitude * np.cos(phase), -amplitude * omega * np.sin(phase)])

    def rhs(t, state):
        return np.concatenate([state[n:], -(k / m) * state[:n]])

    solution = solve_ivp(rhs, (0.0, float(t_end)), state0, dense_output=True, rtol=1e-11,
                         atol=1e-12 * float(np.min(amplitude)), method="DOP853")
    return lambda times: solution.sol(np.asarray(times, dtype=float))[:n]


def _parameters(n: int, rng: np.random.Generator):
    k = rng.uniform(1.0, 10.0, n)  # N/m
    m = rng.uniform(0.5, 5.0, n)  # kg
    amplitude = rng.uniform(0.05, 1.0, n)  # m
    phase = rng.uniform(0.0, 2 * np.pi, n)
    return k, m, amplitude, phase


def _check(n_oscillators: int, noise: float) -> None:
    if not isinstance(n_oscillators, (int, np.integer)) or n_oscillators < 2:
        raise ParameterError(f"n_oscillators={n_oscillators!r}; need an integer >= 2")
    if not np.isfinite(noise) or noise < 0:
        raise ParameterError(f"noise={noise!r}; need a number >= 0 (fraction of the target's RMS)")


def simulate_oscillator_accelerations(
    n_oscillators: int = 50, n_times: int = 40, *, noise: float = 0.0, rng: np.random.Generator | int | None = 0
) -> Dataset:
    """Rows (x, k, m) -> a sampled along integrated trajectories; truth a = -k x / m.

    The acceleration is measured from the integrated positions by a five-point
    finite-difference stencil, as an experiment would measure it."""
    _check(n_oscillators, noise)
    rng = np.random.default_rng(rng)
    k, m, amplitude, phase = _parameters(n_oscillators, rng)
    periods = 2 * np.pi * np.sqrt(m / k)
    times = np.sort(rng.uniform(0.05, 3.0, (n_oscillators, n_times)) * periods[:, None], axis=1)
    steps = (0.01 * periods / (2 * np.pi))[:, None, None]
    grid = times[:, :, None] + steps * np.arange(-2, 3)[None, None, :]
    positions = _integrate(k, m, amplitude, phase, float(grid.max()))
    flat = grid.reshape(n_oscillators, -1)
    # each oscillator is read at its own times: the diagonal blocks of (oscillator, time)
    x = np.stack([positions(flat[i])[i] for i in range(n_oscillators)]).reshape(grid.shape)
    stencil = (-x[..., 4] + 16 * x[..., 3] - 30 * x[..., 2] + 16 * x[..., 1] - x[..., 0]) / (12 * steps[..., 0] ** 2)
    rows = {"x": x[..., 2], "k": np.repeat(k[:, None], n_times, 1), "m": np.repeat(m[:, None], n_times, 1), "a": stencil}
    arrays = {name: values.ravel() for name, values in rows.items()}
    arrays["a"] = add_noise(arrays["a"], noise, rng)
    s = symbols_for(["x", "k", "m"])
    return Dataset(
        arrays,
        (Variable("x", "m", "input", "position"), Variable("k", "N/m", "input", "spring constant"),
         Variable("m", "kg", "input", "mass"), Variable("a", "m/s^2", "target", "acceleration")),
        truth=Truth(equations={"a": -s["k"] * s["x"] / s["m"]}, notes="equation of motion m a = -k x"),
        provenance={"simulator": "harmonic oscillator accelerations", "n_oscillators": n_oscillators, "noise": noise},
        name="oscillator accelerations",
    )


def measured_period(times: np.ndarray, x: np.ndarray) -> float:
    """Mean interval between upward zero crossings (linear interpolation)."""
    upward = np.nonzero((x[:-1] < 0) & (x[1:] >= 0))[0]
    crossings = times[upward] - x[upward] * (times[upward + 1] - times[upward]) / (x[upward + 1] - x[upward])
    if len(crossings) < 2:
        return float("nan")
    return float((crossings[-1] - crossings[0]) / (len(crossings) - 1))


def simulate_oscillator_periods(
    n_oscillators: int = 200, *, noise: float = 0.0, rng: np.random.Generator | int | None = 0
) -> Dataset:
    """Rows (m, k, A) -> T with T measured from integrated trajectories by zero
    crossings; truth T = 2 pi sqrt(m/k) (independent of the amplitude A)."""
    _check(n_oscillators, noise)
    rng = np.random.default_rng(rng)
    k, m, amplitude, phase = _parameters(n_oscillators, rng)
    true_periods = 2 * np.pi * np.sqrt(m / k)
    t_end = 10.3 * float(true_periods.max())
    times = np.linspace(0.0, t_end, int(100 * t_end / true_periods.min()))
    positions = _integrate(k, m, amplitude, phase, t_end)(times)
    periods = np.array([measured_period(times, x) for x in positions])
    s = symbols_for(["m", "k"])
    return Dataset(
        {"m": m, "k": k, "A": amplitude, "T": add_noise(periods, noise, rng)},
        (Variable("m", "kg", "input", "mass"), Variable("k", "N/m", "input", "spring constant"),
         Variable("A", "m", "input", "amplitude"), Variable("T", "s", "target", "period")),
        truth=Truth(equations={"T": 2 * sympy.pi * sympy.sqrt(s["m"] / s["k"])}, notes="period of a harmonic oscillator"),
        provenance={"simulator": "harmonic oscillator periods", "n_oscillators": n_oscillators, "noise": noise},
        name="oscillator periods",
    )
