"""Simplification of a law with guards (sympy can run for an hour on nested sines), and
roots of squares unfolded where the data fix the sign."""

from __future__ import annotations

import math

import numpy as np
import sympy

from physlens.expr import count_complexity
from physlens.methods.symbolic.laws import evaluate

_TRIGONOMETRIC = (sympy.sin, sympy.cos, sympy.tan)


def simplify_law(expression: sympy.Expr) -> sympy.Expr:
    """Simplify with guards: very large expressions are left alone, and trigonometric
    functions are held as opaque symbols while the rest is simplified (sympy's
    trigonometric rewriting can run for an hour on a product of a few nested sines)."""
    if sympy.count_ops(expression) > 80:
        return expression
    # constants equal to round-off are one constant (a fit gives c*x**2 + c'*y**2 with
    # c - c' = 1e-17), so that c*(x**2 + y**2) can be factored
    unified: dict[sympy.Float, sympy.Float] = {}
    for number in sorted(expression.atoms(sympy.Float), key=float):
        twin = next((u for u in unified.values() if abs(float(u) - float(number)) <= 1e-12 * abs(float(number))), None)
        unified[number] = twin if twin is not None else number
    expression = expression.xreplace(unified)
    held = {f: sympy.Dummy(f"trig{i}") for i, f in enumerate(sorted(expression.atoms(*_TRIGONOMETRIC), key=sympy.default_sort_key))}
    try:
        simplified = sympy.simplify(expression.xreplace(held)).xreplace({d: f for f, d in held.items()})
    except Exception:
        return expression
    return simplified if count_complexity(simplified) <= count_complexity(expression) else expression


def unfold_roots_on_data(expression: sympy.Expr, names: list[str], X: np.ndarray) -> sympy.Expr:
    """Take roots of squares out of their roots where the data allow: sqrt(a**2 * b) is
    |a| sqrt(b), and |a| is a (or -a) when a keeps one sign on every row of X. So
    t*u*sqrt((1 - x/(t*u))**2 / (1 - u**2/c**2)) becomes (x - t*u)/sqrt(1 - u**2/c**2)
    on data where x > t*u. Kept only when no longer and equal on X to round-off."""
    if sympy.count_ops(expression) > 80 or not expression.has(sympy.Pow):
        return expression
    reference = evaluate(expression, names, X)

    def signed(e: sympy.Expr) -> dict:
        signs = {}
        for absolute in e.atoms(sympy.Abs):
            inner = evaluate(absolute.args[0], names, X)
            if np.all(inner > 0):
                signs[absolute] = absolute.args[0]
            elif np.all(inner < 0):
                signs[absolute] = -absolute.args[0]
        return signs

    current = expression
    for _ in range(3):  # each pass may expose another square under a root
        try:
            unfolded = sympy.powdenest(current, force=True)
        except Exception:
            break
        signs = signed(unfolded)
        if not signs:
            break
        current = simplify_law(unfolded.xreplace(signs))
        current = current.xreplace(signed(current))  # simplification may write |a| again
    if current == expression or count_complexity(current) > count_complexity(expression):
        return expression
    values = evaluate(current, names, X)
    scale = float(np.max(np.abs(reference))) if np.all(np.isfinite(reference)) else math.inf
    return current if np.all(np.isfinite(values)) and np.max(np.abs(values - reference)) <= 1e-9 * scale else expression
