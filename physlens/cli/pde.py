"""``physlens pde``: the partial differential equation behind fields on an x-t grid."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.cli._common import MARKDOWN_HELP


def _parse_units(text: str | None) -> dict[str, str]:
    """``"u=m/s,x=m,t=s"`` -> {"u": "m/s", "x": "m", "t": "s"}."""
    from physlens.cli._common import parse_unit_options

    return parse_unit_options([part for part in (text or "").split(",") if part.strip()])


@app.command()
def pde(
    data: Path = typer.Argument(..., help="Fields: an .npz with t (n_t,), x (n_x,) uniform grids and u (n_t, n_x), optionally v (n_t, n_x)."),
    units: str = typer.Option(None, "--units", help="Units of the fields and axes, comma separated: u=m/s,x=m,t=s (all or none)."),
    degree: int = typer.Option(3, "--degree", min=1, max=4, help="Polynomial degree in the fields."),
    order: int = typer.Option(4, "--order", min=1, max=6, help="Highest x-derivative in the library."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the weak-form cells and the bootstrap ensemble."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of the report."),
    out: Path = typer.Option(None, "--out", help="Also write the JSON result to this file."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """Find the PDE d(field)/dt = f(fields, u_x, u_xx, ...) behind fields on an x-t grid.

    The weak form (pysindy's WeakPDELibrary) keeps derivatives off the noisy field; which
    terms are real is read from a bootstrap ensemble, and the equation must explain the
    last quarter of the time window, which it never saw. When the checks fail, the best
    candidate is still shown, marked as not trusted.

    Examples:

      physlens pde burgers.npz --units u=m/s,x=m,t=s

      physlens pde reaction.npz --degree 3 --order 2 --json
    """
    from physlens.cli._common import activity, print_inclusion, print_json, print_verdicts
    from physlens.data.fields import load_fields
    from physlens.methods.pde import SparsePDE

    dataset = load_fields(data, units=_parse_units(units))
    method = SparsePDE(degree=degree, derivative_order=order, random_state=seed)
    with activity(f"finding the PDE (weak form, bootstrap ensemble of {method.n_models} fits)"):
        method.fit_dataset(dataset)
    interpretation = method.interpret()
    import sympy

    payload = {
        "found": interpretation.found,
        "trusted": interpretation.found,
        "equations": {f"{f}_t": sympy.sstr(e) for f, e in method.equations_.items()},
        "table": interpretation.to_dict()["table"],
        "verdicts": [v.to_dict() for v in interpretation.verdicts],
        "reasons": interpretation.reasons,
        "noise": method.noise_,
        "cell_half_widths": interpretation.values["cell_half_widths"],
        "coefficient_units": interpretation.values.get("coefficient_units"),
    }
    if out is not None:
        import json

        from physlens.methods.base import _jsonable

        out.write_text(json.dumps(_jsonable(payload), sort_keys=True, indent=2) + "\n", encoding="utf-8")
    if json_output:
        print_json(payload)
    else:
        from rich.console import Console
        from physlens.report.equations import equation_text

        console = Console()
        if interpretation.found:
            console.print("[bold]Governing PDE[/]")
        else:
            console.print("[red]no trustworthy PDE found[/]; the best candidate, [bold]not trusted[/]:")
        for f, e in method.equations_.items():
            console.print(f"  {equation_text(f + '_t', e)}", markup=False)
        for reason in interpretation.reasons:
            console.print(f"  - {reason}")
        units_table = interpretation.values.get("coefficient_units")
        if units_table:
            console.print("[bold]Coefficient units (SI base)[/]")
            for f, terms in units_table.items():
                console.print(f"  {f}_t: " + "; ".join(f"{t}: {u}" for t, u in terms.items()))
        print_inclusion(console, interpretation.table, lambda row: f"{row.field}_t", markdown=markdown)
        console.print(interpretation.summary)
        print_verdicts(console, interpretation.verdicts, markdown=markdown)
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)
