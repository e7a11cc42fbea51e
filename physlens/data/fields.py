"""Fields on an x-t grid from partial differential equations with known right-hand sides,
and the ``.npz`` field format ``physlens pde`` reads.

Each ``simulate_<system>`` integrates a periodic 1-D PDE pseudo-spectrally with ETDRK4
(Cox & Matthews, J. Comput. Phys. 176, 430, 2002, with the contour-integral coefficients
of Kassam & Trefethen, SIAM J. Sci. Comput. 26, 1214, 2005) and returns a
:class:`Dataset` of kind ``"fields"``: ``t`` (n_t,), the field(s) ``u`` [, ``v``]
(n_t, n_x), and ``x`` stored once per time row (n_t, n_x) because a Dataset's arrays
share their first axis. ``truth.equations`` maps each field to the sympy right-hand side
of its equation d(field)/dt in the derivative symbols ``u_x``, ``u_xx``, ... (numbers
substituted); ``truth.fields["clean"]`` holds the noiseless fields (n_t, n_x, n_fields).
Noise is Gaussian with std = ``noise`` x RMS of each field.

The file format (:func:`save_fields` / :func:`load_fields`): an ``.npz`` with arrays
``t`` (n_t,), ``x`` (n_x,), both uniform and increasing, and one (n_t, n_x) array per
field, ``u`` and optionally ``v``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable, add_noise
from physlens.errors import DataError, ParameterError, UnitError
from physlens.expr import symbols_for
from physlens.units import parse_unit

FIELD_NAMES = ("u", "v")
MIN_POINTS = 16  # per axis: weak-form test functions need room on both axes
UNIFORM_TOLERANCE = 1e-6  # relative spread of the grid steps still called uniform


def derivative_name(field: str, order: int) -> str:
    """``u_x``, ``u_xx``, ...: the symbol of the ``order``-th x-derivative of ``field``."""
    return field if order == 0 else f"{field}_{'x' * order}"


def _etdrk4(linear: np.ndarray, nonlinear: Callable[[np.ndarray], np.ndarray], initial_hat: np.ndarray,
            dt: float, n_steps: int, every: int) -> np.ndarray:
    """ETDRK4 for d(hat)/dt = linear * hat + nonlinear(hat); every ``every``-th state
    (Fourier space), the first included."""
    E, E2 = np.exp(dt * linear), np.exp(dt * linear / 2)
    # a full circle of contour points around each dt*L avoids cancellation error, and
    # keeps the coefficients right for complex L (dispersion) as well as real L
    roots = np.exp(2j * np.pi * (np.arange(1, 65) - 0.5) / 64)
    LR = dt * linear[..., None] + roots
    real = np.isrealobj(linear)
    part = (lambda z: np.real(z)) if real else (lambda z: z)
    Q = dt * part(np.mean((np.exp(LR / 2) - 1) / LR, axis=-1))
    f1 = dt * part(np.mean((-4 - LR + np.exp(LR) * (4 - 3 * LR + LR**2)) / LR**3, axis=-1))
    f2 = dt * part(np.mean((2 + LR + np.exp(LR) * (-2 + LR)) / LR**3, axis=-1))
    f3 = dt * part(np.mean((-4 - 3 * LR - LR**2 + np.exp(LR) * (4 - LR)) / LR**3, axis=-1))
    hat = initial_hat.copy()
    saved = [hat.copy()]
    for step in range(1, n_steps + 1):
        Nv = nonlinear(hat)
        a = E2 * hat + Q * Nv
        Na = nonlinear(a)
        b = E2 * hat + Q * Na
        Nb = nonlinear(b)
        c = E2 * a + Q * (2 * Nb - Nv)
        Nc = nonlinear(c)
        hat = E * hat + Nv * f1 + 2 * (Na + Nb) * f2 + Nc * f3
        if step % every == 0:
            saved.append(hat.copy())
    return np.array(saved)


def _check(n_x: int, n_t: int, noise: float) -> None:
    for name, value in (("n_x", n_x), ("n_t", n_t)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < MIN_POINTS:
            raise ParameterError(f"{name}={value!r} is invalid; expected an integer >= {MIN_POINTS}")
    if not (isinstance(noise, (int, float)) and np.isfinite(noise) and noise >= 0):
        raise ParameterError(f"noise={noise!r} is invalid; expected a fraction >= 0 of each field's RMS")


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _wavenumbers(n_x: int, length: float) -> np.ndarray:
    return 2 * np.pi * np.fft.rfftfreq(n_x, d=length / n_x)


def _advection(k: np.ndarray, coefficient: float, n_x: int) -> Callable[[np.ndarray], np.ndarray]:
    """coefficient * u u_x = (coefficient / 2) (u^2)_x in Fourier space, 2/3-dealiased."""
    keep = k <= (2 / 3) * k.max()

    def nonlinear(hat):
        u = np.fft.irfft(hat * keep, n=n_x)
        return coefficient * 0.5j * k * np.fft.rfft(u * u)

    return nonlinear


def fields_dataset(t: np.ndarray, x: np.ndarray, clean: Mapping[str, np.ndarray], equations: Mapping[str, sympy.Expr],
                   *, name: str, noise: float, rng, parameters: Mapping[str, float], units: Mapping[str, str] | None = None,
                   notes: str = "") -> Dataset:
    """A Dataset of kind 'fields' from noiseless fields (n_t, n_x), with noise added."""
    rng = _rng(rng)
    units = dict(units or {})
    arrays: dict[str, np.ndarray] = {"t": np.asarray(t, float), "x": np.broadcast_to(np.asarray(x, float), (len(t), len(x)))}
    for field, values in clean.items():
        arrays[field] = add_noise(values, noise, rng)
    variables = [Variable("t", units.get("t", ""), "time"), Variable("x", units.get("x", ""), "input")]
    variables += [Variable(f, units.get(f, ""), "state") for f in clean]
    truth = Truth(equations=dict(equations), parameters=dict(parameters),
                  fields={"clean": np.stack([clean[f] for f in clean], axis=-1)}, notes=notes)
    provenance = {"simulator": name, "parameters": dict(parameters), "noise": noise}
    return Dataset(arrays, tuple(variables), truth, provenance, name=name, kind="fields")


def simulate_burgers(*, nu: float = 0.1, n_x: int = 256, n_t: int = 101, t_end: float = 10.0, length: float = 16.0,
                     noise: float = 0.0, rng=None) -> Dataset:
    """Viscous Burgers u_t = -u u_x + nu u_xx on [-length/2, length/2), periodic, from
    u(x, 0) = exp(-(x + 2)^2) (the PDE-FIND example). Mass (the integral of u) is conserved."""
    _check(n_x, n_t, noise)
    x = -length / 2 + length * np.arange(n_x) / n_x
    k = _wavenumbers(n_x, length)
    t, u = _run(-nu * k**2, _advection(k, -1.0, n_x), np.exp(-(x + 2) ** 2), t_end, n_t, 0.01)
    s = symbols_for(["u", "u_x", "u_xx"])
    rhs = -s["u"] * s["u_x"] + sympy.Float(nu) * s["u_xx"]
    return fields_dataset(t, x, {"u": u}, {"u": rhs}, name="burgers", noise=noise, rng=rng, parameters={"nu": nu},
                          notes="u_t = -u u_x + nu u_xx")


def kdv_soliton(x: np.ndarray, t: float, speed: float, start: float, length: float) -> np.ndarray:
    """The KdV soliton (speed/2) sech^2(sqrt(speed)/2 (x - start - speed t)), periodised."""
    shift = (x - start - speed * t + length / 2) % length - length / 2
    return speed / 2 / np.cosh(np.sqrt(speed) / 2 * shift) ** 2


def simulate_kdv(*, speeds: Sequence[float] = (6.0, 2.0), starts: Sequence[float] = (-12.0, -4.0), n_x: int = 256,
                 n_t: int = 101, t_end: float = 2.0, length: float = 40.0, noise: float = 0.0, rng=None) -> Dataset:
    """Korteweg-de Vries u_t = -6 u u_x - u_xxx on [-length/2, length/2), periodic, from
    separated solitons of the given speeds (one speed: a single soliton, which travels
    at that speed unchanged; two: the faster overtakes the slower)."""
    _check(n_x, n_t, noise)
    if len(speeds) != len(starts) or not speeds or any(not (np.isfinite(c) and c > 0) for c in speeds):
        raise ParameterError(f"speeds={speeds!r} is invalid; expected positive speeds, one per start")
    x = -length / 2 + length * np.arange(n_x) / n_x
    k = _wavenumbers(n_x, length)
    initial = sum(kdv_soliton(x, 0.0, c, x0, length) for c, x0 in zip(speeds, starts))
    t, u = _run(1j * k**3, _advection(k, -6.0, n_x), initial, t_end, n_t, 1e-3)
    s = symbols_for(["u", "u_x", "u_xxx"])
    rhs = -6 * s["u"] * s["u_x"] - s["u_xxx"]
    return fields_dataset(t, x, {"u": u}, {"u": rhs}, name="kdv", noise=noise, rng=rng,
                          parameters={"speeds": tuple(speeds), "starts": tuple(starts)}, notes="u_t = -6 u u_x - u_xxx")


def simulate_kuramoto_sivashinsky(*, n_x: int = 256, n_t: int = 201, t_end: float = 100.0, length: float = 32 * np.pi,
                                  noise: float = 0.0, rng=None) -> Dataset:
    """Kuramoto-Sivashinsky u_t = -u u_x - u_xx - u_xxxx on [0, length), periodic, from
    cos(x/16)(1 + sin(x/16)) (Kassam & Trefethen's example), into spatiotemporal chaos."""
    _check(n_x, n_t, noise)
    x = length * np.arange(n_x) / n_x
    k = _wavenumbers(n_x, length)
    t, u = _run(k**2 - k**4, _advection(k, -1.0, n_x), np.cos(x / 16) * (1 + np.sin(x / 16)), t_end, n_t, 0.025)
    s = symbols_for(["u", "u_x", "u_xx", "u_xxxx"])
    rhs = -s["u"] * s["u_x"] - s["u_xx"] - s["u_xxxx"]
    return fields_dataset(t, x, {"u": u}, {"u": rhs}, name="kuramoto_sivashinsky", noise=noise, rng=rng,
                          parameters={"length": length}, notes="u_t = -u u_x - u_xx - u_xxxx")


def simulate_lambda_omega(*, beta: float = 1.0, diffusion: float = 0.1, n_x: int = 128, n_t: int = 101,
                          t_end: float = 6.0, length: float = 20.0, amplitude: float = 0.05, n_modes: int = 12, noise: float = 0.0,
                          rng=None) -> Dataset:
    """Reaction-diffusion lambda-omega system (two fields), periodic in x:
    u_t = lambda(A) u - omega(A) v + d u_xx, v_t = omega(A) u + lambda(A) v + d v_xx with
    A^2 = u^2 + v^2, lambda = 1 - A^2, omega = -beta A^2, from small smooth random fields
    (seeded by ``rng``; the same draw also seeds the noise), observed while they grow
    towards the limit cycle |A| = 1 and phase waves form."""
    _check(n_x, n_t, noise)
    rng = _rng(rng)
    x = length * np.arange(n_x) / n_x
    k = _wavenumbers(n_x, length)
    modes = np.zeros((2, len(k)), complex)
    modes[:, 1:n_modes + 1] = (rng.standard_normal((2, n_modes)) + 1j * rng.standard_normal((2, n_modes))) * n_x * amplitude
    modes[:, 0] = rng.standard_normal(2) * n_x * amplitude / 2
    keep = k <= (2 / 3) * k.max()

    def nonlinear(hat):
        u, v = np.fft.irfft(hat * keep, n=n_x, axis=-1)
        a2 = u * u + v * v
        return np.fft.rfft(np.array([(1 - a2) * u + beta * a2 * v, -beta * a2 * u + (1 - a2) * v]), axis=-1)

    linear = np.broadcast_to(-diffusion * k**2, (2, len(k)))
    dt = 0.005
    every = _steps_between(t_end, n_t, dt)
    hats = _etdrk4(linear, nonlinear, modes, t_end / (n_t - 1) / every, every * (n_t - 1), every)
    fields = np.fft.irfft(hats, n=n_x, axis=-1)
    t = np.linspace(0.0, t_end, n_t)
    s = symbols_for(["u", "v", "u_xx", "v_xx"])
    u, v, d, b = s["u"], s["v"], sympy.Float(diffusion), sympy.Float(beta)
    equations = {"u": sympy.expand(u - u**3 - u * v**2 + b * (u**2 * v + v**3) + d * s["u_xx"]),
                 "v": sympy.expand(v - u**2 * v - v**3 - b * (u**3 + u * v**2) + d * s["v_xx"])}
    return fields_dataset(t, x, {"u": fields[:, 0], "v": fields[:, 1]}, equations, name="lambda_omega", noise=noise,
                          rng=rng, parameters={"beta": beta, "diffusion": diffusion},
                          notes="lambda-omega reaction-diffusion, lambda = 1 - A^2, omega = -beta A^2")


def _steps_between(t_end: float, n_t: int, dt: float) -> int:
    """Integrator steps between saved times: the time step is at most ``dt``."""
    if not (np.isfinite(t_end) and t_end > 0):
        raise ParameterError(f"t_end={t_end!r} is invalid; expected a finite time > 0")
    return max(1, int(np.ceil(t_end / (n_t - 1) / dt)))


def _run(linear: np.ndarray, nonlinear, initial: np.ndarray, t_end: float, n_t: int, dt: float):
    every = _steps_between(t_end, n_t, dt)
    hats = _etdrk4(linear, nonlinear, np.fft.rfft(initial), t_end / (n_t - 1) / every, every * (n_t - 1), every)
    return np.linspace(0.0, t_end, n_t), np.fft.irfft(hats, n=len(initial), axis=-1)


SIMULATORS: dict[str, Callable[..., Dataset]] = {
    "burgers": simulate_burgers,
    "kdv": simulate_kdv,
    "kuramoto_sivashinsky": simulate_kuramoto_sivashinsky,
    "lambda_omega": simulate_lambda_omega,
}


def simulate(system: str, **settings) -> Dataset:
    """Fields of a built-in PDE (``SIMULATORS``) with their truth."""
    if system not in SIMULATORS:
        raise ParameterError(f"unknown PDE system {system!r}; valid: {', '.join(SIMULATORS)}")
    return SIMULATORS[system](**settings)


# -- the .npz field format -----------------------------------------------------------------

def field_names(dataset: Dataset) -> list[str]:
    return [f for f in dataset.names("state")]


def save_fields(dataset: Dataset, path: str | Path) -> Path:
    """Write the fields of a 'fields' dataset as the ``.npz`` that ``physlens pde`` reads."""
    path = Path(path)
    arrays = {"t": np.asarray(dataset["t"]), "x": np.asarray(dataset["x"])[0]}
    arrays.update({f: np.asarray(dataset[f]) for f in field_names(dataset)})
    np.savez(path, **arrays)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _uniform_axis(name: str, values, source: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise DataError(f"{source}: array {name!r} must be numeric, got {array.dtype}")
    array = array.astype(float)
    if array.ndim != 1:
        raise DataError(f"{source}: array {name!r} must be 1-D (one value per grid point), got shape {array.shape}")
    if array.size < MIN_POINTS:
        raise DataError(f"{source}: array {name!r} has {array.size} points; at least {MIN_POINTS} are needed")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise DataError(f"{source}: array {name!r} index {bad[0]} is {array[bad[0]]}; every value must be a finite number")
    steps = np.diff(array)
    if np.any(steps <= 0):
        raise DataError(f"{source}: array {name!r} must increase strictly (index {int(np.argmax(steps <= 0)) + 1} does not)")
    if np.ptp(steps) > UNIFORM_TOLERANCE * np.mean(steps):
        raise DataError(f"{source}: array {name!r} is a non-uniform grid (steps from {steps.min():.6g} to "
                        f"{steps.max():.6g}); resample it onto a uniform grid")
    return array


def load_fields(path: str | Path, *, units: Mapping[str, str] | None = None) -> Dataset:
    """Read a field file (format in the module docstring) as a Dataset of kind 'fields'."""
    source = str(path)
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise DataError(f"{source}: not a readable .npz file ({type(error).__name__}); expected arrays t, x, u [, v]") from None
    if not hasattr(loaded, "files"):  # a bare .npy array, not an archive of named arrays
        raise DataError(f"{source}: not a readable .npz file (one unnamed array); expected arrays t, x, u [, v]")
    with loaded as archive:
        contents = {name: archive[name] for name in archive.files}
    missing = [name for name in ("t", "x", "u") if name not in contents]
    if missing:
        raise DataError(f"{source}: missing array(s) {', '.join(missing)}; a field file holds t (n_t,), x (n_x,), "
                        f"u (n_t, n_x) and optionally v (n_t, n_x); it has {', '.join(contents) or 'none'}")
    unknown = sorted(set(contents) - {"t", "x", *FIELD_NAMES})
    if unknown:
        raise DataError(f"{source}: unexpected array(s) {', '.join(unknown)}; valid arrays: t, x, u, v")
    t, x = _uniform_axis("t", contents["t"], source), _uniform_axis("x", contents["x"], source)
    clean = {}
    for field in (f for f in FIELD_NAMES if f in contents):
        values = np.asarray(contents[field])
        if values.dtype.kind not in "biuf":
            raise DataError(f"{source}: array {field!r} must be numeric, got {values.dtype}")
        if values.shape != (len(t), len(x)):
            raise DataError(f"{source}: array {field!r} has shape {values.shape}; expected (len(t), len(x)) = "
                            f"({len(t)}, {len(x)})")
        values = values.astype(float)
        bad = np.argwhere(~np.isfinite(values))
        if bad.size:
            i, j = (int(v) for v in bad[0])
            raise DataError(f"{source}: array {field!r} at time index {i}, x index {j} is {values[i, j]}; "
                            "every value must be a finite number")
        clean[field] = values
    units = dict(units or {})
    unknown_units = sorted(set(units) - {"t", "x", *clean})
    if unknown_units:
        raise DataError(f"--units names {', '.join(unknown_units)}, which the file does not hold; "
                        f"valid: t, x, {', '.join(clean)}")
    time_unit = units.get("t", "")
    if time_unit and parse_unit(time_unit, column="t") != parse_unit("s"):
        raise UnitError(f"{source}: time axis 't' has unit {time_unit!r} ({parse_unit(time_unit, column='t')}); "
                        "expected a time unit such as s, ms, min")
    arrays = {"t": t, "x": np.broadcast_to(x, (len(t), len(x))), **clean}
    variables = [Variable("t", units.get("t", ""), "time"), Variable("x", units.get("x", ""), "input")]
    variables += [Variable(f, units.get(f, ""), "state") for f in clean]
    return Dataset(arrays, tuple(variables), provenance={"source": source}, name=Path(source).stem, kind="fields")
