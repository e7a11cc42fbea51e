"""Shared fixtures: small physics datasets with known answers. No global seeding:
every test builds its own numpy Generator."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def one_torch_thread():
    """One torch intra-op thread for small models (restored afterwards): on 2 shared
    cores, two threads oversubscribe and run several times slower."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# -- the smallest data and settings that still exercise each registered method ------------
# (shared by the contract checks in tests/methods/test_contract.py and the determinism
# checks in tests/robustness/test_determinism.py)

def _springs_table():
    from physlens.data.dataset import Dataset, Variable

    rng = np.random.default_rng(0)
    x, k, m = rng.uniform(-1, 1, 120), rng.uniform(1, 4, 120), rng.uniform(0.5, 2, 120)
    variables = (Variable("x", "m", "input"), Variable("k", "N/m", "input"), Variable("m", "kg", "input"), Variable("a", "m/s^2", "target"))
    return Dataset({"x": x, "k": k, "m": m, "a": -k * x / m}, variables, name="springs")


def _small_data(kind, name=None):
    from physlens.data import (conserved, efp_jets, fields, hamiltonian, invariants, jets, lagrangian, lattice, latent_systems,
                               modular, particles, spins, trajectories)

    if name in ("hnn", "plain_dynamics_nn"):  # trajectories with their time derivatives
        return hamiltonian.hamiltonian_trajectories("mass_spring", 3, 20, rng=np.random.default_rng(0))
    if name == "lnn":  # (q, v) trajectories with their accelerations
        return lagrangian.lagrangian_trajectories("pendulum", 3, 20, rng=np.random.default_rng(0))
    if name == "ai_poincare":  # several orbits, so conserved quantities differ between them
        return conserved.conserved_trajectories("oscillator_1d", 4, 30, rng=np.random.default_rng(0))
    if name == "gauge_classifier":  # Z2 gauge links from ground states (T = 0) to high T
        return lattice.simulate_lattice("gauge", 4, np.linspace(0.0, 3.0, 4), samples_per_temperature=16, chains=4, thermalization=5, seed=7)
    if name == "neighbour_attention":  # agents: positions and velocities before and after a step
        return particles.simulate_agents(8, 6, radius=1.0, box=5.0, noise=0.05, seed=0)
    return {
        "table": _springs_table,
        "trajectories": lambda: trajectories.simulate("harmonic", n_trajectories=2, t_end=4.0, rng=5),
        "configurations": lambda: lattice.simulate_sizes("ising", [4, 6], np.linspace(1.6, 3.0, 5), samples_per_temperature=16,
                                                         chains=4, thermalization=10, interval=1, seed=7),
        "spin_samples": lambda: spins.simulate_ising(9, 400, graph="lattice", seed=0),
        "particles": lambda: particles.simulate_particles("spring", 3, 40, seed=0),
        "series": lambda: latent_systems.damped_oscillator(200, seed=0),
        "events": lambda: invariants.relativistic_events(30, 6, rng=np.random.default_rng(0)),
        "jets": lambda: jets.toy_jets(300, rng=np.random.default_rng(1)),
        "fields": lambda: fields.simulate_burgers(n_x=64, n_t=41, noise=0.01, rng=0),
        "constituent_jets": lambda: efp_jets.efp_jets(60, rng=np.random.default_rng(1)),
        "modular_arithmetic": lambda: modular.modular_addition_table(7),
    }[kind]()


SMALL_SETTINGS = {  # hyperparameters per registered method: seconds, not minutes
    "attributions": dict(steps=40, hidden=(8,), n_explain=10, n_background=10, ig_steps=8, permutation_repeats=2),
    "efp_decision_ordering": dict(steps=20, latent=4, hidden=8, max_degree=2, n_explain=2),
    "modular_addition": dict(steps=20, embedding_dim=8, hidden=16, log_every=10),
    "beta-vae": dict(epochs=2, hidden=16, batch_size=64, symbolic_budget=0),
    "scinet": dict(epochs=2, hidden=16, batch_size=64, symbolic_budget=0),
    "dynamics": dict(n_models=5),
    "pde": dict(degree=2, derivative_order=2, n_cells=200, n_models=5),
    "factored_attention": dict(max_iter=20, warm_start_samples=200),
    "pseudo_likelihood": dict(max_iter=30),
    "mean_field": dict(),
    "transformer_layer": dict(epochs=2, embedding_dim=8, n_heads=2, readout_samples=50),
    "graph_network": dict(steps=30, hidden=16, sr_budget=3.0, sr_evaluations=2000, sr_edges=100),
    "neighbour_attention": dict(steps=30, hidden=16, grid_points=64),
    "hnn": dict(steps=30, hidden=(16,)),
    "plain_dynamics_nn": dict(steps=30, hidden=(16,)),
    "lnn": dict(steps=20, hidden=(8,), polish_steps=5),
    "ai_poincare": dict(),
    "kan": dict(steps=40, width=(2,), n_basis=5, lbfgs_steps=20),
    "phases-pca": dict(bootstrap=3),
    "phases-autoencoder": dict(epochs=2, bootstrap=3, max_training_samples=100),
    "phases-classifier": dict(epochs=2, bootstrap=3, max_training_samples=100),
    "gauge_classifier": dict(epochs=2, channels=4, hidden=4),
    "siamese_invariants": dict(steps=30, hidden=(16,), batch_events=16),
    "library_invariants": dict(max_degree=2),
    "symbolic": dict(budget=60, evaluations=2000, n_threads=1),
    "symbolic_gradients": dict(max_samples=200),
}


def _small_fit(name, seed, **overrides):
    """The registered method ``name`` with its small settings (and ``overrides``), fitted
    on its small data with ``random_state=seed``."""
    from physlens.methods.base import available_methods

    cls = available_methods()[name]
    params = dict(SMALL_SETTINGS[name])
    if "random_state" in cls().get_params():
        params["random_state"] = seed
    params.update(overrides)
    estimator = cls(**params)
    if name == "symbolic_gradients":  # learns from gradients of a network, not from a Dataset
        X = np.random.default_rng(0).uniform(-1, 1, (600, 2))
        return estimator.fit(X, 2 * X, ["u", "v"])
    return estimator.fit_dataset(_small_data(cls.consumes, name))


@pytest.fixture(scope="session")
def small_settings():
    return SMALL_SETTINGS


@pytest.fixture(scope="session")
def small_data():
    """small_data(kind, method_name=None) -> the smallest Dataset of that kind."""
    return _small_data


@pytest.fixture(scope="session")
def small_fit():
    """small_fit(name, seed, **overrides) -> the registered method fitted at small size."""
    return _small_fit


@pytest.fixture(scope="session")
def quick_tour(tmp_path_factory):
    """The quick tour run once per session through the CLI (tests/test_tour.py and the
    browser test share it): (report folder, exit code)."""
    from physlens.cli import main

    out = tmp_path_factory.mktemp("tour")
    with pytest.raises(SystemExit) as exit_info:
        main(["tour", "--out", str(out), "--quick"])
    return out, exit_info.value.code
