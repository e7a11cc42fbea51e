"""``physlens bench``: benchmarks recorded in the results store, and their tables."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import app

bench_app = typer.Typer(help="Benchmarks: run (resumable) and print tables from stored records.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("feynman")
def bench_feynman(
    equations: str = typer.Option(None, "--equations", help="Comma-separated ids, e.g. I.6.2a,I.12.2 (default: all 100); control-noise and control-nolaw are negative controls."),
    noise: list[float] = typer.Option([0.0], "--noise", help="Noise level(s): std = level x RMS(target). Repeatable."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="Number of seeds (0..N-1)."),
    budget: float = typer.Option(60.0, "--budget", min=1.0, help="Seconds per equation and method."),
    methods: str = typer.Option("physlens,operon", "--methods", help="Comma-separated: physlens, physlens-no-units, physlens-no-structure, operon, operon-default, gplearn."),
    samples: int = typer.Option(10_000, "--samples", min=20, help="Training rows per equation."),
    store: Path = typer.Option(None, "--store", help="Results store (SQLite); rerunning with the same store resumes."),
) -> None:
    """Run symbolic regression engines on the Feynman database; one record per run.

    Example: physlens bench feynman --equations I.6.2a,I.12.2 --methods physlens,operon --budget 60 --store feynman.sqlite
    """
    from rich.console import Console

    from physlens.bench.feynman import run_feynman
    from physlens.bench.store import ResultsStore

    console = Console(stderr=True)
    chosen = [e.strip() for e in equations.split(",")] if equations else None
    with ResultsStore(store) as results, console.status("starting") as status:
        written = run_feynman(results, equations=chosen, noises=noise, seeds=range(seeds),
                              methods=[m.strip() for m in methods.split(",")], budget=budget, n_samples=samples,
                              progress=lambda text: status.update(text))
    console.print(f"{written} new records in {results.path}")


@bench_app.command("table")
def bench_table(
    store: Path = typer.Option(None, "--store", help="Results store to read."),
    markdown: bool = typer.Option(False, "--markdown", help="Markdown tables (to paste into notes)."),
) -> None:
    """Leaderboard from stored records: exact %, % with held-out R2 > 0.999, median time, and every miss."""
    from physlens.bench.feynman import leaderboard, negative_controls
    from physlens.bench.store import ResultsStore

    with ResultsStore(store) as results:
        summary, misses = leaderboard(results)
        controls = negative_controls(results)
    if not controls.empty:
        typer.echo("negative controls (a claimed law is a false discovery):")
        typer.echo(controls.to_markdown(index=False) if markdown else controls.to_string(index=False))
        typer.echo("")
    if summary.empty and controls.empty:
        typer.echo("no Feynman records in this store")
        raise typer.Exit(1)
    if summary.empty:
        return
    if markdown:
        typer.echo(summary.to_markdown(index=False, floatfmt=".1f"))
        typer.echo("")
        typer.echo(misses[["method", "noise", "seed", "equation", "r2_test", "equation_found", "error"]].to_markdown(index=False, floatfmt=".6g"))
    else:
        typer.echo(summary.to_string(index=False))
        typer.echo("\nmisses:")
        typer.echo(misses[["method", "noise", "seed", "equation", "r2_test", "equation_found"]].to_string(index=False))
