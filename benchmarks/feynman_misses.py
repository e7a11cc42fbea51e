"""Issue 8: the reason for each miss of a Feynman benchmark run.

Each physlens miss is judged as physlens selects laws: the description length of the
true law and of the answer on the validation rows of that run (data regenerated from
the equation, noise and seed; see physlens.bench.feynman.miss_reason). "search": the law
scores better, so it did not reach the selection in that form (the search, or the
polishing before the selection, lost it); "data": the answer scores no worse, so
the data do not single the law out.

The misses come from a results store, or from the "Misses:" table of a run in the
superseded hand log benchmarks/history/RESULTS-handwritten-2026-12-06.md (the section
whose command line contains --section's text), for runs whose store is gone. Prints the
table and writes a record to benchmarks/records/feynman-misses/:

    python benchmarks/feynman_misses.py --store /work/bench-stores/peers0001.sqlite
    python benchmarks/feynman_misses.py --section "--noise 0.01 --store /tmp/s9/peers01.sqlite"
"""

from __future__ import annotations

import argparse
from pathlib import Path

from physlens.bench.feynman import leaderboard, miss_reason
from physlens.bench.records import figure, load_average, markdown_table, write_record
from physlens.bench.store import ResultsStore

RESULTS = Path(__file__).resolve().parent / "history" / "RESULTS-handwritten-2026-12-06.md"

COLUMNS = ("method", "noise", "seed", "equation", "r2_test", "equation_found")


def misses_from_results(section: str) -> tuple[str, list[dict]]:
    """(the section's date line, its misses) from the hand-log section whose command
    line contains ``section``; exactly one section must match."""
    chunks = RESULTS.read_text(encoding="utf-8").split("\n## ")
    matching = [c for c in chunks if any(line.startswith("- command:") and "feynman.py " in line and section in line
                                         for line in c.splitlines())]
    if len(matching) != 1:
        raise SystemExit(f"{len(matching)} sections of {RESULTS.name} have a command containing {section!r}; need exactly one")
    lines = matching[0].splitlines()
    date = next(line for line in lines if line.startswith("- date:"))
    table = lines[lines.index("Misses:") + 2:]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    rows = []
    for line in table[2:]:
        if not line.startswith("|"):
            break
        cells = dict(zip(header, (cell.strip() for cell in line.strip("|").split("|"))))
        # a table with any error prints "nan" in the error cell of every other row
        error = cells.get("error", "")
        rows.append({k: cells.get(k, "") for k in COLUMNS} | {"error": "" if error == "nan" else error})
    return date.removeprefix("- date: "), rows


def misses_from_store(path: str) -> list[dict]:
    with ResultsStore(path) as store:
        _, misses = leaderboard(store)
    rows = [{k: row[k] for k in (*COLUMNS, "error", "n_samples")} for row in misses.to_dict("records")]
    return [row | {"error": row["error"] if isinstance(row["error"], str) else ""} for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--store", help="a results store written by benchmarks/feynman.py")
    source.add_argument("--section", help="text of the command line of a section of the hand log in benchmarks/history/")
    parser.add_argument("--methods", default="physlens", help="comma-separated methods whose misses are explained")
    args = parser.parse_args()
    load_before = load_average()
    if args.store:
        origin, rows = f"store {args.store}", misses_from_store(args.store)
    else:
        date, rows = misses_from_results(args.section)
        origin = f"the Misses table of the hand-log section dated {date} (command containing `{args.section}`)"
    methods = args.methods.split(",")
    explained = []
    counts: dict[str, int] = {}
    for row in rows:
        if row["method"] not in methods:
            continue
        found = row["equation_found"] or None
        reason = miss_reason(row["equation"], float(row["noise"]), int(row["seed"]), None if row.get("error") else found,
                             n_samples=int(row.get("n_samples", 10_000)))
        counts[reason.split(":")[0]] = counts.get(reason.split(":")[0], 0) + 1
        explained.append({"method": row["method"], "noise": float(row["noise"]), "seed": int(row["seed"]), "task": row["equation"],
                          "r2": float(row["r2_test"]), "expression": found, "reason": reason})
        print(f"| {row['method']} | {float(row['noise']):g} | {int(row['seed'])} | {row['equation']} | {float(row['r2_test']):.6g} | {reason} |", flush=True)
    tally = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no misses"
    print(markdown_table(explained, ["method", "noise", "seed", "task", "r2", "reason"], floatfmt=".6g"))
    print(f"Tally: {tally}.")
    notes = (f"Misses of {', '.join(methods)} from {origin}, each judged on its run's validation rows by the description "
             "length physlens selects with (physlens.bench.feynman.miss_reason). 'search': the true law scores better than "
             "the answer, so it did not reach the selection (the search or the polishing before it lost it); 'data': the answer "
             "scores no worse, so these rows do not single the law out.")
    headline = [figure(f"misses whose reason is {kind}", counts.get(kind, 0), unit="runs") for kind in ("search", "data")]
    write_record("feynman-misses", "Feynman misses and their reasons (issue 8)", rows=explained, headline=headline,
                 seeds=sorted({row["seed"] for row in explained}), load_before=load_before, notes=notes)


if __name__ == "__main__":
    main()
