"""`physlens couplings` and `physlens forces`, in process, against simulated truth."""

import json

import numpy as np
import pytest

from physlens.cli import main
from physlens.data.particles import simulate_particles
from physlens.data.spins import simulate_ising


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    data = simulate_ising(16, 2000, seed=0)
    path = tmp_path_factory.mktemp("spins") / "samples.npz"
    np.savez(path, spins=data["spins"], states=np.array([-1, 1]), couplings=data.truth.couplings)
    return path, data.truth.couplings


def test_couplings_json_recovers_the_bonds(samples, capsys):
    path, truth = samples
    code, out, _ = run(["couplings", str(path), "--json", "--method", "pseudo_likelihood"], capsys)
    assert code in (0, None)
    payload = json.loads(out)  # exactly one JSON object
    assert payload["found"] is True and payload["method"] == "pseudo_likelihood"
    couplings = np.array(payload["couplings"])
    assert couplings.shape == (16, 16)
    assert np.linalg.norm(couplings - truth) / np.linalg.norm(truth) < 0.3
    assert len(payload["fields"]) == 16
    names = {v["name"]: v["passed"] for v in payload["verdicts"]}
    assert names["coupling error"] and names["edge recovery AUC"]
    strongest = payload["strongest"][0]
    assert truth[strongest["i"], strongest["j"]] != 0
    assert (path.parent / "samples_couplings.svg").read_text().startswith("<svg")
    # the interaction graph: bonds above a threshold chosen from the data, scored against the truth
    edges = {(e["i"], e["j"]) for e in payload["edges"]}
    true_bonds = {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(truth, k=1)))}
    assert len(edges & true_bonds) >= 0.95 * len(edges) and len(edges & true_bonds) >= 0.95 * len(true_bonds)
    threshold = payload["bond_threshold"]
    assert all(abs(couplings[i, j]) > threshold["value"] > threshold["null_level"] for i, j in edges)
    assert "shuffled" in threshold["rule"] and names["bond threshold"] and names["edge precision"] and names["edge recall"]


def test_couplings_human_output(samples, capsys, tmp_path):
    path, _ = samples
    heatmap = tmp_path / "map.svg"
    code, out, _ = run(["couplings", str(path), "--method", "mean_field", "--heatmap", str(heatmap), "--top", "3"], capsys)
    assert code in (0, None)
    assert "Strongest couplings" in out and heatmap.exists()
    assert "Interaction graph:" in out and "bond threshold" in out


def test_couplings_markdown_tables(samples, capsys, tmp_path):
    path, _ = samples
    code, out, _ = run(["couplings", str(path), "--method", "mean_field", "--heatmap", str(tmp_path / "m.svg"), "--markdown"], capsys)
    assert code in (0, None)
    assert "| i | j | J_ij |" in out and "| check | result | score | reason |" in out.replace(" role |", "")


def test_couplings_bad_input_exits_2(tmp_path, capsys):
    spins = np.where(np.random.default_rng(0).random((50, 4)) < 0.5, -1, 1)
    spins[7, 3] = 2
    path = tmp_path / "bad.npz"
    np.savez(path, spins=spins, states=np.array([-1, 1]))
    code, out, err = run(["couplings", str(path), "--json"], capsys)
    assert code == 2 and out == ""
    assert "row 7, column 3 is 2, outside the declared states" in err and "Traceback" not in err
    few = tmp_path / "few.npz"
    np.savez(few, spins=spins[:3, :].clip(-1, 1))
    code, _, err = run(["couplings", str(few)], capsys)
    assert code == 2 and "at least N = 4" in err
    code, _, err = run(["couplings", str(tmp_path / "missing.npz")], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run(["couplings", str(path), "--method", "magic"], capsys)
    assert code == 2 and "--method" in err


def test_forces_json(tmp_path, capsys):
    data = simulate_particles("spring", 3, 300, seed=0)
    path = tmp_path / "traj.npz"
    np.savez(path, positions=data["positions"], accelerations=data["accelerations"], masses=data["masses"])
    code, out, _ = run(["forces", str(path), "--json", "--steps", "200", "--sr-budget", "2"], capsys)
    assert code in (0, 1, None)
    payload = json.loads(out)
    assert payload["equation"].startswith("F_x = ") and payload["force_unit"] == "N"
    assert payload["variables"] == ["dx", "dy", "r", "m_i", "m_j"]
    assert any(v["name"] == "Newton's third law" for v in payload["verdicts"])


def test_forces_bad_input_exits_2(tmp_path, capsys):
    data = simulate_particles("spring", 3, 20, seed=0)
    positions = np.array(data["positions"])
    positions[5, 2, 1] = np.nan
    path = tmp_path / "nan.npz"
    np.savez(path, positions=positions, accelerations=data["accelerations"])
    code, out, err = run(["forces", str(path), "--json"], capsys)
    assert code == 2 and out == ""
    assert "positions sample (row) 5, particle 2 is not finite" in err
    np.savez(path, positions=data["positions"])
    code, _, err = run(["forces", str(path)], capsys)
    assert code == 2 and "'accelerations'" in err


def test_forces_positions_over_time_need_a_positive_dt(tmp_path, capsys):
    positions = np.random.default_rng(0).uniform(0, 3, size=(10, 3, 2))
    path = tmp_path / "traj.npz"
    np.savez(path, positions=positions, dt=np.array(0.0))
    code, out, err = run(["forces", str(path), "--json"], capsys)
    assert code == 2 and out == "" and "time step must be a number > 0" in err
    np.savez(path, positions=positions[:2], dt=np.array(0.01))
    code, _, err = run(["forces", str(path)], capsys)
    assert code == 2 and "at least 3 time steps" in err
