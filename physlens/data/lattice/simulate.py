"""Equilibrium configurations of the lattice models, as a Dataset with its ground truth."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.data.lattice.discrete import LatticeSampler
from physlens.data.lattice.gauge import GaugeSampler
from physlens.data.lattice.models import POTTS_CORRELATION_LENGTH_AT_TC, LatticeModel, lattice_model
from physlens.data.lattice.xy import XYSampler
from physlens.errors import ParameterError

# Scan used when no temperatures are given for a model without a finite-T transition.
GAUGE_DEFAULT_TEMPERATURES = np.linspace(0.0, 3.0, 16)
CLUSTER_UPDATES = ("wolff", "swendsen-wang")


def exact_mean_plaquette(temperature: float, size: int) -> float:
    """<U_□> of the 2D Z2 gauge theory on an L x L torus: plaquettes are independent except
    that their product is 1, so <U_□> = (t + t^(N-1)) / (1 + t^N), t = tanh(1/T), N = L^2
    (tanh(1/T) in the thermodynamic limit; 1 at T = 0)."""
    if temperature == 0:
        return 1.0
    t, n = math.tanh(1.0 / temperature), size * size
    return (t + t ** (n - 1)) / (1.0 + t**n)


def _sampler(spec: LatticeModel, size: int, temperatures: np.ndarray, rng: np.random.Generator):
    if spec.spin == "angle":
        return XYSampler(size, temperatures, rng)
    if spec.spin == "link":
        return GaugeSampler(size, temperatures, rng)
    return LatticeSampler(spec, size, temperatures, rng)


def _check_integers(**values: tuple[object, int]) -> None:
    for name, (value, low) in values.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ParameterError(f"{name}={value!r} is invalid; expected an integer >= {low}")


def _truth(spec: LatticeModel, size: int, temperatures: np.ndarray) -> Truth:
    axes = "xyz"[: spec.dimension]
    parameters = {"model": spec.name}
    if spec.q is not None:
        parameters["q"] = spec.q
    if spec.states:
        parameters["states"] = list(spec.states)
    parameters.update({
        "size": int(size),
        "dimension": spec.dimension,
        "J": 1.0,
        "couplings": {f"J{a}": float(J) for a, J in zip(axes, spec.couplings)},
        "transition_order": spec.transition_order,
        "order_parameter": spec.order_parameter,
    })
    if spec.transition_order == "bkt":
        # Nelson-Kosterlitz: the helicity modulus drops from 2 T_BKT / π to 0 at T_BKT.
        parameters["helicity_jump"] = 2 * spec.critical_temperature / math.pi
    if spec.transition_order == "first" and spec.q in POTTS_CORRELATION_LENGTH_AT_TC:
        parameters["correlation_length_at_tc"] = POTTS_CORRELATION_LENGTH_AT_TC[spec.q]
    if spec.spin == "link":
        parameters["mean_plaquette"] = {float(t): exact_mean_plaquette(float(t), size) for t in np.unique(temperatures)}
        notes = "2D Z2 lattice gauge theory: no finite-T transition; <plaquette> = tanh(1/T) (exact per size in mean_plaquette)"
    else:
        label = "T_BKT" if spec.transition_order == "bkt" else "T_c"
        notes = f"{spec.description}; {label} = {spec.critical_temperature:.6f} (J = k_B = 1), transition {spec.transition_order}"
        if "correlation_length_at_tc" in parameters and parameters["correlation_length_at_tc"] > size:
            notes += (f"; weakly first order: correlation length {parameters['correlation_length_at_tc']:g} at T_c exceeds L = {size}, "
                      "so the energy histogram at T_c is not yet bimodal")
    return Truth(critical_temperature=spec.critical_temperature, parameters=parameters, notes=notes)


def _variable_text(spec: LatticeModel, size: int) -> str:
    lattice = "x".join([str(size)] * spec.dimension)
    if spec.spin == "angle":
        return f"XY angles θ in [0, 2π) on an {lattice} periodic lattice"
    if spec.spin == "link":
        return f"Z2 links (+-1) on an {lattice} periodic lattice, axis 1 = link direction"
    return f"{spec.name} spins on an {lattice} periodic lattice, values {spec.states}"


def simulate_lattice(
    model: str = "ising",
    size: int = 16,
    temperatures: Sequence[float] | None = None,
    *,
    samples_per_temperature: int = 100,
    chains: int = 4,
    thermalization: int = 100,
    interval: int = 2,
    wolff_updates: int = 2,
    couplings: Sequence[float] | None = None,
    cluster: str = "wolff",
    seed: int | None = 0,
) -> Dataset:
    """Equilibrium configurations of ``model`` (see :mod:`physlens.data.lattice.models`).

    For each temperature, ``chains`` independent chains are thermalised for
    ``thermalization`` sweeps, then sampled every ``interval`` sweeps until
    ``samples_per_temperature`` configurations are collected. A sweep is one
    checkerboard Metropolis sweep plus ``wolff_updates`` cluster updates, Wolff's (one
    cluster) or, with ``cluster="swendsen-wang"``, Swendsen-Wang's (every cluster) at the
    same cost per update (the gauge model has neither: its sweep is heat-bath plus an
    exact gauge + sector move).
    ``couplings`` (Jx, Jy) replace the anisotropic Ising model's (1, 0.5).

    Returns a Dataset of kind "configurations" with arrays ``configs`` and ``temperature``
    (n,): configs are (n, L, L) integer spins for 2D Ising/Potts, (n, L, L, L) for
    ``ising3d``, (n, L, L) float angles for ``xy`` and (n, 2, L, L) +-1 links for
    ``gauge`` (T = 0 allowed there: uniformly drawn ground states). Truth carries the
    critical temperature (None for gauge) and parameters model, q (Potts/Ising), states
    (discrete spins), size, dimension, couplings, transition_order, order_parameter.
    """
    spec = lattice_model(model, couplings)
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 4 or size % 2:
        raise ParameterError(f"size={size!r} is invalid; expected an even integer >= 4 (checkerboard updates)")
    if temperatures is None:
        tc = spec.critical_temperature
        temperatures = GAUGE_DEFAULT_TEMPERATURES if tc is None else np.linspace(0.8 * tc, 1.2 * tc, 16)
    temperatures = np.asarray(temperatures, dtype=float).ravel()
    lowest_ok = (lambda t: t >= 0) if spec.spin == "link" else (lambda t: t > 0)
    if temperatures.size == 0 or not np.all(np.isfinite(temperatures)) or not np.all(lowest_ok(temperatures)):
        bound = ">= 0 (T = 0: ground states)" if spec.spin == "link" else "> 0"
        raise ParameterError(f"temperatures must be finite and {bound}, got {temperatures.tolist()}")
    _check_integers(samples_per_temperature=(samples_per_temperature, 1), chains=(chains, 1), thermalization=(thermalization, 0),
                    interval=(interval, 1), wolff_updates=(wolff_updates, 0))
    if cluster not in CLUSTER_UPDATES:
        raise ParameterError(f"cluster={cluster!r} is invalid; expected one of {', '.join(CLUSTER_UPDATES)}")
    rng = np.random.default_rng(seed)
    sampler = _sampler(spec, int(size), np.repeat(temperatures, chains), rng)
    for _ in range(thermalization):
        sampler.sweep(wolff_updates, cluster)
    rounds = math.ceil(samples_per_temperature / chains)
    collected = []
    for _ in range(rounds):
        for _ in range(interval):
            sampler.sweep(wolff_updates, cluster)
        collected.append(sampler.states())
    # (rounds, T*chains, *site) -> per temperature, first samples_per_temperature rows.
    site = spec.site_shape(int(size))
    stack = np.stack(collected).reshape((rounds, temperatures.size, chains) + site)
    stack = np.swapaxes(stack, 0, 1).reshape((temperatures.size, rounds * chains) + site)
    configs = stack[:, :samples_per_temperature].reshape((-1,) + site)
    return Dataset(
        arrays={"configs": configs, "temperature": np.repeat(temperatures, samples_per_temperature)},
        variables=(
            Variable("configs", "", "input", _variable_text(spec, int(size))),
            Variable("temperature", "", "label", "temperature in units of J / k_B"),
        ),
        truth=_truth(spec, int(size), temperatures),
        provenance={
            "simulator": "physlens.data.lattice.simulate_lattice",
            "model": spec.name,
            "size": int(size),
            "samples_per_temperature": samples_per_temperature,
            "chains": chains,
            "thermalization": thermalization,
            "interval": interval,
            "wolff_updates": wolff_updates,
            "cluster": cluster,
            "couplings": list(spec.couplings),
            "seed": seed,
        },
        name=f"{spec.name}-L{size}",
        kind="configurations",
    )


def simulate_sizes(model: str, sizes: Sequence[int], temperatures: Sequence[float] | None = None, *, seed: int | None = 0, **options) -> list[Dataset]:
    """One :func:`simulate_lattice` dataset per lattice size (for finite-size scaling);
    each size gets its own child seed so results do not depend on the order of sizes."""
    if not sizes:
        raise ParameterError("sizes is empty; give at least one lattice size")
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    return [
        simulate_lattice(model, int(L), temperatures, seed=int(child.generate_state(1)[0]), **options)
        for L, child in zip(sizes, children)
    ]
