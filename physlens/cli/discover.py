"""``physlens discover``: the law behind a table of measurements."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.cli._common import MARKDOWN_HELP


@app.command()
def discover(
    data: Path = typer.Argument(..., help="Table of measurements: CSV, Parquet or NPZ."),
    target: str = typer.Option(..., "--target", "-t", help="Column the law should predict."),
    unit: list[str] = typer.Option(None, "--unit", "-u", help="Unit of a column, COL=UNIT (repeatable); or write 'col \\[unit]' in the CSV header."),
    budget: float = typer.Option(30.0, "--budget", min=1.0, help="Wall-clock seconds for the search and its checks."),
    evaluations: int = typer.Option(None, "--evaluations", min=1000, help="Limit the search by model evaluations instead of time (reproducible)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed."),
    max_rows: int = typer.Option(10_000, "--max-rows", min=20, help="Larger tables are searched on a random subsample of this many rows, as in SRBench (said on stderr)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of the report."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
    store: Path = typer.Option(None, "--store", help="Results store (SQLite); default ~/.physlens/results.sqlite."),
) -> None:
    """Find the closed-form law behind DATA, with its held-out accuracy and physical checks.

    Examples:

      physlens discover springs.csv --target a --unit x=m --unit k=N/m --unit m=kg --unit a=m/s^2

      physlens discover data.csv --target F --budget 60 --json
    """
    from rich.console import Console

    from physlens.bench.store import Result, ResultsStore
    from physlens.cli._common import parse_unit_options, print_json, subsample_rows, timed_progress
    from physlens.data.loaders import load_table
    from physlens.methods.symbolic import SymbolicRegressor

    console = Console(stderr=True)
    dataset = load_table(data, target=target, units=parse_unit_options(unit))
    rows = subsample_rows(dataset.n_samples, max_rows, seed)
    if rows is not None:
        dataset = dataset.subset(rows)
    method = SymbolicRegressor(budget=budget, evaluations=evaluations, random_state=seed)
    progress, task, stop, thread = timed_progress(console, budget)
    with progress:
        thread.start()
        try:
            method.fit_dataset(dataset, progress=lambda stage: progress.update(task, description=stage))
        finally:
            stop.set()
    interpretation = method.interpret()
    payload = interpretation.to_dict()
    rhs = interpretation.expressions[dataset.target_name]
    import sympy

    from physlens.report.equations import equation_text

    result = {
        "found": interpretation.found,
        "equation": sympy.sstr(rhs),
        "readable": equation_text(dataset.target_name, rhs, uncertainty=interpretation.values.get("uncertainty")),
        "uncertainty": interpretation.values.get("uncertainty"),
        "latex": sympy.latex(rhs),
        "target": dataset.target_name,
        "r2_test": interpretation.values["r2_test"],
        "dimensionally_consistent": interpretation.values["dimensionally_consistent"],
        "pareto": [{"equation": r["equation"], "complexity": r["complexity"], "r2": r["r2"]} for r in payload["table"] or []],
        "constants": [{k: c[k] for k in ("name", "value", "uncertainty", "unit", "identified_as")} for c in interpretation.values["constants"]],
        "law_with_constants": interpretation.values["law_with_constants"],
        "irrelevant_columns": interpretation.values["irrelevant_columns"],
        "irrelevant_columns_judged": next((v["reason"] for v in payload["verdicts"] if v["name"] == "relevant columns"), None),
        "limit": next((v["reason"] for v in payload["verdicts"] if v["name"] == "limit of law"), None),
        "verdicts": payload["verdicts"],
        "reasons": payload["reasons"],
        "budget": interpretation.values["budget"],
        "seconds": interpretation.values["seconds"],
    }
    with ResultsStore(store) as results:
        results.record(Result(
            task=f"discover:{data.name}:{dataset.target_name}", dataset_fingerprint=dataset.fingerprint(),
            method="symbolic", parameters=method.get_params(), seed=seed, noise=None, found=interpretation.found,
            interpretation=payload, verdicts=payload["verdicts"], metrics={"r2_test": result["r2_test"]},
            timings=interpretation.values["seconds"],
        ))
    if json_output:
        print_json(result)
    else:
        _print_report(Console(), dataset, interpretation, result, markdown)
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)


def _print_report(console, dataset, interpretation, result, markdown: bool = False) -> None:
    from physlens.cli._common import print_table, print_verdicts

    if interpretation.found:
        console.print(f"[bold green]Law found[/]: {result['readable']}")
    else:
        console.print(f"[bold red]No law found.[/] Best candidate, not trusted: {result['readable']}")
        for reason in result["reasons"]:
            console.print(f"  - {reason}")
    if result["constants"]:
        from physlens.methods.symbolic.unit_constants import constant_text

        console.print(f"with constants carrying units: {result['target']} = {result['law_with_constants']}")
        for constant in interpretation.values["constants"]:
            console.print(f"  {constant_text(constant)}")
    if result["irrelevant_columns"]:
        console.print(f"columns left out as irrelevant: {', '.join(result['irrelevant_columns'])} (see the 'relevant columns' check)")
    console.print(f"LaTeX: {result['target']} = {result['latex']}")
    console.print(f"held-out R2: {result['r2_test']:.6f}   dimensionally consistent: {result['dimensionally_consistent']}")
    print_verdicts(console, interpretation.verdicts, markdown=markdown)
    print_table(console, "Pareto front (complexity vs held-out R2)", ["complexity", "R2", "equation"],
                [[str(row["complexity"]), f"{row['r2']:.6f}", row["equation"]] for row in result["pareto"]], markdown=markdown)
    console.print(f"budget: {result['budget']}")
