"""``physlens phases``: find the order parameter and the critical temperature of lattice
spin configurations, without labels."""

from __future__ import annotations

from pathlib import Path

import typer

from physlens.cli import EXIT_NOT_FOUND, app
from physlens.cli._common import MARKDOWN_HELP


def phase_methods() -> dict:
    """The registered methods that read lattice configurations, by their ``--method`` name
    (the registered name without its "phases-" prefix)."""
    from physlens.methods.base import available_methods

    return {name.removeprefix("phases-"): cls for name, cls in available_methods().items() if name.startswith("phases-")}


def load_configurations(path: Path) -> tuple:
    """(configs, temperature, states or None) from an .npz file with arrays ``configs``
    (n, L, L) integers and ``temperature`` (n,); an optional ``states`` array declares
    the allowed spin values."""
    import numpy as np

    from physlens.data.loaders import read_arrays
    from physlens.errors import DataError

    arrays = read_arrays(path)
    missing = [key for key in ("configs", "temperature") if key not in arrays]
    if missing:
        raise DataError(f"{path}: missing array(s) {', '.join(missing)}; found {', '.join(arrays) or 'none'}")
    states = arrays.get("states")
    return arrays["configs"], arrays["temperature"], None if states is None else [int(v) for v in np.ravel(states)]


def _parse_states(text: str | None):
    from physlens.errors import ParameterError

    if text is None:
        return None
    if text.strip() == "angle":
        return "angle"
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"--states {text!r} must be comma-separated integers, for example --states=-1,1 or --states=0,1,2, or 'angle'") from None


@app.command()
def phases(
    files: list[Path] = typer.Argument(..., help="One .npz per lattice size, each with configs (n, L, L) and temperature (n,)."),
    method: str = typer.Option("pca", "--method", help="pca, autoencoder or classifier."),
    states: str = typer.Option(None, "--states", help="Allowed spin values, e.g. -1,1 (Ising) or 0,1,2 (3-state Potts), or 'angle' for planar (XY) spins in radians."),
    critical_temperature: float = typer.Option(None, "--truth", help="Known T_c, to score the estimate against."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the method."),
    max_rows: int = typer.Option(200_000, "--max-rows", min=10, help="Per file, larger scans use a random subsample of this many configurations (said on stderr)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """Learn the order parameter of spin configurations and estimate T_c.

    With several lattice sizes, T_c comes from a finite-size scaling collapse; with one,
    from the fluctuation peak of the learned order parameter, with an interval that holds
    the finite-size shift. The answer says which estimator ran and why, whether the
    transition is first order, and the order parameter as a formula of the spins.

    Example: physlens phases L16.npz L32.npz --json
    """
    from physlens.errors import ParameterError

    methods = phase_methods()
    if method not in methods:
        raise ParameterError(f"--method {method!r} is unknown; valid: {', '.join(methods)}")
    declared = _parse_states(states)
    import numpy as np

    from physlens.cli._common import activity, subsample_rows

    configs, temperatures = [], []
    for path in files:
        c, t, file_states = load_configurations(path)
        if declared is None and file_states is not None:
            declared = file_states
        same_length = np.ndim(c) >= 1 and np.ndim(t) == 1 and len(t) == len(c)  # else check_configurations explains
        rows = subsample_rows(len(c), max_rows, seed, f"configurations in {path.name}") if same_length else None
        if rows is not None:
            c, t = c[rows], t[rows]
        configs.append(c)
        temperatures.append(t)
    estimator = methods[method](random_state=seed)
    with activity(f"learning the order parameter ({method})"):
        estimator.fit(configs, temperatures, states=declared)
    interpretation = estimator.interpret()
    values = interpretation.values
    if critical_temperature is not None:
        from physlens.validate.phases import critical_temperature_verdict

        interpretation.verdicts.append(critical_temperature_verdict(values, float(critical_temperature)))
    correlation = min(values["correlation_with_magnetization"].values())
    if json_output:
        from physlens.cli._common import print_json

        print_json(
            {
                "found": interpretation.found,
                "critical_temperature": values["critical_temperature"],
                "critical_temperature_std": values["critical_temperature_std"],
                "critical_temperature_interval": values["critical_temperature_interval"],
                "estimator": values["estimator"],
                "transition_order": values["transition_order"],
                "transition_order_detail": values["transition_order_detail"],
                "closed_form": values["closed_form"],
                "order_parameter": {"description": values["order_parameter"], "correlation": correlation},
                "method": interpretation.method,
                "sizes": values["sizes"],
                "nu": values["nu"],
                "states": values["states"],
                "verdicts": [v.to_dict() for v in interpretation.verdicts],
                "reasons": interpretation.reasons,
            }
        )
    else:
        from rich.console import Console

        from physlens.cli._common import print_verdicts

        console = Console()
        tc = values["critical_temperature"]
        console.print(f"[bold]{interpretation.method}[/]: {values['order_parameter']}")
        console.print(f"correlation with |m|: {correlation:.4f}")
        interval = values["critical_temperature_interval"]
        estimator = values["estimator"]
        console.print(f"critical temperature: {'none' if tc is None else f'{tc:.4f}'}" + (f", 95% interval [{interval[0]:.4f}, {interval[1]:.4f}]" if interval else ""))
        console.print(f"estimator: {estimator['name']} ({estimator['why']})", soft_wrap=True)
        console.print(f"transition: {values['transition_order']} ({values['transition_order_detail']['reason']})", soft_wrap=True)
        console.print(f"order parameter in closed form: {values['closed_form']['text']}", soft_wrap=True)
        print_verdicts(console, interpretation.verdicts, markdown=markdown)
        for reason in interpretation.reasons:
            console.print(f"[red]{reason}[/]")
    if not interpretation.found:
        raise typer.Exit(EXIT_NOT_FOUND)
