"""Hamiltonian systems sampled as (q, p) trajectories with their true time derivatives,
as in Greydanus, Dzamba, Yosinski, "Hamiltonian Neural Networks" (NeurIPS 2019):
mass-spring, ideal pendulum and two bodies under gravity (in their centre-of-mass
frame: the relative coordinate and its conjugate momentum).

Each dataset has kind ``trajectories``: coordinate columns then momentum columns (role
``state``), their time derivatives ``d_<name>`` (role ``target``), ``t`` and a
``trajectory`` id; ``Truth.equations["H"]`` is the Hamiltonian, and
``Truth.parameters`` holds the masses, constants and ``coordinates`` / ``momenta``
(the state column names in order).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable, add_noise
from physlens.errors import ParameterError
from physlens.expr import symbols_for

SYSTEMS = ("mass_spring", "pendulum", "two_body")
# default trajectory length: about one period of the slowest orbit each system samples
# (mass-spring 2 pi; pendulum up to 5.5 at H = 4.5; two-body up to ~33 for a separation of 3)
DURATIONS = {"mass_spring": 6.0, "pendulum": 6.0, "two_body": 30.0}


def _spec(system: str):
    """(coordinates, momenta, Hamiltonian, vector field, initial-state sampler, units)."""
    if system == "mass_spring":
        s = symbols_for(["q", "p"])
        hamiltonian = s["p"] ** 2 / 2 + s["q"] ** 2 / 2  # m = k = 1

        def field(x):
            return np.column_stack([x[:, 1], -x[:, 0]])

        def initial(rng, n):
            radius = rng.uniform(0.2, 1.0, n)
            angle = rng.uniform(0, 2 * np.pi, n)
            return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])

        return ["q"], ["p"], hamiltonian, field, initial, {"m": 1.0, "k": 1.0}
    if system == "pendulum":
        s = symbols_for(["q", "p"])
        hamiltonian = 3 * (1 - sympy.cos(s["q"])) + s["p"] ** 2 / 2  # m = l = 1, g = 3

        def field(x):
            return np.column_stack([x[:, 1], -3.0 * np.sin(x[:, 0])])

        def initial(rng, n):
            # energies below the separatrix (H = 6): libration, as in the HNN paper
            energy = rng.uniform(0.3, 4.5, n)
            angle = rng.uniform(0, 2 * np.pi, n)
            q0 = np.arccos(1 - energy / 3 * np.cos(angle) ** 2)
            q0 *= np.sign(np.cos(angle))
            p0 = np.sqrt(np.maximum(2 * (energy - 3 * (1 - np.cos(q0))), 0)) * np.sign(np.sin(angle))
            return np.column_stack([q0, p0])

        return ["q"], ["p"], hamiltonian, field, initial, {"m": 1.0, "l": 1.0, "g": 3.0}
    if system == "two_body":
        # two unit masses under gravity (G = 1) in their centre-of-mass frame: relative
        # coordinate (x, y) = r1 - r2 and its conjugate momentum (px, py) = (p1 - p2) / 2,
        # reduced mass 1/2. The centre of mass moves uniformly and carries no information
        # about H; with both bodies' coordinates every sample lies on the 4-D surface
        # r1 + r2 = p1 + p2 = 0 and a learned H is unconstrained off it, so a rollout whose
        # total momentum drifts by the fit error leaves the data and blows up.
        names = ["x", "y", "px", "py"]
        s = symbols_for(names)
        hamiltonian = s["px"] ** 2 + s["py"] ** 2 - 1 / sympy.sqrt(s["x"] ** 2 + s["y"] ** 2)

        def field(x):
            r3 = (x[:, 0] ** 2 + x[:, 1] ** 2) ** 1.5
            return np.column_stack([2 * x[:, 2], 2 * x[:, 3], -x[:, 0] / r3, -x[:, 1] / r3])

        def initial(rng, n):
            # near-circular orbits (HNN paper: perturbed circles): separation 1..3, speed
            # within 10% of circular (relative speed sqrt(2 / d), momentum half of it)
            distance = rng.uniform(1.0, 3.0, n)
            angle = rng.uniform(0, 2 * np.pi, n)
            momentum = 0.5 * np.sqrt(2.0 / distance) * rng.uniform(0.9, 1.1, n)
            ux, uy = np.cos(angle), np.sin(angle)
            return np.column_stack([distance * ux, distance * uy, -momentum * uy, momentum * ux])

        return names[:2], names[2:], hamiltonian, field, initial, {"m1": 1.0, "m2": 1.0, "G": 1.0, "reduced_mass": 0.5}
    raise ParameterError(f"system {system!r} is unknown; valid systems: {', '.join(SYSTEMS)}")


def vector_field(system: str) -> Callable[[np.ndarray], np.ndarray]:
    """The true (dq/dt, dp/dt) of a system as a numpy function of states (n, 2f)."""
    return _spec(system)[3]


def integrate(field: Callable[[np.ndarray], np.ndarray], initial: np.ndarray, dt, n_steps: int, every: int = 1) -> np.ndarray:
    """Fixed-step fourth-order Runge-Kutta for a batch of states; returns the states at
    steps 0, every, 2*every, ... as (n_saved, batch, dim). ``dt``: one step for all, or
    one per state (so orbits of different periods get the same steps per period)."""
    state = np.array(initial, dtype=float)
    dt = np.asarray(dt, dtype=float)
    dt = dt[:, None] if dt.ndim == 1 else dt
    saved = [state.copy()]
    for step in range(1, n_steps + 1):
        k1 = field(state)
        k2 = field(state + 0.5 * dt * k1)
        k3 = field(state + 0.5 * dt * k2)
        k4 = field(state + dt * k3)
        state = state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        if step % every == 0:
            saved.append(state.copy())
    return np.stack(saved)


def orbit_period(system: str, states: np.ndarray) -> np.ndarray:
    """Period of the orbit through each state (n, 2f): 2 pi for the mass-spring, the
    elliptic-integral period for the pendulum (libration), Kepler's third law for the
    two-body problem (bound orbits)."""
    from scipy.special import ellipk

    states = np.atleast_2d(np.asarray(states, dtype=float))
    if system == "mass_spring":
        return np.full(len(states), 2 * np.pi)
    if system == "pendulum":
        energy = 3 * (1 - np.cos(states[:, 0])) + states[:, 1] ** 2 / 2
        amplitude = np.arccos(np.clip(1 - energy / 3, -1, 1))
        return 4 * ellipk(np.sin(amplitude / 2) ** 2) / np.sqrt(3.0)
    if system == "two_body":
        energy = states[:, 2] ** 2 + states[:, 3] ** 2 - 1 / np.hypot(states[:, 0], states[:, 1])
        semi_major = np.where(energy < 0, -1 / (2 * np.where(energy < 0, energy, -1.0)), np.inf)  # G m1 m2 / (2 |E|)
        return 2 * np.pi * np.sqrt(semi_major**3 / 2.0)  # sqrt(mu a^3 / (G m1 m2)), mu = 1/2
    raise ParameterError(f"system {system!r} is unknown; valid systems: {', '.join(SYSTEMS)}")


def check_sampling(n_trajectories, samples_per_trajectory, duration) -> float:
    """Refuse, by name, trajectory counts, sample counts and durations a simulator cannot
    use; returns the duration as a float."""
    for name, value, minimum in (("n_trajectories", n_trajectories, 1), ("samples_per_trajectory", samples_per_trajectory, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ParameterError(f"parameter {name}={value!r} is invalid; expected an integer >= {minimum}")
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not np.isfinite(duration) or duration <= 0:
        raise ParameterError(f"parameter duration={duration!r} is invalid; expected a finite number of seconds > 0")
    return float(duration)


def sampled_trajectories(field, start: np.ndarray, names: list[str], duration: float, samples_per_trajectory: int, noise: float,
                         rng: np.random.Generator, substeps: int) -> tuple[dict, tuple]:
    """RK4 trajectories of ``field`` from each ``start`` state, sampled evenly over
    ``duration`` (``substeps`` steps between samples), with the true derivatives ``d_<name>``,
    ``t`` and a ``trajectory`` id; ``noise`` (std = noise x RMS per column) on states and
    derivatives. Returns the arrays and their variables."""
    n_trajectories = len(start)
    dt = duration / ((samples_per_trajectory - 1) * substeps)
    path = integrate(field, start, dt, (samples_per_trajectory - 1) * substeps, every=substeps)  # (samples, traj, dim)
    states = path.transpose(1, 0, 2).reshape(-1, len(names))
    derivatives = field(states)
    states_noisy = add_noise(states, noise, rng, axis=0)
    derivatives_noisy = add_noise(derivatives, noise, rng, axis=0)
    arrays = {n: states_noisy[:, i] for i, n in enumerate(names)}
    arrays.update({f"d_{n}": derivatives_noisy[:, i] for i, n in enumerate(names)})
    arrays["t"] = np.tile(np.linspace(0.0, duration, samples_per_trajectory), n_trajectories)
    arrays["trajectory"] = np.repeat(np.arange(n_trajectories), samples_per_trajectory)
    variables = tuple(Variable(n, "", "state") for n in names)
    variables += tuple(Variable(f"d_{n}", "", "target") for n in names)
    variables += (Variable("t", "", "time"), Variable("trajectory", "", "trajectory"))
    return arrays, variables


def hamiltonian_trajectories(
    system: str = "mass_spring",
    n_trajectories: int = 20,
    samples_per_trajectory: int = 50,
    *,
    duration: float | None = None,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """(q, p) samples along trajectories of ``system`` (see :data:`SYSTEMS`) with the
    true time derivatives; ``noise`` adds Gaussian noise (std = noise x RMS, per column)
    to states and derivatives, as the HNN paper did. ``duration`` defaults to about one
    period of the slowest orbit (:data:`DURATIONS`), so each trajectory covers its orbit."""
    if system not in SYSTEMS:
        raise ParameterError(f"system {system!r} is unknown; valid systems: {', '.join(SYSTEMS)}")
    duration = check_sampling(n_trajectories, samples_per_trajectory, DURATIONS[system] if duration is None else duration)
    rng = rng if rng is not None else np.random.default_rng(0)
    coordinates, momenta, hamiltonian, field, initial, parameters = _spec(system)
    names = coordinates + momenta
    arrays, variables = sampled_trajectories(field, initial(rng, n_trajectories), names, duration, samples_per_trajectory, noise, rng, substeps=20)
    truth = Truth(
        equations={"H": hamiltonian},
        parameters={**parameters, "coordinates": coordinates, "momenta": momenta},
        conserved={"H": hamiltonian},
        notes=f"{system}: dq/dt = dH/dp, dp/dt = -dH/dq (natural units)",
    )
    return Dataset(
        arrays,
        variables,
        truth,
        provenance={"simulator": "hamiltonian_trajectories", "system": system, "n_trajectories": n_trajectories,
                    "samples_per_trajectory": samples_per_trajectory, "duration": duration, "noise": noise},
        name=system,
        kind="trajectories",
    )
