"""A law printed as a physicist writes it (issue 28, scope 5): simplified with the
domain the data show (a column that keeps one sign is a positive or negative symbol,
so no ``Abs(z)/z``), numeric factors of a product collapsed into one constant
(``1.9191*exp(-pi/2)`` is one number), that constant written in closed form where the
held-out data allow (``1/sqrt(2*pi)``), and radicals of the same order merged
(``sqrt(I)/(sqrt(d)*sqrt(g)*sqrt(m))`` is ``sqrt(I/(d*g*m))``). Every step keeps the
law's values on the data; a step that would lengthen it is dropped."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import sympy

from physlens.expr import snap_constants, symbols_for
from physlens.methods.symbolic.laws import evaluate
from physlens.methods.symbolic.simplification import simplify_law
from physlens.validate.realistic import operation_count

_LARGEST = 80  # operations; larger laws are left as they are (sympy's rewriting can run for minutes)


def column_signs(names: list[str], X: np.ndarray) -> dict[str, sympy.Symbol]:
    """For each column that keeps one sign on every row, a symbol of its name that
    carries the sign (positive or negative); mixed-sign columns are left out."""
    signed = {}
    for name, column in zip(names, np.asarray(X, dtype=float).T):
        if np.all(column > 0):
            signed[name] = sympy.Symbol(name, positive=True)
        elif np.all(column < 0):
            signed[name] = sympy.Symbol(name, negative=True)
    return signed


def split_constant_exponents(expression: sympy.Expr) -> sympy.Expr:
    """exp(a + c) as exp(c) * exp(a) where c holds no variable, so c joins the law's factor."""
    def split(power):
        argument = power.args[0]
        if not isinstance(argument, sympy.Add):
            return power
        constant, rest = argument.as_independent(*argument.free_symbols, as_Add=True)
        return power if constant == 0 else sympy.exp(constant) * sympy.exp(rest)

    return expression.replace(lambda e: isinstance(e, sympy.exp), split)


def collapse_numeric_factors(expression: sympy.Expr) -> sympy.Expr:
    """One number for the numeric factors of each product that holds a fitted constant
    (1.9191*exp(-pi/2) -> 0.398942...); exact products such as 2*pi are kept."""
    def collapse(product):
        numbers = [f for f in product.args if f.is_number]
        if len(numbers) < 2 or not any(f.atoms(sympy.Float) for f in numbers):
            return product
        rest = [f for f in product.args if not f.is_number]
        return sympy.Mul(sympy.Float(sympy.Mul(*numbers).evalf(17), 17), *rest)

    return expression.replace(lambda e: isinstance(e, sympy.Mul), collapse)


def merge_radicals(expression: sympy.Expr, names: list[str], X: np.ndarray) -> sympy.Expr:
    """Factors of a product raised to fractions of one denominator, under one root:
    sqrt(I)/(sqrt(d)*sqrt(g)*sqrt(m)) -> sqrt(I/(d*g*m)). Only bases positive on every
    row of X are merged (elsewhere the roots of a product and its factors differ)."""
    def positive(base) -> bool:
        values = evaluate(base, names, X)
        return bool(np.all(np.isfinite(values)) and np.all(values > 0))

    def merge(product):
        groups: dict[int, list] = defaultdict(list)
        rest = []
        for factor in product.args:
            base, exponent = factor.as_base_exp()
            if isinstance(exponent, sympy.Rational) and not exponent.is_integer and not base.is_number and positive(base):
                groups[exponent.q].append(base ** (exponent * exponent.q))
            else:
                rest.append(factor)
        merged = [sympy.Pow(sympy.Mul(*bases), sympy.Rational(1, q), evaluate=False) if len(bases) > 1
                  else sympy.Pow(bases[0], sympy.Rational(1, q)) for q, bases in groups.items()]
        return sympy.Mul(*rest, *merged) if any(len(b) > 1 for b in groups.values()) else product

    return expression.replace(lambda e: isinstance(e, sympy.Mul), merge)


def readable_law(
    expression: sympy.Expr,
    names: list[str],
    X: np.ndarray,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    valid: tuple[np.ndarray, np.ndarray] | None = None,
) -> sympy.Expr:
    """``expression`` (in columns ``names`` of X) as a physicist writes it; see the module
    docstring. With ``train`` and ``valid`` rows (X, y) the collapsed constants are
    snapped to closed forms where held-out error allows (:func:`.constants.snap_on_data`);
    without them only to closed forms equal to round-off.
    The result equals the law on X to round-off (up to a snap the data allow) and is
    never longer; symbols come back as the plain real symbols of ``names``."""
    from physlens.methods.symbolic.constants import snap_on_data

    if sympy.count_ops(expression) > _LARGEST:
        return expression
    plain = symbols_for(names)
    signed = column_signs(names, X)
    to_signed = {plain[n]: s for n, s in signed.items()}
    back = {s: plain[n] for n, s in signed.items()}
    try:
        current = collapse_numeric_factors(split_constant_exponents(expression.xreplace(to_signed)))
        current = merge_radicals(sympy.powsimp(simplify_law(current), force=True).xreplace(back), names, X)
    except Exception:  # a form sympy cannot rewrite is printed as found
        return expression
    if operation_count(current) > operation_count(expression) or not _same_values(current, expression, names, X):
        current = expression
    # the search snapped the constants it saw; only those collapsed here are new to snap
    if train is not None and valid is not None and current.atoms(sympy.Float) - expression.atoms(sympy.Float):
        # a closed form is preferred though sympy may print it longer (1/sqrt(2*pi) as sqrt(2)/(2*sqrt(pi)))
        current = merge_radicals(snap_on_data(current, names, train, valid), names, X)
    elif train is None and current.atoms(sympy.Float):  # without held-out rows only closed forms equal to round-off
        current = snap_constants(current, rel_tol=1e-9, abs_tol=0.0)
    return current


def _same_values(law: sympy.Expr, reference: sympy.Expr, names: list[str], X: np.ndarray) -> bool:
    """Equal on every row of X to round-off, row by row (laws span decades)."""
    expected, values = evaluate(reference, names, X), evaluate(law, names, X)
    finite = np.isfinite(expected)
    return bool(np.array_equal(finite, np.isfinite(values))
                and np.all(np.abs(values[finite] - expected[finite]) <= 1e-9 * np.abs(expected[finite]) + 1e-300))
