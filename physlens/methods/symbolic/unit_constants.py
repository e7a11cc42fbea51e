"""Constants that carry units, stated as a physicist states them: each one refitted by
least squares with its standard uncertainty, in the units of the user's columns
(``C = 0.99992 ± 0.00007 yr/au^(3/2)``), and named where it matches CODATA constants
(:func:`physlens.validate.constants.identify_constant`)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy

from physlens.methods.symbolic.laws import evaluate
from physlens.units import parse_unit_with_factor, unit_solution, unit_text
from physlens.validate.constants import identify_constant, unit_terms

SMALL_TABLE = 30  # validation rows below which a snap is judged by significance alone
RELATIVE_SPAN = 10.0  # a one-signed target whose largest value is this many times its smallest: relative errors


def _rest_powers(rest: sympy.Expr, dimension, dims) -> dict[str, Fraction] | None:
    """The powers of the input columns whose units make up the part ``rest``: its own
    powers for a monomial, else one product of the inputs with its dimension."""
    powers = rest.as_powers_dict()
    if all(base.is_Symbol or base.is_Number or base.is_NumberSymbol for base in powers) and all(
            e.is_Rational or e.is_Float for e in powers.values()):
        return {b.name: Fraction(float(e)).limit_denominator(1000) for b, e in powers.items() if b.is_Symbol}
    return unit_solution(dimension, dims)


def _linear_fit(expression: sympy.Expr, names: list[str], X: np.ndarray, y: np.ndarray, dims, target_dim):
    """(the law's additive parts, their coefficients refitted jointly by linear least
    squares on (X, y), their covariance or None without spare rows), or None when the
    law needs no constant with units or cannot be evaluated."""
    terms = unit_terms(expression, dims, target_dim) if dims is not None and target_dim is not None else None
    if not terms or not any(t.carries_units for t in terms):
        return None
    design = np.column_stack([evaluate(t.rest, names, X) for t in terms])
    if not np.all(np.isfinite(design)):
        return None
    # a target of one sign spanning decades is fitted in relative error (a table's
    # precision is its significant digits), else in absolute error
    spans = bool(np.all(y > 0) or np.all(y < 0)) and np.max(np.abs(y)) > RELATIVE_SPAN * np.min(np.abs(y))
    root = 1.0 / np.abs(y) if spans else np.ones(len(y))
    weighted = design * root[:, None]
    coefficients, *_ = np.linalg.lstsq(weighted, y * root, rcond=None)
    dof = len(y) - len(terms)
    residual = (y - design @ coefficients) * root
    with np.errstate(all="ignore"):
        covariance = (float(residual @ residual) / dof) * np.linalg.pinv(weighted.T @ weighted) if dof > 0 else None
    return terms, coefficients, covariance


def with_fitted_unit_constants(expression: sympy.Expr, names: list[str], X: np.ndarray, y: np.ndarray, dims, target_dim) -> sympy.Expr:
    """The law with the coefficients of its parts refitted on (X, y) when it needs
    constants with units: such a constant is a fitted number in any units (1 in au and
    years is 5.45e-10 in SI), never snapped, and judged as fitted. Else the law as it is."""
    fit = _linear_fit(expression, names, X, y, dims, target_dim)
    if fit is None:
        return expression
    terms, coefficients, _ = fit
    return sympy.Add(*[sympy.Float(float(c), 17) * t.rest if t.carries_units else t.coefficient * t.rest
                       for t, c in zip(terms, coefficients)])


def choose_law(candidates: list, names: list[str], X: np.ndarray, y: np.ndarray, train_rows: np.ndarray,
               valid_rows: np.ndarray, dims, target_dim):
    """The law of least description length on the validation rows among those consistent
    with the units as they are, or with fitted constants carrying units (each such
    constant refitted, never snapped, and counted as a parameter: a dimensionless law
    wins when the data allow one, and one constant beats two); all candidates when none is.
    Without units, simply the law of least description length."""
    from physlens.expr import count_complexity
    from physlens.validate.constants import constants_with_units
    from physlens.validate.fit import r2_score

    n_valid, variance = len(valid_rows), float(np.var(y[valid_rows]))
    tiers = {id(c): 0 if dims is None or c.consistent else constants_with_units(c.expression, dims, target_dim)
             for c in candidates}
    pool = [c for c in candidates if tiers[id(c)] is not None] or candidates
    for c in pool:
        if tiers[id(c)]:
            c.expression = with_fitted_unit_constants(c.expression, names, X[train_rows], y[train_rows], dims, target_dim)
            values = evaluate(c.expression, names, X[valid_rows])
            c.mse, c.r2 = float(np.mean((values - y[valid_rows]) ** 2)), r2_score(y[valid_rows], values)
            c.complexity = count_complexity(c.expression)
    best = min(pool, key=lambda c: c.description_length(n_valid, variance))
    if tiers[id(best)]:
        polish_with_units(best, names, X, y, train_rows, valid_rows, dims, target_dim)
    return best


def consistent_with_constants(constants: list[dict], *, unreachable: bool):
    """The dimensional-consistency verdict of a law made consistent by its constants
    carrying units (``unreachable``: no product of the inputs has the target's units)."""
    from physlens.validate.verdict import Verdict

    return Verdict("dimensional consistency", True, 1.0, (
        f"consistent with {len(constants)} fitted constant{'s' * (len(constants) > 1)} carrying units ("
        + "; ".join(constant_text(c) for c in constants) + ")"
        + ("; no product of the inputs has the target's units" if unreachable else "")))


def polish_with_units(candidate, names: list[str], X: np.ndarray, y: np.ndarray, train_rows: np.ndarray,
                      valid_rows: np.ndarray, dims, target_dim) -> None:
    """Re-snap the chosen law's other constants (an exponent 1.49992 to 3/2) with its
    constants carrying units refitted, and score it again, in place. On a small table
    (fewer than SMALL_TABLE validation rows) a snap is kept unless it is significantly
    worse: the search's 5 % bar on the rise in error is noise there."""
    from physlens.expr import count_complexity
    from physlens.methods.symbolic.constants import snap_on_data
    from physlens.validate.fit import r2_score

    train, valid = (X[train_rows], y[train_rows]), (X[valid_rows], y[valid_rows])
    tolerance = 0.05 if len(valid_rows) >= SMALL_TABLE else 1.0
    snapped = snap_on_data(candidate.expression, names, train, valid, tolerance=tolerance)
    law = with_fitted_unit_constants(snapped, names, *train, dims, target_dim)
    values = evaluate(law, names, valid[0])
    if not np.all(np.isfinite(values)):
        return
    candidate.expression, candidate.complexity = law, count_complexity(law)
    candidate.mse, candidate.r2 = float(np.mean((values - valid[1]) ** 2)), r2_score(valid[1], values)


def stated_constants(expression: sympy.Expr, names: list[str], X: np.ndarray, y: np.ndarray, dims, target_dim,
                     units: dict[str, str], target_unit: str) -> tuple[list[dict], sympy.Expr | None]:
    """(the constants with units of the law, each {name, value, uncertainty, unit,
    identified_as, identification}; the law written with them as symbols), or ([], None)
    when the law needs none. The coefficients of the law's additive parts are refitted
    jointly by linear least squares on (X, y) (in relative error when the target spans
    decades); the uncertainty is the standard error."""
    fit = _linear_fit(expression, names, X, y, dims, target_dim)
    if fit is None:
        return [], None
    terms, coefficients, covariance = fit
    carrying = [i for i, t in enumerate(terms) if t.carries_units]
    taken = set(names)
    labels = ["C"] if len(carrying) == 1 and "C" not in taken else [
        next(f"C{k}" for k in range(i + 1, i + 100) if f"C{k}" not in taken) for i in range(len(carrying))]
    target_factor = parse_unit_with_factor(target_unit)[1]
    constants, parts = [], []
    for index, term in enumerate(terms):
        if index not in carrying:
            parts.append(term.coefficient * term.rest)
            continue
        label = labels[carrying.index(index)]
        parts.append(sympy.Symbol(label) * term.rest)
        value = float(coefficients[index])
        uncertainty = math.sqrt(covariance[index, index]) if covariance is not None and covariance[index, index] >= 0 else math.nan
        powers = _rest_powers(term.rest, target_dim / term.dimension, dims) or {}
        factor = target_factor / math.prod(parse_unit_with_factor(units[n])[1] ** float(p) for n, p in powers.items())
        unit = unit_text(_merged(target_unit, powers, units))
        identified, how = identify_constant(value * factor, uncertainty * abs(factor), term.dimension)
        constants.append({
            "name": label, "value": value, "uncertainty": uncertainty, "unit": unit, "dimension": term.dimension,
            "identified_as": None if identified is None else f"{identified.text} in these units ({identified.value / factor:.6g} {unit})",
            "identification": how,
        })
    return constants, sympy.Add(*parts)


def _merged(target_unit: str, powers: dict[str, Fraction], units: dict[str, str]) -> dict[str, Fraction]:
    merged: dict[str, Fraction] = {target_unit: Fraction(1)}
    for name, p in powers.items():
        merged[units[name]] = merged.get(units[name], Fraction(0)) - p
    return merged


def constant_text(constant: dict) -> str:
    """``C = 0.99992 ± 0.00007 yr/au^(3/2) (2π/√(G·M_sun) in these units)``, with the
    uncertainty's two leading digits setting the value's."""
    value, uncertainty = constant["value"], constant["uncertainty"]
    if math.isfinite(uncertainty) and uncertainty > 0:
        scale = 0 if 1e-3 <= abs(value) < 1e4 else int(math.floor(math.log10(abs(value))))
        digits = max(0, 1 - int(math.floor(math.log10(uncertainty))) + scale)
        shown = f"{value / 10**scale:.{digits}f} ± {uncertainty / 10**scale:.{digits}f}"
        shown = shown if scale == 0 else f"({shown})e{scale}"
    else:
        shown = f"{value:.6g} (no uncertainty: as many constants as rows)"
    named = f" = {constant['identified_as']}" if constant["identified_as"] else ""
    return f"{constant['name']} = {shown} {constant['unit']}{named}"
