import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from physlens.bench.store import SCHEMA_VERSION, Result, ResultsStore
from physlens.errors import StoreError


def result(i=0):
    return Result(task=f"t{i}", dataset_fingerprint="abc", method="symbolic", parameters={"budget": 1}, seed=i,
                  noise=0.0, found=True, interpretation={"x": 1}, verdicts=[{"name": "n", "passed": True}],
                  metrics={"r2": 1.0}, timings={"total": 0.1})


def test_record_and_read_back(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.record(result(1))
        store.record(result(2))
        assert store.count() == 2
        rows = list(store.rows(task="t2"))
        assert rows[0]["metrics"] == {"r2": 1.0}
        assert store.has(result(1)) and not store.has(result(3))


def test_schema_version_is_checked(tmp_path):
    path = tmp_path / "r.sqlite"
    ResultsStore(path).close()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="schema version"):
        ResultsStore(path)


def test_not_a_database(tmp_path):
    path = tmp_path / "r.sqlite"
    path.write_text("not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open results store"):
        ResultsStore(path)


def test_killed_writer_keeps_finished_rows(tmp_path):
    path = tmp_path / "r.sqlite"
    script = (
        "import sys, time\n"
        "from physlens.bench.store import Result, ResultsStore\n"
        "store = ResultsStore(sys.argv[1])\n"
        "for i in range(100000):\n"
        "    store.record(Result('t%d' % i, 'f', 'm', {}, i, 0.0, True, {}, [], {}, {}))\n"
        "    print(i, flush=True)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    for _ in range(20):
        process.stdout.readline()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    with ResultsStore(path) as store:
        count = store.count()
        assert count >= 20
        assert [row["seed"] for row in store.rows()] == list(range(count))
