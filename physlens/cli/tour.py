"""``physlens tour``: the headline experiments, written to DIR/index.html and DIR/results.json."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app


@app.command()
def tour(
    out: Path = typer.Option(Path("physlens-tour"), "--out", help="Folder for index.html and results.json."),
    quick: bool = typer.Option(False, "--quick", help="Small data and budgets (about a minute)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for every simulator and method."),
    only: list[str] = typer.Option(None, "--only", help="Run only these experiments (module names)."),
) -> None:
    """Simulate systems with known physics, recover it, check it, and write a report.

    Example: physlens tour --out tour --quick
    """
    from rich.console import Console

    from physlens.tour import run_tour

    console = Console(stderr=True)
    with console.status("starting") as status:
        sections = run_tour(out, quick=quick, seed=seed, only=only, progress=lambda t: status.update(f"running: {t}"))
    for section in sections:
        mark = f"[green]{section.verdict_labels[0]}[/]" if section.passed else f"[red]{section.verdict_labels[1]}[/]"
        console.print(f"{section.title}: {mark} ({section.values.get('seconds', 0):.1f} s)")
    console.print(f"report: {out / 'index.html'}")
    if not all(s.passed for s in sections):
        raise typer.Exit(EXIT_NOT_FOUND)
