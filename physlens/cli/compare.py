"""``physlens compare``: every applicable method on the same simulated datasets, scored
against their ground truth; writes DIR/compare.html, .md, .tex and .json."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.compare.suite import SUITE


def _names(option: str | None) -> list[str] | None:
    return [n.strip() for n in option.split(",") if n.strip()] if option else None


@app.command()
def compare(
    out: Path = typer.Option(Path("physlens-compare"), "--out", help="Folder for compare.html, compare.md, compare.tex and compare.json."),
    quick: bool = typer.Option(False, "--quick", help="The quick suite: small data and budgets (about a minute on 2 cores)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for every simulator and method."),
    methods: str = typer.Option(None, "--methods", help="Comma-separated registry names (default: all; `physlens methods` lists them)."),
    datasets: str = typer.Option(None, "--datasets", help=f"Comma-separated suite datasets (default: the whole suite): {', '.join(SUITE)}."),
    store: Path = typer.Option(None, "--store", help="Results store (SQLite; default DIR/compare.sqlite). Pairs it already holds are not rerun."),
    json_output: bool = typer.Option(False, "--json", help="Print the comparison as one JSON object instead of a table."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the Markdown table instead of the terminal table."),
    latex: bool = typer.Option(False, "--latex", help="Print the LaTeX table instead of the terminal table."),
    workers: int = typer.Option(1, "--workers", min=1, help="Run the pairs on a local Dask cluster of this many processes (1: in this process)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Run the pairs on an existing Dask cluster, e.g. tcp://127.0.0.1:8786."),
) -> None:
    """Run every method on every simulated dataset of the kind it consumes, score each
    answer against the dataset's ground truth, and write the comparison matrix.

    Methods meet datasets through the registry (what each method consumes), not by a
    hand-written list. Each finished pair is committed to the results store at once, so an
    interrupted run resumes where it stopped when rerun with the same --store.

    Example: physlens compare --out cmp --quick --methods symbolic,kan,phases-pca --markdown

    Exit codes: 0 every pair ran; 1 a pair raised an error, or no method found anything; 2 bad input.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from physlens.bench.store import ResultsStore
    from physlens.cli._common import print_json, print_table
    from physlens.compare import export
    from physlens.compare.run import plan, run_compare

    if sum((json_output, markdown, latex)) > 1:
        from physlens.errors import ParameterError

        raise ParameterError("choose one of --json, --markdown, --latex")
    console = Console(stderr=True)
    out.mkdir(parents=True, exist_ok=True)
    store_path = store if store is not None else out / "compare.sqlite"
    with console.status("simulating the datasets"):
        tasks, refused = plan(quick=quick, seed=seed, methods=_names(methods), datasets=_names(datasets))
    with ResultsStore(store_path) as results:
        columns = (SpinnerColumn(), BarColumn(bar_width=20), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))
        with Progress(*columns, console=console, transient=True) as bar:
            progress_task = bar.add_task("starting", total=len(tasks))

            def progress(task, event: str) -> None:
                if event == "start":
                    bar.update(progress_task, description=f"{task.method} on {task.dataset}")
                else:
                    bar.advance(progress_task)

            pairs = run_compare(tasks, results, progress=progress, workers=workers, scheduler=scheduler)
    payload = export.to_json_payload(pairs, refused, quick=quick, seed=seed, store=str(store_path))
    import json

    (out / "compare.json").write_text(json.dumps(payload, indent=2, sort_keys=True, default=str), encoding="utf-8")
    (out / "compare.md").write_text(export.to_markdown(pairs), encoding="utf-8")
    (out / "compare.tex").write_text(export.to_latex(pairs), encoding="utf-8")
    (out / "compare.html").write_text(export.to_html(pairs, refused, quick=quick, seed=seed), encoding="utf-8")

    if json_output:
        print_json(payload)
    elif markdown:
        typer.echo(export.to_markdown(pairs), nl=False)
    elif latex:
        typer.echo(export.to_latex(pairs), nl=False)
    else:
        from rich.text import Text

        rows = []
        for pair, cells in zip(pairs, export.rows(pairs)):
            colour = "dim" if not pair["truth_total"] else "green" if pair["truth_passed"] == pair["truth_total"] else "red"
            cells[3] = Text(cells[3], style=colour)
            if pair["status"] == "error":
                cells[2] = Text(cells[2], style="red")
            rows.append(cells)
        print_table(Console(), "physlens compare" + (" (quick suite)" if quick else ""), export.COLUMNS, rows)
    counts = export.summary(pairs)
    console.print(f"{counts['pairs']} pairs ({len(refused)} not applicable): {counts['matched_truth']} match the truth, "
                  f"{counts['found']} report a finding, {counts['errors']} raised an error; datasets: "
                  f"{', '.join(dict.fromkeys(p['dataset'] for p in pairs))}")
    console.print(f"report: {out / 'compare.html'} (also compare.md, compare.tex, compare.json); records: {store_path}")
    if counts["errors"]:
        for pair in pairs:
            if pair["status"] == "error":
                console.print(f"[red]error[/] {pair['method']} on {pair['dataset']}: {escape(pair['error'])}")
        raise typer.Exit(EXIT_NOT_FOUND)
    if not counts["found"]:
        console.print("no method found anything trustworthy on any dataset")
        raise typer.Exit(EXIT_NOT_FOUND)
