"""Append a benchmark table to benchmarks/RESULTS.md with the command, date and machine."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shlex
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return f"{platform.node() or 'machine'}: {os.cpu_count()} cores, Python {platform.python_version()}, load average {load}"


def append(title: str, body: str) -> None:
    command = "python " + shlex.join([os.path.relpath(sys.argv[0])] + sys.argv[1:])
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = f"\n## {title}\n\n- date: {stamp}\n- command: `{command}`\n- machine: {machine()}\n\n{body.rstrip()}\n"
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
