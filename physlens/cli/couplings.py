"""``physlens couplings`` (interaction strengths from spin samples) and ``physlens forces``
(a pair force law from particle positions and accelerations)."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.cli._common import MARKDOWN_HELP

# for --help, read at import time (the registry is loaded only when the command runs)
COUPLING_METHODS = ("factored_attention", "pseudo_likelihood", "mean_field", "transformer_layer")


@app.command()
def couplings(
    samples: Path = typer.Argument(..., help="A .npz file with `spins` (n_samples x n_spins integers); optional `states`, and optional true `couplings` to score against."),
    method: str = typer.Option("factored_attention", "--method", help=f"One of: {', '.join(COUPLING_METHODS)}."),
    heatmap: Path = typer.Option(None, "--heatmap", help="Where to write the SVG heat map (default: next to SAMPLES)."),
    top: int = typer.Option(10, "--top", min=1, help="How many of the strongest couplings to print."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the method."),
    max_rows: int = typer.Option(20_000, "--max-rows", min=10, help="More samples are subsampled at random to this many (said on stderr)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """Learn the interaction strengths J_ij between spins from samples of their states.

    Example: physlens couplings samples.npz --json
    """
    import numpy as np

    from physlens.cli._common import activity, subsample_rows
    from physlens.data.loaders import read_arrays
    from physlens.errors import DataError, ParameterError
    from physlens.methods.base import available_methods
    from physlens.methods.couplings.readout import strongest_pairs
    from physlens.report.plots import to_svg
    from physlens.tour.couplings import heatmap_figure
    from physlens.validate.couplings import coupling_verdicts

    classes = {name: cls for name, cls in available_methods().items() if cls.consumes == "spin_samples"}
    if method not in classes:
        raise ParameterError(f"--method {method!r} is unknown; valid: {', '.join(classes)}")
    arrays = read_arrays(samples)
    if "spins" not in arrays:
        raise DataError(f"{samples.name} has no array 'spins'; arrays found: {', '.join(arrays) or '(none)'}")
    spins = arrays["spins"]
    rows = subsample_rows(len(spins), max_rows, seed, "samples") if spins.ndim else None
    if rows is not None:
        spins = spins[rows]
    estimator = classes[method]()
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    with activity(f"learning couplings ({method})"):
        estimator.fit(spins, states=arrays.get("states"))
    interpretation = estimator.interpret()
    if "couplings" in arrays:
        truth = np.asarray(arrays["couplings"], dtype=float)
        if truth.shape != estimator.couplings_.shape:
            raise DataError(f"true couplings in {samples.name} have shape {truth.shape}; expected {estimator.couplings_.shape}")
        interpretation.verdicts.extend(coupling_verdicts(estimator.couplings_, truth, edges=estimator.bonds_))
    panels = [("learned couplings", estimator.couplings_)]
    if "couplings" in arrays:
        panels = [("true couplings", truth), ("learned couplings", estimator.couplings_), ("learned - true", estimator.couplings_ - truth)]
    path = heatmap if heatmap is not None else samples.with_name(samples.stem + "_couplings.svg")
    try:
        path.write_text(to_svg(heatmap_figure(panels)), encoding="utf-8")
    except OSError as error:
        raise DataError(f"cannot write the heat map to {str(path)!r}: {error}") from None
    pairs = strongest_pairs(estimator.couplings_, top)
    if json_output:
        from physlens.cli._common import print_json

        print_json(
            {
                "found": interpretation.found,
                "method": method,
                "model": estimator.model_,
                "convention": interpretation.values["convention"],
                "states": estimator.states_.tolist(),
                "couplings": estimator.couplings_,
                "fields": estimator.fields_,
                "strongest": [{"i": i, "j": j, "coupling": v} for i, j, v in pairs],
                "edges": interpretation.values["edges"],
                "bond_threshold": {"value": estimator.bond_threshold_, "rule": interpretation.values["bond_threshold_rule"],
                                   "null_level": estimator.null_level_, "gap": estimator.bond_gap_},
                "verdicts": [v.to_dict() for v in interpretation.verdicts],
                "reasons": interpretation.reasons,
                "heatmap": str(path),
                "fit_seconds": estimator.fit_seconds_,
            }
        )
    else:
        from rich.console import Console
        from rich.markup import escape

        from physlens.cli._common import print_table, print_verdicts

        console = Console()
        console.print(f"[bold]{method}[/]: {escape(interpretation.summary)}", soft_wrap=True)  # whole on a pipe
        convention = interpretation.values["convention"]
        print_table(console, f"Strongest couplings ({convention})", ["i", "j", "J_ij"],
                    [[str(i), str(j), f"{v:+.4f}"] for i, j, v in pairs], markdown=markdown)
        edges = interpretation.values["edges"]
        print_table(console, f"Interaction graph: {len(edges)} bonds at |J| > {estimator.bond_threshold_:.3g} ({convention})",
                    ["i", "j", "J_ij"], [[str(e["i"]), str(e["j"]), f"{e['coupling']:+.4f}"] for e in edges], markdown=markdown)
        print_verdicts(console, interpretation.verdicts, markdown=markdown)
        console.print(f"heat map: {path}")
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)


@app.command()
def forces(
    trajectories: Path = typer.Argument(..., help="A .npz file with `positions` (n x N x 2, m) and `accelerations` (n x N x 2, m/s^2) - or `dt` (s) to take them from positions over time; optional `masses` and `charges` (n x N or N)."),
    steps: int = typer.Option(3000, "--steps", min=1, help="Training steps of the graph network."),
    sr_budget: float = typer.Option(30.0, "--sr-budget", min=0.1, help="Seconds for symbolic regression on the messages."),
    evaluations: int = typer.Option(None, "--evaluations", min=1000, help="Limit the symbolic search by model evaluations instead of time (reproducible)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the network and the search."),
    max_rows: int = typer.Option(10_000, "--max-rows", min=10, help="More samples (time steps) are subsampled at random to this many (said on stderr)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """Recover the pairwise force law F_ij from particle positions and accelerations.

    A graph network with bottlenecked messages learns the dynamics; symbolic regression
    reads the force law from its messages.

    Example: physlens forces traj.npz --json
    """
    import numpy as np
    import sympy

    from physlens.cli._common import activity, subsample_rows
    from physlens.data.loaders import read_arrays
    from physlens.errors import DataError
    from physlens.methods.forces import GraphNetwork, check_particle_array

    arrays = read_arrays(trajectories)
    if "positions" not in arrays:
        raise DataError(f"{trajectories.name} has no array 'positions'; arrays found: {', '.join(arrays) or '(none)'}")
    positions = check_particle_array(arrays["positions"], "positions", vector=True)
    if "accelerations" in arrays:
        accelerations = arrays["accelerations"]
    elif "dt" in arrays:
        dt = float(np.asarray(arrays["dt"]).ravel()[0])
        if not np.isfinite(dt) or dt <= 0:
            raise DataError(f"dt = {dt} in {trajectories.name}; the time step must be a number > 0")
        if positions.shape[0] < 3:
            raise DataError("positions over time need at least 3 time steps to take accelerations")
        accelerations = (positions[2:] - 2 * positions[1:-1] + positions[:-2]) / dt**2
        positions = positions[1:-1]
    else:
        raise DataError(f"{trajectories.name} needs 'accelerations' (n x N x 2) or a time step 'dt' for positions over time")
    n, N = positions.shape[:2]
    accelerations = np.asarray(accelerations)
    rows = subsample_rows(n, max_rows, seed, "samples") if accelerations.ndim and len(accelerations) == n else None
    if rows is not None:  # per-sample masses and charges follow the same rows
        positions, accelerations, n = positions[rows], accelerations[rows], len(rows)

    def per_sample(name):
        if name not in arrays:
            return None
        if arrays[name].dtype.kind not in "biuf":
            raise DataError(f"{trajectories.name}: {name} has dtype {arrays[name].dtype}; expected numbers, one per particle (N) or per sample and particle (n x N)")
        values = np.asarray(arrays[name], dtype=float)
        if values.ndim == 1 and values.shape[0] == N:
            return np.broadcast_to(values, (n, N)).copy()
        if "dt" in arrays and "accelerations" not in arrays and values.ndim == 2:
            values = values[1:-1]
        if rows is not None and values.ndim == 2 and len(values) > rows[-1]:
            values = values[rows]
        return values

    model = GraphNetwork(steps=steps, sr_budget=sr_budget, sr_evaluations=evaluations, random_state=seed)
    with activity(f"training the graph network ({steps} steps), then symbolic regression on its messages"):
        model.fit(positions, accelerations, masses=per_sample("masses"), charges=per_sample("charges"))
    interpretation = model.interpret()
    equation = interpretation.expressions["F_x"]
    if json_output:
        from physlens.cli._common import print_json

        print_json(
            {
                "found": interpretation.found,
                "method": "graph_network",
                "equation": f"F_x = {sympy.sstr(equation)}",
                "expression": sympy.sstr(equation),
                "latex": sympy.latex(equation),
                "force_unit": model.force_unit_,
                "variables": model.feature_names_,
                "verdicts": [v.to_dict() for v in interpretation.verdicts],
                "reasons": interpretation.reasons,
                "fit_seconds": model.fit_seconds_,
            }
        )
    else:
        from rich.console import Console

        from physlens.cli._common import print_verdicts

        from physlens.report.equations import equation_text

        console = Console()
        console.print(f"pair force on i due to j (dx = x_i - x_j), in {model.force_unit_}:")
        console.print(f"[bold]{equation_text('F_x', equation)}[/]")
        print_verdicts(console, interpretation.verdicts, markdown=markdown)
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)
