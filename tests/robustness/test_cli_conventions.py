"""CLI conventions over every command of the typer app, found by walking it (so a new
command is checked without editing this file): --help shows an example, --json exists
wherever the output is data, and a usage error exits 2 without a traceback."""

from __future__ import annotations

import pytest

from physlens.cli import _load_commands, app

_load_commands()


def _walk(typer_app, prefix=()):
    for command in typer_app.registered_commands:
        yield (*prefix, command.name or command.callback.__name__.replace("_", "-")), command
    for group in typer_app.registered_groups:
        yield from _walk(group.typer_instance, (*prefix, group.name))


COMMANDS = {" ".join(path): command for path, command in _walk(app)}
# commands whose output is a report or a store, not data on stdout
NO_JSON = {"tour": "writes DIR/results.json", "bench feynman": "writes records to the results store"}
# gaps in files other helpers own, reported to them; strict, so a fix turns these red
def test_walk_finds_the_commands():
    assert {"discover", "dynamics", "phases", "couplings", "forces", "methods", "tour", "bench feynman", "bench table"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_shows_an_example(name, run_cli):
    code, out, err = run_cli([*name.split(), "--help"])
    assert code == 0, err
    assert "Example" in out
    assert f"physlens {name}" in out  # the example is a command line to copy


@pytest.mark.parametrize("name", [n for n in sorted(COMMANDS) if n not in NO_JSON])
def test_json_output_is_available(name, run_cli):
    code, out, _ = run_cli([*name.split(), "--help"])
    assert code == 0 and "--json" in out


# commands that print tables: each prints them whole on a pipe and takes --markdown
TABLE_COMMANDS = ("methods", "couplings", "forces", "discover", "dynamics", "phases", "invariants", "compare", "bench table")


@pytest.mark.parametrize("name", TABLE_COMMANDS)
def test_table_commands_take_markdown(name, run_cli):
    code, out, _ = run_cli([*name.split(), "--help"])
    assert code == 0 and "--markdown" in out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_unknown_option_exits_2_without_traceback(name, run_cli):
    code, out, err = run_cli([*name.split(), "--no-such-option"])
    assert code == 2
    assert "No such option" in err and "Traceback" not in err


def test_missing_file_exits_2_with_one_line(run_cli, tmp_path):
    for name in ("discover", "dynamics", "phases", "couplings", "forces"):
        extra = {"discover": ["--target", "a"], "dynamics": ["--time", "t"]}.get(name, [])
        code, out, err = run_cli([name, tmp_path / "missing.file", *extra])
        assert code == 2 and out == ""
        assert err.startswith("physlens: error: ") and "no such file" in err and err.count("\n") == 1, err
