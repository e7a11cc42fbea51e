"""``physlens pde`` end to end, in-process."""

from __future__ import annotations

import json

import numpy as np

from physlens.cli import main
from physlens.data.fields import save_fields, simulate_burgers
from physlens.expr import parse_expression
from physlens.validate.dynamics import support_recovery


def _run(capsys, argv):
    capsys.readouterr()
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_pde_json_recovers_burgers_with_units(tmp_path, capsys):
    data = simulate_burgers(n_x=64, n_t=41, noise=0.01, rng=0)
    path = save_fields(data, tmp_path / "burgers.npz")
    code, out, err = _run(capsys, ["pde", path, "--units", "u=m/s,x=m,t=s", "--degree", "2", "--order", "2",
                                   "--json", "--out", tmp_path / "result.json"])
    assert code == 0, err
    payload = json.loads(out)
    assert payload["found"] is True and payload == json.loads((tmp_path / "result.json").read_text())
    names = ["u", "u_x", "u_xx"]
    found = {"u": parse_expression(payload["equations"]["u_t"], names)}
    assert support_recovery(found, data.truth.equations)["exact"]
    assert payload["coefficient_units"]["u"]["u_xx"] == "m^2 s^-1"
    assert {v["name"] for v in payload["verdicts"]} == {"ensemble stability", "dimensional consistency", "held-out fit"}


def test_pde_outside_the_library_exits_1_and_still_shows_the_candidate(tmp_path, capsys):
    x, t = np.linspace(0, 2 * np.pi, 64, endpoint=False), np.linspace(0, 4, 61)
    u = np.sin(x[None, :] - 0.5 * t[:, None] ** 2) + 0.5 * np.sin(2 * x[None, :] + t[:, None])
    np.savez(tmp_path / "chirp.npz", t=t, x=x, u=u)
    code, out, err = _run(capsys, ["pde", tmp_path / "chirp.npz", "--degree", "2", "--order", "3", "--json"])
    payload = json.loads(out)
    assert code == 1 and payload["found"] is False and payload["trusted"] is False
    assert payload["equations"]["u_t"] != "0" and payload["reasons"]
