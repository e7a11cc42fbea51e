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


def test_worker_is_stored_and_not_part_of_the_run_key(tmp_path):
    here, there = result(1), result(1)
    there.worker = {"address": "tcp://127.0.0.1:4000", "hostname": "node", "pid": 7}
    assert here.run_key == there.run_key
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.record(there)
        assert store.has(here)
        assert next(store.rows())["worker"] == there.worker


VERSION_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE results (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, task TEXT NOT NULL,
    dataset_fingerprint TEXT NOT NULL, method TEXT NOT NULL, parameters TEXT NOT NULL, seed INTEGER, noise REAL,
    found INTEGER, interpretation TEXT NOT NULL, verdicts TEXT NOT NULL, metrics TEXT NOT NULL, timings TEXT NOT NULL,
    run_key TEXT NOT NULL
);
CREATE INDEX results_run_key ON results (run_key);
INSERT INTO meta VALUES ('schema_version', '1');
"""


def test_a_version_1_store_is_migrated_and_keeps_its_records(tmp_path):
    path = tmp_path / "old.sqlite"
    old = result(3)
    connection = sqlite3.connect(path)
    connection.executescript(VERSION_1)
    connection.execute("INSERT INTO results (created, task, dataset_fingerprint, method, parameters, seed, noise, found, "
                       "interpretation, verdicts, metrics, timings, run_key) VALUES (1.0, 't3', 'abc', 'symbolic', "
                       "'{\"budget\": 1}', 3, 0.0, 1, '{}', '[]', '{\"r2\": 1.0}', '{}', ?)", (old.run_key,))
    connection.commit()
    connection.close()
    with ResultsStore(path) as store:
        assert store.has(old)
        store.record(result(4))
        rows = list(store.rows())
    assert [(r["task"], r["worker"]) for r in rows] == [("t3", {}), ("t4", {})]
    assert rows[0]["metrics"] == {"r2": 1.0}
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_pending_refuses_a_store_that_holds_all_the_runs_unless_resuming(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.record(result(1))
        assert store.pending([result(1)], resume=True) == []
        with pytest.raises(StoreError, match="holds all 1 requested runs .*nothing is missing, or use another --store"):
            store.pending([result(1)], resume=False)
