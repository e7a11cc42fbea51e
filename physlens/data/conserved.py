"""Trajectories of systems whose number of independent conserved quantities is known, for
counting them from data (Liu & Tegmark, "Machine learning conservation laws from
trajectories", PRL 126, 180604 (2021): AI Poincaré).

| system | conserved (independent) |
|---|---|
| oscillator_1d | E: 1 |
| isotropic_2d | E, L and the Fradkin component x y + px py: 3 |
| anisotropic_2d (frequencies 1 and √2) | E_x, E_y: 2 |
| kepler_2d | E, L and the Laplace-Runge-Lenz direction: 3 |
| double_pendulum (chaotic regime) | E: 1 |
| three_body (planar, unit masses) | E, P_x, P_y, L and R x P: 5 |

The planar three-body table of the issue lists E, P_x, P_y and L; with a total momentum
that differs between trajectories, the angular momentum of the centre of mass, R x P
(R = R_0 + P t / M, so R x P = R_0 x P), is a fifth one that depends on the state alone
(equivalently, the internal angular momentum L - R x P is conserved by itself).

Each dataset has kind ``trajectories``: state columns (role ``state``), ``t`` and a
``trajectory`` id; ``Truth.conserved`` holds an independent set of the conserved quantities
and ``Truth.parameters["n_conserved"]`` their number.
"""

from __future__ import annotations

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable, add_noise
from physlens.errors import ParameterError
from physlens.expr import symbols_for

SYSTEMS = ("oscillator_1d", "isotropic_2d", "anisotropic_2d", "kepler_2d", "double_pendulum", "three_body")
DURATIONS = {"oscillator_1d": 20.0, "isotropic_2d": 20.0, "anisotropic_2d": 200.0, "kepler_2d": 40.0, "double_pendulum": 200.0,
             "three_body": 20.0}
# library terms beyond monomials that each system's conserved quantities need
EXTRA_TERMS = {
    "kepler_2d": ["1/sqrt(x**2 + y**2)", "x/sqrt(x**2 + y**2)", "y/sqrt(x**2 + y**2)"],
    "double_pendulum": ["cos(q1)", "cos(q2)", "v1*v2*cos(q1 - q2)"],
    "three_body": [f"1/sqrt((x{i}-x{j})**2 + (y{i}-y{j})**2)" for i, j in ((1, 2), (1, 3), (2, 3))],
}
LIBRARY_DEGREE = {"oscillator_1d": 2, "isotropic_2d": 2, "anisotropic_2d": 2, "kepler_2d": 3, "double_pendulum": 2, "three_body": 2}
ANISOTROPIC = np.sqrt(2.0)


def _three_body_field(x: np.ndarray) -> np.ndarray:
    """(velocities, accelerations) of three unit masses (G = 1) for states (n, 12)."""
    positions = x[:, :6].reshape(-1, 3, 2)
    acceleration = np.zeros_like(positions)
    for i in range(3):
        for j in range(3):
            if i != j:
                d = positions[:, j] - positions[:, i]
                acceleration[:, i] += d / np.linalg.norm(d, axis=1, keepdims=True) ** 3
    return np.concatenate([x[:, 6:], acceleration.reshape(-1, 6)], axis=1)


def _spec(system: str):
    """(names, conserved, field of states (n, d), initial-state sampler)."""
    if system == "oscillator_1d":
        s = symbols_for(["x", "p"])
        return ["x", "p"], {"E": (s["x"] ** 2 + s["p"] ** 2) / 2}, lambda x: np.column_stack([x[:, 1], -x[:, 0]]), \
            lambda rng: np.array([rng.uniform(0.3, 1.5), rng.uniform(-1.5, 1.5)])
    if system in ("isotropic_2d", "anisotropic_2d"):
        names = ["x", "y", "px", "py"]
        s = symbols_for(names)
        w2 = 1.0 if system == "isotropic_2d" else ANISOTROPIC**2
        if system == "isotropic_2d":
            conserved = {"E": (s["px"] ** 2 + s["py"] ** 2 + s["x"] ** 2 + s["y"] ** 2) / 2, "L": s["x"] * s["py"] - s["y"] * s["px"],
                         "F_xy": s["x"] * s["y"] + s["px"] * s["py"]}
        else:
            conserved = {"E_x": (s["px"] ** 2 + s["x"] ** 2) / 2, "E_y": (s["py"] ** 2 + 2 * s["y"] ** 2) / 2}
        return names, conserved, lambda x: np.column_stack([x[:, 2], x[:, 3], -x[:, 0], -w2 * x[:, 1]]), lambda rng: rng.uniform(-1, 1, 4)
    if system == "kepler_2d":
        names = ["x", "y", "px", "py"]
        s = symbols_for(names)
        r = sympy.sqrt(s["x"] ** 2 + s["y"] ** 2)
        angular = s["x"] * s["py"] - s["y"] * s["px"]
        conserved = {"E": (s["px"] ** 2 + s["py"] ** 2) / 2 - 1 / r, "L": angular, "A_x": s["py"] * angular - s["x"] / r}

        def field(x):
            r3 = (x[:, 0] ** 2 + x[:, 1] ** 2) ** 1.5
            return np.column_stack([x[:, 2], x[:, 3], -x[:, 0] / r3, -x[:, 1] / r3])

        def initial(rng):
            # bound orbits (GM = 1), eccentricities up to ~0.6, any orientation
            radius, angle = rng.uniform(0.8, 1.5), rng.uniform(0, 2 * np.pi)
            speed = np.sqrt(1 / radius) * rng.uniform(0.8, 1.2)
            tilt = rng.uniform(-0.4, 0.4)
            direction = angle + np.pi / 2 + tilt
            return np.array([radius * np.cos(angle), radius * np.sin(angle), speed * np.cos(direction), speed * np.sin(direction)])

        return names, conserved, field, initial
    if system == "double_pendulum":
        from physlens.data.lagrangian import _double_pendulum_field, _spec as lagrangian_spec

        names = ["q1", "q2", "v1", "v2"]
        energy = lagrangian_spec("double_pendulum")[3]
        # released from rest with both arms above the horizontal: chaotic
        return names, {"E": energy}, _double_pendulum_field, \
            lambda rng: np.array([rng.uniform(1.8, 2.6), rng.uniform(-2.6, 2.6), 0.0, 0.0])
    if system == "three_body":
        names = ["x1", "y1", "x2", "y2", "x3", "y3", "vx1", "vy1", "vx2", "vy2", "vx3", "vy3"]
        s = symbols_for(names)
        position = [(s[f"x{i}"], s[f"y{i}"]) for i in (1, 2, 3)]
        velocity = [(s[f"vx{i}"], s[f"vy{i}"]) for i in (1, 2, 3)]
        kinetic = sum(vx**2 + vy**2 for vx, vy in velocity) / 2
        potential = -sum(1 / sympy.sqrt((position[i][0] - position[j][0]) ** 2 + (position[i][1] - position[j][1]) ** 2)
                         for i, j in ((0, 1), (0, 2), (1, 2)))
        px, py = sum(v[0] for v in velocity), sum(v[1] for v in velocity)
        angular = sum(x * vy - y * vx for (x, y), (vx, vy) in zip(position, velocity))
        centre_x, centre_y = sum(p[0] for p in position) / 3, sum(p[1] for p in position) / 3
        conserved = {"E": kinetic + potential, "P_x": px, "P_y": py, "L": angular, "RxP": centre_x * py - centre_y * px}

        def initial(rng):
            # a bound triple: bodies on a ring of radius ~1 with near-circular speeds and a
            # random common drift, so momenta differ between trajectories
            angles = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3]) + rng.uniform(0, 2 * np.pi) + rng.uniform(-0.3, 0.3, 3)
            radius = rng.uniform(0.8, 1.2, 3)
            positions = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
            speed = 3 ** -0.25 * rng.uniform(0.7, 1.0, 3)
            velocities = np.column_stack([-speed * np.sin(angles), speed * np.cos(angles)]) + rng.normal(0, 0.1, 2)
            return np.concatenate([positions.ravel(), velocities.ravel()])

        return names, conserved, _three_body_field, initial
    raise ParameterError(f"system {system!r} is unknown; valid systems: {', '.join(SYSTEMS)}")


def conserved_trajectories(
    system: str = "oscillator_1d",
    n_trajectories: int = 20,
    samples_per_trajectory: int = 200,
    *,
    duration: float | None = None,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """States sampled evenly along ``n_trajectories`` orbits of ``system`` (see
    :data:`SYSTEMS`), integrated with DOP853 (relative tolerance 1e-11) over ``duration``
    (default :data:`DURATIONS`); ``noise`` adds Gaussian noise (std = noise x RMS per column)."""
    from scipy.integrate import solve_ivp

    from physlens.data.hamiltonian import check_sampling

    if system not in SYSTEMS:
        raise ParameterError(f"system {system!r} is unknown; valid systems: {', '.join(SYSTEMS)}")
    duration = check_sampling(n_trajectories, samples_per_trajectory, DURATIONS[system] if duration is None else duration)
    rng = rng if rng is not None else np.random.default_rng(0)
    names, conserved, field, initial = _spec(system)
    times = np.linspace(0.0, duration, samples_per_trajectory)
    start = np.stack([initial(rng) for _ in range(n_trajectories)])
    # every trajectory in one system: one adaptive step for all, no per-orbit Python overhead
    solution = solve_ivp(lambda t, x: field(x.reshape(n_trajectories, -1)).ravel(), (0.0, duration), start.ravel(), method="DOP853",
                         t_eval=times, rtol=1e-11, atol=1e-12)
    states = solution.y.T.reshape(len(times), n_trajectories, -1).transpose(1, 0, 2).reshape(-1, len(names))
    if system == "double_pendulum":
        states[:, :2] = np.angle(np.exp(1j * states[:, :2]))  # angles in (-pi, pi]: the arms turn over
    states = add_noise(states, noise, rng, axis=0)
    arrays = {n: states[:, i] for i, n in enumerate(names)}
    arrays["t"] = np.tile(times, n_trajectories)
    arrays["trajectory"] = np.repeat(np.arange(n_trajectories), samples_per_trajectory)
    variables = tuple(Variable(n, "", "state") for n in names) + (Variable("t", "", "time"), Variable("trajectory", "", "trajectory"))
    truth = Truth(
        conserved=conserved,
        parameters={"n_conserved": len(conserved), "states": names, "library_degree": LIBRARY_DEGREE[system],
                    "extra_terms": EXTRA_TERMS.get(system, [])},
        notes=f"{system}: {len(conserved)} independent conserved quantities ({', '.join(conserved)})",
    )
    return Dataset(arrays, variables, truth,
                   provenance={"simulator": "conserved_trajectories", "system": system, "n_trajectories": n_trajectories,
                               "samples_per_trajectory": samples_per_trajectory, "duration": duration, "noise": noise},
                   name=system, kind="trajectories")
