"""The built-in comparison suite: simulated datasets of every kind some method consumes,
each with its ground truth, and the settings each method runs with.

A dataset's builder takes ``(quick, seed)``; quick sizes keep the whole suite to about a
minute on two cores. The settings only size the work (budgets, steps, epochs); which
method meets which dataset is decided by the registry (``consumes`` and
``applicable_to``), never here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from physlens.errors import ParameterError


@dataclass(frozen=True)
class SuiteDataset:
    """One dataset of the suite: its name, kind, what it is, and how to simulate it.

    ``build(quick, seed)`` returns a Dataset, or a list of Datasets for a scan over
    lattice sizes (methods of kind 'configurations' take one per size). The quick suite
    leaves out datasets with ``in_quick=False``."""

    name: str
    kind: str
    description: str
    build: Callable[[bool, int], Any]
    in_quick: bool = True


def _oscillator_table(quick: bool, seed: int):
    from physlens.data.oscillators import simulate_oscillator_accelerations

    return simulate_oscillator_accelerations(20 if quick else 50, 20 if quick else 40, rng=seed)


def _period_table(quick: bool, seed: int):
    from physlens.data.oscillators import simulate_oscillator_periods

    return simulate_oscillator_periods(60 if quick else 200, rng=seed + 1)


def _damped_trajectories(quick: bool, seed: int):
    from physlens.data.trajectories import simulate

    return simulate("damped_oscillator", n_trajectories=4 if quick else 6, noise=0.05, rng=seed)


def _hamiltonian_trajectories(quick: bool, seed: int):
    from physlens.data.hamiltonian import hamiltonian_trajectories

    return hamiltonian_trajectories("mass_spring", 10 if quick else 20, 30 if quick else 50, rng=np.random.default_rng(seed))


def _pendulum_lagrangian(quick: bool, seed: int):
    from physlens.data.lagrangian import lagrangian_trajectories

    return lagrangian_trajectories("pendulum", 10 if quick else 20, 20 if quick else 40, rng=np.random.default_rng(seed))


def _isotropic_orbits(quick: bool, seed: int):
    from physlens.data.conserved import conserved_trajectories

    return conserved_trajectories("isotropic_2d", 10 if quick else 20, 100 if quick else 400, rng=np.random.default_rng(seed))


def _ising_scan(quick: bool, seed: int):
    from physlens.data.lattice import MODELS, simulate_sizes

    tc = MODELS["ising"].critical_temperature
    sizes, n_temperatures = ([8, 16], 21) if quick else ([8, 16, 32], 25)
    temperatures = np.linspace(0.8 * tc, 1.2 * tc, n_temperatures)
    return simulate_sizes("ising", sizes, temperatures, samples_per_temperature=64 if quick else 128, chains=8,
                          thermalization=50, interval=1, seed=seed)


def _ising_samples(quick: bool, seed: int):
    from physlens.data.spins import simulate_ising

    return simulate_ising(16, 2000, graph="lattice", seed=seed) if quick else simulate_ising(36, 10_000, graph="lattice", seed=seed)


def _spring_particles(quick: bool, seed: int):
    from physlens.data.particles import simulate_particles

    return simulate_particles("spring", 3, 400 if quick else 2000, seed=seed)


def _vicsek_agents(quick: bool, seed: int):
    from physlens.data.particles import simulate_agents

    return simulate_agents(30, 120 if quick else 400, radius=1.0, box=5.0, noise=0.05, seed=seed)


def _damped_series(quick: bool, seed: int):
    from physlens.data.latent_systems import damped_oscillator

    return damped_oscillator(1200 if quick else 5000, seed=seed)


def _boosted_events(quick: bool, seed: int):
    from physlens.data.invariants import relativistic_events

    return relativistic_events(150 if quick else 200, 10, rng=np.random.default_rng(seed))


def _similar_matrices(quick: bool, seed: int):
    from physlens.data.invariants import similar_matrices

    return similar_matrices(400 if quick else 2000, 5, rng=np.random.default_rng(seed))


def _toy_jets(quick: bool, seed: int):
    from physlens.data.jets import toy_jets

    return toy_jets(2000 if quick else 10_000, rng=np.random.default_rng(seed))


def _efp_jets(quick: bool, seed: int):
    from physlens.data.efp_jets import efp_jets

    return efp_jets(400 if quick else 3000, rng=np.random.default_rng(seed))


def _modular_addition(quick: bool, seed: int):
    from physlens.data.modular import modular_addition_table

    return modular_addition_table(59)


SUITE: dict[str, SuiteDataset] = {
    d.name: d
    for d in (
        SuiteDataset("oscillator-accelerations", "table", "accelerations of harmonic oscillators with units; truth a = -k x / m", _oscillator_table),
        SuiteDataset("oscillator-periods", "table", "periods of harmonic oscillators with units; truth T = 2 pi sqrt(m / k)", _period_table, in_quick=False),
        SuiteDataset("damped-oscillator-trajectories", "trajectories", "noisy (5%) trajectories of a damped oscillator; truth: its two ODEs", _damped_trajectories),
        SuiteDataset("mass-spring-phase-space", "trajectories", "(q, p) and their time derivatives along mass-spring orbits; truth H = (p^2 + q^2) / 2", _hamiltonian_trajectories),
        SuiteDataset("pendulum-q-v", "trajectories", "(q, q̇) and accelerations along pendulum orbits; truth L = q̇²/2 + 3 cos q, E = q̇²/2 - 3 cos q", _pendulum_lagrangian),
        SuiteDataset("isotropic-oscillator-orbits", "trajectories", "orbits of the 2D isotropic oscillator; truth: 3 independent conserved quantities (E, L, x y + px py)", _isotropic_orbits),
        SuiteDataset("ising-lattice-scan", "configurations", "2D Ising configurations across T_c for several lattice sizes; truth T_c = 2.2692", _ising_scan),
        SuiteDataset("ising-couplings", "spin_samples", "samples of Ising spins with sparse random +-couplings on a periodic lattice; truth: J/T", _ising_samples),
        SuiteDataset("spring-particles", "particles", "3 bodies with pair spring forces; truth F_x = -k (r - L) dx / r", _spring_particles),
        SuiteDataset("vicsek-agents", "particles", "agents aligning with neighbours within radius R = 1; truth: the radius", _vicsek_agents),
        SuiteDataset("damped-oscillator-series", "series", "x(t) of damped oscillators with spring constant k and damping b per sample; truth: 2 latent parameters", _damped_series),
        SuiteDataset("boosted-events", "events", "spacetime displacements seen from boosted frames; truth: the interval s^2", _boosted_events),
        SuiteDataset("similar-matrices", "events", "3x3 matrices under similarity transforms S A S^-1; truth: trace, sum of principal minors, determinant",
                     _similar_matrices, in_quick=False),
        SuiteDataset("toy-jets", "jets", "toy two-prong jets labelled by a mass window; truth: the mass is the only informative observable", _toy_jets),
        SuiteDataset("efp-jets", "constituent_jets", "constituent jets labelled through the one-edge EFP (normalised mass); truth: that graph", _efp_jets),
        SuiteDataset("modular-addition", "modular_arithmetic", "the table of (a + b) mod 59; truth: the rule and the modulus", _modular_addition, in_quick=False),
    )
}

# Per-method sizes of the work, quick and full; a method missing here runs with its
# defaults. Seeds are not set here: every method with a random_state gets the run's seed.
SETTINGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "symbolic": ({"budget": 3.0}, {"budget": 15.0}),
    "kan": ({"steps": 300, "width": (2,), "lbfgs_steps": 50}, {"steps": 1000}),
    "dynamics": ({"n_models": 10}, {"n_models": 40}),
    "hnn": ({"steps": 500, "hidden": (32, 32)}, {"steps": 2000}),
    "plain_dynamics_nn": ({"steps": 500, "hidden": (32, 32)}, {"steps": 2000}),
    "lnn": ({"steps": 150, "hidden": (16, 16), "polish_steps": 100}, {"steps": 1000, "hidden": (32, 32)}),
    "phases-pca": ({"bootstrap": 5}, {"bootstrap": 10}),
    "phases-autoencoder": ({"epochs": 20, "bootstrap": 0, "max_training_samples": 800}, {"epochs": 40, "bootstrap": 5}),
    "phases-classifier": ({"epochs": 6, "bootstrap": 0, "max_training_samples": 400}, {"epochs": 15, "bootstrap": 5}),
    "factored_attention": ({"max_iter": 200}, {"max_iter": 1000}),
    "transformer_layer": ({"epochs": 5}, {"epochs": 40}),
    "graph_network": ({"steps": 200, "hidden": 64, "sr_budget": 1.0, "sr_edges": 300}, {"steps": 2000, "sr_budget": 15.0}),
    "neighbour_attention": ({"steps": 300}, {"steps": 1500}),
    # the full runs use each method's defaults (those of benchmarks/latent.py); at quick size SciNet
    # needs small batches and a KL warm-up to keep both parameters (measured: 2 active, k 0.9998, b 0.926)
    "beta-vae": ({"epochs": 40, "symbolic_budget": 0}, {"symbolic_budget": 5.0}),
    "scinet": ({"epochs": 100, "batch_size": 64, "kl_warmup": 0.3, "symbolic_budget": 0}, {"symbolic_budget": 5.0}),
    "siamese_invariants": ({"steps": 1500, "hidden": (32, 32), "learning_rate": 5e-3, "batch_events": 96},
                           {"steps": 3000, "learning_rate": 5e-3, "batch_events": 96}),
    "attributions": ({"steps": 400, "hidden": (32, 32), "n_explain": 40, "n_background": 40, "permutation_repeats": 3},
                     {"steps": 1500, "n_explain": 300, "n_background": 100}),
    "efp_decision_ordering": ({"steps": 200, "max_degree": 3, "n_explain": 5}, {}),
    "modular_addition": ({"steps": 800}, {}),
}


def method_parameters(name: str, cls, *, quick: bool, seed: int) -> dict[str, Any]:
    """The hyperparameters ``name`` runs with: its suite settings plus the seed."""
    parameters = dict(SETTINGS.get(name, ({}, {}))[0 if quick else 1])
    if "random_state" in cls().get_params():
        parameters["random_state"] = seed
    return parameters


def suite_names(selection: list[str] | None = None, *, quick: bool = False) -> list[str]:
    """Suite dataset names: the selected ones (unknown names are a ParameterError), or
    the whole suite (the quick suite when ``quick``)."""
    if not selection:
        return [name for name, entry in SUITE.items() if entry.in_quick or not quick]
    unknown = [n for n in selection if n not in SUITE]
    if unknown:
        raise ParameterError(f"--datasets: unknown dataset {unknown[0]!r}; valid: {', '.join(SUITE)}")
    return list(dict.fromkeys(selection))


@functools.lru_cache(maxsize=4)
def build_dataset(name: str, quick: bool, seed: int):
    """The simulated dataset (or list of datasets) ``name``; cached, since every method
    of its kind runs on the same data."""
    return SUITE[name].build(quick, seed)
