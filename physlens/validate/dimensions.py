"""Dimensional consistency of an expression: every sum adds like dimensions, every
function argument and exponent is dimensionless, and the result has the target's
dimension. Numbers are dimensionless (a fitted constant may not hide units).

One walker serves two readers: :func:`expression_dimension` (a discovered law, where any
inconsistency means None) and :func:`term_dimension` / :func:`admissible_terms` (a
library term offered to a regression, where a function of a dimensional quantity is
merely inadmissible but a sum of unlike dimensions is the user's mistake).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import sympy

from physlens.errors import UnitError
from physlens.units import DIMENSIONLESS, Dimension
from physlens.validate.verdict import Verdict


class _Inconsistent(Exception):
    pass


class _UnlikeSum(_Inconsistent):
    pass


def expression_dimension(expression: sympy.Expr, dimensions: Mapping[str, Dimension]) -> Dimension | None:
    """The dimension of ``expression`` given each symbol's (by name), or None if inconsistent."""
    try:
        return _dimension(expression, dimensions)
    except _Inconsistent:
        return None


def term_dimension(term: sympy.Expr, dimensions: Mapping[str, Dimension]) -> Dimension | None:
    """Dimension of a library term given each symbol's (by name), or None when it is
    inadmissible (a function of a dimensional argument, a dimensional exponent). A sum of
    unlike dimensions raises UnitError: the units given cannot be right."""
    try:
        return _dimension(term, dimensions)
    except _UnlikeSum as error:
        raise UnitError(str(error)) from None
    except _Inconsistent:
        return None


def admissible_terms(terms: Sequence[sympy.Expr], dimensions: Mapping[str, Dimension]
                     ) -> tuple[list[int], list[Dimension], list[sympy.Expr]]:
    """(indices of the admissible terms, their dimensions, the excluded terms)."""
    kept, kept_dimensions, excluded = [], [], []
    for index, term in enumerate(terms):
        dimension = term_dimension(term, dimensions)
        if dimension is None:
            excluded.append(term)
        else:
            kept.append(index)
            kept_dimensions.append(dimension)
    return kept, kept_dimensions, excluded


def _dimension(node: sympy.Expr, dimensions: Mapping[str, Dimension]) -> Dimension:
    if node.is_Symbol:
        if node.name not in dimensions:
            raise _Inconsistent(node.name)
        return dimensions[node.name]
    if node.is_Number or node.is_NumberSymbol:
        return DIMENSIONLESS
    if node.is_Add:
        return _sum_dimension(node, dimensions)
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


def _sum_dimension(node: sympy.Add, dimensions: Mapping[str, Dimension]) -> Dimension:
    # every summand first: an inadmissible one makes the sum inadmissible, not unlike
    dims, inadmissible = [], None
    for arg in node.args:
        try:
            dims.append(_dimension(arg, dimensions))
        except _UnlikeSum:
            raise
        except _Inconsistent as error:
            inadmissible = error
    if inadmissible is not None:
        raise inadmissible
    if len(set(dims)) > 1:
        shown = ", ".join(f"{sympy.sstr(a)} [{d}]" for a, d in zip(node.args, dims))
        raise _UnlikeSum(f"term {sympy.sstr(node)!r} adds quantities of different dimensions ({shown}); mismatched units")
    return dims[0]


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
        return Verdict("dimensional consistency", False, None, "adds unlike dimensions or applies a function to a dimensional quantity")
    if found != target:
        return Verdict("dimensional consistency", False, None, f"has dimension {found}, the target has {target}")
    return Verdict("dimensional consistency", True, None, f"every term has the target's dimension ({target})")
