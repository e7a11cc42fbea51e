"""Dimensional consistency of an expression: every sum adds like dimensions, every
function argument and exponent is dimensionless, and the result has the target's
dimension. Numbers are dimensionless (a fitted constant may not hide units)."""

from __future__ import annotations

from typing import Mapping

import sympy

from physlens.units import DIMENSIONLESS, Dimension
from physlens.validate.verdict import Verdict


class _Inconsistent(Exception):
    pass


def expression_dimension(expression: sympy.Expr, dimensions: Mapping[str, Dimension]) -> Dimension | None:
    """The dimension of ``expression`` given each symbol's, or None if inconsistent."""
    try:
        return _dimension(expression, dimensions)
    except _Inconsistent:
        return None


def _dimension(node: sympy.Expr, dimensions: Mapping[str, Dimension]) -> Dimension:
    if node.is_Symbol:
        if node.name not in dimensions:
            raise _Inconsistent(node.name)
        return dimensions[node.name]
    if node.is_Number or node.is_NumberSymbol or node in (sympy.pi, sympy.E):
        return DIMENSIONLESS
    if node.is_Add:
        dims = {_dimension(arg, dimensions) for arg in node.args}
        if len(dims) != 1:
            raise _Inconsistent("sum of unlike dimensions")
        return dims.pop()
    if node.is_Mul:
        result = DIMENSIONLESS
        for arg in node.args:
            result = result * _dimension(arg, dimensions)
        return result
    if node.is_Pow:
        base, exponent = node.args
        base_dim = _dimension(base, dimensions)
        if exponent.is_Number:
            return base_dim ** float(exponent) if base_dim != DIMENSIONLESS else DIMENSIONLESS
        if _dimension(exponent, dimensions) != DIMENSIONLESS or base_dim != DIMENSIONLESS:
            raise _Inconsistent("symbolic exponent")
        return DIMENSIONLESS
    if isinstance(node, sympy.Abs):
        return _dimension(node.args[0], dimensions)
    if isinstance(node, sympy.Function):
        for arg in node.args:
            if _dimension(arg, dimensions) != DIMENSIONLESS:
                raise _Inconsistent(f"{node.func} of a dimensional argument")
        return DIMENSIONLESS
    raise _Inconsistent(type(node).__name__)


def dimensional_consistency(
    expression: sympy.Expr,
    dimensions: Mapping[str, Dimension] | None,
    target: Dimension | None,
) -> Verdict:
    """Verdict: does ``expression`` have the target's dimension, consistently?"""
    if dimensions is None or target is None:
        return Verdict("dimensional consistency", None, None, "no units given; pass units to check dimensions")
    found = expression_dimension(expression, dimensions)
    if found is None:
        return Verdict("dimensional consistency", False, 0.0, "adds unlike dimensions or applies a function to a dimensional quantity")
    if found != target:
        return Verdict("dimensional consistency", False, 0.0, f"has dimension {found}, the target has {target}")
    return Verdict("dimensional consistency", True, 1.0, f"every term has the target's dimension ({target})")
