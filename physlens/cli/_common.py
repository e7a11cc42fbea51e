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


MARKDOWN_HELP = "Print tables as Markdown (without it: a rich table on a terminal, plain text with every cell whole on a pipe)."


def print_table(console, title: str, columns, rows, *, markdown: bool = False, row_styles=None) -> None:
    """Print a table whole, the one way every command prints one. On a terminal: a rich
    table whose cells wrap (never cut). Anywhere else (a pipe, a file, a test runner):
    plain text, columns padded to their widest cell, no line wrapped. ``markdown``: a
    Markdown table wherever stdout goes. Cells are literal text (never markup) or
    ``rich.text.Text`` carrying a style; ``row_styles`` styles whole rows on a terminal."""
    from rich.text import Text

    def flat(cell) -> str:  # one line per row, off a terminal
        return (cell.plain if isinstance(cell, Text) else str(cell)).replace("\n", " ")

    rows = [list(row) for row in rows]
    if markdown or not console.is_terminal:
        cells = [[flat(c) for c in columns]] + [[flat(c) for c in row] for row in rows]
        if markdown:
            lines = [f"**{title}**", ""] + ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in cells]
            lines.insert(3, "| " + " | ".join("---" for _ in columns) + " |")
        else:
            widths = [max(len(line[k]) for line in cells) for k in range(len(columns))]
            cells.insert(1, ["-" * w for w in widths])
            lines = [title] + ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
        console.print("\n".join(lines) + "\n", markup=False, highlight=False, emoji=False, soft_wrap=True)
        return
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for k, row in enumerate(rows):
        table.add_row(*(c if isinstance(c, Text) else Text(str(c)) for c in row),
                      style=row_styles[k] if row_styles is not None else None)
    console.print(table)


def print_inclusion(console, table, equation_names, *, markdown: bool = False) -> None:
    """The bootstrap ensemble's inclusion table (dynamics and PDEs): one row per term any
    model chose, kept terms in bold on a terminal; ``equation_names`` labels each row's
    equation (d x/dt is "x", a PDE's u_t is "u_t")."""
    rows = list(table.itertuples())
    print_table(console, "Inclusion probability over the bootstrap ensemble (kept terms in bold)",
                ["equation", "term", "coefficient", "inclusion", "kept"],
                [[equation_names(row), row.term, f"{row.coefficient:.5g}", f"{row.inclusion:.0%}", "yes" if row.kept else "no"]
                 for row in rows],
                markdown=markdown, row_styles=["bold" if row.kept else "dim" for row in rows])


def verdict_rows(verdicts) -> tuple[list[str], list[list]]:
    """Columns and rows of a verdict table: check, result (coloured on a terminal), score,
    role (blocking or informative, where verdicts carry it), reason."""
    from rich.text import Text

    verdicts = list(verdicts)
    roles = all(hasattr(v, "blocking") for v in verdicts) and bool(verdicts)
    colours = {True: "green", False: "red", None: "dim"}
    rows = []
    for v in verdicts:
        score = "" if v.score is None else f"{v.score:.4g}"
        role = ["blocking" if v.blocking else "informative"] if roles else []
        rows.append([v.name, Text(v.mark, style=colours[v.passed]), score, *role, v.reason])
    return ["check", "result", "score", *(["role"] if roles else []), "reason"], rows


def print_verdicts(console, verdicts, *, markdown: bool = False) -> None:
    """The checks of an interpretation, printed whole (see :func:`print_table`)."""
    print_table(console, "Checks against physics", *verdict_rows(verdicts), markdown=markdown)


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
