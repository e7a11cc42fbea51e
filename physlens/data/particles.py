"""Particle and agent systems with known interactions, returned with their truth.

- :func:`simulate_particles`: 2D systems of N bodies with a pairwise force law (springs,
  1/r^2 gravity, charges). Each sample is an independent configuration (positions,
  masses, charges) with the exact accelerations a_i = sum_j F_ij / m_i. Truth: the
  sympy law of the x-component of F_ij in dx = x_i - x_j, dy, r, m_i, m_j, q_i, q_j,
  its constants, and every pair force (to score learned messages).
- :func:`simulate_agents`: a Vicsek-type system: each agent's next heading is the mean
  heading of all agents within the interaction radius R (itself included), plus
  uniform angular noise. Periodic box. Truth: R and the (flat) strength profile.
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError

FORCE_LAWS = ("spring", "gravity", "charge")
PAIR_NAMES = ["dx", "dy", "r", "m_i", "m_j", "q_i", "q_j"]
PAIR_UNITS = ["m", "m", "m", "kg", "kg", "C", "C"]
# constants of each law with their units: spring F = -k (r - L) d/r,
# gravity F = -G m_i m_j d / r^3, charge F = k_e q_i q_j d / r^3
CONSTANTS = {
    "spring": {"k": (2.0, "N/m"), "L": (1.0, "m")},
    "gravity": {"G": (1.0, "N*m**2/kg**2")},
    "charge": {"k_e": (1.0, "N*m**2/C**2")},
}


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_int(name, value, low, high=None) -> int:
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low and (high is None or value <= high)):
        raise ParameterError(f"parameter {name}={value!r} is invalid; expected an integer >= {low}" + (f" and <= {high}" if high else ""))
    return int(value)


def _check_positive(name, value) -> float:
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise ParameterError(f"parameter {name}={value!r} is invalid; expected a finite number > 0")
    return float(value)


def force_law(force: str) -> sympy.Expr:
    """The x-component of the force on i due to j, in the symbols of :data:`PAIR_NAMES`."""
    if force not in FORCE_LAWS:
        raise ParameterError(f"parameter force={force!r} is invalid; expected one of {', '.join(FORCE_LAWS)}")
    s = {n: sympy.Symbol(n, real=True) for n in PAIR_NAMES}
    c = {k: sympy.nsimplify(v[0]) for k, v in CONSTANTS[force].items()}
    if force == "spring":
        return -c["k"] * (s["r"] - c["L"]) * s["dx"] / s["r"]
    if force == "gravity":
        return -c["G"] * s["m_i"] * s["m_j"] * s["dx"] / s["r"] ** 3
    return c["k_e"] * s["q_i"] * s["q_j"] * s["dx"] / s["r"] ** 3


def pair_forces(force: str, positions: np.ndarray, masses: np.ndarray, charges: np.ndarray) -> np.ndarray:
    """F[n, i, j] (n, N, N, 2): force on i due to j (zero for i == j)."""
    d = positions[:, :, None, :] - positions[:, None, :, :]
    r = np.linalg.norm(d, axis=3)
    N = positions.shape[1]
    off = ~np.eye(N, dtype=bool)
    r_safe = np.where(off, r, 1.0)
    constants = {k: v[0] for k, v in CONSTANTS[force].items()}
    if force == "spring":
        magnitude = -constants["k"] * (r_safe - constants["L"]) / r_safe
    elif force == "gravity":
        magnitude = -constants["G"] * masses[:, :, None] * masses[:, None, :] / r_safe**3
    else:
        magnitude = constants["k_e"] * charges[:, :, None] * charges[:, None, :] / r_safe**3
    return d * (magnitude * off)[..., None]


def simulate_particles(
    force: str = "spring",
    n_particles: int = 4,
    n_samples: int = 2000,
    *,
    box: float = 3.0,
    min_distance: float = 0.5,
    mass_range: tuple[float, float] = (1.0, 3.0),
    charge_range: tuple[float, float] = (0.5, 1.5),
    seed=None,
) -> Dataset:
    """Independent 2D configurations of N bodies with exact accelerations.

    Positions ~ U[0, box]^2 (redrawn until every pair is >= ``min_distance`` apart),
    masses ~ U[mass_range] (kg), charges ~ +-U[charge_range] (C)."""
    law = force_law(force)
    n_particles = _check_int("n_particles", n_particles, 2, 50)
    n_samples = _check_int("n_samples", n_samples, 1)
    box = _check_positive("box", box)
    min_distance = _check_positive("min_distance", min_distance)
    if min_distance * math.sqrt(n_particles) > box:
        raise ParameterError(f"parameter box={box} is too small for {n_particles} particles at min_distance={min_distance}")
    rng = _rng(seed)
    positions = rng.uniform(0, box, size=(n_samples, n_particles, 2))
    for _ in range(1000):
        d = np.linalg.norm(positions[:, :, None] - positions[:, None], axis=3) + np.eye(n_particles) * box
        bad = d.min(axis=(1, 2)) < min_distance
        if not bad.any():
            break
        positions[bad] = rng.uniform(0, box, size=(int(bad.sum()), n_particles, 2))
    else:  # pragma: no cover - only for absurd settings
        raise ParameterError(f"could not place {n_particles} particles {min_distance} apart in a box of {box}")
    masses = rng.uniform(*mass_range, size=(n_samples, n_particles))
    charges = rng.uniform(*charge_range, size=(n_samples, n_particles)) * rng.choice([-1.0, 1.0], size=(n_samples, n_particles))
    forces = pair_forces(force, positions, masses, charges)
    accelerations = forces.sum(axis=2) / masses[..., None]
    truth = Truth(
        equations={"F_x": law},
        parameters={
            "force": force,
            "constants": {k: v[0] for k, v in CONSTANTS[force].items()},
            "constant_units": {k: v[1] for k, v in CONSTANTS[force].items()},
            "pair_forces": forces,
        },
        notes="F_x is the x-component of the force on particle i due to j, dx = x_i - x_j; a_i = sum_j F_ij / m_i",
    )
    return Dataset(
        arrays={"positions": positions, "masses": masses, "charges": charges, "accelerations": accelerations},
        variables=(
            Variable("positions", "m", "state", "(N, 2) positions per sample"),
            Variable("masses", "kg", "parameter"),
            Variable("charges", "C", "parameter"),
            Variable("accelerations", "m/s**2", "target", "(N, 2) accelerations per sample"),
        ),
        truth=truth,
        provenance={"simulator": "physlens.data.particles.simulate_particles", "force": force, "n_particles": n_particles,
                    "seed": seed if not isinstance(seed, np.random.Generator) else None},
        name=f"particles-{force}-N{n_particles}",
        kind="particles",
    )


def periodic_offsets(positions: np.ndarray, box: float) -> np.ndarray:
    """Minimum-image displacement x_j - x_i (n, N, N, 2) in a periodic box."""
    d = positions[:, None, :, :] - positions[:, :, None, :]
    return d - box * np.round(d / box)


def simulate_agents(
    n_agents: int = 40,
    n_samples: int = 400,
    *,
    radius: float = 1.0,
    box: float = 5.0,
    noise: float = 0.1,
    speed: float = 0.5,
    seed=None,
) -> Dataset:
    """Vicsek-type alignment: next heading = arg(sum_{j: d_ij < R} exp(i theta_j)) + noise x U[-pi, pi].

    Each sample is an independent snapshot (uniform positions and headings), so every
    distance is seen with uncorrelated neighbours."""
    n_agents = _check_int("n_agents", n_agents, 2, 1000)
    n_samples = _check_int("n_samples", n_samples, 1)
    radius = _check_positive("radius", radius)
    box = _check_positive("box", box)
    speed = _check_positive("speed", speed)
    if not math.isfinite(noise) or noise < 0 or noise > 1:
        raise ParameterError(f"parameter noise={noise!r} is invalid; expected a number in [0, 1]")
    if radius >= box / 2:
        raise ParameterError(f"parameter radius={radius} is invalid; expected < box / 2 = {box / 2}")
    rng = _rng(seed)
    positions = rng.uniform(0, box, size=(n_samples, n_agents, 2))
    headings = rng.uniform(-np.pi, np.pi, size=(n_samples, n_agents))
    distance = np.linalg.norm(periodic_offsets(positions, box), axis=3)
    neighbours = distance < radius  # includes the agent itself
    direction = np.exp(1j * headings)
    mean = (neighbours * direction[:, None, :]).sum(axis=2)
    new_headings = np.angle(mean) + noise * rng.uniform(-np.pi, np.pi, size=headings.shape)
    velocities = speed * np.stack([np.cos(headings), np.sin(headings)], axis=2)
    next_velocities = speed * np.stack([np.cos(new_headings), np.sin(new_headings)], axis=2)
    truth = Truth(
        parameters={"radius": radius, "box": box, "noise": noise, "speed": speed, "profile": "flat: weight 1 for d < R, 0 beyond"},
        notes="each agent aligns with the mean heading of agents closer than the radius (itself included)",
    )
    return Dataset(
        arrays={"positions": positions, "velocities": velocities, "next_velocities": next_velocities},
        variables=(
            Variable("positions", "m", "state"),
            Variable("velocities", "m/s", "state"),
            Variable("next_velocities", "m/s", "target"),
        ),
        truth=truth,
        provenance={"simulator": "physlens.data.particles.simulate_agents", "box": box, "n_agents": n_agents,
                    "seed": seed if not isinstance(seed, np.random.Generator) else None},
        name=f"vicsek-N{n_agents}",
        kind="particles",
    )
