"""The bad-input matrix: every CLI command that reads user data x every kind of bad
file a physicist sends by accident. Each cell gives the expected exit code and a
fragment of the one-line message on stderr, which names the column, row or parameter
and what would be valid. Nothing may print a traceback.

Rows are numbered as each command documents them: tables count rows from 1 below the
header; arrays in .npz files count samples from 0 (numpy's index).
"""

from __future__ import annotations

import numpy as np
import pytest

N_BIG = 10**7  # the "10^7 rows" column of the matrix


# -- valid base data for each command, which each cell then breaks ------------------------

def _springs(n: int = 40) -> str:
    rng = np.random.default_rng(0)
    x, k, m = rng.uniform(-1, 1, n).tolist(), rng.uniform(1, 10, n).tolist(), rng.uniform(0.5, 5, n).tolist()
    return "x [m],k [N/m],m [kg],a\n" + "".join(f"{a!r},{b!r},{c!r},{-b * a / c!r}\n" for a, b, c in zip(x, k, m))


def _orbit(n: int = 60) -> str:
    t = np.linspace(0, 6, n).tolist()
    return "t [s],x [m],v [m/s]\n" + "".join(f"{a!r},{np.cos(2 * a).item()!r},{-2 * np.sin(2 * a).item()!r}\n" for a in t)


def _events(n_events: int = 12, per_event: int = 4) -> str:
    """Points on circles about the origin, one circle per event: x^2 + y^2 is shared."""
    rng = np.random.default_rng(5)
    rows = []
    for event in range(n_events):
        radius, angles = rng.uniform(0.5, 2), rng.uniform(0, 2 * np.pi, per_event)
        rows += [f"{radius * np.cos(a).item()!r},{radius * np.sin(a).item()!r},{event}\n" for a in angles]
    return "x [m],y [m],orbit\n" + "".join(rows)


def _runs(n_runs: int = 4, per_run: int = 10) -> str:
    """Harmonic-oscillator orbits, one per run: x^2 + p^2 is conserved."""
    rng = np.random.default_rng(6)
    rows = []
    for run in range(n_runs):
        amplitude, phase = rng.uniform(0.5, 2), rng.uniform(0, 2 * np.pi)
        rows += [f"{t!r},{amplitude * np.cos(t + phase).item()!r},{-amplitude * np.sin(t + phase).item()!r},{run}\n" for t in np.linspace(0, 6, per_run).tolist()]
    return "t [s],x [m],p [kg*m/s],run\n" + "".join(rows)


def _replace_cell(text: str, row: int, column: int, value: str) -> str:
    """Row counted from 1 below the header, column from 0."""
    lines = text.splitlines()
    cells = lines[row].split(",")
    cells[column] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _big_table(header: str, row) -> str:
    """N_BIG rows, built from a repeated block so the file is written in a second."""
    block = "".join(row(i) for i in range(1000))
    return header + block * (N_BIG // 1000)


def _configs(n: int = 24) -> dict:
    rng = np.random.default_rng(1)
    return {"configs": rng.choice([-1, 1], size=(n, 4, 4)).astype(np.int8), "temperature": np.repeat([1.5, 2.3, 3.1], n // 3)}


def _spins(n: int = 40) -> dict:
    return {"spins": np.random.default_rng(2).choice([-1, 1], size=(n, 4)).astype(np.int8)}


def _particles(n: int = 30) -> dict:
    rng = np.random.default_rng(3)
    positions = rng.uniform(0, 3, size=(n, 3, 2))
    return {"positions": positions, "accelerations": rng.normal(size=(n, 3, 2))}


def _fields(n_t: int = 20, n_x: int = 32) -> dict:
    t, x = np.linspace(0, 1, n_t), np.linspace(0, 2 * np.pi, n_x, endpoint=False)
    return {"t": t, "x": x, "u": np.sin(x[None, :] - t[:, None])}


def _with(arrays: dict, name: str, change) -> dict:
    out = dict(arrays)
    out[name] = change(np.array(out[name], dtype=float if name != "configs" else None))
    return out


def _set_first(value):
    def change(array):
        array = array.astype(float)
        array.flat[5] = value
        return array
    return change


# -- the matrix -----------------------------------------------------------------------
# command -> case -> (file content or arrays, extra argv, exit code, message fragment)
# A str is written as the CSV; a dict is saved as the .npz; None writes an empty file.

DISCOVER = ["--target", "a", "--budget", "1", "--evaluations", "1000"]
DYNAMICS = ["--time", "t", "--state", "x,v"]
FORCES = ["--steps", "5", "--sr-budget", "0.5"]
INVARIANTS = ["--event", "orbit", "--degree", "2"]
PDE = ["--degree", "2", "--order", "2"]
CONSERVED = ["--trajectory", "run"]

MATRIX = {
    "discover": {
        "empty file": (None, DISCOVER, 2, "the file is empty; expected a header line of column names"),
        "header only": ("x [m],k [N/m],m [kg],a\n", DISCOVER, 2, "the header has no rows below it; at least 10 rows are needed"),
        "NaN": (_replace_cell(_springs(), 3, 3, "nan"), DISCOVER, 2, "column 'a' row 3 is NaN; every value must be a finite number"),
        "inf": (_replace_cell(_springs(), 2, 0, "inf"), DISCOVER, 2, "column 'x' row 2 is infinite; every value must be a finite number"),
        "string in numeric column": (_replace_cell(_springs(), 4, 1, "ten"), DISCOVER, 2, "column 'k' row 4 (line 5) holds 'ten', which is not a number"),
        "unknown unit": (_springs(), [*DISCOVER, "--unit", "a=furlongz"], 2, "unknown unit 'furlongz' for column 'a'"),
        "inconsistent units": (_springs(), [*DISCOVER, "--unit", "x=s"], 2, "column 'x' has unit 'm' in the header but 's' from --unit"),
        "1 row": ("x [m],k [N/m],m [kg],a\n0.5,2,1,-1\n", DISCOVER, 2, "1 row; at least 10 rows are needed"),
    },
    "dynamics": {
        "empty file": (None, DYNAMICS, 2, "the file is empty; expected a header line of column names"),
        "header only": ("t [s],x [m],v [m/s]\n", DYNAMICS, 2, "the header has no rows below it"),
        "NaN": (_replace_cell(_orbit(), 7, 1, "nan"), DYNAMICS, 2, "column 'x' row 7 is NaN"),
        "inf": (_replace_cell(_orbit(), 9, 2, "-inf"), DYNAMICS, 2, "column 'v' row 9 is infinite"),
        "string in numeric column": (_replace_cell(_orbit(), 5, 0, "0.5s"), DYNAMICS, 2, "column 't' row 5 (line 6) holds '0.5s', which is not a number"),
        "unknown unit": (_orbit(), [*DYNAMICS, "--unit", "x=furlongz"], 2, "unknown unit 'furlongz' for column 'x'"),
        "inconsistent units": (_orbit().replace("t [s]", "t [m]"), DYNAMICS, 2, "time column 't' has unit 'm' (m); expected a time unit such as s"),
        "1 row": ("t [s],x [m],v [m/s]\n0,1,0\n", DYNAMICS, 2, "has 1 sample(s) (row 1); at least 5 samples per trajectory are needed"),
    },
    "phases": {
        "empty file": (None, [], 2, "not a readable .npz file"),
        "header only": ({"configs": np.zeros((0, 4, 4), dtype=np.int8), "temperature": np.zeros(0)}, [], 2, "need at least 2 configurations"),
        "NaN": (_with(_configs(), "temperature", _set_first(np.nan)), [], 2, "temperature in row 5 is nan; temperatures must be finite and > 0"),
        "inf": (_with(_configs(), "temperature", _set_first(np.inf)), [], 2, "temperature in row 5 is inf; temperatures must be finite and > 0"),
        "string in numeric column": ({**_configs(), "temperature": np.array(["hot"] * 24)}, [], 2, "temperature must be numeric, one value per configuration"),
        "1 row": (_configs(3) | {"configs": _configs(3)["configs"][:1], "temperature": np.array([2.0])}, [], 2, "need at least 2 configurations"),
    },
    "couplings": {
        "empty file": (None, [], 2, "not a readable .npz file"),
        "header only": ({"spins": np.zeros((0, 4), dtype=np.int8)}, [], 2, "spins has 0 samples (rows) for 4 spins"),
        "NaN": (_with(_spins(), "spins", _set_first(np.nan)), [], 2, "spins row 1, column 1 is nan; spin states must be integers"),
        "inf": (_with(_spins(), "spins", _set_first(np.inf)), [], 2, "spins row 1, column 1 is inf; spin states must be integers"),
        "string in numeric column": ({"spins": np.array([["up", "down"]] * 10)}, [], 2, "spins must be numeric integer states"),
        "1 row": ({"spins": np.array([[1, -1, 1, 1]])}, [], 2, "spins has 1 samples (rows) for 4 spins"),
    },
    "forces": {
        "empty file": (None, FORCES, 2, "not a readable .npz file"),
        "header only": ({"positions": np.zeros((0, 3, 2)), "accelerations": np.zeros((0, 3, 2))}, FORCES, 2, "0 samples of 3 particles give too few pairs to learn a force law"),
        "NaN": (_with(_particles(), "positions", _set_first(np.nan)), FORCES, 2, "positions sample (row) 0, particle 2 is not finite (nan)"),
        "inf": (_with(_particles(), "accelerations", _set_first(np.inf)), FORCES, 2, "accelerations sample (row) 0, particle 2 is not finite (inf)"),
        "string in numeric column": ({**_particles(), "positions": np.array([[["a", "b"]] * 3] * 30)}, FORCES, 2, "positions must be a numeric array"),
        "1 row": ({k: v[:1] for k, v in _particles().items()}, FORCES, 2, "1 samples of 3 particles give too few pairs to learn a force law"),
    },
    "pde": {
        "empty file": (None, PDE, 2, "not a readable .npz file"),
        "header only": (_fields() | {"t": np.zeros(0), "u": np.zeros((0, 32))}, PDE, 2, "array 't' has 0 points; at least 16 are needed"),
        "NaN": (_with(_fields(), "u", _set_first(np.nan)), PDE, 2, "array 'u' at time index 0, x index 5 is nan; every value must be a finite number"),
        "inf": (_with(_fields(), "t", _set_first(np.inf)), PDE, 2, "array 't' index 5 is inf; every value must be a finite number"),
        "string in numeric column": (_fields() | {"u": np.full((20, 32), "hot")}, PDE, 2, "array 'u' must be numeric"),
        "unknown unit": (_fields(), [*PDE, "--units", "u=furlongz,x=m,t=s"], 2, "unknown unit 'furlongz' for column 'u'"),
        "inconsistent units": (_fields(), [*PDE, "--units", "u=m/s,x=m,t=m"], 2, "time axis 't' has unit 'm' (m); expected a time unit"),
        "1 row": (_fields() | {"t": np.array([0.0]), "u": np.zeros((1, 32))}, PDE, 2, "array 't' has 1 points; at least 16 are needed"),
    },
    "invariants": {
        "empty file": (None, INVARIANTS, 2, "the file is empty; expected a header line of column names"),
        "header only": ("x [m],y [m],orbit\n", INVARIANTS, 2, "the header has no rows below it; at least 10 rows are needed"),
        "NaN": (_replace_cell(_events(), 3, 1, "nan"), INVARIANTS, 2, "column 'y' row 3 is NaN; every value must be a finite number"),
        "inf": (_replace_cell(_events(), 6, 2, "inf"), INVARIANTS, 2, "column 'orbit' row 6 is infinite; every value must be a finite number"),
        "string in numeric column": (_replace_cell(_events(), 4, 0, "ten"), INVARIANTS, 2, "column 'x' row 4 (line 5) holds 'ten', which is not a number"),
        "1 row": ("x [m],y [m],orbit\n0.5,0.2,0\n", INVARIANTS, 2, "1 row; at least 10 rows are needed"),
    },
    "conserved": {
        "empty file": (None, CONSERVED, 2, "the file is empty; expected a header line of column names"),
        "header only": ("t [s],x [m],p [kg*m/s],run\n", CONSERVED, 2, "the header has no rows below it; at least 10 rows are needed"),
        "NaN": (_replace_cell(_runs(), 3, 1, "nan"), CONSERVED, 2, "column 'x' row 3 is NaN; every value must be a finite number"),
        "inf": (_replace_cell(_runs(), 6, 3, "inf"), CONSERVED, 2, "column 'run' row 6 is infinite; every value must be a finite number"),
        "string in numeric column": (_replace_cell(_runs(), 4, 2, "ten"), CONSERVED, 2, "column 'p' row 4 (line 5) holds 'ten', which is not a number"),
        "1 row": ("t [s],x [m],p [kg*m/s],run\n0,0.5,0.2,0\n", CONSERVED, 2, "1 row; at least 10 rows are needed"),
    },
}
# units apply to the tables whose laws carry them: phases, couplings and forces read
# arrays with fixed meaning, and an invariant is found up to a monotone map, units aside
NOT_APPLICABLE = {(c, k) for c in ("phases", "couplings", "forces", "invariants", "conserved") for k in ("unknown unit", "inconsistent units")}

CELLS = [(command, case, *cell) for command, cases in MATRIX.items() for case, cell in cases.items()]


def _write_input(folder, command: str, content) -> str:
    suffix = ".csv" if command in ("discover", "dynamics", "invariants", "conserved") else ".npz"
    path = folder / f"input{suffix}"
    if content is None:
        path.write_bytes(b"")
    elif isinstance(content, str):
        path.write_text(content)
    else:
        np.savez(path, **content)
    return str(path)


def test_matrix_covers_every_data_command_and_case():
    from physlens.cli import _load_commands, app

    _load_commands()
    # methods lists the registry; tour and compare run on built-in simulated suites
    data_commands = {c.name or c.callback.__name__ for c in app.registered_commands} - {"methods", "tour", "compare"}
    assert set(MATRIX) == data_commands, "a command that reads user data is missing from the matrix"
    cases = {"empty file", "header only", "NaN", "inf", "string in numeric column", "unknown unit", "inconsistent units", "1 row"}
    for command, cells in MATRIX.items():
        assert set(cells) | {k for c, k in NOT_APPLICABLE if c == command} == cases, command


@pytest.mark.parametrize("command, case, content, argv, code, message", CELLS, ids=[f"{c[0]}-{c[1]}" for c in CELLS])
def test_bad_input_cell(tmp_path, run_cli, one_torch_thread, command, case, content, argv, code, message):
    path = _write_input(tmp_path, command, content)
    exit_code, out, err = run_cli([command, path, *argv])
    assert "Traceback" not in err
    assert exit_code == code, f"exit {exit_code}; stderr: {err}"
    assert message in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("physlens: error: "), err
    assert out == ""


# -- the 10^7-row column: work on a subsample and say so, or refuse naming the limit -----

BIG = {
    "discover": (lambda: _big_table("x [m],k [N/m],a\n", lambda i: f"{i % 97 / 50 - 1},{1 + i % 13},{-(1 + i % 13) * (i % 97 / 50 - 1)}\n"),
                 ["--target", "a", "--budget", "2", "--evaluations", "2000"], (0, 1), "random subsample of 10,000 of 10,000,000 rows"),
    "dynamics": (lambda: _big_table("t [s],x [m],v [m/s]\n", lambda i: f"{i},{np.cos(i)},{np.sin(i)}\n"),
                 DYNAMICS, (2,), "10,000,000 rows; dynamics reads at most 1,000,000"),
    "phases": (lambda: {"configs": np.ones((N_BIG, 4, 4), dtype=np.int8) * np.where(np.arange(N_BIG) % 2, 1, -1)[:, None, None].astype(np.int8),
                        "temperature": np.repeat(np.linspace(1.5, 3.5, 10), N_BIG // 10)},
               [], (0, 1), "random subsample of"),
    "couplings": (lambda: {"spins": np.broadcast_to(np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(1000, 4)), (N_BIG // 1000, 1000, 4)).reshape(N_BIG, 4)},
                  ["--method", "mean_field"], (0, 1), "random subsample of"),
    "forces": (lambda: {"positions": np.broadcast_to(_particles(1000)["positions"], (N_BIG // 1000, 1000, 3, 2)).reshape(N_BIG, 3, 2),
                        "accelerations": np.broadcast_to(_particles(1000)["accelerations"], (N_BIG // 1000, 1000, 3, 2)).reshape(N_BIG, 3, 2)},
               FORCES, (0, 1), "random subsample of"),
}


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(BIG))
def test_ten_million_rows(tmp_path, run_cli, one_torch_thread, command):
    import time

    build, argv, codes, message = BIG[command]
    path = _write_input(tmp_path, command, build())
    start = time.perf_counter()
    exit_code, out, err = run_cli([command, path, *argv])
    seconds = time.perf_counter() - start
    assert "Traceback" not in err
    assert exit_code in codes, f"exit {exit_code}; stderr: {err}"
    assert message in err, err
    assert seconds < 120, f"{command} took {seconds:.0f} s on {N_BIG:,} rows"
