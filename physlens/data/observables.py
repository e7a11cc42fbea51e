"""Observables of lattice configurations, as pure functions of the arrays
:func:`physlens.data.lattice.simulate_lattice` returns (sample axis first).

Per configuration: magnetisation |Σσ|/N, the Potts order parameter |Σ e^{2πiσ/q}|/N, the
XY magnetisation |Σ e^{iθ}|/N, nearest-neighbour correlators per lattice axis, energy per
site, plaquette products and the plaquette energy (gauge), the vortex density (XY).
Ensemble averages at one temperature: the helicity modulus (XY). ``model`` arguments take a
model name (``"ising"``, ``"potts5"``, ...) or a :class:`~physlens.data.lattice.models.LatticeModel`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from physlens.data.lattice.gauge import plaquette_products
from physlens.data.lattice.models import LatticeModel, lattice_model
from physlens.errors import DataError

__all__ = [
    "energy_per_site", "helicity_modulus", "helicity_modulus_scan", "magnetization", "nearest_neighbour_correlations",
    "order_parameter", "plaquette_energy", "plaquette_products", "potts_order_parameter", "vortex_density", "xy_magnetization",
]


def _spec(model: str | LatticeModel) -> LatticeModel:
    return model if isinstance(model, LatticeModel) else lattice_model(model)


def _site_axes(configs: np.ndarray) -> tuple[int, ...]:
    return tuple(range(1, configs.ndim))


def _as_batch(configs, spec: LatticeModel) -> np.ndarray:
    configs = np.asarray(configs)
    rank = spec.site_shape_rank
    if configs.ndim == rank:  # a single configuration
        configs = configs[None]
    if configs.ndim != rank + 1:
        raise DataError(f"configs has shape {configs.shape}; model {spec.name!r} needs (n,) + {rank} site axes")
    lattice = configs.shape[-spec.dimension:]
    if len(set(lattice)) != 1 or (spec.spin == "link" and configs.shape[1] != spec.dimension):
        expected = f"(n, {spec.dimension}, L, L)" if spec.spin == "link" else f"(n{', L' * spec.dimension})"
        raise DataError(f"configs has shape {configs.shape}; model {spec.name!r} needs {expected}")
    return configs


def magnetization(spins) -> np.ndarray:
    """|Σσ|/N per configuration of +-1 spins (n, L, ..., L)."""
    spins = np.asarray(spins, dtype=float)
    return np.abs(spins.mean(axis=_site_axes(spins)))


def potts_order_parameter(states, q: int) -> np.ndarray:
    """|Σ e^{2πiσ/q}|/N per configuration of Potts states 0..q-1."""
    states = np.asarray(states)
    return np.abs(np.exp(2j * np.pi * states / q).mean(axis=_site_axes(states)))


def xy_magnetization(angles) -> np.ndarray:
    """|Σ e^{iθ}|/N per configuration of XY angles (nonzero at finite L even above T_BKT)."""
    angles = np.asarray(angles, dtype=float)
    return np.abs(np.exp(1j * angles).mean(axis=_site_axes(angles)))


def nearest_neighbour_correlations(configs, model: str | LatticeModel) -> np.ndarray:
    """(n, d): the mean bond correlator along each lattice axis: σ_i σ_j for +-1 spins,
    δ(σ_i, σ_j) for Potts, cos(θ_i - θ_j) for XY. Gauge links have no site correlator."""
    spec = _spec(model)
    if spec.spin == "link":
        raise DataError("gauge configurations have no nearest-neighbour spin correlator; use plaquette_products")
    configs = _as_batch(configs, spec)
    sites = _site_axes(configs)
    columns = []
    for k in range(spec.dimension):
        neighbour = np.roll(configs, -1, axis=k + 1)
        if spec.spin == "angle":
            bond = np.cos(configs - neighbour)
        elif spec.q == 2 and spec.states == (-1, 1):
            bond = configs.astype(float) * neighbour
        else:
            bond = (configs == neighbour).astype(float)
        columns.append(bond.mean(axis=sites))
    return np.stack(columns, axis=1)


def plaquette_energy(links) -> np.ndarray:
    """-<U_□> per gauge configuration (n, 2, L, L): the energy per plaquette (-1 in a ground state)."""
    links = np.asarray(links)
    return -plaquette_products(links.astype(float)).mean(axis=(-2, -1))


def energy_per_site(configs, model: str | LatticeModel, couplings: Sequence[float] | None = None) -> np.ndarray:
    """H / N per configuration, with J_k = ``couplings`` (default: the model's) along lattice
    axis k: -Σ_k J_k C_k with C_k the bond correlator of :func:`nearest_neighbour_correlations`;
    for gauge, the energy per plaquette."""
    spec = _spec(model)
    if spec.spin == "link":
        return plaquette_energy(_as_batch(configs, spec))
    couplings = np.asarray(spec.couplings if couplings is None else couplings, dtype=float)
    return -nearest_neighbour_correlations(configs, spec) @ couplings


def _wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + math.pi) % (2 * math.pi) - math.pi


def vortex_density(angles) -> np.ndarray:
    """Fraction of plaquettes carrying a vortex or antivortex (winding ±1) per XY configuration."""
    angles = np.asarray(angles, dtype=float)
    right, down = np.roll(angles, -1, axis=-1), np.roll(angles, -1, axis=-2)
    diagonal = np.roll(right, -1, axis=-2)
    circulation = _wrap(right - angles) + _wrap(diagonal - right) + _wrap(down - diagonal) + _wrap(angles - down)
    winding = np.rint(circulation / (2 * math.pi))
    return (winding != 0).mean(axis=(-2, -1))


def helicity_modulus(angles, temperature: float) -> float:
    """Helicity modulus (spin stiffness) Υ of XY configurations all drawn at ``temperature``,
    averaged over both axes: Υ_k = (<Σ cos(θ_i - θ_i+k)> - <(Σ sin(θ_i - θ_i+k))^2> / T) / N.
    It jumps from 2 T_BKT / π to 0 at T_BKT in the thermodynamic limit (Nelson & Kosterlitz 1977)."""
    angles = np.asarray(angles, dtype=float)
    if angles.ndim != 3:
        raise DataError(f"angles has shape {angles.shape}; expected (n, L, L)")
    if not temperature > 0:
        raise DataError(f"temperature={temperature!r} is invalid; expected a number > 0")
    n_sites = angles.shape[1] * angles.shape[2]
    stiffness = []
    for axis in (1, 2):
        difference = angles - np.roll(angles, -1, axis=axis)
        cos_sum = np.cos(difference).sum(axis=(1, 2))
        sin_sum = np.sin(difference).sum(axis=(1, 2))
        stiffness.append((cos_sum.mean() - (sin_sum**2).mean() / temperature) / n_sites)
    return float(np.mean(stiffness))


def helicity_modulus_scan(angles, temperature) -> tuple[np.ndarray, np.ndarray]:
    """(temperatures, Υ at each) from XY configurations with one temperature per row."""
    angles, temperature = np.asarray(angles, dtype=float), np.asarray(temperature, dtype=float)
    if temperature.shape != angles.shape[:1]:
        raise DataError(f"temperature has shape {temperature.shape}; expected one value per configuration ({angles.shape[0]},)")
    values = np.unique(temperature)
    return values, np.array([helicity_modulus(angles[temperature == t], float(t)) for t in values])


def order_parameter(configs, model: str | LatticeModel) -> np.ndarray:
    """The known order parameter per configuration: |Σσ|/N for Ising-type models,
    |Σ e^{2πiσ/q}|/N for Potts, the vortex density for XY (no local order parameter survives
    the thermodynamic limit), the plaquette energy for gauge (no local order parameter)."""
    spec = _spec(model)
    configs = _as_batch(configs, spec)
    if spec.spin == "link":
        return plaquette_energy(configs)
    if spec.spin == "angle":
        return vortex_density(configs)
    if spec.q == 2 and spec.states == (-1, 1):
        return magnetization(configs)
    return potts_order_parameter(np.searchsorted(np.asarray(spec.states), configs), spec.q)
