"""``physlens invariants``: the quantities shared by every sample of an event (a
trajectory, one interval seen from many frames, one similarity class), in closed form."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.cli._common import MARKDOWN_HELP


@app.command()
def invariants(
    data: Path = typer.Argument(..., help="Samples: CSV, Parquet or NPZ with numeric columns and a column saying which event each sample belongs to."),
    event: str = typer.Option(..., "--event", help="Column holding the event id (samples with the same id share the invariants)."),
    inputs: str = typer.Option(None, "--inputs", help="Input columns, comma separated (default: every column but the event)."),
    degree: int = typer.Option(3, "--degree", min=1, max=6, help="Highest monomial degree of the library the closed forms are built from."),
    term: list[str] = typer.Option(None, "--term", help="Extra library term in the column names, e.g. '1/sqrt(x**2+y**2)' (repeatable)."),
    twin: str = typer.Option("library", "--twin", help="'library': a twin linear in the library, solved exactly (fast; finds every invariant in the library's span). 'network': a Siamese MLP read by symbolic gradients."),
    latents: int = typer.Option(2, "--latents", min=1, help="Latent neurons of the network twin."),
    tolerance: float = typer.Option(0.01, "--tolerance", min=1e-6, max=0.5, help="Largest share of an invariant's variance allowed within events (noisy samples need more)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the held-out split and the network."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """Find the quantities that stay constant within each event, in closed form.

    Which samples share an event is all it needs: the points of one orbit, one spacetime
    interval in many boosted frames, one matrix under similarity transforms. Every
    invariant is checked on held-out events.

    Examples:

      physlens invariants orbits.csv --event trajectory --degree 4

      physlens invariants matrices.csv --event class --json
    """
    import numpy as np
    import sympy

    from physlens.cli._common import activity, print_json, print_verdicts
    from physlens.data.loaders import read_columns, used_columns
    from physlens.errors import DataError
    from physlens.methods.invariants import SiameseInvariants

    columns, _ = read_columns(data)
    if event not in columns:
        raise DataError(f"{data}: no column {event!r} for --event; columns: {', '.join(columns)}")
    names = [n.strip() for n in inputs.split(",") if n.strip()] if inputs else [c for c in columns if c != event]
    used = used_columns(columns, names, event, role="event", source=str(data), purpose="an invariant")
    X = np.column_stack([used[n] for n in names])
    model = SiameseInvariants(twin=twin, n_invariants=latents, max_degree=degree, extra_terms=tuple(term or ()),
                              tolerance=tolerance, random_state=seed)
    what = f"solving a twin linear in degree-{degree} monomials" if twin == "library" else "training a Siamese network, then symbolic gradients"
    with activity(what):
        model.fit(X, columns[event], names)
    interpretation = model.interpret()
    if json_output:
        print_json(
            {
                "found": interpretation.found,
                "twin": twin,
                "invariants": [sympy.sstr(e) for e in model.invariants_],
                "latex": [sympy.latex(e) for e in model.invariants_],
                "residuals": list(model.symbolic_.residuals_),
                "held_out_event_r2": model.event_r2_,
                "held_out_pair_auc": model.pair_auc_,
                "verdicts": [v.to_dict() for v in interpretation.verdicts],
                "reasons": interpretation.reasons,
            }
        )
    else:
        from rich.console import Console

        from physlens.report.equations import expression_text

        console = Console()
        console.print(f"[bold]{interpretation.summary}[/]")
        for i, expression in enumerate(model.invariants_, start=1):
            console.print(f"  I{i} = {expression_text(expression)}")
        if not interpretation.found:
            console.print("[red]no trustworthy invariant found[/]")
            for reason in interpretation.reasons:
                console.print(f"  - {reason}")
        print_verdicts(console, interpretation.verdicts, markdown=markdown)
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)
