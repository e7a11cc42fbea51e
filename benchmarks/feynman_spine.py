"""Issue 2's check: physlens `discover`'s engine vs plain pyoperon (configured well) on
five Feynman equations, 10,000 rows, noise 0, the same wall-clock budget, same run.
Prints the table and writes a record to benchmarks/records/feynman-spine/.

    .venv/bin/python benchmarks/feynman_spine.py [--budget 55] [--store PATH]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from physlens.bench.feynman import exact_share_figures, leaderboard, plan_feynman, record_rows, run_feynman
from physlens.bench.records import load_average, markdown_table, write_record
from physlens.bench.store import ResultsStore

EQUATIONS = ["I.6.2a", "I.12.2", "I.18.4", "I.9.18", "II.6.15a"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=55.0)
    parser.add_argument("--methods", default="physlens,operon")
    parser.add_argument("--store", default=None)
    args = parser.parse_args()
    load_before = load_average()
    store_path = args.store or str(Path(tempfile.mkdtemp()) / "spine.sqlite")
    plan = dict(equations=EQUATIONS, methods=args.methods.split(","), budget=args.budget)
    with ResultsStore(store_path) as store:
        run_feynman(store, progress=lambda text: print(text, flush=True), **plan)
        summary, _ = leaderboard(store)
        rows = sorted(record_rows(store, plan_feynman(**plan)), key=lambda r: (EQUATIONS.index(r["task"]), r["method"]))
    table = [{"equation": r["task"], "method": r["method"], "exact": "yes" if r["exact"] else "no",
              "test R2 (noise-free)": "-" if r["r2"] is None else f"{r['r2']:.6f}", "seconds": f"{r['seconds']:.1f}",
              "equation found": f"`{r['expression']}`"} for r in rows]
    print(markdown_table(table) + "\n\n" + summary.to_markdown(index=False, floatfmt=".1f"))
    write_record("feynman-spine", f"Feynman spine check: physlens vs plain pyoperon, budget {args.budget:g} s, 10,000 rows, noise 0",
                 rows=rows, headline=exact_share_figures(rows), seeds=[0], load_before=load_before,
                 notes=f"Equations {', '.join(EQUATIONS)}; store {store_path}.")


if __name__ == "__main__":
    main()
