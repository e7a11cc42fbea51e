"""Fitted nonlinear parameters of discovered equations (a drive's omega in cos(omega t), a
half-saturation K in x/(K + x)) against the truth: pure functions for scoring."""

from __future__ import annotations

from typing import Mapping

import sympy

from physlens.expr import as_expression

SNAP_TOLERANCE = 0.1  # a fitted parameter within 10 % of a true one is taken to be it


def inner_parameters(expression: sympy.Expr) -> list[sympy.Float]:
    """Numbers inside sin/cos arguments and inside denominators: nonlinear parameters."""
    out: list[sympy.Float] = []
    for node in sympy.preorder_traversal(as_expression(expression)):
        if isinstance(node, (sympy.sin, sympy.cos)):
            out += sorted(node.args[0].atoms(sympy.Float), key=float)
        elif node.is_Pow and node.exp.is_negative:
            out += sorted(node.base.atoms(sympy.Float), key=float)
    return out


def snap_parameters(found: Mapping[str, sympy.Expr], truth: Mapping[str, sympy.Expr]
                    ) -> tuple[dict[str, sympy.Expr], float]:
    """(``found`` with each inner parameter replaced by the nearest true one within
    SNAP_TOLERANCE, the largest relative error of the replaced parameters). Parameters
    with no true one near stay as they are (the support check then counts them as wrong)."""
    true_values = sorted({float(v) for e in truth.values() for v in inner_parameters(e)})
    worst, replacements = 0.0, {}
    for expression in found.values():
        for value in inner_parameters(expression):
            near = min(true_values, key=lambda v: abs(v - float(value)), default=None)
            if near is not None and abs(near - float(value)) <= SNAP_TOLERANCE * abs(near):
                replacements[value] = sympy.Float(near)
                worst = max(worst, abs(near - float(value)) / abs(near))
    return {s: as_expression(e).xreplace(replacements) for s, e in found.items()}, worst
