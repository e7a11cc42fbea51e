"""``physlens conserved``: how many independent quantities trajectories conserve, and which,
in closed form (AI Poincaré)."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.cli._common import MARKDOWN_HELP


@app.command()
def conserved(
    data: Path = typer.Argument(..., help="Trajectories: CSV, Parquet or NPZ with one row per sample, in time order within each trajectory."),
    trajectory: str = typer.Option(..., "--trajectory", help="Column holding the trajectory id (rows with the same id lie on one orbit)."),
    states: str = typer.Option(None, "--states", help="State columns, comma separated (default: every column but the trajectory and the time)."),
    time: str = typer.Option("t", "--time", help="Time column, left out of the states when present."),
    degree: int = typer.Option(2, "--degree", min=1, max=6, help="Highest monomial degree of the library the closed forms are built from."),
    term: list[str] = typer.Option(None, "--term", help="Extra library term in the column names, e.g. 'cos(q1)' or '1/sqrt(x**2+y**2)' (repeatable)."),
    noise_margin: float = typer.Option(3.0, "--noise-margin", min=1.0, help="A quantity counts when its scatter along trajectories is within this factor of what white noise accounts for."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the held-out trajectories."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """Count the independent conserved quantities of trajectories and write each in closed form.

    A conserved quantity is constant along every trajectory and differs between them, so
    give at least 3 trajectories (8 or more keep a quarter aside as a check). A quantity the
    data conserve only approximately is shown as not trusted and not counted.

    Examples:

      physlens conserved orbits.csv --trajectory orbit --degree 3 --term '1/sqrt(x**2+y**2)'

      physlens conserved pendulum.csv --trajectory run --term 'cos(q1)' --term 'cos(q2)' --json
    """
    import numpy as np
    import sympy

    from physlens.cli._common import activity, print_json, print_verdicts
    from physlens.data.loaders import read_columns, used_columns
    from physlens.errors import DataError
    from physlens.methods.conserved import ConservedQuantities

    columns, _ = read_columns(data)
    if trajectory not in columns:
        raise DataError(f"{data}: no column {trajectory!r} for --trajectory; columns: {', '.join(columns)}")
    names = [n.strip() for n in states.split(",") if n.strip()] if states else [c for c in columns if c not in (trajectory, time)]
    used = used_columns(columns, names, trajectory, role="trajectory", source=str(data), purpose="a conserved quantity")
    model = ConservedQuantities(max_degree=degree, extra_terms=tuple(term or ()), noise_margin=noise_margin, random_state=seed)
    with activity(f"searching degree-{degree} combinations constant along each trajectory"):
        model.fit(np.column_stack([used[n] for n in names]), used[trajectory], names)
    interpretation = model.interpret()
    if json_output:
        print_json(
            {
                "found": interpretation.found,
                "n_conserved": model.n_conserved_,
                "quantities": [sympy.sstr(e) for e in model.quantities_],
                "latex": [sympy.latex(e) for e in model.quantities_],
                "shares": model.shares_,
                "held_out_shares": model.held_out_shares_,
                "approximate": interpretation.values["approximate"],
                "dependent": interpretation.values["dependent"],
                "verdicts": [v.to_dict() for v in interpretation.verdicts],
                "reasons": interpretation.reasons,
            }
        )
    else:
        from rich.console import Console

        from physlens.report.equations import expression_text

        console = Console()
        console.print(f"[bold]{interpretation.summary}[/]")
        for i, expression in enumerate(model.quantities_, start=1):
            console.print(f"  C{i} = {expression_text(expression)}")
        for expression, share, _ in model.approximate_:
            console.print(f"  [yellow]not trusted[/] (conserved only approximately, {share:.1e} of its variance along trajectories): {expression_text(expression)}")
        if not interpretation.found:
            console.print("[red]no trustworthy conserved quantity found[/]")
            for reason in interpretation.reasons:
                console.print(f"  - {reason}")
        print_verdicts(console, interpretation.verdicts, markdown=markdown)
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)
