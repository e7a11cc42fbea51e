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
    methods: str = typer.Option("physlens,operon", "--methods", help="Comma-separated: physlens, physlens-no-units, physlens-no-structure, physlens-no-enumeration, physlens-no-separability, operon, operon-default, gplearn."),
    samples: int = typer.Option(10_000, "--samples", min=20, help="Training rows per equation."),
    evaluations: int = typer.Option(None, "--evaluations", min=1000, help="Bound each search by this many model evaluations instead of the clock (one thread; a seed gives the same answer on any machine). Not for gplearn."),
    store: Path = typer.Option(None, "--store", help="Results store (SQLite); each finished run is committed at once."),
    resume: bool = typer.Option(False, "--resume", help="Continue a run into a store that already holds some of its records: only the missing runs are done. Without it, such a store is an error."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parallel runs: 1 runs here without Dask; N starts a local Dask cluster of N processes (one thread each, loopback only)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (this process still writes the store)."),
) -> None:
    """Run symbolic regression engines on the Feynman database; one record per run.

    Example: physlens bench feynman --equations I.6.2a,I.12.2 --methods physlens,operon --budget 60 --store feynman.sqlite

    Interrupted (Ctrl-C, or killed): every finished run is already in the store; the same command with --resume does the rest.
    On 2 local processes: --workers 2. On a cluster: --scheduler tcp://HOST:PORT.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from physlens.bench.feynman import describe, plan_feynman, record_runs
    from physlens.bench.parallel import check_cluster_options
    from physlens.bench.store import ResultsStore

    console = Console(stderr=True)
    check_cluster_options(workers, scheduler)
    runs = plan_feynman(equations=[e.strip() for e in equations.split(",")] if equations else None, noises=noise,
                        seeds=range(seeds), methods=[m.strip() for m in methods.split(",")], budget=budget, n_samples=samples,
                        threads=1 if workers > 1 else None, evaluations=evaluations)
    with ResultsStore(store) as results:
        pending = results.pending(runs, resume=resume)
        if not pending:
            console.print(f"nothing to do: all {len(runs)} runs are in {results.path}")
            return
        where = scheduler or (f"a local Dask cluster of {workers} processes" if workers > 1 else "this process")
        console.print(f"{len(pending)} runs ({len(runs) - len(pending)} already in the store) on {where}")
        columns = (SpinnerColumn(), BarColumn(bar_width=20), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"),
                   TimeRemainingColumn(), TextColumn("{task.description}"))
        written = 0
        try:
            with Progress(*columns, console=console, transient=False) as bar:
                task = bar.add_task("waiting for the first result", total=len(pending))

                def finished(result) -> None:
                    nonlocal written
                    written += 1
                    bar.advance(task)
                    bar.update(task, description=describe(result))

                record_runs(results, pending, workers=workers, scheduler=scheduler, on_record=finished)
        except KeyboardInterrupt:
            console.print(f"interrupted: {written} new records kept in {results.path} "
                          f"({len(runs) - len(pending) + written} of {len(runs)} runs done); "
                          "to finish, rerun the same command with --resume")
            raise typer.Exit(130) from None
    console.print(f"{written} new records in {results.path}")


@bench_app.command("table")
def bench_table(
    store: Path = typer.Option(None, "--store", help="Results store to read."),
    markdown: bool = typer.Option(False, "--markdown", help="Markdown tables (to paste into notes)."),
    json_output: bool = typer.Option(False, "--json", help="One JSON object: leaderboard, misses, negative controls."),
    reasons: bool = typer.Option(False, "--reasons", help="Why physlens missed each law it missed: 'search' (the law scores "
                                 "better on the run's validation rows, so it never reached the selection) or 'data' (the answer "
                                 "scores no worse); regenerates each run's data, about a second per miss."),
) -> None:
    """Leaderboard from stored records: exact %, % with held-out R2 > 0.999, median time, and every miss.

    Example: physlens bench table --store feynman.sqlite --markdown --reasons
    """
    from physlens.bench.feynman import SUMMARY_FLOATFMT, leaderboard, negative_controls
    from physlens.bench.store import ResultsStore
    from physlens.cli._common import print_json

    with ResultsStore(store) as results:
        summary, misses = leaderboard(results, reasons=reasons)
        controls = negative_controls(results)
    if summary.empty and controls.empty:
        if json_output:
            print_json({"leaderboard": [], "misses": [], "negative_controls": []})
        else:
            typer.echo("no Feynman records in this store")
        raise typer.Exit(1)
    if json_output:
        print_json({name: frame.to_dict(orient="records")
                    for name, frame in (("leaderboard", summary), ("misses", misses), ("negative_controls", controls))})
        return
    if not controls.empty:
        typer.echo("negative controls (a claimed law is a false discovery):")
        typer.echo(controls.to_markdown(index=False) if markdown else controls.to_string(index=False))
        typer.echo("")
    if summary.empty:
        return
    if markdown:
        typer.echo(summary.to_markdown(index=False, floatfmt=SUMMARY_FLOATFMT))
        typer.echo("")
        typer.echo(misses.reindex(columns=["method", "noise", "seed", "equation", "r2_test", "equation_found", "error", *(["reason"] if reasons else [])])
                   .to_markdown(index=False, floatfmt=".6g"))
    else:
        typer.echo(summary.to_string(index=False))
        typer.echo("\nmisses:")
        typer.echo(misses.reindex(columns=["method", "noise", "seed", "equation", "r2_test", "equation_found", *(["reason"] if reasons else [])])
                   .to_string(index=False))


@bench_app.command("report")
def bench_report(
    records: Path = typer.Option(None, "--records", help="Folder of benchmark records (default: benchmarks/records of this checkout); RESULTS.md and HISTORY.md go in its parent folder."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if RESULTS.md or HISTORY.md differ from what the records give (for CI)."),
    json_output: bool = typer.Option(False, "--json", help="One JSON object: the newest record of each family (headline and provenance)."),
) -> None:
    """Regenerate benchmarks/RESULTS.md and benchmarks/HISTORY.md from the committed benchmark records.

    Example: physlens bench report --check
    """
    from physlens.bench.records import read_records, records_directory
    from physlens.bench.report import newest_by_family, stale_files, write_report
    from physlens.cli._common import print_json

    folder = records or records_directory()
    if json_output:
        print_json({"families": [{k: v for k, v in record.items() if k not in ("rows", "tables")}
                                 for record in newest_by_family(read_records(folder))]})
        return
    if check:
        stale = stale_files(folder)
        for path in stale:
            typer.echo(f"{path} differs from what the records give; run `physlens bench report` and commit it", err=True)
        raise typer.Exit(1 if stale else 0)
    for path in write_report(folder):
        typer.echo(f"wrote {path}")
