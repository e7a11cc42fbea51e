"""``physlens tour``: the headline experiments, each a module of this package with

    TITLE: str            shown in the report
    ORDER: int            position in the tour (small first)
    def run(quick: bool, seed: int) -> Section

Modules are found automatically, so an issue adds its experiment by adding a module.
The tour writes ``index.html`` (equations, plots, verdicts) and ``results.json``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import time
from pathlib import Path
from typing import Callable

from physlens.report.html import render_page
from physlens.report.section import Section


def experiments() -> list:
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return sorted(modules, key=lambda m: (m.ORDER, m.__name__))


def run_tour(
    out: Path,
    *,
    quick: bool = False,
    seed: int = 0,
    only: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Section]:
    """Run every experiment (or those whose module name is in ``only``) and write the report."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sections: list[Section] = []
    timings: dict[str, float] = {}
    for module in experiments():
        key = module.__name__.rsplit(".", 1)[-1]
        if only and key not in only:
            continue
        if progress:
            progress(module.TITLE)
        start = time.perf_counter()
        section = module.run(quick=quick, seed=seed)
        timings[key] = time.perf_counter() - start
        section.values.setdefault("seconds", round(timings[key], 2))
        sections.append(section)
    intro = (
        "Each experiment simulates a system whose physics is known, runs a physlens method on the data alone, "
        "and checks what the method reports against that known truth and against physical principles."
        + (" Quick mode: reduced data and budgets." if quick else "")
    )
    (out / "index.html").write_text(render_page("physlens tour", intro, sections), encoding="utf-8")
    results = {"quick": quick, "seed": seed, "sections": [s.to_dict() for s in sections]}
    (out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True), encoding="utf-8")
    return sections
