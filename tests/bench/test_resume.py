"""Issue 7, part 4: a real ``physlens bench feynman`` run, killed (SIGKILL) or
interrupted (SIGINT) after its first finished record, keeps every finished record in a
sound store, refuses a rerun without --resume, and with --resume does only the rest."""

import signal
import sqlite3

import pytest

from physlens.bench.feynman import plan_feynman
from physlens.bench.store import ResultsStore

# The middle run is the pure-noise control: no law can end its search early, so it spends
# its whole budget (seconds) on any machine and the signal, sent after the first record,
# lands mid-run. (I.12.1 stood here; on a fast CI machine all three finished within a
# second, before the SIGINT arrived.)
EQUATIONS = ["I.14.4", "control-noise", "I.25.13"]


def stored(path) -> dict[str, dict]:
    with ResultsStore(path) as store:
        return {row["run_key"]: row for row in store.rows()}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_run_keeps_finished_records_and_resumes(tmp_path, bench, sig):
    path, log = tmp_path / "feynman.sqlite", tmp_path / "stderr.txt"
    args = ["--equations", ",".join(EQUATIONS), "--store", str(path)]
    with log.open("w") as stderr:
        process = bench.start(*args, stderr=stderr)
        bench.wait_for_records(path, 1, process)
        process.send_signal(sig)
        process.wait(timeout=60)
    message = log.read_text()

    if sig == signal.SIGINT:
        assert process.returncode == 130, message
        assert "interrupted" in message and "--resume" in message
    else:
        assert process.returncode == -signal.SIGKILL
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before = stored(path)
    assert 1 <= len(before) < len(EQUATIONS), "the kill must land mid-run"
    planned = {run.run_key: run for run in plan_feynman(equations=EQUATIONS, methods=["physlens"], budget=1.0, n_samples=200)}
    assert set(before) <= set(planned)
    for row in before.values():  # finished records are whole: decoded fields, a scored law
        assert row["metrics"]["error"] is None and row["metrics"]["r2_test"] > 0.99
        assert row["interpretation"]["equation"] and row["worker"]["address"] == "local"

    if sig == signal.SIGKILL:  # once is enough: a store holding part of the run needs --resume
        refused = bench.run(*args)
        assert refused.returncode == 2 and "--resume" in refused.stderr and "Traceback" not in refused.stderr
        assert stored(path).keys() == before.keys()

    resumed = bench.run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(EQUATIONS) - len(before)} new records" in resumed.stderr
    after = stored(path)
    assert set(after) == set(planned)  # every run once: no duplicate run keys, none missing
    with ResultsStore(path) as store:
        assert store.count() == len(EQUATIONS)
    for key, row in before.items():  # finished records untouched: same row, same timestamp
        assert (after[key]["id"], after[key]["created"]) == (row["id"], row["created"])
    assert min(after[key]["created"] for key in after.keys() - before.keys()) > max(r["created"] for r in before.values())
