"""Simulators of events that share invariants, for the Siamese-network method
(Wetzel, Melko, Scott, Panju, Ganesh, "Discovering symmetry invariants and conserved
quantities by interpreting siamese neural networks", PRR 2, 033499 (2020)).

Each dataset has kind ``events``: one row per sample, an ``event`` column (role
``label``) saying which samples belong together (the same spacetime interval seen in
different boosted frames, the same trajectory, the same similarity class), and
``Truth.conserved`` holding the true invariants as sympy expressions in the input
columns.
"""

from __future__ import annotations

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError
from physlens.expr import symbols_for


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"parameter {name}={value!r} is invalid; expected an integer >= {minimum}")
    return int(value)


def _check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) or value <= 0:
        raise ParameterError(f"parameter {name}={value!r} is invalid; expected a finite number > 0")
    return float(value)


def _boost_matrices(rapidity: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Lorentz boosts (c = 1) along unit ``direction`` with the given rapidities: (n, 4, 4)."""
    gamma = np.cosh(rapidity)
    gb = np.sinh(rapidity)
    n = direction.shape[0]
    boosts = np.zeros((n, 4, 4))
    boosts[:, 0, 0] = gamma
    boosts[:, 0, 1:] = -gb[:, None] * direction
    boosts[:, 1:, 0] = -gb[:, None] * direction
    outer = direction[:, :, None] * direction[:, None, :]
    boosts[:, 1:, 1:] = np.eye(3)[None] + (gamma - 1.0)[:, None, None] * outer
    return boosts


def relativistic_events(
    n_events: int = 200,
    samples_per_event: int = 10,
    *,
    max_rapidity: float = 1.0,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Spacetime displacements (t, x, y, z) seen from randomly boosted frames (c = 1).

    Each event is one displacement drawn uniformly in [-1, 1]^4; its samples are that
    displacement after boosts with rapidity up to ``max_rapidity`` in random directions.
    The invariant is the interval s^2 = t^2 - x^2 - y^2 - z^2.
    """
    n_events = _check_count("n_events", n_events, 2)
    samples_per_event = _check_count("samples_per_event", samples_per_event, 2)
    max_rapidity = _check_positive("max_rapidity", max_rapidity)
    rng = rng if rng is not None else np.random.default_rng(0)
    base = rng.uniform(-1.0, 1.0, size=(n_events, 4))
    total = n_events * samples_per_event
    direction = rng.standard_normal((total, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    rapidity = rng.uniform(0.0, max_rapidity, size=total)
    event = np.repeat(np.arange(n_events), samples_per_event)
    boosted = np.einsum("nij,nj->ni", _boost_matrices(rapidity, direction), base[event])
    names = ["t", "x", "y", "z"]
    s = symbols_for(names)
    interval = s["t"] ** 2 - s["x"] ** 2 - s["y"] ** 2 - s["z"] ** 2
    arrays = {n: boosted[:, i] for i, n in enumerate(names)}
    arrays["event"] = event
    # c = 1 (t in light-metres); columns are left dimensionless to say so.
    variables = tuple(Variable(n, "", "input") for n in names) + (Variable("event", "", "label"),)
    truth = Truth(conserved={"s2": interval}, parameters={"c": 1.0}, notes="interval invariant under Lorentz boosts (c = 1)")
    return Dataset(
        arrays,
        variables,
        truth,
        provenance={"simulator": "relativistic_events", "n_events": n_events, "samples_per_event": samples_per_event, "max_rapidity": max_rapidity},
        name="relativistic_events",
        kind="events",
    )


def _quartic_rhs(state: np.ndarray, k: float) -> np.ndarray:
    x, y, px, py = state.T
    r2 = x * x + y * y
    return np.column_stack([px, py, -k * r2 * x, -k * r2 * y])


def central_potential_trajectories(
    n_trajectories: int = 60,
    samples_per_trajectory: int = 30,
    *,
    duration: float = 40.0,
    strength: float = 1.0,
    dt: float = 0.01,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Unit-mass particles in the plane in the central potential V(r) = k r^4 / 4.

    A quartic potential has orbits that do not close, so energy
    E = (px^2 + py^2)/2 + k (x^2 + y^2)^2 / 4 and angular momentum L = x py - y px are
    the only conserved quantities (the Kepler and harmonic potentials have extra ones).
    Each trajectory is integrated with fourth-order Runge-Kutta and sampled at
    random times in [0, duration].
    """
    n_trajectories = _check_count("n_trajectories", n_trajectories, 2)
    samples_per_trajectory = _check_count("samples_per_trajectory", samples_per_trajectory, 2)
    duration = _check_positive("duration", duration)
    strength = _check_positive("strength", strength)
    dt = _check_positive("dt", dt)
    if dt > duration / 10:
        raise ParameterError(f"parameter dt={dt} is invalid; expected at most duration/10 = {duration / 10}")
    rng = rng if rng is not None else np.random.default_rng(0)
    radius = rng.uniform(0.5, 1.5, n_trajectories)
    angle = rng.uniform(0, 2 * np.pi, n_trajectories)
    speed = rng.uniform(0.2, 1.2, n_trajectories)
    heading = rng.uniform(0, 2 * np.pi, n_trajectories)
    state = np.column_stack([radius * np.cos(angle), radius * np.sin(angle), speed * np.cos(heading), speed * np.sin(heading)])
    n_steps = int(np.ceil(duration / dt))
    sample_steps = np.sort(rng.integers(0, n_steps + 1, size=(n_trajectories, samples_per_trajectory)), axis=1)
    times = sample_steps * dt
    path = np.empty((n_steps + 1, n_trajectories, 4))
    path[0] = state
    for step in range(n_steps):
        k1 = _quartic_rhs(state, strength)
        k2 = _quartic_rhs(state + 0.5 * dt * k1, strength)
        k3 = _quartic_rhs(state + 0.5 * dt * k2, strength)
        k4 = _quartic_rhs(state + dt * k3, strength)
        state = state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        path[step + 1] = state
    samples = path[sample_steps, np.arange(n_trajectories)[:, None]]
    names = ["x", "y", "px", "py"]
    s = symbols_for(names)
    k = sympy.nsimplify(strength)
    energy = (s["px"] ** 2 + s["py"] ** 2) / 2 + k * (s["x"] ** 2 + s["y"] ** 2) ** 2 / 4
    angular = s["x"] * s["py"] - s["y"] * s["px"]
    flat = samples.reshape(-1, 4)
    arrays = {n: flat[:, i] for i, n in enumerate(names)}
    arrays["t"] = times.reshape(-1)
    arrays["event"] = np.repeat(np.arange(n_trajectories), samples_per_trajectory)
    variables = (
        Variable("x", "m", "input"),
        Variable("y", "m", "input"),
        Variable("px", "kg*m/s", "input"),
        Variable("py", "kg*m/s", "input"),
        Variable("t", "s", "time"),
        Variable("event", "", "label"),
    )
    truth = Truth(
        conserved={"E": energy, "L": angular},
        parameters={"k": strength, "m": 1.0},
        notes="unit mass in V(r) = k r^4 / 4; energy and angular momentum conserved",
    )
    return Dataset(
        arrays,
        variables,
        truth,
        provenance={
            "simulator": "central_potential_trajectories",
            "n_trajectories": n_trajectories,
            "samples_per_trajectory": samples_per_trajectory,
            "duration": duration,
            "strength": strength,
            "dt": dt,
        },
        name="central_potential",
        kind="events",
    )


MATRIX_NAMES = [f"a{i}{j}" for i in range(1, 4) for j in range(1, 4)]


def similar_matrices(
    n_events: int = 200,
    samples_per_event: int = 10,
    *,
    conditioning: float = 0.5,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """3x3 real matrices A and their similarity transforms S A S^-1.

    Each event is one matrix with entries in U[-1, 1]; its samples are S A S^-1 with
    S = I + conditioning * G, G Gaussian (rejected when badly conditioned). The
    invariants are the coefficients of the characteristic polynomial: the trace, the
    sum of principal 2x2 minors and the determinant.
    """
    n_events = _check_count("n_events", n_events, 2)
    samples_per_event = _check_count("samples_per_event", samples_per_event, 2)
    conditioning = _check_positive("conditioning", conditioning)
    rng = rng if rng is not None else np.random.default_rng(0)
    base = rng.uniform(-1.0, 1.0, size=(n_events, 3, 3))
    total = n_events * samples_per_event
    transforms = np.empty((total, 3, 3))
    filled = 0
    while filled < total:
        candidates = np.eye(3)[None] + conditioning * rng.standard_normal((total, 3, 3)) / np.sqrt(3)
        ok = np.linalg.cond(candidates) < 6.0
        take = candidates[ok][: total - filled]
        transforms[filled : filled + len(take)] = take
        filled += len(take)
    event = np.repeat(np.arange(n_events), samples_per_event)
    similar = transforms @ base[event] @ np.linalg.inv(transforms)
    flat = similar.reshape(total, 9)
    s = symbols_for(MATRIX_NAMES)
    matrix = sympy.Matrix(3, 3, [s[n] for n in MATRIX_NAMES])
    trace = matrix.trace()
    minors = sum(matrix.extract([i, j], [i, j]).det() for i, j in ((0, 1), (0, 2), (1, 2)))
    determinant = sympy.expand(matrix.det())
    arrays = {n: flat[:, i] for i, n in enumerate(MATRIX_NAMES)}
    arrays["event"] = event
    variables = tuple(Variable(n, "", "input") for n in MATRIX_NAMES) + (Variable("event", "", "label"),)
    truth = Truth(
        conserved={"trace": trace, "minors": sympy.expand(minors), "det": determinant},
        notes="coefficients of the characteristic polynomial are similarity invariants",
    )
    return Dataset(
        arrays,
        variables,
        truth,
        provenance={"simulator": "similar_matrices", "n_events": n_events, "samples_per_event": samples_per_event, "conditioning": conditioning},
        name="similar_matrices",
        kind="events",
    )
