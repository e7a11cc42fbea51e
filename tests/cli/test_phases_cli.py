"""``physlens phases`` in-process: JSON output, exit codes and bad input."""

import json

import numpy as np
import pytest

from physlens.cli import main
from physlens.data.lattice import ISING_TC, simulate_sizes


@pytest.fixture(scope="module")
def scan_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phases")
    temperatures = np.linspace(0.8 * ISING_TC, 1.2 * ISING_TC, 13)
    paths = []
    for ds in simulate_sizes("ising", [8, 16], temperatures, samples_per_temperature=64, chains=8, thermalization=30, interval=1, seed=5):
        path = folder / f"L{ds['configs'].shape[1]}.npz"
        np.savez(path, configs=ds["configs"], temperature=ds["temperature"])
        paths.append(str(path))
    return paths


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_json_reports_order_parameter_and_tc(scan_files, capsys):
    code, out, _ = run(["phases", *scan_files, "--json", "--truth", str(ISING_TC)], capsys)
    payload = json.loads(out)
    assert code in (0, None)
    assert payload["found"] is True and payload["method"] == "phases-pca"
    assert payload["order_parameter"]["correlation"] >= 0.99
    assert abs(payload["critical_temperature"] - ISING_TC) / ISING_TC < 0.03
    assert {v["name"] for v in payload["verdicts"]} >= {"order parameter vs |m|", "T_c vs truth"}
    assert out.count("\n") == 1
    low, high = payload["critical_temperature_interval"]
    assert low <= payload["critical_temperature"] <= high
    assert payload["estimator"]["name"] == "finite-size scaling collapse" and payload["estimator"]["why"]
    assert payload["transition_order"] == "continuous"
    assert payload["closed_form"]["matches_known_order_parameter"] is True


def test_human_output(scan_files, capsys):
    code, out, _ = run(["phases", scan_files[1]], capsys)
    assert code in (0, None) and "critical temperature" in out
    assert "fluctuation peak (one size)" in out and "95% interval" in out


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"configs": np.ones((6, 4, 5), dtype=int), "temperature": np.repeat([1.0, 2.0, 3.0], 2)}, "square"),
        ({"configs": np.full((6, 4, 4), 3), "temperature": np.repeat([1.0, 2.0, 3.0], 2), "states": np.array([-1, 1])}, "outside the declared states"),
        ({"configs": np.ones((6, 4, 4), dtype=int), "temperature": np.full(6, 2.0)}, "1 distinct temperature"),
        ({"configs": np.ones((6, 4, 4), dtype=int)}, "missing array"),
    ],
)
def test_bad_input_exits_2_with_message(tmp_path, capsys, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    code, out, err = run(["phases", str(path)], capsys)
    assert code == 2 and message in err and out == ""


def test_unknown_method_and_missing_file(tmp_path, capsys):
    code, _, err = run(["phases", str(tmp_path / "none.npz")], capsys)
    assert code == 2 and "no such file" in err
    code, _, err = run(["phases", str(tmp_path / "none.npz"), "--method", "tsne"], capsys)
    assert code == 2 and "--method" in err
