"""Helpers shared by the CLI commands."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from physlens.errors import ParameterError


def parse_unit_options(options: list[str] | None) -> dict[str, str]:
    """``["x=m", "t=s"]`` -> ``{"x": "m", "t": "s"}``; each option must be COL=UNIT."""
    units: dict[str, str] = {}
    for option in options or []:
        column, sep, unit = option.partition("=")
        if not sep or not column.strip():
            raise ParameterError(f"--unit {option!r} must look like COLUMN=UNIT, for example --unit x=m")
        units[column.strip()] = unit.strip()
    return units


def print_json(payload: dict[str, Any]) -> None:
    """Exactly one JSON object on stdout."""
    from physlens.methods.base import _jsonable

    sys.stdout.write(json.dumps(_jsonable(payload), sort_keys=True) + "\n")
    sys.stdout.flush()


def verdict_table(verdicts) -> "Any":
    """A rich table of verdicts (check, result, score, role: blocking or informative, reason)."""
    from rich.table import Table

    table = Table(title="Checks against physics")
    for column in ("check", "result", "score", "role", "reason"):
        table.add_column(column)
    colours = {True: "green", False: "red", None: "dim"}
    for v in verdicts:
        score = "" if v.score is None else f"{v.score:.4g}"
        table.add_row(v.name, f"[{colours[v.passed]}]{v.mark}[/]", score, "blocking" if v.blocking else "informative", v.reason)
    return table


def subsample_rows(n_rows: int, limit: int, seed: int, what: str = "rows"):
    """Sorted indices of a seeded random subsample of at most ``limit`` of ``n_rows``
    rows, or None when all rows fit. Says so on stderr: a result from a subsample must
    never look like a result from the whole file."""
    if n_rows <= limit:
        return None
    import numpy as np

    print(
        f"physlens: using a random subsample of {limit:,} of {n_rows:,} {what} (seed {seed}); "
        "--max-rows sets the limit",
        file=sys.stderr,
    )
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=limit, replace=False))


def timed_progress(console, budget: float):
    """A progress bar that fills with elapsed time over the budget, labelled by stage."""
    import threading
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True)
    task = progress.add_task("preparing", total=budget)
    stop = threading.Event()

    def tick():
        start = time.perf_counter()
        while not stop.wait(0.2):
            progress.update(task, completed=min(time.perf_counter() - start, budget))

    thread = threading.Thread(target=tick, daemon=True)
    return progress, task, stop, thread


@contextlib.contextmanager
def activity(description: str):
    """A pulsing progress bar with the elapsed time on stderr while a method trains or
    searches (methods report no step counts to the CLI); drawn only on a terminal and
    erased when done, so pipes and --json output stay clean."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    with progress:
        progress.add_task(description, total=None)
        yield
