"""Benchmark records: one JSON file per benchmark run, committed to git under
``benchmarks/records/<family>/<UTC stamp>-<commit>.json`` (one file per run, so parallel
branches never touch the same file). A record names the commit it ran (``git describe
--always --dirty``), the date, the machine, the load average before and after, the
command line and the seeds, and holds the figures: ``rows`` (one dict per task x method
x seed x noise, where the script has such rows; tables are built from them) and
``headline`` (the figures ``physlens bench report`` puts in benchmarks/RESULTS.md, each
beside the peer measured in the same run)."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from physlens.errors import StoreError

REQUIRED_FIELDS = ("family", "title", "commit", "date", "machine", "load_before", "load_after", "command", "seeds",
                   "rows", "headline")
HEADLINE_FIELDS = ("measure", "value", "peer", "peer_value", "ratio", "target", "unit", "direction")
DIRECTIONS = ("higher", "lower")


def repository_root() -> Path:
    """The checkout this physlens runs from (benchmarks/ sits beside physlens/)."""
    return Path(__file__).resolve().parents[2]


def records_directory() -> Path:
    return repository_root() / "benchmarks" / "records"


def git_commit(cwd: str | Path | None = None) -> str:
    """``git describe --always --dirty`` of the checkout ("unknown" outside a git checkout)."""
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=cwd or repository_root(),
                                   capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return described.stdout.strip() or "unknown"


def machine() -> dict[str, Any]:
    return {"hostname": platform.node() or "machine", "cores": os.cpu_count(), "python": platform.python_version()}


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def command_line() -> str:
    """The command that started this process, as one would type it again."""
    return "python " + shlex.join([os.path.relpath(sys.argv[0]), *sys.argv[1:]])


def figure(measure: str, value: Any, *, peer: str | None = None, peer_value: Any = None, target: str | None = None,
           unit: str = "", direction: str = "higher") -> dict[str, Any]:
    """One headline figure; ``ratio`` is value / peer_value (read it with ``direction``:
    whether a higher or a lower value is better)."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    ratio = None
    if _is_number(value) and _is_number(peer_value) and peer_value != 0:
        ratio = float(value) / float(peer_value)
    return {"measure": measure, "value": value, "peer": peer, "peer_value": peer_value, "ratio": ratio,
            "target": target, "unit": unit, "direction": direction}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def method_figures(rows: Iterable[dict], measure: str, *, score: Callable[[dict], float], ours: Sequence[str],
                   peers: Sequence[str], method_key: str = "method", direction: str = "higher",
                   target: str | None = None, unit: str = "") -> list[dict[str, Any]]:
    """A figure for each of ``ours`` present in ``rows``: the mean of ``score`` over its
    rows, beside the best of ``peers`` in the same rows (other than itself)."""
    totals: dict[str, list[float]] = {}
    for row in rows:
        totals.setdefault(row[method_key], []).append(float(score(row)))
    means = {method: sum(values) / len(values) for method, values in totals.items()}
    pick = max if direction == "higher" else min
    figures = []
    for method in ours:
        if method not in means:
            continue
        rivals = {name: means[name] for name in peers if name in means and name != method}
        best = pick(rivals, key=rivals.get) if rivals else None
        figures.append(figure(f"{measure}: {method}", means[method], peer=best,
                              peer_value=rivals.get(best), target=target, unit=unit, direction=direction))
    return figures


def write_record(family: str, title: str, *, rows: Sequence[dict], headline: Sequence[dict], seeds: Any,
                 load_before: Sequence[float], notes: str = "", tables: dict[str, Sequence[dict]] | None = None,
                 directory: str | Path | None = None) -> Path:
    """Write one run's record and return its path. ``load_before`` is :func:`load_average`
    taken when the run started; the load after is taken here. ``notes`` says in prose what
    was run (data, settings, targets); ``tables`` holds further row tables by name."""
    from physlens.methods.base import _jsonable

    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    commit = git_commit()
    record = {
        "family": family, "title": title, "commit": commit, "date": now.isoformat().replace("+00:00", "Z"),
        "machine": machine(), "load_before": [round(float(value), 2) for value in load_before], "load_after": load_average(),
        "command": command_line(), "seeds": seeds, "headline": list(headline), "rows": list(rows),
        "tables": dict(tables or {}), "notes": notes,
    }
    folder = Path(directory) if directory is not None else records_directory()
    path = folder / family / f"{now:%Y%m%dT%H%M%SZ}-{commit}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dumps(_jsonable(record)), encoding="utf-8")
    print(f"record written to {path}", flush=True)
    return path


def _dumps(record: dict[str, Any]) -> str:
    """JSON with one line per field and one line per row (a run of a thousand rows stays readable)."""
    def rows(items: Sequence, indent: str) -> str:
        return "[]" if not items else "[\n" + ",\n".join(indent + json.dumps(item, default=str) for item in items) + "\n" + indent[:-1] + "]"

    fields = []
    for key, value in record.items():
        if key in ("rows", "headline"):
            text = rows(value, "  ")
        elif key == "tables":
            text = "{" + ",".join(f"\n  {json.dumps(name)}: {rows(table, '   ')}" for name, table in value.items()) + ("\n }" if value else "}")
        else:
            text = json.dumps(value, default=str)
        fields.append(f" {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def read_record(path: str | Path) -> dict[str, Any]:
    """A record file, checked: every required field present, headline figures complete."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise StoreError(f"benchmark record {path} cannot be read: {error}") from None
    if not isinstance(record, dict):
        raise StoreError(f"benchmark record {path} must hold one JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        raise StoreError(f"benchmark record {path} has no field {missing[0]!r}; a record needs {', '.join(REQUIRED_FIELDS)}")
    for index, item in enumerate(record["headline"]):
        absent = [name for name in HEADLINE_FIELDS if name not in item]
        if absent:
            raise StoreError(f"benchmark record {path}: headline figure {index} has no field {absent[0]!r}; "
                             f"a figure needs {', '.join(HEADLINE_FIELDS)}")
    return record


def read_records(directory: str | Path | None = None) -> list[dict[str, Any]]:
    """Every record under ``directory`` (default: benchmarks/records), oldest first, each
    with its ``path`` relative to the directory."""
    folder = Path(directory) if directory is not None else records_directory()
    records = []
    for path in sorted(folder.glob("*/*.json")):
        record = read_record(path)
        record["path"] = path.relative_to(folder).as_posix()
        records.append(record)
    return sorted(records, key=lambda record: (record["date"], record["path"]))


def markdown_table(rows: Sequence[dict], columns: Sequence[str] | None = None, floatfmt: str = ".4g") -> str:
    """A Markdown table of row dicts (the columns of the first row unless given)."""
    columns = list(columns or (rows[0] if rows else []))

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "-" if not math.isfinite(value) else format(value, floatfmt)
        return "-" if value is None else str(value).replace("|", "/")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(column)) for column in columns) + " |" for row in rows]
    return "\n".join(lines)
