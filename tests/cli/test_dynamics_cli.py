"""``physlens dynamics`` end to end, in-process."""

from __future__ import annotations

import json

import numpy as np
import pytest

from physlens.cli import main
from physlens.data.trajectories import simulate, simulate_noise
from physlens.expr import parse_expression
from physlens.validate.dynamics import support_recovery


def _write(path, data, header_units=True):
    states = data.names("state")
    names = ["t", *states, "trajectory"]
    header = [f"{n} [{data.variable(n).unit}]" if header_units and data.variable(n).unit else n for n in names]
    rows = np.column_stack([np.asarray(data[n], dtype=float) for n in names])
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(header) + "\n")
        for row in rows:
            handle.write(",".join(repr(float(v)) for v in row) + "\n")
    return path


def _run(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.fixture(scope="module")
def damped_csv(tmp_path_factory):
    data = simulate("damped_oscillator", n_trajectories=4, noise=0.02, rng=21)
    return _write(tmp_path_factory.mktemp("dyn") / "damped.csv", data), data


def test_json_prints_one_object_with_the_equations(capsys, damped_csv):
    path, data = damped_csv
    code, out, _ = _run(capsys, ["dynamics", str(path), "--time", "t", "--state", "x,v", "--trajectory", "trajectory", "--json"])
    assert code in (0, None)
    assert out.count("\n") == 1
    payload = json.loads(out)
    assert payload["found"] is True
    found = {s: parse_expression(text, ["x", "v"]) for s, text in payload["equations"].items()}
    assert support_recovery(found, data.truth.equations)["exact"]
    assert payload["inclusion"]["v: x"] >= 0.9
    assert {v["name"] for v in payload["verdicts"]} >= {"ensemble stability", "held-out fit", "dimensional consistency"}
    assert payload["coefficient_units"]["v"]["x"] == "s^-2"
    assert payload["reasons"] == []


def test_human_output_shows_equations_and_checks(capsys, damped_csv):
    path, _ = damped_csv
    code, out, _ = _run(capsys, ["dynamics", str(path), "--time", "t", "--trajectory", "trajectory"])
    assert code in (0, None)
    assert "Governing equations" in out and "dv/dt" in out and "Checks against physics" in out


def test_pure_noise_exits_1_with_found_false(capsys, tmp_path):
    path = _write(tmp_path / "noise.csv", simulate_noise(n_trajectories=3, n_samples=600, rng=5))
    code, out, _ = _run(capsys, ["dynamics", str(path), "--time", "t", "--trajectory", "trajectory", "--json"])
    assert code == 1
    payload = json.loads(out)
    assert payload["found"] is False and payload["equations"] == {} and payload["reasons"]


def test_found_false_still_shows_the_candidate_marked_not_trusted(capsys, tmp_path):
    # a pendulum offered only linear terms: the small-angle candidate fails on held-out data
    path = _write(tmp_path / "pendulum.csv", simulate("pendulum", n_trajectories=3, noise=0.01, rng=1))
    argv = ["dynamics", str(path), "--time", "t", "--trajectory", "trajectory", "--degree", "1", "--trig", "no"]
    code, out, _ = _run(capsys, [*argv, "--json"])
    assert code == 1
    payload = json.loads(out)
    assert payload["found"] is False and payload["trusted"] is False
    assert set(payload["equations"]) == {"theta", "omega"} and "theta" in payload["equations"]["omega"]
    failing = {v["name"] for v in payload["failing_verdicts"]}
    assert failing and all(not v["passed"] for v in payload["failing_verdicts"])
    assert failing <= {v["name"] for v in payload["verdicts"]}
    code, out, _ = _run(capsys, argv)
    assert code == 1 and "Best candidate, not trusted" in out and "domega/dt" in out


def _small_csv(tmp_path, times, x=None):
    x = np.sin(times) if x is None else x
    path = tmp_path / "small.csv"
    path.write_text("t,x\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(times, x)), encoding="utf-8")
    return path


def test_unsorted_times_exit_2_naming_the_row(capsys, tmp_path):
    t = np.linspace(0, 1, 30)
    t[[3, 4]] = t[[4, 3]]
    code, out, err = _run(capsys, ["dynamics", str(_small_csv(tmp_path, t)), "--time", "t"])
    assert code == 2 and out == ""
    assert "row 5" in err and "strictly increase" in err and "Traceback" not in err


def test_nan_exits_2_naming_the_row(capsys, tmp_path):
    t = np.linspace(0, 1, 30)
    x = np.sin(t)
    x[7] = np.nan
    code, _, err = _run(capsys, ["dynamics", str(_small_csv(tmp_path, t, x)), "--time", "t"])
    assert code == 2 and "column 'x' row 8 is NaN" in err


def test_bad_units_and_columns_exit_2(capsys, tmp_path):
    path = _small_csv(tmp_path, np.linspace(0, 1, 30))
    code, _, err = _run(capsys, ["dynamics", str(path), "--time", "t", "--unit", "x=m"])
    assert code == 2 and "mismatched units" in err
    code, _, err = _run(capsys, ["dynamics", str(path), "--time", "t", "--unit", "t=kg"])
    assert code == 2 and "time column 't' has unit 'kg'" in err
    code, _, err = _run(capsys, ["dynamics", str(path), "--time", "time"])
    assert code == 2 and "time column 'time' is not in the table" in err
    code, _, err = _run(capsys, ["dynamics", str(path), "--time", "t", "--invariant", "E"])
    assert code == 2 and "NAME=EXPRESSION" in err


def test_input_column_enters_the_library(tmp_path, capsys):
    from physlens.data import textbook_flows

    data = textbook_flows.simulate("forced_duffing", n_trajectories=3, t_end=20.0, noise=0.01, rng=2)
    t = np.asarray(data["t"])
    rows = np.column_stack([t, data["q"], data["p"], np.cos(1.2 * t), data["trajectory"]])
    path = tmp_path / "forced.csv"
    np.savetxt(path, rows, delimiter=",", header="t,q,p,u,trajectory", comments="")
    code, out, _ = _run(capsys, ["dynamics", str(path), "--time", "t", "--trajectory", "trajectory", "--input", "u",
                                 "--degree", "3", "--trig", "no", "--json"])
    result = json.loads(out)
    assert code == 0 and result["found"] and result["inputs"] == ["u"]
    assert "u" in result["equations"]["p"] and "u" not in result["equations"]
    assert result["library_choice"][0]["chosen"]


def test_unknown_input_column_is_named(tmp_path, capsys):
    data = simulate("damped_oscillator", n_trajectories=1, noise=0.0, rng=0)
    path = _write(tmp_path / "d.csv", data, header_units=False)
    code, _, err = _run(capsys, ["dynamics", str(path), "--time", "t", "--input", "force"])
    assert code == 2 and "input column 'force' is not in the data" in err
