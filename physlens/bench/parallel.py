"""Run independent tasks in this process, on a local Dask cluster, or on an existing one,
and hand back each result as soon as it finishes.

The caller stays the only writer of the results store: workers compute and return,
the calling process records each result as it arrives, so a run killed at any moment
keeps every finished record and the store never sees two writers. Dask is imported only
when ``workers > 1`` or a scheduler is given, so the default path stays light."""

from __future__ import annotations

import logging
import os
import re
import socket
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from physlens.errors import ParameterError

# each local worker process runs one task on one thread: numerical libraries (and torch,
# which reads OMP_NUM_THREADS) too, else 2 workers on 2 cores oversubscribe them
WORKER_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# Dask sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which also turns off glibc's
# adaptive mmap threshold: every large numpy temporary is then mapped and unmapped anew.
# Measured here: one Feynman search took 22.7 s with it and 16.4 s without (one core each).
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}  # None: not set
_SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://([^\s/:\[\]]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$")  # host, or [IPv6]


@dataclass(frozen=True)
class Finished:
    """One finished task: the task as given, what the function returned, and where it
    ran (``address`` of the Dask worker or ``"local"``, ``hostname``, ``pid``)."""

    task: Any
    result: Any
    worker: dict[str, Any] = field(default_factory=dict)


def _where() -> dict[str, Any]:
    """The Dask worker running this call, or "local" (without importing Dask)."""
    address = "local"
    distributed = sys.modules.get("distributed")
    if distributed is not None:
        try:
            address = distributed.get_worker().address
        except ValueError:  # not inside a worker
            pass
    return {"address": address, "hostname": socket.gethostname(), "pid": os.getpid()}


def _run_located(function: Callable[[Any], Any], task: Any) -> tuple[Any, dict[str, Any]]:
    return function(task), _where()


def check_cluster_options(workers: int, scheduler: str | None) -> None:
    """``workers`` >= 1, and ``scheduler`` (if any) an address with ``workers`` left at 1."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"--workers must be an integer >= 1, got {workers!r}")
    if scheduler is None:
        return
    if not _SCHEDULER_ADDRESS.match(scheduler):
        raise ParameterError(f"--scheduler {scheduler!r} must look like tcp://HOST:PORT, for example tcp://127.0.0.1:8786")
    if workers != 1:
        raise ParameterError("--workers sizes a local cluster; with --scheduler the cluster's own workers run the tasks")


def map_tasks(
    function: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    connect_timeout: float = 10.0,
    worker_timeout: float = 60.0,
) -> Iterator[Finished]:
    """Yield :class:`Finished` for every task, in the order they finish.

    ``workers=1`` and no scheduler: run in this process, in order, without Dask.
    ``workers=N``: a local Dask cluster of N processes with one thread each (OpenMP, MKL
    and OpenBLAS too), on loopback, no dashboard. ``scheduler="tcp://HOST:PORT"``: the workers of an existing cluster
    (gives up after ``connect_timeout`` seconds without the scheduler, or
    ``worker_timeout`` seconds without a worker). ``function`` and the
    tasks must be picklable (a module-level function and plain data) for Dask.

    An exception raised by a task propagates here and the tasks not yet finished are
    cancelled; results already yielded are the caller's. Close the generator (or let
    it finish) to shut down the cluster it started: use ``contextlib.closing``."""
    check_cluster_options(workers, scheduler)  # here, not in a generator: bad options fail at the call
    tasks = list(tasks)
    if scheduler is None and workers == 1:
        return _map_here(function, tasks)
    return _map_on_dask(function, tasks, workers=workers, scheduler=scheduler, connect_timeout=connect_timeout,
                        worker_timeout=worker_timeout)


def _map_here(function, tasks) -> Iterator[Finished]:
    for task in tasks:
        result, where = _run_located(function, task)
        yield Finished(task, result, where)


def _map_on_dask(function, tasks, *, workers, scheduler, connect_timeout, worker_timeout) -> Iterator[Finished]:
    import dask
    from distributed import Client, LocalCluster, as_completed

    cluster = client = None
    pending: dict = {}  # future key -> (future, task), for what is not finished yet
    try:
        if scheduler is None:
            with dask.config.set(WORKER_CONFIG):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.ERROR, env=WORKER_ENVIRONMENT)
            client = Client(cluster, set_as_default=False)
        else:
            try:
                client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
            except (OSError, TimeoutError) as error:
                raise ParameterError(f"cannot reach the Dask scheduler at {scheduler} ({error}); start one with "
                                     "`dask scheduler` or leave out --scheduler") from None
            try:
                client.wait_for_workers(1, timeout=worker_timeout)
            except TimeoutError:
                raise ParameterError(f"the Dask scheduler at {scheduler} has no workers after {worker_timeout:g} s; "
                                     f"start some with `dask worker {scheduler}`") from None
        for task in tasks:
            future = client.submit(_run_located, function, task, pure=False)
            pending[future.key] = (future, task)
        for future in as_completed([future for future, _ in pending.values()], loop=client.loop):
            result, where = future.result()
            _, task = pending.pop(future.key)
            yield Finished(task, result, where)
    finally:
        if client is not None:
            if pending:
                client.cancel([future for future, _ in pending.values()])
            client.close()
        if cluster is not None:
            cluster.close()
