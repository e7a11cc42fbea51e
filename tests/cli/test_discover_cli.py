import json
import subprocess
import sys

import numpy as np
import pytest


def run_cli(*args, home):
    return subprocess.run(
        [sys.executable, "-m", "physlens", *args], capture_output=True, text=True, env={"PHYSLENS_HOME": str(home), "PATH": ""},
        timeout=600,
    )


@pytest.fixture
def springs_csv(tmp_path):
    rng = np.random.default_rng(0)
    x, k, m = rng.uniform(-1, 1, 200), rng.uniform(1, 10, 200), rng.uniform(0.5, 5, 200)
    lines = ["x [m],k [N/m],m [kg],a"] + [f"{a},{b},{c},{-b * a / c}" for a, b, c in zip(x.tolist(), k.tolist(), m.tolist())]
    path = tmp_path / "springs.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_discover_json_with_units(springs_csv, tmp_path):
    completed = run_cli("discover", str(springs_csv), "--target", "a", "--unit", "a=m/s^2", "--budget", "5", "--json", home=tmp_path)
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["found"] is True
    assert payload["equation"] == "-k*x/m"
    assert payload["dimensionally_consistent"] is True
    assert payload["r2_test"] > 0.999999
    assert {"equation", "complexity", "r2"} <= set(payload["pareto"][0])
    assert {v["name"] for v in payload["verdicts"]} >= {"held-out accuracy", "null test", "dimensional consistency"}
    assert payload["reasons"] == []
    assert "frac" in payload["latex"]
    assert (tmp_path / "results.sqlite").exists()


def test_discover_human_output(springs_csv, tmp_path):
    completed = run_cli("discover", str(springs_csv), "--target", "a", "--unit", "a=m/s^2", "--budget", "4", home=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "Law found" in completed.stdout and "-k·x/m" in completed.stdout
    assert "Pareto front" in completed.stdout and "dimensional consistency" in completed.stdout


def test_discover_noise_says_not_found(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "noise.csv"
    path.write_text("u,v,y\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rng.normal(size=(200, 3)).tolist()))
    completed = run_cli("discover", str(path), "--target", "y", "--budget", "4", "--evaluations", "5000", "--json", home=tmp_path)
    assert completed.returncode == 1
    payload = json.loads(completed.stdout)
    assert payload["found"] is False
    assert payload["equation"]
    assert payload["reasons"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "nope"], "target column 'nope' is not in the table"),
        (["--target", "a", "--unit", "x=furlongz"], "unknown unit 'furlongz' for column 'x'"),
        (["--target", "a", "--unit", "x"], "must look like COLUMN=UNIT"),
    ],
)
def test_bad_input_exit_2_without_traceback(springs_csv, tmp_path, args, message):
    completed = run_cli("discover", str(springs_csv), *args, home=tmp_path)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_methods_lists_registry_with_taxonomy(tmp_path):
    completed = run_cli("methods", "--json", home=tmp_path)
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["symbolic"]["origin"] == "intrinsic"
    assert payload["symbolic"]["consumes"] == "table"


@pytest.mark.slow  # two CLI runs of 6 s each (35 s under load)
def test_discover_json_states_constants_with_units_and_irrelevant_columns(tmp_path):
    from physlens.data.planets import ORBITS

    path = tmp_path / "planets.csv"
    # the planets' table with a column that plays no role (the bodies' row number)
    path.write_text("a [au],index,T [yr]\n" + "".join(f"{a},{i + 1},{T}\n" for i, (_, a, T) in enumerate(ORBITS)))
    completed = run_cli("discover", str(path), "--target", "T", "--budget", "6", "--json", home=tmp_path)
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["found"] is True and payload["law_with_constants"] == "C*a**(3/2)"
    (constant,) = payload["constants"]
    assert set(constant) == {"name", "value", "uncertainty", "unit", "identified_as"}
    assert constant["unit"] == "yr/au^(3/2)" and abs(constant["value"] - 1) < 1e-3
    assert constant["identified_as"].startswith("2π/√(G·M_sun)")
    assert payload["irrelevant_columns"] == ["index"] and "frozen at its median" in payload["irrelevant_columns_judged"]
    assert payload["limit"] is not None
    human = run_cli("discover", str(path), "--target", "T", "--budget", "6", home=tmp_path)
    assert "C = 0.99" in human.stdout and "yr/au^(3/2)" in human.stdout and "left out as irrelevant: index" in human.stdout
