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


@pytest.mark.parametrize("name", sorted(METHODS))
def test_same_seed_gives_byte_identical_json(name, small_fit, one_torch_thread):
    first = canonical_json(small_fit(name, seed=3).interpret())
    second = canonical_json(small_fit(name, seed=3).interpret())
    assert first == second


# -- the CLI: two runs with the same --seed print the same JSON --------------------------

def _save_table(dataset, path):
    names = list(dataset.arrays)
    rows = np.column_stack([dataset[n] for n in names])
    header = ",".join(f"{n} [{dataset.variable(n).unit}]" if dataset.variable(n).unit else n for n in names)
    path.write_text(header + "\n" + "\n".join(",".join(repr(v) for v in row.tolist()) for row in rows) + "\n")
    return path


def _cli_inputs(folder, springs_table):
    from physlens.data import fields, invariants, lattice, particles, spins, trajectories

    springs = _save_table(springs_table, folder / "springs.csv")
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
    burgers = fields.save_fields(fields.simulate_burgers(n_x=64, n_t=41, noise=0.01, rng=0), folder / "burgers.npz")
    return {
        "pde": [burgers, "--degree", "2", "--order", "2"],
        "invariants": [events_csv, "--event", label, "--degree", "2", "--twin", "network", "--latents", "1"],
        "discover": [springs, "--target", "a", "--budget", "60", "--evaluations", "2000"],
        "dynamics": [orbit_csv, "--time", "t", "--state", "x,v"],
        "phases": [folder / "L4.npz"],
        "couplings": [folder / "spins.npz", "--method", "pseudo_likelihood"],
        "forces": [folder / "particles.npz", "--steps", "20", "--sr-budget", "3", "--evaluations", "2000"],
        "methods": [],
    }


@pytest.fixture(scope="module")
def cli_inputs(tmp_path_factory, small_data):
    return _cli_inputs(tmp_path_factory.mktemp("determinism"), small_data("table"))


@pytest.mark.parametrize("command", ["discover", "dynamics", "pde", "phases", "couplings", "forces", "invariants", "methods"])
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
