"""Tables print whole off a terminal (CliRunner's output is not a terminal, like a pipe)
and as Markdown with --markdown: `physlens methods | cat` shows every method's full name."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from physlens.cli import _load_commands, app
from physlens.cli._common import print_table
from physlens.methods.base import available_methods

_load_commands()


def _markdown_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def test_methods_on_a_pipe_prints_full_names():
    result = CliRunner().invoke(app, ["methods"])
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.output.splitlines()[3:] if line.strip()]
    assert names == list(available_methods())  # every name whole, one row each
    assert "…" not in result.output


def test_methods_markdown_is_a_valid_table():
    result = CliRunner().invoke(app, ["methods", "--markdown"])
    assert result.exit_code == 0, result.output
    rows = _markdown_rows(result.output)
    assert rows[0][:2] == ["method", "origin"] and set(rows[1]) == {"---"}
    assert all(len(row) == len(rows[0]) for row in rows)
    assert [row[0] for row in rows[2:]] == list(available_methods())


def test_print_table_keeps_long_cells_whole_off_a_terminal():
    reason = "a reason much longer than eighty columns, " * 4 + "with a | bar and [bold]no markup[/bold]"
    rows = [["check", Text("pass", style="green"), reason]]
    plain, markdown = io.StringIO(), io.StringIO()
    print_table(Console(file=plain, width=80), "Checks", ["name", "result", "reason"], rows)
    print_table(Console(file=markdown, width=80), "Checks", ["name", "result", "reason"], rows, markdown=True)
    assert reason in plain.getvalue()  # literal text: no wrapping, no markup read
    assert plain.getvalue().splitlines()[2].startswith("-----")
    cells = _markdown_rows(markdown.getvalue())
    assert cells[2][2] == reason.replace("|", "\\|") and cells[2][1] == "pass"


def test_print_table_on_a_terminal_draws_a_rich_table():
    terminal = io.StringIO()
    print_table(Console(file=terminal, width=60, force_terminal=True, color_system=None), "T", ["method"], [["pseudo_likelihood"]])
    assert "pseudo_likelihood" in terminal.getvalue() and "┃" in terminal.getvalue()
