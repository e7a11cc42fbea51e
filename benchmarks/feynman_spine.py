"""Issue 2's check: physlens `discover`'s engine vs plain pyoperon (configured well) on
five Feynman equations, 10,000 rows, noise 0, the same wall-clock budget, same run.

    .venv/bin/python benchmarks/feynman_spine.py [--budget 55] [--store PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import append  # noqa: E402

from physlens.bench.feynman import leaderboard, run_feynman  # noqa: E402
from physlens.bench.store import ResultsStore  # noqa: E402

EQUATIONS = ["I.6.2a", "I.12.2", "I.18.4", "I.9.18", "II.6.15a"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=55.0)
    parser.add_argument("--methods", default="physlens,operon")
    parser.add_argument("--store", default=None)
    args = parser.parse_args()
    store_path = args.store or str(Path(tempfile.mkdtemp()) / "spine.sqlite")
    with ResultsStore(store_path) as store:
        run_feynman(store, equations=EQUATIONS, methods=args.methods.split(","), budget=args.budget,
                    progress=lambda text: print(text, flush=True))
        summary, _ = leaderboard(store)
        rows = [row for row in store.rows()]
    lines = ["| equation | method | exact | test R2 (noise-free) | seconds | equation found |", "|---|---|---|---|---|---|"]
    for row in sorted(rows, key=lambda r: (EQUATIONS.index(r["task"].split(":")[1]), r["method"])):
        m = row["metrics"]
        r2 = m.get("r2_test")
        lines.append(f"| {row['task'].split(':')[1]} | {row['method']} | {'yes' if m.get('exact') else 'no'} | "
                     f"{'-' if r2 is None else f'{r2:.6f}'} | {row['timings']['total']:.1f} | "
                     f"`{row['interpretation'].get('equation') or m.get('error')}` |")
    lines += ["", summary.to_markdown(index=False, floatfmt=".1f")]
    append(f"Feynman spine check: physlens vs plain pyoperon, budget {args.budget:g} s, 10,000 rows, noise 0", "\n".join(lines))


if __name__ == "__main__":
    main()
