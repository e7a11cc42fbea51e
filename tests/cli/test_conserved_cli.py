"""``physlens conserved`` end to end, in-process."""

from __future__ import annotations

import json

import numpy as np
import pytest

from physlens.cli import main
from physlens.data.conserved import conserved_trajectories


def _run(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def _write(path, data):
    names = ["t", *data.names("state"), "trajectory"]
    rows = np.column_stack([data[n] for n in names])
    path.write_text(",".join(names) + "\n" + "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows))
    return str(path)


def test_kepler_orbits_conserve_three_quantities_json(tmp_path, capsys):
    path = _write(tmp_path / "kepler.csv", conserved_trajectories("kepler_2d", 10, 100, rng=np.random.default_rng(0)))
    code, out, err = _run(capsys, ["conserved", path, "--trajectory", "trajectory", "--degree", "3", "--term", "1/sqrt(x**2 + y**2)",
                                   "--term", "x/sqrt(x**2 + y**2)", "--term", "y/sqrt(x**2 + y**2)", "--json"])
    assert code == 0, err
    result = json.loads(out)
    assert result["found"] and result["n_conserved"] == 3, result["quantities"]
    assert "-px*y + py*x" in result["quantities"] or "px*y - py*x" in result["quantities"]


def test_text_output_and_a_missing_trajectory_column(tmp_path, capsys):
    path = _write(tmp_path / "osc.csv", conserved_trajectories("oscillator_1d", 4, 40, rng=np.random.default_rng(0)))
    code, out, _ = _run(capsys, ["conserved", path, "--trajectory", "trajectory"])
    assert code == 0 and "1 independent conserved" in out and "C1 = " in out
    code, _, err = _run(capsys, ["conserved", path, "--trajectory", "orbit"])
    assert code == 2 and "no column 'orbit' for --trajectory" in err
