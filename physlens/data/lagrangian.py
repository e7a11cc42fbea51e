"""Lagrangian systems sampled as (q, q̇) trajectories with their true accelerations, for
Lagrangian neural networks (Cranmer, Greydanus, Hoyer, Battaglia, Spergel, Ho, "Lagrangian
Neural Networks", ICLR 2020 workshop): the pendulum, the double pendulum, and a
relativistic particle in a harmonic potential, L = -m c² sqrt(1 - v²/c²) - k x²/2, whose
canonical momentum γ m v is not the velocity an observer records.

Each dataset has kind ``trajectories``: coordinate columns then velocity columns (role
``state``), their time derivatives ``d_<name>`` (role ``target``: d_q = v, d_v = q̈), ``t``
and a ``trajectory`` id. ``Truth.equations["L"]`` is the Lagrangian, ``Truth.conserved["E"]``
the energy, and ``Truth.parameters`` holds the constants and ``coordinates`` /
``velocities`` (the state column names in order).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth
from physlens.errors import ParameterError
from physlens.expr import symbols_for

SYSTEMS = ("pendulum", "double_pendulum", "relativistic")
# a characteristic time of each system: the small-oscillation period (pendulum 2π/√3,
# double pendulum's slow normal mode 2π/√((2-√2) g), relativistic oscillator 2π)
CHARACTERISTIC_TIME = {"pendulum": 2 * np.pi / np.sqrt(3.0), "double_pendulum": 2 * np.pi / np.sqrt((2 - np.sqrt(2)) * 3.0),
                       "relativistic": 2 * np.pi}
GRAVITY = 3.0  # g for both pendulums (m = l = 1)


def _double_pendulum_field(x: np.ndarray) -> np.ndarray:
    """(q̇1, q̇2, q̈1, q̈2) of two unit masses on unit rods: M(q) q̈ = f(q, q̇)."""
    q1, q2, v1, v2 = x.T
    c, s = np.cos(q1 - q2), np.sin(q1 - q2)
    # M = [[2, c], [c, 1]]; right-hand sides from the Euler-Lagrange equations of L below
    f1 = -s * v2**2 - 2 * GRAVITY * np.sin(q1)
    f2 = s * v1**2 - GRAVITY * np.sin(q2)
    det = 2 - c**2
    return np.column_stack([v1, v2, (f1 - c * f2) / det, (2 * f2 - c * f1) / det])


def _spec(system: str):
    """(coordinates, velocities, Lagrangian, energy, vector field, initial-state sampler, constants)."""
    if system == "pendulum":
        s = symbols_for(["q", "v"])
        lagrangian = s["v"] ** 2 / 2 + GRAVITY * sympy.cos(s["q"])
        energy = s["v"] ** 2 / 2 - GRAVITY * sympy.cos(s["q"])

        def field(x):
            return np.column_stack([x[:, 1], -GRAVITY * np.sin(x[:, 0])])

        def initial(rng, n):
            # libration below the separatrix: energies 0.3..4.5 above the bottom (separatrix at 6)
            height = rng.uniform(0.3, 4.5, n)
            amplitude = np.arccos(1 - height / GRAVITY)
            phase = rng.uniform(0, 2 * np.pi, n)
            q0 = amplitude * np.cos(phase)
            v0 = np.sqrt(np.maximum(2 * GRAVITY * (np.cos(q0) - np.cos(amplitude)), 0)) * np.sign(np.sin(phase))
            return np.column_stack([q0, v0])

        return ["q"], ["v"], lagrangian, energy, field, initial, {"m": 1.0, "l": 1.0, "g": GRAVITY}
    if system == "double_pendulum":
        names = ["q1", "q2", "v1", "v2"]
        s = symbols_for(names)
        kinetic = s["v1"] ** 2 + s["v2"] ** 2 / 2 + s["v1"] * s["v2"] * sympy.cos(s["q1"] - s["q2"])
        potential = -2 * GRAVITY * sympy.cos(s["q1"]) - GRAVITY * sympy.cos(s["q2"])

        def initial(rng, n):
            # moderate swings (|q| < 0.9 rad at rest): regular and mildly chaotic orbits
            return np.column_stack([rng.uniform(-0.9, 0.9, n), rng.uniform(-0.9, 0.9, n), np.zeros(n), np.zeros(n)])

        return names[:2], names[2:], kinetic - potential, kinetic + potential, _double_pendulum_field, initial, \
            {"m1": 1.0, "m2": 1.0, "l1": 1.0, "l2": 1.0, "g": GRAVITY}
    if system == "relativistic":
        s = symbols_for(["x", "v"])
        gamma = 1 / sympy.sqrt(1 - s["v"] ** 2)
        lagrangian = -sympy.sqrt(1 - s["v"] ** 2) - s["x"] ** 2 / 2  # m = c = k = 1
        energy = gamma + s["x"] ** 2 / 2

        def field(x):
            return np.column_stack([x[:, 1], -x[:, 0] * (1 - x[:, 1] ** 2) ** 1.5])

        def initial(rng, n):
            # top speeds 0.3c..0.9c: from nearly Newtonian to strongly relativistic
            top = rng.uniform(0.3, 0.9, n)
            total = 1 / np.sqrt(1 - top**2)
            amplitude = np.sqrt(2 * (total - 1))
            x0 = amplitude * rng.uniform(-1, 1, n)
            gamma0 = total - x0**2 / 2
            v0 = np.sqrt(1 - 1 / gamma0**2) * rng.choice([-1.0, 1.0], n)
            return np.column_stack([x0, v0])

        return ["x"], ["v"], lagrangian, energy, field, initial, {"m": 1.0, "c": 1.0, "k": 1.0}
    raise ParameterError(f"system {system!r} is unknown; valid systems: {', '.join(SYSTEMS)}")


def vector_field(system: str) -> Callable[[np.ndarray], np.ndarray]:
    """The true (q̇, q̈) of a system as a numpy function of states (n, 2f)."""
    return _spec(system)[4]


def true_energy(system: str) -> Callable[[np.ndarray], np.ndarray]:
    """The true energy as a numpy function of states (n, 2f)."""
    coordinates, velocities, _, energy, *_ = _spec(system)
    symbols = symbols_for(coordinates + velocities)
    function = sympy.lambdify([symbols[n] for n in coordinates + velocities], energy, "numpy")
    return lambda x: np.broadcast_to(function(*np.atleast_2d(x).T), (np.atleast_2d(x).shape[0],))


def initial_states(system: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` initial states drawn as the simulator draws them."""
    return _spec(system)[5](rng, n)


def lagrangian_trajectories(
    system: str = "pendulum",
    n_trajectories: int = 20,
    samples_per_trajectory: int = 50,
    *,
    duration: float | None = None,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """(q, q̇) samples along trajectories of ``system`` (see :data:`SYSTEMS`) with the true
    (q̇, q̈); ``noise`` adds Gaussian noise (std = noise x RMS, per column) to states and
    derivatives. ``duration`` defaults to 1.5 characteristic times."""
    from physlens.data.hamiltonian import check_sampling, sampled_trajectories

    if system not in SYSTEMS:
        raise ParameterError(f"system {system!r} is unknown; valid systems: {', '.join(SYSTEMS)}")
    duration = check_sampling(n_trajectories, samples_per_trajectory, 1.5 * CHARACTERISTIC_TIME[system] if duration is None else duration)
    rng = rng if rng is not None else np.random.default_rng(0)
    coordinates, velocities, lagrangian, energy, field, initial, constants = _spec(system)
    substeps = max(20, int(np.ceil(duration / ((samples_per_trajectory - 1) * 0.005))))  # RK4 steps of at most 0.005
    arrays, variables = sampled_trajectories(field, initial(rng, n_trajectories), coordinates + velocities, duration,
                                             samples_per_trajectory, noise, rng, substeps)
    truth = Truth(
        equations={"L": lagrangian},
        parameters={**constants, "coordinates": coordinates, "velocities": velocities},
        conserved={"E": energy},
        notes=f"{system}: d/dt dL/dv = dL/dq (natural units); L is defined up to a scale and a total time derivative",
    )
    return Dataset(
        arrays,
        variables,
        truth,
        provenance={"simulator": "lagrangian_trajectories", "system": system, "n_trajectories": n_trajectories,
                    "samples_per_trajectory": samples_per_trajectory, "duration": duration, "noise": noise},
        name=system,
        kind="trajectories",
    )
