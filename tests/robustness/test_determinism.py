"""Determinism: the same seed on the same data gives byte-identical JSON, for every
method in the registry and for every CLI command with --json.

Wall-clock durations are measurements, not results: the fields named in
:func:`is_timing` are removed before comparing, and nothing else is.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from physlens.methods.base import available_methods

METHODS = available_methods()


def is_timing(key: str) -> bool:
    """Wall-clock durations: ``seconds``, ``fit_seconds``, ``training_seconds``..."""
    return key == "timings" or key.endswith("seconds")


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if not is_timing(k)}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def canonical_json(interpretation) -> str:
    return json.dumps(without_timings(interpretation.to_dict()), sort_keys=True)


# -- the smallest data and settings that still exercise each method ---------------------

def _table():
    from physlens.data.dataset import Dataset, Variable

    rng = np.random.default_rng(0)
    x, k, m = rng.uniform(-1, 1, 120), rng.uniform(1, 4, 120), rng.uniform(0.5, 2, 120)
    variables = (Variable("x", "m", "input"), Variable("k", "N/m", "input"), Variable("m", "kg", "input"), Variable("a", "m/s^2", "target"))
    return Dataset({"x": x, "k": k, "m": m, "a": -k * x / m}, variables, name="springs")


def _fit_symbolic_gradients(cls, seed):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (600, 2))
    return cls(max_samples=200, random_state=seed).fit(X, 2 * X, ["u", "v"])


def _data(name, kind):
    from physlens.data import hamiltonian, invariants, jets, lattice, latent_systems, particles, spins, trajectories

    if name in ("hnn", "plain_dynamics_nn"):  # trajectories with their time derivatives
        return hamiltonian.hamiltonian_trajectories("mass_spring", 3, 20, rng=np.random.default_rng(0))
    if name == "neighbour_attention":  # agents: positions and velocities before and after a step
        return particles.simulate_agents(8, 6, radius=1.0, box=5.0, noise=0.05, seed=0)
    return {
        "table": _table,
        "trajectories": lambda: trajectories.simulate("harmonic", n_trajectories=2, t_end=4.0, rng=5),
        "configurations": lambda: lattice.simulate_sizes("ising", [4, 6], np.linspace(1.6, 3.0, 5), samples_per_temperature=16,
                                                         chains=4, thermalization=10, interval=1, seed=7),
        "spin_samples": lambda: spins.simulate_ising(9, 400, graph="lattice", seed=0),
        "particles": lambda: particles.simulate_particles("spring", 3, 40, seed=0),
        "series": lambda: latent_systems.damped_oscillator(200, seed=0),
        "events": lambda: invariants.relativistic_events(30, 6, rng=np.random.default_rng(0)),
        "jets": lambda: jets.toy_jets(300, rng=np.random.default_rng(1)),
    }[kind]()


SMALL = {  # hyperparameters per method: seconds, not minutes
    "attributions": dict(steps=40, hidden=(8,), n_explain=10, n_background=10, ig_steps=8, permutation_repeats=2),
    "beta-vae": dict(epochs=2, hidden=16, batch_size=64, symbolic_budget=0),
    "scinet": dict(epochs=2, hidden=16, batch_size=64, symbolic_budget=0),
    "dynamics": dict(n_models=5),
    "factored_attention": dict(max_iter=20, warm_start_samples=200),
    "pseudo_likelihood": dict(max_iter=30),
    "mean_field": dict(),
    "transformer_layer": dict(epochs=2, embedding_dim=8, n_heads=2, readout_samples=50),
    "graph_network": dict(steps=30, hidden=16, sr_budget=3.0, sr_evaluations=2000, sr_edges=100),
    "neighbour_attention": dict(steps=30, hidden=16, grid_points=64),
    "hnn": dict(steps=30, hidden=(16,)),
    "plain_dynamics_nn": dict(steps=30, hidden=(16,)),
    "kan": dict(steps=40, width=(2,), n_basis=5, lbfgs_steps=20),
    "phases-pca": dict(bootstrap=3),
    "phases-autoencoder": dict(epochs=2, bootstrap=3, max_training_samples=100),
    "phases-classifier": dict(epochs=2, bootstrap=3, max_training_samples=100),
    "siamese_invariants": dict(steps=30, hidden=(16,), batch_events=16),
    "library_invariants": dict(max_degree=2),
    "symbolic": dict(budget=60, evaluations=2000, n_threads=1),
    "symbolic_gradients": dict(),
}


def _fit(name, seed):
    cls = METHODS[name]
    if name == "symbolic_gradients":  # learns from gradients of a network, not from a Dataset
        return _fit_symbolic_gradients(cls, seed)
    params = dict(SMALL[name])
    if "random_state" in cls().get_params():
        params["random_state"] = seed
    return cls(**params).fit_dataset(_data(name, cls.consumes))


def test_every_registered_method_has_small_settings():
    assert set(SMALL) == set(METHODS)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_same_seed_gives_byte_identical_json(name, one_torch_thread):
    first = canonical_json(_fit(name, seed=3).interpret())
    second = canonical_json(_fit(name, seed=3).interpret())
    assert first == second


# -- the CLI: two runs with the same --seed print the same JSON --------------------------

def _save_table(dataset, path):
    names = list(dataset.arrays)
    rows = np.column_stack([dataset[n] for n in names])
    header = ",".join(f"{n} [{dataset.variable(n).unit}]" if dataset.variable(n).unit else n for n in names)
    path.write_text(header + "\n" + "\n".join(",".join(repr(v) for v in row.tolist()) for row in rows) + "\n")
    return path


def _cli_inputs(folder):
    from physlens.data import invariants, lattice, particles, spins, trajectories

    springs = _save_table(_table(), folder / "springs.csv")
    orbit = trajectories.simulate("harmonic", n_trajectories=1, t_end=4.0, rng=5)
    orbit_csv = folder / "orbit.csv"
    t, x, v = (orbit[n] for n in ("t", "x", "v"))
    orbit_csv.write_text("t [s],x [m],v [m/s]\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in zip(t.tolist(), x.tolist(), v.tolist())))
    scan = lattice.simulate_sizes("ising", [4], np.linspace(1.6, 3.0, 5), samples_per_temperature=16, chains=4, thermalization=10, interval=1, seed=7)[0]
    np.savez(folder / "L4.npz", configs=scan["configs"], temperature=scan["temperature"])
    np.savez(folder / "spins.npz", spins=spins.simulate_ising(9, 400, graph="lattice", seed=0)["spins"])
    system = particles.simulate_particles("spring", 3, 40, seed=0)
    np.savez(folder / "particles.npz", positions=system["positions"], accelerations=system["accelerations"])
    events = invariants.relativistic_events(30, 6, rng=np.random.default_rng(0))
    events_csv = _save_table(events, folder / "events.csv")
    label = events.names("label")[0]
    return {
        "invariants": [events_csv, "--event", label, "--degree", "2", "--twin", "network", "--latents", "1"],
        "discover": [springs, "--target", "a", "--budget", "60", "--evaluations", "2000"],
        "dynamics": [orbit_csv, "--time", "t", "--state", "x,v"],
        "phases": [folder / "L4.npz"],
        "couplings": [folder / "spins.npz", "--method", "pseudo_likelihood"],
        "forces": [folder / "particles.npz", "--steps", "20", "--sr-budget", "3", "--evaluations", "2000"],
        "methods": [],
    }


@pytest.fixture(scope="module")
def cli_inputs(tmp_path_factory):
    return _cli_inputs(tmp_path_factory.mktemp("determinism"))


@pytest.mark.parametrize("command", ["discover", "dynamics", "phases", "couplings", "forces", "invariants", "methods"])
def test_cli_json_is_identical_for_the_same_seed(command, cli_inputs, run_cli, one_torch_thread):
    argv = [command, *cli_inputs[command], "--json"] + (["--seed", "4"] if command != "methods" else [])
    outputs = []
    for _ in range(2):
        code, out, err = run_cli(argv)
        assert code in (0, 1), err
        assert out.count("\n") == 1, out  # exactly one JSON object
        outputs.append(out)
    first, second = (json.loads(o) for o in outputs)
    timings = sorted({k for k in first if is_timing(k)})
    if not timings:
        assert outputs[0] == outputs[1]  # byte-identical
    else:  # identical apart from the measured durations
        assert json.dumps(without_timings(first), sort_keys=True) == json.dumps(without_timings(second), sort_keys=True)
