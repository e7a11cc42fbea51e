"""Trajectories of dynamical systems with known governing equations, and the
validation of measured trajectories.

Each ``simulate_<system>`` integrates the system with scipy (DOP853, rtol 1e-10,
atol 1e-12) from several initial conditions and returns a :class:`Dataset` of kind
``"trajectories"``: a time column ``t``, one column per state, a ``trajectory`` id
column, the variables with units and roles, and a :class:`Truth` whose ``equations``
map each state to its sympy right-hand side (numeric parameters substituted) and whose
``conserved`` holds the invariants where the system has them. Noise is Gaussian with
std = ``noise`` x RMS of each state over all trajectories (seeded, through ``rng``).
The noiseless states are kept in ``truth.fields["clean"]`` (rows as in the arrays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable, add_noise
from physlens.errors import DataError, ParameterError, UnitError
from physlens.expr import as_expression
from physlens.units import parse_unit

TIME, TRAJECTORY = "t", "trajectory"
MIN_SAMPLES_PER_TRAJECTORY = 5


@dataclass(frozen=True)
class SystemSpec:
    """What a simulator needs: states with units, right-hand sides, invariants, and a
    sampler of initial conditions."""

    name: str
    states: tuple[str, ...]
    units: tuple[str, ...]
    equations: Mapping[str, sympy.Expr]
    conserved: Mapping[str, sympy.Expr]
    initial: Callable[[np.random.Generator, int], np.ndarray]
    parameters: Mapping[str, float]
    library_hint: Mapping[str, object]  # the smallest library that contains the truth
    notes: str = ""


def _sym(names: Sequence[str]) -> list[sympy.Symbol]:
    return [sympy.Symbol(n, real=True) for n in names]


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0):
        return np.random.default_rng(rng)
    raise ParameterError(f"rng={rng!r} is invalid; expected a numpy Generator, a seed >= 0, or None")


def _check_settings(n_trajectories: int, t_end: float, dt: float, noise: float) -> None:
    if not isinstance(n_trajectories, (int, np.integer)) or isinstance(n_trajectories, bool) or n_trajectories < 1:
        raise ParameterError(f"n_trajectories={n_trajectories!r} is invalid; expected an integer >= 1")
    if not (isinstance(dt, (int, float)) and np.isfinite(dt) and dt > 0):
        raise ParameterError(f"dt={dt!r} is invalid; expected a finite time step > 0")
    if not (isinstance(t_end, (int, float)) and np.isfinite(t_end) and t_end >= MIN_SAMPLES_PER_TRAJECTORY * dt):
        raise ParameterError(f"t_end={t_end!r} is invalid; expected a finite time >= {MIN_SAMPLES_PER_TRAJECTORY} x dt")
    if not (isinstance(noise, (int, float)) and np.isfinite(noise) and noise >= 0):
        raise ParameterError(f"noise={noise!r} is invalid; expected a fraction >= 0 of each state's RMS")


def integrate(
    equations: Mapping[str, sympy.Expr],
    states: Sequence[str],
    initial: np.ndarray,
    times: np.ndarray,
    *,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> np.ndarray:
    """States at ``times`` (n_times, n_states) integrating d state/dt = equations[state] (in
    the states and the time ``t``) from ``initial`` (DOP853); NaN rows after a blow-up."""
    from scipy.integrate import solve_ivp

    symbols = _sym([TIME, *states])
    rhs = [as_expression(equations[s]) for s in states]
    function = sympy.lambdify(symbols, rhs, modules="numpy")

    def vector_field(t: float, y: np.ndarray) -> np.ndarray:
        return np.asarray(function(t, *y), dtype=float).reshape(-1) * np.ones(len(states))

    out = np.full((len(times), len(states)), np.nan)
    with np.errstate(all="ignore"):
        solution = solve_ivp(vector_field, (times[0], times[-1]), np.asarray(initial, float), method="DOP853",
                             t_eval=times, rtol=rtol, atol=atol)
    n = solution.y.shape[1]
    out[:n] = solution.y.T
    return out


def _build(spec: SystemSpec, *, n_trajectories: int, t_end: float, dt: float, noise: float,
           rng: np.random.Generator | int | None, initial: np.ndarray | None = None) -> Dataset:
    _check_settings(n_trajectories, t_end, dt, noise)
    generator = _rng(rng)
    if initial is None:
        initial = spec.initial(generator, n_trajectories)
    initial = np.atleast_2d(np.asarray(initial, dtype=float))
    if initial.shape[1] != len(spec.states) or not np.isfinite(initial).all():
        raise ParameterError(
            f"initial conditions have shape {initial.shape}; expected finite (n_trajectories, {len(spec.states)}) "
            f"for states {', '.join(spec.states)}"
        )
    times = np.arange(int(round(t_end / dt)) + 1) * dt
    blocks = [integrate(spec.equations, spec.states, ic, times) for ic in initial]
    clean = np.vstack(blocks)
    if not np.isfinite(clean).all():
        raise ParameterError(f"{spec.name}: integration failed (blow-up) for the chosen initial conditions and t_end={t_end}")
    noisy = add_noise(clean, noise, generator, axis=0)
    arrays = {TIME: np.tile(times, len(initial)), TRAJECTORY: np.repeat(np.arange(len(initial)), len(times))}
    for i, state in enumerate(spec.states):
        arrays[state] = noisy[:, i]
    variables = [Variable(TIME, "s" if any(u for u in spec.units) else "", "time")]
    variables += [Variable(s, u, "state") for s, u in zip(spec.states, spec.units)]
    variables.append(Variable(TRAJECTORY, "", "trajectory"))
    truth = Truth(
        equations=dict(spec.equations),
        parameters={**spec.parameters, "noise": noise, "initial_conditions": initial.tolist(), "dt": dt, "t_end": t_end},
        conserved=dict(spec.conserved),
        fields={"clean": clean},
        notes=spec.notes,
    )
    provenance = {"simulator": f"simulate_{spec.name}", "parameters": dict(spec.parameters), "noise": noise,
                  "n_trajectories": len(initial), "t_end": t_end, "dt": dt,
                  "seed": rng if isinstance(rng, (int, np.integer)) else None}
    return Dataset(arrays, tuple(variables), truth, provenance, name=spec.name, kind="trajectories")


# -- the systems ----------------------------------------------------------------------

def harmonic_spec(omega: float = 2.0) -> SystemSpec:
    x, v = _sym(["x", "v"])
    w2 = sympy.Float(omega**2)
    return SystemSpec(
        "harmonic", ("x", "v"), ("m", "m/s"), {"x": v, "v": -w2 * x},
        {"energy": v**2 / 2 + w2 * x**2 / 2},
        lambda g, n: g.uniform(-2, 2, size=(n, 2)), {"omega": omega}, {"degree": 2},
        "x' = v, v' = -omega^2 x; energy per unit mass conserved",
    )


def damped_oscillator_spec(omega: float = 2.0, gamma: float = 0.2) -> SystemSpec:
    x, v = _sym(["x", "v"])
    return SystemSpec(
        "damped_oscillator", ("x", "v"), ("m", "m/s"), {"x": v, "v": -sympy.Float(omega**2) * x - sympy.Float(gamma) * v},
        {}, lambda g, n: g.uniform(-2, 2, size=(n, 2)), {"omega": omega, "gamma": gamma}, {"degree": 2},
        "x' = v, v' = -omega^2 x - gamma v",
    )


def pendulum_spec(g_over_l: float = 9.81) -> SystemSpec:
    theta, omega = _sym(["theta", "omega"])
    c = sympy.Float(g_over_l)
    return SystemSpec(
        "pendulum", ("theta", "omega"), ("rad", "1/s"), {"theta": omega, "omega": -c * sympy.sin(theta)},
        {"energy": omega**2 / 2 - c * sympy.cos(theta)},
        lambda g, n: np.column_stack([g.uniform(-2.5, 2.5, n), g.uniform(-2.0, 2.0, n)]),
        {"g_over_l": g_over_l}, {"degree": 1, "trig": True},
        "theta' = omega, omega' = -(g/l) sin(theta); energy per unit m l^2 conserved",
    )


def duffing_spec(alpha: float = 1.0, beta: float = 0.5, delta: float = 0.1) -> SystemSpec:
    x, v = _sym(["x", "v"])
    return SystemSpec(
        "duffing", ("x", "v"), ("m", "m/s"),
        {"x": v, "v": -sympy.Float(delta) * v - sympy.Float(alpha) * x - sympy.Float(beta) * x**3},
        {}, lambda g, n: g.uniform(-2, 2, size=(n, 2)), {"alpha": alpha, "beta": beta, "delta": delta}, {"degree": 3},
        "x' = v, v' = -delta v - alpha x - beta x^3 (units: alpha 1/s^2, beta 1/(m^2 s^2))",
    )


def van_der_pol_spec(mu: float = 1.0) -> SystemSpec:
    x, v = _sym(["x", "v"])
    m = sympy.Float(mu)
    return SystemSpec(
        "van_der_pol", ("x", "v"), ("", ""), {"x": v, "v": m * v - m * x**2 * v - x},
        {}, lambda g, n: g.uniform(-3, 3, size=(n, 2)), {"mu": mu}, {"degree": 3},
        "x' = v, v' = mu (1 - x^2) v - x (dimensionless)",
    )


def lotka_volterra_spec(a: float = 1.0, b: float = 0.5, c: float = 0.5, d: float = 1.5) -> SystemSpec:
    u, w = _sym(["u", "w"])
    A, B, C, D = (sympy.Float(p) for p in (a, b, c, d))
    return SystemSpec(
        "lotka_volterra", ("u", "w"), ("", ""), {"u": A * u - B * u * w, "w": C * u * w - D * w},
        {"invariant": C * u - D * sympy.log(u) + B * w - A * sympy.log(w)},
        lambda g, n: g.uniform(1.0, 4.0, size=(n, 2)), {"a": a, "b": b, "c": c, "d": d}, {"degree": 2},
        "prey u' = a u - b u w, predator w' = c u w - d w; V = c u - d ln u + b w - a ln w conserved",
    )


def lorenz_spec(sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0) -> SystemSpec:
    x, y, z = _sym(["x", "y", "z"])
    S, R, B = (sympy.Float(p) for p in (sigma, rho, beta))
    return SystemSpec(
        "lorenz", ("x", "y", "z"), ("", "", ""),
        {"x": S * y - S * x, "y": R * x - x * z - y, "z": x * y - B * z},
        {}, lambda g, n: np.vstack([[-8.0, 8.0, 27.0], g.uniform([-15, -15, 10], [15, 15, 40], size=(max(n - 1, 0), 3))])[:n],
        {"sigma": sigma, "rho": rho, "beta": beta}, {"degree": 2},
        "Lorenz 1963 (dimensionless); the first initial state is (-8, 8, 27) as in pysindy's examples",
    )


def kepler_spec(gm: float = 1.0) -> SystemSpec:
    x, y, vx, vy = _sym(["x", "y", "vx", "vy"])
    r3 = (x**2 + y**2) ** sympy.Rational(3, 2)
    G = sympy.Float(gm)

    def initial(g: np.random.Generator, n: int) -> np.ndarray:
        # bound orbits: radius 0.8-1.2, speed 0.85-1.15 of circular, so 0.38 < e < 0.6 roughly
        r = g.uniform(0.8, 1.2, n)
        phase = g.uniform(0, 2 * np.pi, n)
        speed = np.sqrt(gm / r) * g.uniform(0.85, 1.15, n)
        return np.column_stack([r * np.cos(phase), r * np.sin(phase), -speed * np.sin(phase), speed * np.cos(phase)])

    return SystemSpec(
        "kepler", ("x", "y", "vx", "vy"), ("m", "m", "m/s", "m/s"),
        {"x": vx, "y": vy, "vx": -G * x / r3, "vy": -G * y / r3},
        {"energy": (vx**2 + vy**2) / 2 - G / sympy.sqrt(x**2 + y**2), "angular_momentum": x * vy - y * vx},
        initial, {"GM": gm}, {"degree": 1, "terms": ("x/(x**2 + y**2)**1.5", "y/(x**2 + y**2)**1.5")},
        "planar Kepler orbit, GM in m^3/s^2; energy and angular momentum per unit mass conserved",
    )


def coupled_oscillators_spec(k1: float = 1.0, k2: float = 1.5, coupling: float = 0.5) -> SystemSpec:
    x1, v1, x2, v2 = _sym(["x1", "v1", "x2", "v2"])
    K1, K2, K = (sympy.Float(p) for p in (k1, k2, coupling))
    return SystemSpec(
        "coupled_oscillators", ("x1", "v1", "x2", "v2"), ("m", "m/s", "m", "m/s"),
        {"x1": v1, "v1": -(K1 + K) * x1 + K * x2, "x2": v2, "v2": K * x1 - (K2 + K) * x2},
        {"energy": (v1**2 + v2**2) / 2 + K1 * x1**2 / 2 + K2 * x2**2 / 2 + K * (x1 - x2) ** 2 / 2},
        lambda g, n: g.uniform(-1.5, 1.5, size=(n, 4)), {"k1": k1, "k2": k2, "coupling": coupling}, {"degree": 2},
        "two unit masses on springs k1, k2 joined by a spring 'coupling' (spring constants per unit mass, 1/s^2)",
    )


SYSTEMS: dict[str, Callable[..., SystemSpec]] = {
    "harmonic": harmonic_spec,
    "damped_oscillator": damped_oscillator_spec,
    "pendulum": pendulum_spec,
    "duffing": duffing_spec,
    "van_der_pol": van_der_pol_spec,
    "lotka_volterra": lotka_volterra_spec,
    "lorenz": lorenz_spec,
    "kepler": kepler_spec,
    "coupled_oscillators": coupled_oscillators_spec,
}
# Default sampling per system: long enough to see the dynamics, dt small against its time scale.
DEFAULT_SAMPLING = {
    "harmonic": (10.0, 0.01),
    "damped_oscillator": (10.0, 0.01),
    "pendulum": (10.0, 0.01),
    "duffing": (15.0, 0.01),
    "van_der_pol": (15.0, 0.01),
    "lotka_volterra": (15.0, 0.01),
    "lorenz": (10.0, 0.002),
    "kepler": (15.0, 0.01),
    "coupled_oscillators": (15.0, 0.01),
}


def simulate(system: str, *, n_trajectories: int = 4, t_end: float | None = None, dt: float | None = None,
             noise: float = 0.0, rng: np.random.Generator | int | None = None,
             initial: np.ndarray | None = None, **parameters: float) -> Dataset:
    """Simulate a built-in system by name (see :data:`SYSTEMS`)."""
    if system not in SYSTEMS:
        raise ParameterError(f"system={system!r} is unknown; valid: {', '.join(SYSTEMS)}")
    try:
        spec = SYSTEMS[system](**parameters)
    except TypeError:
        import inspect

        valid = ", ".join(inspect.signature(SYSTEMS[system]).parameters)
        raise ParameterError(f"{system}: parameters {sorted(parameters)} are invalid; valid: {valid}") from None
    default_t, default_dt = DEFAULT_SAMPLING[system]
    return _build(spec, n_trajectories=n_trajectories, t_end=default_t if t_end is None else t_end,
                  dt=default_dt if dt is None else dt, noise=noise, rng=rng, initial=initial)


def _simulator(system: str) -> Callable[..., Dataset]:
    def simulate_system(*, n_trajectories: int = 4, t_end: float | None = None, dt: float | None = None,
                        noise: float = 0.0, rng: np.random.Generator | int | None = None,
                        initial: np.ndarray | None = None, **parameters: float) -> Dataset:
        return simulate(system, n_trajectories=n_trajectories, t_end=t_end, dt=dt, noise=noise, rng=rng,
                        initial=initial, **parameters)

    simulate_system.__name__ = f"simulate_{system}"
    simulate_system.__doc__ = f"Trajectories of the {system.replace('_', ' ')} with their truth. {SYSTEMS[system].__name__}: " + (
        SYSTEMS[system]().notes)
    return simulate_system


simulate_harmonic = _simulator("harmonic")
simulate_damped_oscillator = _simulator("damped_oscillator")
simulate_pendulum = _simulator("pendulum")
simulate_duffing = _simulator("duffing")
simulate_van_der_pol = _simulator("van_der_pol")
simulate_lotka_volterra = _simulator("lotka_volterra")
simulate_lorenz = _simulator("lorenz")
simulate_kepler = _simulator("kepler")
simulate_coupled_oscillators = _simulator("coupled_oscillators")


def simulate_noise(*, n_trajectories: int = 4, n_samples: int = 1001, dt: float = 0.01, n_states: int = 2,
                   rng: np.random.Generator | int | None = None) -> Dataset:
    """Pure-noise 'trajectories' (i.i.d. standard normal states): there are no dynamics
    to find, so ``truth.equations`` is empty."""
    generator = _rng(rng)
    states = [f"s{i}" for i in range(n_states)]
    times = np.arange(n_samples) * dt
    arrays = {TIME: np.tile(times, n_trajectories), TRAJECTORY: np.repeat(np.arange(n_trajectories), n_samples)}
    for s in states:
        arrays[s] = generator.standard_normal(n_samples * n_trajectories)
    variables = [Variable(TIME, "", "time"), *(Variable(s, "", "state") for s in states), Variable(TRAJECTORY, "", "trajectory")]
    return Dataset(arrays, tuple(variables), Truth(notes="pure noise: no dynamics"), {"simulator": "simulate_noise"},
                   name="noise", kind="trajectories")


# -- measured trajectories ----------------------------------------------------------

@dataclass(frozen=True)
class TrajectoryView:
    """Validated trajectories split per trajectory: times[k] (n_k,), states[k] (n_k, n_states)."""

    time: str
    states: tuple[str, ...]
    units: tuple[str, ...]
    time_unit: str
    times: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]
    ids: tuple[object, ...]


def trajectory_dataset(
    columns: Mapping[str, np.ndarray],
    *,
    time: str,
    states: Sequence[str] | None = None,
    trajectory: str | None = None,
    units: Mapping[str, str] | None = None,
    source: str = "table",
    name: str = "trajectories",
) -> Dataset:
    """A validated Dataset of kind ``"trajectories"`` from named columns (a loaded table).

    Rows of one trajectory must have strictly increasing times; states default to every
    column except time and trajectory."""
    units = dict(units or {})
    for role, column in (("time", time), ("trajectory", trajectory)):
        if column is not None and column not in columns:
            raise DataError(f"{source}: {role} column {column!r} is not in the table; columns: {', '.join(columns)}")
    states = list(states) if states else [c for c in columns if c not in (time, trajectory)]
    if not states:
        raise DataError(f"{source}: no state columns besides time {time!r}")
    for s in states:
        if s not in columns:
            raise DataError(f"{source}: state column {s!r} is not in the table; columns: {', '.join(columns)}")
        if s in (time, trajectory):
            raise DataError(f"{source}: column {s!r} cannot be both a state and the {'time' if s == time else 'trajectory'} column")
    if len(set(states)) != len(states):
        raise DataError(f"{source}: state columns repeat: {', '.join(states)}")
    unknown = [c for c in units if c not in columns]
    if unknown:
        raise DataError(f"{source}: unit given for unknown column {unknown[0]!r}; columns: {', '.join(columns)}")
    arrays: dict[str, np.ndarray] = {}
    for c in [time, *states] + ([trajectory] if trajectory else []):
        try:
            arrays[c] = np.asarray(columns[c], dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{source}: column {c!r} is not numeric") from None
    if trajectory is None:
        trajectory = TRAJECTORY if TRAJECTORY not in columns else "_trajectory"
        arrays[trajectory] = np.zeros(len(arrays[time]))
    variables = [Variable(time, units.get(time, ""), "time")]
    variables += [Variable(s, units.get(s, ""), "state") for s in states]
    variables.append(Variable(trajectory, "", "trajectory"))
    dataset = Dataset(arrays, tuple(variables), provenance={"source": source}, name=name, kind="trajectories")
    split_trajectories(dataset, source=source)  # validate now, with row numbers
    return dataset


def split_trajectories(dataset: Dataset, *, source: str | None = None) -> TrajectoryView:
    """Check a trajectories dataset and split it per trajectory.

    Raises :class:`DataError` (naming column and row, rows counted from 1) for NaN or
    infinite values, unsorted or repeated times within a trajectory, or a trajectory
    with fewer than :data:`MIN_SAMPLES_PER_TRAJECTORY` samples, and :class:`UnitError`
    when the time unit is not a time or a state's unit cannot be read."""
    source = source or dataset.name
    if not isinstance(dataset, Dataset):
        raise DataError(f"expected a physlens Dataset, got {type(dataset).__name__}")
    if dataset.kind != "trajectories":
        raise DataError(f"{source}: dataset kind is {dataset.kind!r}; dynamics needs kind 'trajectories'")
    times_names, states, ids_names = dataset.names("time"), dataset.names("state"), dataset.names("trajectory")
    if len(times_names) != 1:
        raise DataError(f"{source}: {len(times_names)} time variables; exactly one variable needs role 'time'")
    if not states:
        raise DataError(f"{source}: no variable has role 'state'")
    time = times_names[0]
    time_unit = dataset.variable(time).unit
    time_dim = parse_unit(time_unit, column=time)
    if time_unit and time_dim != parse_unit("s"):
        raise UnitError(f"{source}: time column {time!r} has unit {time_unit!r} ({time_dim}); expected a time unit such as s, ms, min")
    for s in states:
        parse_unit(dataset.variable(s).unit, column=s)
    t = np.asarray(dataset[time], dtype=float)
    ids = np.asarray(dataset[ids_names[0]]) if ids_names else np.zeros(len(t))
    for c, values in [(time, t), *((s, np.asarray(dataset[s], dtype=float)) for s in states)]:
        if values.ndim != 1:
            raise DataError(f"{source}: column {c!r} has shape {values.shape}; one value per row is needed")
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.argmax(bad))
            what = "NaN" if np.isnan(values[row]) else "infinite"
            raise DataError(f"{source}: column {c!r} row {row + 1} is {what}; every time and state must be a finite number")
    if ids.dtype.kind == "f" and not np.isfinite(ids).all():
        row = int(np.argmax(~np.isfinite(ids)))
        raise DataError(f"{source}: trajectory id row {row + 1} is not finite")
    values = np.column_stack([np.asarray(dataset[s], dtype=float) for s in states])
    order_ids = list(dict.fromkeys(ids.tolist()))
    times_out, values_out = [], []
    for k in order_ids:
        rows = np.flatnonzero(ids == k)
        tk = t[rows]
        if len(rows) < MIN_SAMPLES_PER_TRAJECTORY:
            raise DataError(
                f"{source}: trajectory {k!r} has {len(rows)} sample(s) (row {rows[0] + 1}); at least "
                f"{MIN_SAMPLES_PER_TRAJECTORY} samples per trajectory are needed to estimate derivatives"
            )
        steps = np.diff(tk)
        if (steps <= 0).any():
            j = int(np.argmax(steps <= 0))
            what = "repeats" if steps[j] == 0 else "goes backwards from"
            raise DataError(
                f"{source}: in trajectory {k!r}, time column {time!r} row {rows[j + 1] + 1} ({tk[j + 1]:g}) {what} "
                f"row {rows[j] + 1} ({tk[j]:g}); times must strictly increase within a trajectory (sort the rows or drop repeats)"
            )
        times_out.append(tk)
        values_out.append(values[rows])
    return TrajectoryView(time, tuple(states), tuple(dataset.variable(s).unit for s in states), time_unit,
                          tuple(times_out), tuple(values_out), tuple(order_ids))
