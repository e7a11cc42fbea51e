"""Issue 7's scale-out figure on fixed work: the same Feynman batch (physlens engine, each
search bounded by a number of model EVALUATIONS, not by the clock, seeded) run with 1
worker (in this process, no Dask) and with 2 workers (a local Dask cluster of 2
processes), each into a fresh results store. Every configuration runs one thread per
task (OpenMP, MKL, OpenBLAS and torch too), so both do the same work and the speedup
measures the parallelism, not a wall-clock budget. The longest tasks (most variables)
are submitted first so no worker idles at the end while another finishes a long one.

Prints per configuration the wall time (cluster start-up and shut-down included), the
speedup, the sum of task seconds and the exact-recovery count, and checks that both
configurations gave identical expressions for every equation (the work is fixed and
seeded, so they must). Writes a record to benchmarks/records/dask-speedup/. Target:
speedup >= 1.8 with 2 workers on 2 free cores.

    .venv/bin/python benchmarks/dask_speedup.py                       # 20 equations, 100,000 evaluations each
    .venv/bin/python benchmarks/dask_speedup.py --equations 4 --evaluations 2000 --samples 500   # a quick check
    .venv/bin/python benchmarks/dask_speedup.py --scheduler tcp://HOST:PORT   # 2nd run on a cluster instead
"""

from __future__ import annotations

import os

# one thread per task everywhere: set before numpy or torch load, inherited by Dask's worker processes
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from physlens.bench.feynman import plan_feynman, record_rows, record_runs  # noqa: E402
from physlens.bench.records import figure, load_average, markdown_table, write_record  # noqa: E402
from physlens.bench.store import ResultsStore  # noqa: E402
from physlens.data.feynman import feynman_equations  # noqa: E402

TARGET = 1.8


def timed_run(runs, store_path: Path, *, workers: int, scheduler: str | None) -> dict:
    """Wall time of recording every run (cluster start-up and shut-down included), with
    the record rows and where they ran."""
    load_before = load_average()
    start = time.perf_counter()
    with ResultsStore(store_path) as store:
        record_runs(store, runs, workers=workers, scheduler=scheduler,
                    on_record=lambda result: print(f"  {result.task} on {result.worker['address']}: "
                                                   f"{result.timings['total']:.1f} s", flush=True))
        seconds = time.perf_counter() - start
        rows = record_rows(store, runs)
        workers_seen = len({row["worker"]["address"] for row in store.rows()})
    return {"seconds": seconds, "rows": rows, "exact": sum(row["exact"] for row in rows),
            "task_seconds": sum(row["seconds"] for row in rows), "workers_seen": workers_seen,
            "load_before": load_before, "load_after": load_average()}


def longest_first(runs):
    """Runs with the most variables first (a search's cost grows with them)."""
    variables = {identifier: len(equation.variables) for identifier, equation in feynman_equations().items()}
    return sorted(runs, key=lambda run: (-variables[run.identifier], run.identifier))


def answer_differences(first: list[dict], second: list[dict]) -> list[str]:
    """Equations whose expression differs between two configurations."""
    theirs = {row["task"]: row["expression"] for row in second}
    return [f"{row['task']}: {row['expression']} vs {theirs.get(row['task'])}" for row in first
            if theirs.get(row["task"]) != row["expression"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--equations", type=int, default=20, help="size of a seeded random sample of the 100 equations")
    parser.add_argument("--evaluations", type=int, default=100_000, help="model evaluations per search (>= 1000): the fixed work")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds; with an evaluation bound this only decides which stages run (the symmetry probe needs >= 20)")
    parser.add_argument("--samples", type=int, default=10_000, help="training rows per equation")
    parser.add_argument("--seed", type=int, default=0, help="seed of every run")
    parser.add_argument("--workers", type=int, default=2, help="workers of the local cluster in the second run")
    parser.add_argument("--scheduler", default=None, help="run the second configuration on this Dask cluster instead")
    args = parser.parse_args()
    load_before = load_average()

    equations = sorted(np.random.default_rng(2026).choice(list(feynman_equations()), args.equations, replace=False).tolist())
    runs = longest_first(plan_feynman(equations=equations, methods=["physlens"], seeds=[args.seed], budget=args.budget,
                                      n_samples=args.samples, threads=1, evaluations=args.evaluations))
    folder = Path(tempfile.mkdtemp(prefix="dask_speedup_"))
    baseline_label = "1 worker (in-process)"
    second = (f"cluster {args.scheduler}", 1, args.scheduler) if args.scheduler else \
        (f"{args.workers} workers (local Dask cluster)", args.workers, None)
    measured = {}
    for label, workers, scheduler in [(baseline_label, 1, None), second]:
        print(f"{label}: {len(runs)} runs", flush=True)
        measured[label] = timed_run(runs, folder / f"{workers}-{bool(scheduler)}.sqlite", workers=workers, scheduler=scheduler)
    baseline = measured[baseline_label]
    table = [{"configuration": label, "wall s": m["seconds"], "speedup": baseline["seconds"] / m["seconds"],
              "records": len(m["rows"]), "exact": m["exact"], "sum of task s": m["task_seconds"],
              "workers that ran tasks": m["workers_seen"], "load before": m["load_before"][0], "load after": m["load_after"][0]}
             for label, m in measured.items()]
    differences = answer_differences(baseline["rows"], measured[second[0]]["rows"])
    print(markdown_table(table, floatfmt=".3g"))
    print("identical answers in both configurations" if not differences else
          f"{len(differences)} equations differ between the configurations:\n  " + "\n  ".join(differences))
    speedup = table[1]["speedup"]
    headline = [
        figure(f"speedup of {second[0]} over 1 worker", speedup, peer=baseline_label, peer_value=1.0, target=f">= {TARGET:g}", unit="x"),
        figure(f"wall seconds, {second[0]}", measured[second[0]]["seconds"], peer=baseline_label,
               peer_value=baseline["seconds"], unit="s", direction="lower"),
        figure("equations whose answer differs between the configurations", len(differences), target="0", direction="lower"),
    ]
    rows = [row | {"configuration": label} for label, m in measured.items() for row in m["rows"]]
    write_record("dask-speedup", f"Dask scale-out on fixed work: 1 vs {second[0]}, {len(equations)} Feynman equations",
                 rows=rows, headline=headline, seeds=[args.seed], load_before=load_before,
                 tables={"configurations": table, "answer differences": [{"difference": d} for d in differences]},
                 notes=f"Equations ({len(equations)}, physlens engine, {args.evaluations} evaluations per search, budget "
                       f"{args.budget:g} s, {args.samples} rows, seed {args.seed}, one thread per task, longest first): "
                       f"{', '.join(equations)}.")


if __name__ == "__main__":  # the guard matters: Dask's worker processes are spawned and re-import this file
    main()
