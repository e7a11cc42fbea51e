"""``physlens dynamics``: the governing ODEs behind measured trajectories."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.cli._common import MARKDOWN_HELP


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
    degree: str = typer.Option("auto", "--degree", help="Polynomial degree of the term library, 0 to 5, or 'auto' (chosen from the data, with rational and driven libraries)."),
    trig: str = typer.Option("auto", "--trig", help="sin and cos of states: 'auto' (angle-like states, screened), 'yes' (every state) or 'no'."),
    input_columns: list[str] = typer.Option(None, "--input", help="A known input column u(t) (repeatable): enters the library (u, u*x, ...), never fitted."),
    term: list[str] = typer.Option(None, "--term", help="Extra library term in the state names, e.g. 'x/(x**2+y**2)**1.5' (repeatable)."),
    invariant: list[str] = typer.Option(None, "--invariant", help="A quantity that should be conserved, NAME=EXPRESSION (repeatable)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the bootstrap ensemble."),
    max_rows: int = typer.Option(1_000_000, "--max-rows", min=10, help="Refuse longer files (thin the series first): derivatives need consecutive samples."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of the report."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """Find the ODEs d(state)/dt = f(state) behind measured trajectories.

    Which terms are real is read from their inclusion probability over a bootstrap
    ensemble, and the equations are checked on held-out data.

    Examples:

      physlens dynamics orbit.csv --time t --state x,v --unit t=s --unit x=m --unit v=m/s

      physlens dynamics runs.csv --time t --trajectory run --json

      physlens dynamics driven.csv --time t --trajectory run --input force
    """
    from physlens.cli._common import activity, parse_unit_options, print_inclusion, print_json, print_table, print_verdicts
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
    from physlens.errors import ParameterError

    inputs = list(input_columns or [])
    states = _split_names(state)
    if states is not None:
        states += [c for c in inputs if c not in states]
    if degree != "auto" and not (degree.isdigit() and int(degree) <= 5):
        raise ParameterError(f"--degree {degree!r} is invalid; expected 'auto' or an integer from 0 to 5")
    trig_choice = {"auto": "auto", "yes": True, "no": False}.get(trig.lower())
    if trig_choice is None:
        raise ParameterError(f"--trig {trig!r} is invalid; expected auto, yes or no")
    dataset = trajectory_dataset(columns, time=time, states=states, trajectory=trajectory, units=units,
                                 source=str(data), name=data.stem)
    method = SparseDynamics(degree=degree if degree == "auto" else int(degree), trig=trig_choice, terms=tuple(term or ()), invariants=_parse_invariants(invariant),
                            random_state=seed)
    with activity(f"finding the governing equations (bootstrap ensemble of {method.n_models} fits)"):
        method.fit_dataset(dataset, inputs=inputs)
    interpretation = method.interpret()
    from physlens.report.equations import equation_text

    # the best candidate is shown even when found=false, marked not trusted (as discover does)
    equations = dict(interpretation.values["candidate"])
    # the digits the data support (each coefficient's bootstrap uncertainty)
    readable = {s: equation_text(s, e, kind="dynamics", uncertainty=interpretation.values["uncertainty"])
                for s, e in method.equations_.items()}
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
            "uncertainty": interpretation.values.get("uncertainty"),
            "time": method.time_name_,
            "inputs": method.input_names_,
            "library_choice": interpretation.values["library_choice"],
        })
    else:
        from rich.console import Console

        out = Console()
        if interpretation.found or interpretation.values["n_terms"]:
            out.print("[bold]Governing equations[/]" if interpretation.found else
                      "[bold red]No trustworthy dynamics found.[/] Best candidate, not trusted:")
            for text in readable.values():
                out.print(f"  {text}", markup=False)
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
        print_inclusion(out, interpretation.table, lambda row: row.state, markdown=markdown)
        choices = interpretation.values["library_choice"]

        def r2_text(row) -> str:
            r2 = row.get("held_out_r2")
            return "" if r2 is None or r2 != r2 else f"{r2:.4f}"

        print_table(out, "Library chosen from the data", ["library", "terms", "CV error", "held-out R2", "chosen", "reason"],
                    [[row["library"], str(row.get("n_terms", "")), f"{row.get('cv_error', float('nan')):.3g}", r2_text(row),
                      "yes" if row["chosen"] else "", row["reason"]] for row in choices],
                    markdown=markdown, row_styles=["bold" if row["chosen"] else "dim" for row in choices])
        out.print(f"derivatives: {method.derivative_}; noise estimate: "
                  + ", ".join(f"{s} {v:.2%}" for s, v in method.noise_.items()))
        print_verdicts(out, interpretation.verdicts, markdown=markdown)
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)
