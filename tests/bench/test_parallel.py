"""Issue 7, part 5: the same runs in this process, on a local Dask cluster, and on a real
``dask scheduler`` with two ``dask worker`` processes on loopback; the calling process
writes every record."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from physlens.bench.parallel import map_tasks
from physlens.bench.store import ResultsStore
from physlens.errors import ParameterError

DASK = Path(sys.executable).with_name("dask")


def square(x):
    return x * x


def fail_on_two(x):
    if x == 2:
        raise RuntimeError("task 2 failed")
    return x


def test_in_process_map_yields_each_result_with_where_it_ran():
    finished = list(map_tasks(square, [1, 2, 3]))
    assert [(done.task, done.result) for done in finished] == [(1, 1), (2, 4), (3, 9)]
    assert {done.worker["address"] for done in finished} == {"local"}
    assert {done.worker["pid"] for done in finished} == {os.getpid()}


def test_in_process_map_does_not_import_dask():
    code = ("import sys; from physlens.bench.parallel import map_tasks; "
            "list(map_tasks(abs, [-1, 2])); print('distributed' in sys.modules, 'dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_failing_task_propagates_and_stops_the_map():
    seen = []
    with pytest.raises(RuntimeError, match="task 2 failed"):
        for done in map_tasks(fail_on_two, [1, 2, 3]):
            seen.append(done.result)
    assert seen == [1]


@pytest.mark.parametrize("options, message", [
    ({"workers": 0}, "--workers must be an integer >= 1"),
    ({"scheduler": "localhost:8786"}, "must look like tcp://HOST:PORT"),
    ({"scheduler": "tcp://127.0.0.1:8786", "workers": 2}, "--workers sizes a local cluster"),
])
def test_bad_cluster_options_fail_at_the_call(options, message):
    with pytest.raises(ParameterError, match=message):
        map_tasks(square, [1], **options)


def test_cli_rejects_bad_scheduler_before_any_work(bench, tmp_path):
    run = bench.run("--equations", "I.14.4", "--scheduler", "127.0.0.1:8786", "--store", str(tmp_path / "s.sqlite"))
    assert run.returncode == 2 and "tcp://HOST:PORT" in run.stderr and "Traceback" not in run.stderr


def workers_of(path) -> list[str]:
    with ResultsStore(path) as store:
        return [row["worker"]["address"] for row in store.rows()]


def test_local_cluster_of_two_processes(bench, tmp_path):
    path = tmp_path / "local.sqlite"
    run = bench.run("--equations", "I.14.4,I.25.13", "--workers", "2", "--store", str(path))
    assert run.returncode == 0, run.stderr
    assert "local Dask cluster of 2 processes" in run.stderr and "2 new records" in run.stderr
    addresses = workers_of(path)
    assert len(addresses) == 2 and all(a.startswith("tcp://127.0.0.1:") for a in addresses)
    with ResultsStore(path) as store:
        assert all(row["metrics"]["exact"] for row in store.rows())


@pytest.fixture
def dask_cluster(tmp_path, reap, bench):
    """A real ``dask scheduler`` and two ``dask worker`` processes (one thread each) on
    loopback; yields (scheduler address, worker addresses). Torn down by ``reap``."""
    scheduler_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True, "env": bench.env}
    reap(subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                           "--scheduler-file", str(scheduler_file)], **quiet))
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    for _ in range(2):
        reap(subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                               "--host", "127.0.0.1", "--death-timeout", "60"], **quiet))
    wait = ("import sys; from distributed import Client\n"
            "with Client(sys.argv[1], timeout=60) as client:\n"
            "    client.wait_for_workers(2, timeout=90)\n"
            "    print(' '.join(sorted(client.scheduler_info()['workers'])))\n")
    workers = subprocess.run([sys.executable, "-c", wait, address], capture_output=True, text=True, timeout=180, check=True)
    yield address, workers.stdout.split()


def test_benchmark_and_comparison_on_an_existing_dask_cluster(bench, dask_cluster, tmp_path):
    address, workers = dask_cluster
    assert len(workers) == 2
    path = tmp_path / "cluster.sqlite"
    run = bench.run("--equations", "I.14.4,I.25.13,I.12.5,I.39.1", "--scheduler", address, "--store", str(path))
    assert run.returncode == 0, run.stderr
    assert "4 new records" in run.stderr
    addresses = workers_of(path)
    assert len(addresses) == 4
    assert set(addresses) == set(workers)  # both workers ran tasks; the client ran none

    # `physlens compare` on the same cluster: every pair is recorded, none ran in the client
    out = tmp_path / "cmp"
    compare = subprocess.run([sys.executable, "-m", "physlens", "compare", "--quick", "--out", str(out), "--json",
                              "--datasets", "ising-couplings", "--methods", "mean_field,pseudo_likelihood",
                              "--scheduler", address], capture_output=True, text=True, env=bench.env, timeout=300)
    assert compare.returncode == 0, compare.stderr
    assert json.loads(compare.stdout)["summary"]["pairs"] == 2
    assert set(workers_of(out / "compare.sqlite")) <= set(workers) and len(workers_of(out / "compare.sqlite")) == 2


def test_an_unreachable_scheduler_is_a_one_line_error():
    with pytest.raises(ParameterError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1 .*dask scheduler"):
        list(map_tasks(square, [1], scheduler="tcp://127.0.0.1:1", connect_timeout=1))
