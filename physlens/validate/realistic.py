"""Scores of a law against the truth at realistic magnitudes (issue 28): strict
exactness on fresh rows, irrelevant columns used, wrong claims and readability. Pure
functions of the law, the truth and the rows."""

from __future__ import annotations

import numpy as np
import sympy

from physlens.validate.symbolic import predicts

STRICT_TOLERANCE = 1e-3  # the law's ratio to the truth stays within this of 1 on every fresh row
READABLE_RATIO = 1.2  # a readable law has at most this many times the reference form's operations
# an additive constant below this share of the target's RMS is a fit's round-off (pyoperon's linear
# scaling leaves 1e-6 on targets of order 1e2), dropped before scoring as FIELD_NOTES advises for peers
NEGLIGIBLE_OFFSET = 1e-6


def drop_negligible_offset(law: sympy.Expr, scale: float, share: float = NEGLIGIBLE_OFFSET) -> sympy.Expr:
    """The law without additive constants smaller than ``share`` x ``scale`` (the target's RMS)."""
    if not isinstance(law, sympy.Add):
        return law
    kept = [term for term in law.args if not (term.is_number and abs(float(term)) <= share * scale)]
    return sympy.Add(*kept) if kept else sympy.Integer(0)


def strict_exact(law: sympy.Expr, truth: sympy.Expr, names: list[str], X_fresh: np.ndarray,
                 tolerance: float = STRICT_TOLERANCE) -> bool:
    """The law with its constants: law/truth within ``tolerance`` of 1 on every row of
    ``X_fresh`` (rows the fit never saw) where the truth is not zero, and finite wherever
    the truth is."""
    expected = np.asarray(predicts(truth, names, X_fresh), dtype=float)
    values = np.asarray(predicts(law, names, X_fresh), dtype=float)
    rows = np.isfinite(expected) & (expected != 0)
    if not rows.any() or not np.all(np.isfinite(values[rows])):
        return False
    return bool(np.max(np.abs(values[rows] / expected[rows] - 1.0)) <= tolerance)


def columns_used(law: sympy.Expr, columns) -> list[str]:
    """Which of ``columns`` the law uses (by name)."""
    used = {symbol.name for symbol in law.free_symbols}
    return [name for name in columns if name in used]


def wrong_claim(found: bool | None, exact: bool, limit_stated: bool = False) -> bool:
    """A claim (found true) of a law that is not the law, with no stated limit."""
    return bool(found) and not exact and not limit_stated


def operation_count(expression: sympy.Expr) -> int:
    """Operations in the printed law (sympy ``count_ops``)."""
    return int(sympy.count_ops(expression, visual=False))


def operation_ratio(law: sympy.Expr, reference: sympy.Expr) -> float:
    """The printed law's operations over the reference form's."""
    return operation_count(law) / max(1, operation_count(reference))


def readable(law: sympy.Expr, reference: sympy.Expr, ratio: float = READABLE_RATIO) -> bool:
    """Whether the law is printed within ``ratio`` times the reference form's operations."""
    return operation_ratio(law, reference) <= ratio
