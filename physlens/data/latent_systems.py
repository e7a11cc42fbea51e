"""Systems whose observations are governed by a few physical parameters, with truth.

Each simulator returns a Dataset of kind "series": per sample an ``observation`` (a time
series), ``n_questions`` questions and their answers (``question`` of shape
(n, n_questions, 1), ``answer`` (n, n_questions, a); for SciNet, Iten et al. PRL 124,
010508, 2020), and the true physical parameters as variables of role "parameter".

- :func:`damped_oscillator`: x(t) = A exp(-b t / 2m) cos(omega t + phi),
  omega = sqrt(k/m - b^2/4m^2), observed at 50 times in [0, 5] s; spring constant k and
  damping b drawn per sample (A, m, phi fixed as in Iten et al.). Question: a time
  t' in [0, 10] s; answer: x(t') (prediction beyond the observed window).
- :func:`projectile`: a point mass launched from the origin with speed v0 at angle theta
  under gravity g: x(t) = v0 cos(theta) t, y(t) = v0 sin(theta) t - g t^2 / 2, observed
  at 25 times in [0, 1] s (both coordinates, 50 numbers); question: a time t' in [0, 2] s;
  answer: (x(t'), y(t')).
"""

from __future__ import annotations

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError

GRAVITY = 9.81


def _check_samples(n_samples: int) -> None:
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < 2:
        raise ParameterError(f"n_samples={n_samples!r} is invalid; expected an integer >= 2")


def _check_questions(n_questions: int) -> None:
    if not isinstance(n_questions, (int, np.integer)) or isinstance(n_questions, bool) or n_questions < 1:
        raise ParameterError(f"n_questions={n_questions!r} is invalid; expected an integer >= 1")


def _check_range(name: str, bounds, lowest: float = 0.0) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}={bounds!r} is invalid; expected (low, high)") from None
    if not (np.isfinite(low) and np.isfinite(high) and lowest <= low < high):
        raise ParameterError(f"{name}={bounds!r} is invalid; expected finite {lowest} <= low < high")
    return low, high


def oscillator_position(t, k, b, *, mass: float = 1.0, amplitude: float = 1.0, phase: float = 0.0):
    """x(t) of an underdamped oscillator (numpy, broadcasting)."""
    omega = np.sqrt(k / mass - b**2 / (4 * mass**2))
    return amplitude * np.exp(-b * t / (2 * mass)) * np.cos(omega * t + phase)


def damped_oscillator(
    n_samples: int = 5000,
    *,
    spring_range=(5.0, 10.0),
    damping_range=(0.5, 1.0),
    mass: float = 1.0,
    n_times: int = 50,
    duration: float = 5.0,
    n_questions: int = 10,
    seed: int | None = 0,
) -> Dataset:
    """Damped oscillators with k ~ U(spring_range) [N/m], b ~ U(damping_range) [kg/s]."""
    _check_samples(n_samples)
    _check_questions(n_questions)
    k_low, k_high = _check_range("spring_range", spring_range)
    b_low, b_high = _check_range("damping_range", damping_range)
    if not (isinstance(mass, (int, float)) and mass > 0):
        raise ParameterError(f"mass={mass!r} is invalid; expected a number > 0")
    if k_low / mass <= b_high**2 / (4 * mass**2):
        raise ParameterError("spring_range and damping_range allow overdamped samples; need k/m > b^2/(4 m^2) for all samples")
    rng = np.random.default_rng(seed)
    k = rng.uniform(k_low, k_high, n_samples)
    b = rng.uniform(b_low, b_high, n_samples)
    times = np.linspace(0.0, duration, n_times)
    observation = oscillator_position(times[None, :], k[:, None], b[:, None], mass=mass)
    question = rng.uniform(0.0, 2 * duration, (n_samples, n_questions))
    answer = oscillator_position(question, k[:, None], b[:, None], mass=mass)
    t, ks, bs = sympy.symbols("t k b", positive=True)
    law = sympy.exp(-bs * t / (2 * mass)) * sympy.cos(sympy.sqrt(ks / mass - bs**2 / (4 * mass**2)) * t)
    return Dataset(
        arrays={"observation": observation, "question": question[:, :, None], "answer": answer[:, :, None], "k": k, "b": b},
        variables=(
            Variable("observation", "m", "trajectory", f"x(t) at {n_times} times in [0, {duration}] s"),
            Variable("question", "s", "input", "time t' at which the position is asked"),
            Variable("answer", "m", "target", "x(t')"),
            Variable("k", "N/m", "parameter", "spring constant"),
            Variable("b", "kg/s", "parameter", "damping coefficient"),
        ),
        truth=Truth(
            equations={"x": law},
            parameters={"k": k, "b": b, "mass": mass, "amplitude": 1.0, "phase": 0.0, "times": times, "latent_dimension": 2},
            notes="two parameters (k, b) vary per sample: a faithful representation needs exactly 2 latent units",
        ),
        provenance={"simulator": "physlens.data.latent_systems.damped_oscillator", "n_samples": n_samples, "seed": seed},
        name="damped-oscillator",
        kind="series",
    )


def projectile(
    n_samples: int = 5000,
    *,
    speed_range=(5.0, 15.0),
    angle_range=(0.2, 1.3),
    n_times: int = 25,
    duration: float = 1.0,
    n_questions: int = 10,
    seed: int | None = 0,
) -> Dataset:
    """Projectiles with launch speed v0 ~ U(speed_range) [m/s] and angle theta ~ U(angle_range) [rad]."""
    _check_samples(n_samples)
    _check_questions(n_questions)
    v_low, v_high = _check_range("speed_range", speed_range)
    a_low, a_high = _check_range("angle_range", angle_range)
    if a_high >= np.pi / 2:
        raise ParameterError(f"angle_range={angle_range!r}: angles must be below pi/2 rad")
    rng = np.random.default_rng(seed)
    speed = rng.uniform(v_low, v_high, n_samples)
    angle = rng.uniform(a_low, a_high, n_samples)
    times = np.linspace(0.0, duration, n_times)

    def position(t, v, a):
        return v * np.cos(a) * t, v * np.sin(a) * t - 0.5 * GRAVITY * t**2

    x, y = position(times[None, :], speed[:, None], angle[:, None])
    question = rng.uniform(0.0, 2 * duration, (n_samples, n_questions))
    qx, qy = position(question, speed[:, None], angle[:, None])
    t, v, a = sympy.symbols("t v0 theta", positive=True)
    return Dataset(
        arrays={
            "observation": np.concatenate([x, y], axis=1),
            "question": question[:, :, None],
            "answer": np.stack([qx, qy], axis=2),
            "v0": speed,
            "theta": angle,
        },
        variables=(
            Variable("observation", "m", "trajectory", f"x(t) then y(t) at {n_times} times in [0, {duration}] s"),
            Variable("question", "s", "input", "time t' at which the position is asked"),
            Variable("answer", "m", "target", "(x(t'), y(t'))"),
            Variable("v0", "m/s", "parameter", "launch speed"),
            Variable("theta", "", "parameter", "launch angle above the horizontal [rad]"),
        ),
        truth=Truth(
            equations={"x": v * sympy.cos(a) * t, "y": v * sympy.sin(a) * t - sympy.Rational(981, 200) * t**2},
            parameters={"v0": speed, "theta": angle, "g": GRAVITY, "times": times, "latent_dimension": 2},
            notes="two parameters (v0, theta) vary per sample: a faithful representation needs exactly 2 latent units",
        ),
        provenance={"simulator": "physlens.data.latent_systems.projectile", "n_samples": n_samples, "seed": seed},
        name="projectile",
        kind="series",
    )


SYSTEMS = {"oscillator": damped_oscillator, "projectile": projectile}
