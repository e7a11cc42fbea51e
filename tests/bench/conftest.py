"""Fixtures for benchmark tests that run the real ``physlens bench feynman`` command."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

# Tiny Feynman runs: budget 1 s, 200 rows. I.14.4 and I.25.13 finish in well under a
# second once imports are warm; a negative control spends its whole budget, long enough
# to be caught mid-run by a kill.
TINY = ("--methods", "physlens", "--budget", "1", "--samples", "200")


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, a grace period, then SIGKILL (children too: a dask
    worker's nanny starts a subprocess)."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        if grace is not None and process.poll() is None:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
    process.wait()


@pytest.fixture
def reap():
    """Register a process started with ``start_new_session=True``; it and its children
    are stopped at teardown, even when the test fails."""
    processes: list[subprocess.Popen] = []
    yield processes.append
    for process in reversed(processes):
        _stop_group(process)


class BenchCommand:
    def __init__(self, home, reap):
        self.home, self.reap = home, reap
        self.env = os.environ | {"PHYSLENS_HOME": str(home), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}

    def argv(self, args) -> list[str]:
        return [sys.executable, "-m", "physlens", "bench", "feynman", *TINY, *args]

    def run(self, *args, timeout=120) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(args), capture_output=True, text=True, env=self.env, timeout=timeout)

    def start(self, *args, stderr) -> subprocess.Popen:
        """A run in the background, SIGINT at its default (a child of a shell that ignores
        SIGINT would otherwise inherit the ignore)."""
        process = subprocess.Popen(self.argv(args), env=self.env, stdout=subprocess.DEVNULL, stderr=stderr, text=True,
                                   start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.reap(process)
        return process

    @staticmethod
    def stored_count(path) -> int:
        """Finished records, read with plain sqlite3 while another process writes."""
        try:
            with sqlite3.connect(path, timeout=5) as connection:
                return connection.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.OperationalError:  # the writer has not created the table yet
            return 0

    def wait_for_records(self, path, at_least, process, timeout=90.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = self.stored_count(path)
            if count >= at_least:
                return count
            if process.poll() is not None:
                pytest.fail(f"the run ended (exit {process.returncode}) before writing {at_least} records")
            time.sleep(0.05)
        pytest.fail(f"no {at_least} records in {path} after {timeout:g} s")


@pytest.fixture
def bench(tmp_path, reap) -> BenchCommand:
    """``physlens bench feynman`` with tiny settings, in a subprocess, PHYSLENS_HOME in tmp_path."""
    return BenchCommand(tmp_path, reap)
