"""Helpers shared by the CLI commands."""

from __future__ import annotations

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
    """A rich table of verdicts (check, result, score, reason)."""
    from rich.table import Table

    table = Table(title="Checks against physics")
    for column in ("check", "result", "score", "reason"):
        table.add_column(column)
    colours = {True: "green", False: "red", None: "dim"}
    for v in verdicts:
        score = "" if v.score is None else f"{v.score:.4g}"
        table.add_row(v.name, f"[{colours[v.passed]}]{v.mark}[/]", score, v.reason)
    return table
