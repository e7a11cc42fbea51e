"""Issue 7's scale-out figure: the same Feynman subset (physlens engine, same budget,
same seeds) run with 1 worker (in this process, no Dask: the default) and with 2 workers
(a local Dask cluster of 2 processes, one thread each), each into a fresh results store.
Prints the wall time of each, cluster start-up included, and the speedup, with the
exact-recovery count of each so a speedup bought with worse answers shows; appends the
table to benchmarks/RESULTS.md.

The engine's budget is wall-clock seconds, so a run's length is set mostly by the budget
and 2 workers finish sooner even on a busy machine; what the busy machine costs shows
in the exact-recovery column. Record the load average beside the figure (RESULTS.md
does).

    .venv/bin/python benchmarks/dask_speedup.py                       # 8 equations, 10 s each
    .venv/bin/python benchmarks/dask_speedup.py --equations 8 --budget 2 --samples 1000   # a quick check
    .venv/bin/python benchmarks/dask_speedup.py --scheduler tcp://HOST:PORT   # 2nd run on a cluster instead
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import append  # noqa: E402

from physlens.bench.feynman import plan_feynman, record_runs  # noqa: E402
from physlens.bench.store import ResultsStore  # noqa: E402
from physlens.data.feynman import feynman_equations  # noqa: E402


def timed_run(runs, store_path: Path, *, workers: int, scheduler: str | None) -> dict:
    """Wall time of recording every run (cluster start-up and shut-down included)."""
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with ResultsStore(store_path) as store:
        record_runs(store, runs, workers=workers, scheduler=scheduler,
                    on_record=lambda result: print(f"  {result.task} on {result.worker['address']}: "
                                                   f"{result.timings['total']:.1f} s", flush=True))
        seconds = time.perf_counter() - start
        rows = list(store.rows())
    return {
        "seconds": seconds, "records": len(rows), "exact": sum(bool(r["metrics"].get("exact")) for r in rows),
        "task_seconds": sum(r["timings"]["total"] for r in rows), "workers_seen": len({r["worker"]["address"] for r in rows}),
        "load": (load_before + os.getloadavg()[0]) / 2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--equations", type=int, default=8, help="size of a seeded random sample of the 100 equations")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per equation")
    parser.add_argument("--samples", type=int, default=10_000, help="training rows per equation")
    parser.add_argument("--workers", type=int, default=2, help="workers of the local cluster in the second run")
    parser.add_argument("--scheduler", default=None, help="run the second configuration on this Dask cluster instead")
    args = parser.parse_args()

    equations = sorted(np.random.default_rng(2026).choice(list(feynman_equations()), args.equations, replace=False).tolist())
    runs = plan_feynman(equations=equations, methods=["physlens"], budget=args.budget, n_samples=args.samples)
    folder = Path(tempfile.mkdtemp(prefix="dask_speedup_"))
    second = (f"cluster {args.scheduler}", 1, args.scheduler) if args.scheduler else \
        (f"{args.workers} workers (local Dask cluster)", args.workers, None)
    measured = {}
    for label, workers, scheduler in [("1 worker (in-process)", 1, None), second]:
        print(f"{label}: {len(runs)} runs", flush=True)
        measured[label] = timed_run(runs, folder / f"{workers}-{bool(scheduler)}.sqlite", workers=workers, scheduler=scheduler)
    baseline = measured["1 worker (in-process)"]["seconds"]
    lines = [f"Equations ({len(equations)}, physlens engine, budget {args.budget:g} s, {args.samples} rows, seed 0): "
             f"{', '.join(equations)}", "",
             "| configuration | wall s | speedup | records | exact | sum of task s | workers that ran tasks | mean load |",
             "|---|---|---|---|---|---|---|---|"]
    for label, m in measured.items():
        lines.append(f"| {label} | {m['seconds']:.1f} | {baseline / m['seconds']:.2f} | {m['records']} | {m['exact']} | "
                     f"{m['task_seconds']:.1f} | {m['workers_seen']} | {m['load']:.1f} |")
    append("Dask scale-out: 1 vs 2 workers on a Feynman subset", "\n".join(lines))


if __name__ == "__main__":  # the guard matters: Dask's worker processes are spawned and re-import this file
    main()
