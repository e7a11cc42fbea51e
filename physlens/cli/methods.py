"""``physlens methods``: the method registry with each method's taxonomy."""

from __future__ import annotations

import typer

from physlens.cli import app
from physlens.cli._common import MARKDOWN_HELP


@app.command("methods")
def list_methods(
    json_output: bool = typer.Option(False, "--json", help="One JSON object: method -> taxonomy."),
    markdown: bool = typer.Option(False, "--markdown", help=MARKDOWN_HELP),
) -> None:
    """List every method with the review's taxonomy (origin, mechanism, scope, aim, level)
    and the kind of data it consumes.

    Example: physlens methods --json
    """
    from rich.console import Console

    from physlens.cli._common import print_json, print_table
    from physlens.methods.base import AXES, available_methods

    methods = available_methods()
    if json_output:
        print_json({name: {**cls.taxonomy.to_dict(), "consumes": cls.consumes, "output": cls.interpretation_kind}
                    for name, cls in methods.items()})
        return
    rows = [[name, *(getattr(cls.taxonomy, axis) for axis in AXES), cls.consumes, cls.interpretation_kind]
            for name, cls in methods.items()]
    print_table(Console(), "physlens methods", ["method", *AXES, "consumes", "output"], rows, markdown=markdown)
