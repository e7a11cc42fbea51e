"""Textbook flows a physicist brings to ``physlens dynamics``: cubic (FitzHugh-Nagumo,
Duffing, Van der Pol), trigonometric and driven (the driven damped pendulum), forced
(the forced Duffing oscillator, gamma cos(omega t)) and rational (Rosenzweig-MacArthur
predator-prey with a Holling type II response), each with its truth.

Built as :mod:`physlens.data.trajectories` builds its own: several trajectories (DOP853), a
time column ``t``, one column per state, a ``trajectory`` id, noise = ``noise`` x RMS of
each state (seeded through ``rng``), ``truth.equations`` with numeric parameters (forced
systems contain the time symbol ``t``) and the clean states in ``truth.fields["clean"]``.
"""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np
import sympy

from physlens.data.dataset import Dataset
from physlens.data.trajectories import SystemSpec, van_der_pol_spec
from physlens.errors import ParameterError

TIME_SYMBOL = sympy.Symbol("t", real=True)


def _sym(names: str) -> list[sympy.Symbol]:
    return [sympy.Symbol(n, real=True) for n in names.split()]


def fitzhugh_nagumo_spec(current: float = 0.5, epsilon: float = 0.08, a: float = 0.7, b: float = 0.8) -> SystemSpec:
    v, w = _sym("v w")
    F = sympy.Float
    return SystemSpec(
        "fitzhugh_nagumo", ("v", "w"), ("", ""),
        {"v": v - v**3 / 3 - w + F(current), "w": F(epsilon) * v + F(epsilon * a) - F(epsilon * b) * w},
        {}, lambda g, n: np.column_stack([g.uniform(-2.0, 2.0, n), g.uniform(-0.5, 1.5, n)]),
        {"I": current, "epsilon": epsilon, "a": a, "b": b}, {"degree": 3},
        "v' = v - v^3/3 - w + I, w' = epsilon (v + a - b w) (dimensionless neuron model)",
    )


def duffing_spec(alpha: float = 1.0, beta: float = 1.0, delta: float = 0.2, gamma: float = 0.0,
                 omega: float = 1.2) -> SystemSpec:
    """Double-well Duffing oscillator p' = -delta p + alpha q - beta q^3 (+ gamma cos(omega t))."""
    q, p = _sym("q p")
    F = sympy.Float
    force = F(gamma) * sympy.cos(F(omega) * TIME_SYMBOL) if gamma else 0
    name = "forced_duffing" if gamma else "duffing"
    return SystemSpec(
        name, ("q", "p"), ("", ""), {"q": p, "p": -F(delta) * p + F(alpha) * q - F(beta) * q**3 + force},
        {}, lambda g, n: g.uniform(-1.8, 1.8, size=(n, 2)),
        {"alpha": alpha, "beta": beta, "delta": delta, **({"gamma": gamma, "omega": omega} if gamma else {})},
        {"degree": 3, **({"forcing": "time"} if gamma else {})},
        "q' = p, p' = -delta p + alpha q - beta q^3" + (" + gamma cos(omega t)" if gamma else ""),
    )


def forced_duffing_spec(alpha: float = 1.0, beta: float = 1.0, delta: float = 0.25, gamma: float = 0.3,
                        omega: float = 1.2) -> SystemSpec:
    return duffing_spec(alpha, beta, delta, gamma, omega)


def driven_pendulum_spec(damping: float = 0.25, g_over_l: float = 1.0, drive: float = 0.5,
                         drive_frequency: float = 0.8) -> SystemSpec:
    theta, omega = _sym("theta omega")
    F = sympy.Float
    return SystemSpec(
        "driven_pendulum", ("theta", "omega"), ("", ""),
        {"theta": omega, "omega": -F(damping) * omega - F(g_over_l) * sympy.sin(theta)
         + F(drive) * sympy.cos(F(drive_frequency) * TIME_SYMBOL)},
        {}, lambda g, n: np.column_stack([g.uniform(-1.5, 1.5, n), g.uniform(-1.0, 1.0, n)]),
        {"damping": damping, "g_over_l": g_over_l, "drive": drive, "drive_frequency": drive_frequency},
        {"degree": 1, "trig": True, "forcing": "time"},
        "theta' = omega, omega' = -gamma omega - (g/l) sin(theta) + A cos(Omega t) (time in units of the drive)",
    )


def holling_predator_prey_spec(growth: float = 1.0, capacity: float = 5.0, attack: float = 1.0,
                               half_saturation: float = 1.0, efficiency: float = 0.5, death: float = 0.3) -> SystemSpec:
    """Rosenzweig-MacArthur: x' = r x (1 - x/K) - a x y/(h + x), y' = e a x y/(h + x) - m y."""
    x, y = _sym("x y")
    F = sympy.Float
    response = x * y / (x + F(half_saturation))
    return SystemSpec(
        "holling_predator_prey", ("x", "y"), ("", ""),
        {"x": F(growth) * x - F(growth / capacity) * x**2 - F(attack) * response,
         "y": F(efficiency * attack) * response - F(death) * y},
        {}, lambda g, n: np.column_stack([g.uniform(0.5, 3.0, n), g.uniform(0.2, 1.5, n)]),
        {"r": growth, "K": capacity, "a": attack, "h": half_saturation, "e": efficiency, "m": death},
        {"degree": 2, "rational": True},
        "prey x' = r x (1 - x/K) - a x y/(h + x), predator y' = e a x y/(h + x) - m y (Holling type II)",
    )


SYSTEMS: dict[str, Callable[..., SystemSpec]] = {
    "fitzhugh_nagumo": fitzhugh_nagumo_spec,
    "duffing": duffing_spec,
    "forced_duffing": forced_duffing_spec,
    "van_der_pol": van_der_pol_spec,
    "driven_pendulum": driven_pendulum_spec,
    "holling_predator_prey": holling_predator_prey_spec,
}
DEFAULT_SAMPLING = {  # (t_end, dt): a few periods of the slowest motion, >= 20 samples a period
    "fitzhugh_nagumo": (60.0, 0.05),
    "duffing": (20.0, 0.01),
    "forced_duffing": (30.0, 0.01),
    "van_der_pol": (15.0, 0.01),
    "driven_pendulum": (40.0, 0.02),
    "holling_predator_prey": (60.0, 0.04),
}


def simulate(system: str, *, n_trajectories: int = 4, t_end: float | None = None, dt: float | None = None,
             noise: float = 0.0, rng: np.random.Generator | int | None = None, **parameters: float) -> Dataset:
    """Trajectories of a textbook flow by name (see :data:`SYSTEMS`) with their truth."""
    from physlens.data.trajectories import _build

    if system not in SYSTEMS:
        raise ParameterError(f"system={system!r} is unknown; valid: {', '.join(SYSTEMS)}")
    valid = inspect.signature(SYSTEMS[system]).parameters
    if set(parameters) - set(valid):
        raise ParameterError(f"{system}: parameters {sorted(parameters)} are invalid; valid: {', '.join(valid)}")
    default_t, default_dt = DEFAULT_SAMPLING[system]
    return _build(SYSTEMS[system](**parameters), n_trajectories=n_trajectories, t_end=default_t if t_end is None else t_end,
                  dt=default_dt if dt is None else dt, noise=noise, rng=rng)
