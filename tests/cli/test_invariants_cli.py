"""``physlens invariants`` end to end, in-process."""

from __future__ import annotations

import json

import numpy as np
import pytest

from physlens.cli import main
from physlens.data.invariants import central_potential_trajectories
from physlens.expr import parse_expression
from physlens.validate.invariants import invariant_matches

NAMES = ["x", "y", "px", "py"]


def _run(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def _write(path, X, events):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("x [m],y [m],px,py,orbit\n")
        for row, e in zip(X, events):
            handle.write(",".join(repr(float(v)) for v in row) + f",{int(e)}\n")
    return path


@pytest.fixture(scope="module")
def orbits(tmp_path_factory):
    data = central_potential_trajectories(rng=np.random.default_rng(4))
    folder = tmp_path_factory.mktemp("inv")
    events = np.asarray(data["event"])
    return data, _write(folder / "orbits.csv", data.X, events), _write(folder / "shuffled.csv", data.X, np.random.default_rng(0).permutation(events))


def test_json_gives_energy_and_angular_momentum_in_closed_form(capsys, orbits):
    data, path, _ = orbits
    code, out, _ = _run(capsys, ["invariants", str(path), "--event", "orbit", "--degree", "4", "--json"])
    assert code in (0, None)
    assert out.count("\n") == 1
    payload = json.loads(out)
    assert payload["found"] is True and payload["twin"] == "library"
    found = [parse_expression(text, NAMES) for text in payload["invariants"]]
    verdicts = {v.name: v for v in invariant_matches(found, dict(data.truth.conserved), NAMES, data.X[:200])}
    assert verdicts["recovers E"].passed and verdicts["recovers L"].passed and verdicts["no spurious invariant"].passed
    assert payload["held_out_event_r2"] > 0.999 and len(payload["latex"]) == len(found)


def test_human_output_names_the_invariants(capsys, orbits):
    _, path, _ = orbits
    code, out, _ = _run(capsys, ["invariants", str(path), "--event", "orbit", "--degree", "4"])
    assert code in (0, None)
    assert "I1 = " in out and "I2 = " in out and "Checks against physics" in out


def test_shuffled_events_give_nothing_and_exit_1(capsys, orbits):
    _, _, shuffled = orbits
    code, out, _ = _run(capsys, ["invariants", str(shuffled), "--event", "orbit", "--degree", "4"])
    assert code == 1
    assert "no trustworthy invariant" in out


def test_bad_input_is_named(capsys, orbits):
    _, path, _ = orbits
    code, _, err = _run(capsys, ["invariants", str(path), "--event", "trajectory"])
    assert code == 2 and "'trajectory'" in err and "orbit" in err
    code, _, err = _run(capsys, ["invariants", str(path), "--event", "orbit", "--inputs", "x,z"])
    assert code == 2 and "'z'" in err
    code, _, err = _run(capsys, ["invariants", str(path), "--event", "orbit", "--twin", "mlp"])
    assert code == 2 and "twin" in err
