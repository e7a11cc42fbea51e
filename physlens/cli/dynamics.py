"""``physlens dynamics``: the governing ODEs behind measured trajectories."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app


def _split_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None


def _parse_invariants(options: list[str] | None) -> dict[str, str] | None:
    from physlens.errors import ParameterError

    out: dict[str, str] = {}
    for option in options or []:
        name, sep, text = option.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise ParameterError(f"--invariant {option!r} must look like NAME=EXPRESSION, for example --invariant E='v**2/2 + x**2'")
        out[name.strip()] = text.strip()
    return out or None


@app.command()
def dynamics(
    data: Path = typer.Argument(..., help="Trajectories: CSV, Parquet or NPZ with a time column, state columns and optionally a trajectory id."),
    time: str = typer.Option(..., "--time", help="Time column."),
    state: str = typer.Option(None, "--state", help="State columns, comma separated (default: every other column)."),
    trajectory: str = typer.Option(None, "--trajectory", help="Column holding the trajectory id (default: one trajectory)."),
    unit: list[str] = typer.Option(None, "--unit", "-u", help="Unit of a column, COL=UNIT (repeatable); or write 'col \\[unit]' in the header."),
    degree: int = typer.Option(2, "--degree", min=0, max=5, help="Polynomial degree of the term library."),
    trig: bool = typer.Option(False, "--trig", help="Add sin and cos of each (dimensionless) state to the library."),
    term: list[str] = typer.Option(None, "--term", help="Extra library term in the state names, e.g. 'x/(x**2+y**2)**1.5' (repeatable)."),
    invariant: list[str] = typer.Option(None, "--invariant", help="A quantity that should be conserved, NAME=EXPRESSION (repeatable)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the bootstrap ensemble."),
    max_rows: int = typer.Option(1_000_000, "--max-rows", min=10, help="Refuse longer files (thin the series first): derivatives need consecutive samples."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of the report."),
) -> None:
    """Find the ODEs d(state)/dt = f(state) behind measured trajectories.

    Which terms are real is read from their inclusion probability over a bootstrap
    ensemble, and the equations are checked on held-out data.

    Examples:

      physlens dynamics orbit.csv --time t --state x,v --unit t=s --unit x=m --unit v=m/s

      physlens dynamics runs.csv --time t --trajectory run --json
    """
    from physlens.cli._common import activity, parse_unit_options, print_json, verdict_table
    from physlens.data.loaders import merge_units, read_columns
    from physlens.data.trajectories import trajectory_dataset
    from physlens.errors import DataError
    from physlens.methods.dynamics import SparseDynamics

    columns, header_units = read_columns(data)
    n_rows = len(next(iter(columns.values())))
    if n_rows > max_rows:
        raise DataError(
            f"{data}: {n_rows:,} rows; dynamics reads at most {max_rows:,} (--max-rows): derivatives need consecutive "
            f"samples, so rows are not drawn at random - keep every {-(-n_rows // max_rows)}th sample or split the file"
        )
    units = merge_units(header_units, parse_unit_options(unit), str(data))
    dataset = trajectory_dataset(columns, time=time, states=_split_names(state), trajectory=trajectory, units=units,
                                 source=str(data), name=data.stem)
    method = SparseDynamics(degree=degree, trig=trig, terms=tuple(term or ()), invariants=_parse_invariants(invariant),
                            random_state=seed)
    with activity(f"finding the governing equations (bootstrap ensemble of {method.n_models} fits)"):
        method.fit_dataset(dataset)
    interpretation = method.interpret()
    import sympy

    # the best candidate is shown even when found=false, marked not trusted (as discover does)
    equations = dict(interpretation.values["candidate"])
    readable = {s: sympy.sstr(e.evalf(6)) for s, e in method.equations_.items()}
    if json_output:
        print_json({
            "found": interpretation.found,
            "equations": equations,
            "trusted": interpretation.values["trusted"],
            "failing_verdicts": interpretation.values["failing_verdicts"],
            "inclusion": method.inclusion(),
            "verdicts": [v.to_dict() for v in interpretation.verdicts],
            "reasons": interpretation.reasons,
            "derivative": method.derivative_,
            "noise": method.noise_,
            "coefficient_units": interpretation.values.get("coefficient_units"),
            "time": method.time_name_,
        })
    else:
        from rich.console import Console

        out = Console()
        if interpretation.found or interpretation.values["n_terms"]:
            out.print("[bold]Governing equations[/]" if interpretation.found else
                      "[bold red]No trustworthy dynamics found.[/] Best candidate, not trusted:")
            for s, text in readable.items():
                out.print(f"  d{s}/d{method.time_name_} = {text}")
            units_table = interpretation.values.get("coefficient_units")
            if units_table:
                out.print("[bold]Coefficient units (SI base)[/]")
                for s, terms in units_table.items():
                    out.print(f"  {s}: " + "; ".join(f"{t}: {u}" for t, u in terms.items()))
        if not interpretation.found:
            if not interpretation.values["n_terms"]:
                out.print("[red]no trustworthy dynamics found[/]")
            for reason in interpretation.reasons:
                out.print(f"  - {reason}")
        from rich.table import Table

        table = Table(title="Inclusion probability over the bootstrap ensemble (kept terms in bold)")
        for column in ("equation", "term", "coefficient", "inclusion"):
            table.add_column(column)
        for row in interpretation.table.itertuples():
            style = "bold" if row.kept else "dim"
            table.add_row(row.state, row.term, f"{row.coefficient:.5g}", f"{row.inclusion:.0%}", style=style)
        out.print(table)
        out.print(f"derivatives: {method.derivative_}; noise estimate: "
                  + ", ".join(f"{s} {v:.2%}" for s, v in method.noise_.items()))
        out.print(verdict_table(interpretation.verdicts))
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)
