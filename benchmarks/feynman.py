"""Issue 8's benchmark: physlens, its ablations and the peers on Feynman equations and
negative controls, one record per run in a results store (rerun with the same --store
to resume), tables built from the records and appended to RESULTS.md.

Full run (the issue's table; many hours on 2 cores):
    .venv/bin/python benchmarks/feynman.py --budget 60 --noise 0 0.001 0.01 0.1
A sample:
    .venv/bin/python benchmarks/feynman.py --sample 12 --budget 30 --methods physlens,physlens-no-units,physlens-no-structure,operon
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import append  # noqa: E402

from physlens.bench.feynman import CONTROLS, SUMMARY_FLOATFMT, leaderboard, negative_controls, run_feynman  # noqa: E402
from physlens.bench.store import ResultsStore  # noqa: E402
from physlens.data.feynman import feynman_equations  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--sample", type=int, default=0, help="a seeded random sample of this many equations (0: all)")
    parser.add_argument("--sample-seed", type=int, default=2026, help="seed of that sample (2026: the sample used while developing)")
    parser.add_argument("--equations", default=None, help="comma-separated Feynman ids (instead of all or a sample)")
    parser.add_argument("--methods", default="physlens,physlens-no-units,physlens-no-structure,physlens-no-enumeration,"
                        "physlens-no-separability,operon,operon-default,gplearn")
    parser.add_argument("--store", default=None)
    parser.add_argument("--workers", type=int, default=1, help="local Dask processes; with more than 1 each engine runs on one thread")
    args = parser.parse_args()
    equations = list(feynman_equations())
    if args.equations:
        equations = [e.strip() for e in args.equations.split(",")]
    elif args.sample:
        equations = sorted(np.random.default_rng(args.sample_seed).choice(equations, args.sample, replace=False).tolist())
    store_path = args.store or str(Path(tempfile.mkdtemp()) / "feynman.sqlite")
    with ResultsStore(store_path) as store:
        run_feynman(store, equations=[*equations, *CONTROLS], noises=args.noise, seeds=range(args.seeds),
                    methods=args.methods.split(","), budget=args.budget, workers=args.workers,
                    progress=lambda text: print(text, flush=True))
        summary, misses = leaderboard(store, reasons=True)
        controls = negative_controls(store)
    body = [f"Equations ({len(equations)}): {', '.join(equations)}", "", summary.to_markdown(index=False, floatfmt=SUMMARY_FLOATFMT), "",
            "Negative controls (a claimed law is a false discovery; peers always return a formula):", "",
            controls.to_markdown(index=False, floatfmt=".4g"), "", "Misses:", "",
            misses.reindex(columns=["method", "noise", "seed", "equation", "r2_test", "equation_found", "error", "reason"]).to_markdown(index=False, floatfmt=".6g")]
    append(f"Feynman benchmark, budget {args.budget:g} s, store {store_path}", "\n".join(body))


if __name__ == "__main__":
    main()
