"""Tour: the comparison matrix. Every registered method runs on every dataset of the kind
it consumes (the quick suite of ``physlens compare``), and each answer is scored against
the dataset's ground truth."""

from __future__ import annotations

import tempfile
from pathlib import Path

from physlens.report.section import Section

TITLE = "Methods compared on identical datasets"
ORDER = 90


def run(quick: bool, seed: int) -> Section:
    from physlens.bench.store import ResultsStore
    from physlens.compare.export import comparison_section
    from physlens.compare.run import plan, run_compare

    tasks, refused = plan(quick=True, seed=seed)
    with tempfile.TemporaryDirectory(prefix="physlens-compare-") as folder, ResultsStore(Path(folder) / "compare.sqlite") as store:
        pairs = run_compare(tasks, store)
    return comparison_section(pairs, refused, quick=True)
