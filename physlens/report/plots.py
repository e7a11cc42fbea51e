"""Figures as inline SVG strings (matplotlib's Agg-free SVG backend; no display needed)."""

from __future__ import annotations

import io


def new_figure(width: float = 6.0, height: float = 4.0):
    """A matplotlib figure that does not touch pyplot's global state."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def to_svg(figure) -> str:
    """SVG text of a figure, without the XML prolog so it can be inlined in HTML."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]
