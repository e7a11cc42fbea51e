"""The dysts database of published chaotic flows (Gilpin, NeurIPS 2021) as data with
ground truth: which flows there are, the polynomial right-hand side of each read from
the flow's own ``rhs`` (evaluated near its attractor and regressed on monomials, kept
only where the residual is at round-off), and noisy trajectories from dysts' own
integrator. dysts is imported lazily (a dev extra)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy

from physlens.errors import ParameterError

ROUND_OFF = 1e-9  # relative residual of the monomial regression that counts as exact
MAX_DIMENSION = 4
MAX_DEGREE = 5


@dataclass(frozen=True)
class FlowTruth:
    """A flow's right-hand side: {state: polynomial} or None when it is not a
    polynomial of degree <= MAX_DEGREE (``residual``: the best relative residual)."""

    name: str
    dimension: int
    degree: int | None
    equations: dict | None
    residual: float


def _metadata() -> dict:
    import dysts

    return json.loads((Path(dysts.__file__).parent / "data" / "chaotic_attractors.json").read_text())


def flow_names(max_dimension: int = MAX_DIMENSION) -> list[str]:
    """Autonomous, delay-free dysts flows of dimension <= ``max_dimension``, by name."""
    import dysts.flows as flows

    names = []
    for name, meta in sorted(_metadata().items()):
        if meta.get("delay") or meta.get("nonautonomous") or not hasattr(flows, name):
            continue
        if len(np.atleast_1d(meta.get("initial_conditions", []))) <= max_dimension:
            names.append(name)
    return names


def flow(name: str):
    """The dysts flow object ``name`` (a clear error for an unknown name)."""
    import dysts.flows as flows

    if not hasattr(flows, name):
        raise ParameterError(f"no dysts flow named {name!r}; valid names include {', '.join(flow_names()[:8])} ...")
    return getattr(flows, name)()


def _attractor_points(name: str, dimension: int, n_points: int, rng: np.random.Generator) -> np.ndarray:
    """Points spread like the attractor (the catalogue's mean and std of each state)."""
    meta = _metadata()[name]
    mean = np.asarray(meta.get("mean", np.zeros(dimension)), float).reshape(-1)
    std = np.asarray(meta.get("std", np.ones(dimension)), float).reshape(-1)
    if mean.shape != (dimension,) or std.shape != (dimension,) or not np.all(np.isfinite(std)):
        mean, std = np.zeros(dimension), np.ones(dimension)
    return mean + np.where(std > 0, std, 1.0) * rng.standard_normal((n_points, dimension))


def monomials(dimension: int, degree: int) -> list[tuple[int, ...]]:
    """Exponent tuples of every monomial of total degree <= ``degree``."""
    return [p for total in range(degree + 1) for p in itertools.product(range(total + 1), repeat=dimension)
            if sum(p) == total]


def polynomial_truth(name: str, *, n_points: int = 400, seed: int = 0) -> FlowTruth:
    """The flow's right-hand side as polynomials in x0, x1, ..., read from its ``rhs``:
    least squares on the monomials of degree 1..MAX_DEGREE at points near the attractor;
    the lowest degree whose relative residual is below ROUND_OFF wins."""
    model = flow(name)
    dimension = len(np.atleast_1d(model.ic))
    points = _attractor_points(name, dimension, n_points, np.random.default_rng(seed))
    with np.errstate(all="ignore"):
        values = np.array([np.asarray(model.rhs(x, 0.0), float).reshape(-1) for x in points])
    if values.shape != (n_points, dimension) or not np.all(np.isfinite(values)):
        return FlowTruth(name, dimension, None, None, float("inf"))
    symbols = sympy.symbols(f"x0:{dimension}", real=True)
    best = float("inf")
    for degree in range(1, MAX_DEGREE + 1):
        powers = monomials(dimension, degree)
        if len(powers) >= n_points:
            break
        features = np.stack([np.prod(points**np.array(p), axis=1) for p in powers], axis=1)
        coef, *_ = np.linalg.lstsq(features, values, rcond=None)
        scale = np.sqrt(np.mean(values**2, axis=0))
        residual = float(np.max(np.sqrt(np.mean((values - features @ coef) ** 2, axis=0)) / np.where(scale > 0, scale, 1)))
        best = min(best, residual)
        if residual > ROUND_OFF:
            continue
        equations = {}
        for i in range(dimension):
            # round-off coefficients dropped, the rest refitted on the exact support
            contribution = np.abs(coef[:, i]) * np.sqrt(np.mean(features**2, axis=0))
            support = contribution > 1e-7 * max(scale[i], 1e-300)
            exact = np.zeros(len(powers))
            if support.any():
                exact[support], *_ = np.linalg.lstsq(features[:, support], values[:, i], rcond=None)
            # 12 significant digits: the literature's parameters without the regression's last bits
            equations[f"x{i}"] = sympy.Add(*[float(f"{c:.12g}") * sympy.Mul(*[s**e for s, e in zip(symbols, p)])
                                              for c, p in zip(exact, powers) if c != 0])
        return FlowTruth(name, dimension, degree, equations, residual)
    return FlowTruth(name, dimension, None, None, best)


def trajectories(name: str, *, n_trajectories: int = 3, n_points: int = 1000, pts_per_period: int = 100,
                 noise: float = 0.0, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``n_trajectories`` runs of dysts' own integrator (LSODA, rtol = atol = 1e-9, no
    post-processing) at ``pts_per_period`` samples per period, each from a point on the
    attractor (drawn from a transient-free run); Gaussian noise of std = ``noise`` x the
    RMS of each state. Returns (times, states) lists."""
    if noise < 0 or not np.isfinite(noise):
        raise ParameterError(f"noise={noise!r}; need a number >= 0 (fraction of each state's RMS)")
    model = flow(name)
    rng = np.random.default_rng(seed)
    options = dict(pts_per_period=pts_per_period, return_times=True, method="LSODA", rtol=1e-9, atol=1e-9,
                   postprocess=False)
    _, settle = model.make_trajectory(max(20 * pts_per_period, 4 * n_trajectories), **options)
    tail = settle[len(settle) // 2:]
    starts = tail[rng.choice(len(tail), n_trajectories, replace=False)]
    times, states = [], []
    for start in starts:
        t, x = model.make_trajectory(n_points, init_cond=start, **options)
        x = np.asarray(x, float)
        rms = np.sqrt(np.mean(x**2, axis=0))
        times.append(np.asarray(t, float).reshape(-1))
        states.append(x + noise * rms * rng.standard_normal(x.shape))
    return times, states
