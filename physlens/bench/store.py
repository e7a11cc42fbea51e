"""The results store: every run is one row in SQLite (WAL mode), committed as soon as
it finishes, so a killed run keeps every finished record and can resume. One process
writes: when runs go to Dask workers, the workers return results and the calling process
records them (``physlens.bench.parallel``).

The default store is ``~/.physlens/results.sqlite`` (or ``$PHYSLENS_HOME``); commands
take ``--store PATH`` to use another file."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from physlens.errors import StoreError

SCHEMA_VERSION = 2
# Each migration brings a store from the version before it to this one; it only adds, so
# a store written by an older physlens keeps every record.
_MIGRATIONS = {
    2: "ALTER TABLE results ADD COLUMN worker TEXT NOT NULL DEFAULT '{}'",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    task TEXT NOT NULL,
    dataset_fingerprint TEXT NOT NULL,
    method TEXT NOT NULL,
    parameters TEXT NOT NULL,
    seed INTEGER,
    noise REAL,
    found INTEGER,
    interpretation TEXT NOT NULL,
    verdicts TEXT NOT NULL,
    metrics TEXT NOT NULL,
    timings TEXT NOT NULL,
    run_key TEXT NOT NULL,
    worker TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS results_run_key ON results (run_key);
"""


def default_store_path() -> Path:
    home = Path(os.environ.get("PHYSLENS_HOME", Path.home() / ".physlens"))
    return home / "results.sqlite"


@dataclass
class Result:
    """One run: task x method x seed x noise -> interpretation, verdicts, metrics, timings;
    ``worker`` says where it ran (Dask worker address or "local", hostname, pid) and is
    not part of what makes two runs the same run."""

    task: str
    dataset_fingerprint: str
    method: str
    parameters: dict[str, Any]
    seed: int | None
    noise: float | None
    found: bool | None
    interpretation: dict[str, Any]
    verdicts: list[dict[str, Any]]
    metrics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    worker: dict[str, Any] = field(default_factory=dict)

    @property
    def run_key(self) -> str:
        """What makes two runs the same run (for resuming)."""
        return json.dumps([self.task, self.method, self.seed, self.noise, self.parameters], sort_keys=True, default=str)


class ResultsStore:
    """Append-only SQLite store of :class:`Result` rows."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            with self._transaction():
                self._create_or_migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot open results store {self.path}: {error}") from None

    def _create_or_migrate(self) -> None:
        existing = self._connection.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        row = self._connection.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() if existing else None
        if row is None:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._connection.execute(statement)
            self._connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            return
        version, oldest = int(row[0]), min(_MIGRATIONS) - 1
        if not oldest <= version <= SCHEMA_VERSION:
            raise StoreError(
                f"results store {self.path} has schema version {row[0]}; this physlens reads versions "
                f"{oldest} to {SCHEMA_VERSION}. Use another --store file."
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            self._connection.execute(_MIGRATIONS[step])
        if version != SCHEMA_VERSION:
            self._connection.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    @contextlib.contextmanager
    def _transaction(self):
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK if the block raises."""
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def record(self, result: Result) -> int:
        """Write one result in its own transaction; returns its row id."""
        row = (
            time.time(), result.task, result.dataset_fingerprint, result.method,
            json.dumps(result.parameters, sort_keys=True, default=str), result.seed, result.noise,
            None if result.found is None else int(bool(result.found)),
            json.dumps(result.interpretation, sort_keys=True, default=str),
            json.dumps(result.verdicts, sort_keys=True, default=str),
            json.dumps(result.metrics, sort_keys=True, default=str),
            json.dumps(result.timings, sort_keys=True, default=str),
            result.run_key,
            json.dumps(result.worker, sort_keys=True, default=str),
        )
        with self._transaction():
            cursor = self._connection.execute(
                "INSERT INTO results (created, task, dataset_fingerprint, method, parameters, seed, noise, found, "
                "interpretation, verdicts, metrics, timings, run_key, worker) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )
        return int(cursor.lastrowid)

    def has(self, result_or_key: Result | str) -> bool:
        key = result_or_key.run_key if isinstance(result_or_key, Result) else result_or_key
        return self._connection.execute("SELECT 1 FROM results WHERE run_key=? LIMIT 1", (key,)).fetchone() is not None

    def pending(self, tasks: Sequence[Any], *, resume: bool) -> list[Any]:
        """The tasks (anything with a ``run_key``, and optionally a ``label``) this store
        does not hold yet. With ``resume=False`` a store that already holds any of them is
        an error: rerunning a command into the same store by accident must not pass
        silently, and continuing a run is asked for with --resume."""
        stored = [self.has(task.run_key) for task in tasks]
        pending = [task for task, done in zip(tasks, stored) if not done]
        if any(stored) and not resume:
            first = tasks[stored.index(True)]
            held = f"all {len(tasks)}" if not pending else f"{sum(stored)} of the {len(tasks)}"
            remedy = f"add --resume to run only the {len(pending)} missing" if pending else "nothing is missing"
            raise StoreError(f"results store {self.path} already holds {held} requested runs "
                             f"(first: {getattr(first, 'label', first.run_key)}); {remedy}, or use another --store for a fresh run")
        return pending

    def rows(self, **where: Any) -> Iterator[dict[str, Any]]:
        """Every stored row (optionally filtered by equal columns), JSON fields decoded."""
        allowed = {"task", "method", "seed", "noise", "found", "dataset_fingerprint"}
        bad = [k for k in where if k not in allowed]
        if bad:
            raise StoreError(f"cannot filter results on {bad[0]!r}; valid: {', '.join(sorted(allowed))}")
        clause = " AND ".join(f"{k}=?" for k in where) or "1=1"
        cursor = self._connection.execute(f"SELECT * FROM results WHERE {clause} ORDER BY id", tuple(where.values()))
        columns = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(columns, values))
            for key in ("parameters", "interpretation", "verdicts", "metrics", "timings", "worker"):
                row[key] = json.loads(row[key])
            yield row

    def count(self) -> int:
        return int(self._connection.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
