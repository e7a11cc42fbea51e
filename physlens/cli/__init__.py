"""The ``physlens`` command. Each sub-command lives in its own module of this package
(``discover.py``, ``tour.py``, ...) and registers itself on :data:`app`; modules are
found automatically, so adding a command touches no shared file.

Exit codes: 0 ok, 1 nothing found, 2 bad input. User errors print one line to stderr,
never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

app = typer.Typer(
    name="physlens",
    help="Interpretable machine learning for physics: laws, dynamics, phases, couplings, invariants - each checked against physics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

EXIT_OK, EXIT_NOT_FOUND, EXIT_BAD_INPUT = 0, 1, 2


@app.callback()
def _root() -> None:
    """physlens finds the law behind your data and checks it against physics.

    Exit codes: 0 ok, 1 nothing trustworthy found, 2 bad input.
    """


def _load_commands() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


def main(argv: list[str] | None = None) -> None:
    from physlens.errors import PhyslensError

    _load_commands()
    try:
        app(args=argv, prog_name="physlens")
    except PhyslensError as error:
        print(f"physlens: error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        print("physlens: interrupted; finished results are kept in the store", file=sys.stderr)
        raise SystemExit(130) from None
