"""Scores of discovered dynamics against truth and against physics (pure functions).

- :func:`terms_of` splits a right-hand side into {term: coefficient};
- :func:`support_recovery` compares which terms are present (exact support or not);
- :func:`coefficient_error` is the largest relative error of the true coefficients;
- :func:`rollout_error` / :func:`valid_time` compare an integrated model with data;
- :func:`conserved_drift` measures how far a conserved quantity wanders.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import sympy

from physlens.expr import as_expression


def _normalise_term(term: sympy.Expr) -> sympy.Expr:
    """Write float exponents as rationals so x*(x**2+y**2)**-1.5 matches (3/2)."""
    floats = term.atoms(sympy.Float)
    if not floats:
        return term
    return term.xreplace({f: sympy.nsimplify(f, rational=True) for f in floats})


def terms_of(expression: sympy.Expr | float | int, *, tolerance: float = 0.0) -> dict[sympy.Expr, float]:
    """{term: coefficient} of an expanded expression; the constant term has key 1.

    Coefficients with |c| <= tolerance are dropped. ``3*x*y - 2`` -> {x*y: 3, 1: -2}."""
    expression = as_expression(expression)
    # rational exponents first, so 1.5 and 3/2 give the same term; deep=False keeps
    # (x**2 + y**2)**(3/2) whole while still distributing products over sums
    powers = {p: sympy.Pow(p.base, sympy.nsimplify(p.exp, rational=True)) for p in expression.atoms(sympy.Pow)
              if p.exp.is_Float}
    expanded = sympy.expand(expression.xreplace(powers), deep=False)
    out: dict[sympy.Expr, float] = {}
    for term, coefficient in expanded.as_coefficients_dict().items():
        numeric, rest = term.as_coeff_Mul()
        key = _normalise_term(rest)
        value = float(coefficient) * float(numeric)
        out[key] = out.get(key, 0.0) + value
    return {k: v for k, v in out.items() if abs(v) > tolerance}


def support_recovery(found: Mapping[str, sympy.Expr], truth: Mapping[str, sympy.Expr]) -> dict:
    """Missing and extra terms per equation; ``exact`` when there are neither.

    Equations of ``truth`` missing from ``found`` count all their terms as missing."""
    missing, extra = [], []
    n_true = n_found = 0
    for state, rhs in truth.items():
        true_terms = set(terms_of(rhs))
        found_terms = set(terms_of(found.get(state, 0)))
        n_true += len(true_terms)
        n_found += len(found_terms)
        missing += [f"{state}: {sympy.sstr(t)}" for t in sorted(true_terms - found_terms, key=sympy.default_sort_key)]
        extra += [f"{state}: {sympy.sstr(t)}" for t in sorted(found_terms - true_terms, key=sympy.default_sort_key)]
    for state, rhs in found.items():
        if state not in truth:
            terms = terms_of(rhs)
            n_found += len(terms)
            extra += [f"{state}: {sympy.sstr(t)}" for t in sorted(terms, key=sympy.default_sort_key)]
    return {"exact": not missing and not extra, "missing": missing, "extra": extra,
            "n_true_terms": n_true, "n_found_terms": n_found}


def coefficient_error(found: Mapping[str, sympy.Expr], truth: Mapping[str, sympy.Expr]) -> float:
    """Largest relative error |c_found - c_true| / |c_true| over the true terms (a
    missing term counts as error 1). Extra terms are judged by :func:`support_recovery`."""
    worst = 0.0
    for state, rhs in truth.items():
        found_terms = terms_of(found.get(state, 0))
        for term, value in terms_of(rhs).items():
            worst = max(worst, abs(found_terms.get(term, 0.0) - value) / abs(value))
    return worst


def _scale(observed: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(np.asarray(observed, float) ** 2, axis=0))
    return np.where(rms > 0, rms, 1.0)


def rollout_error(predicted: np.ndarray, observed: np.ndarray, scale: np.ndarray | None = None) -> float:
    """RMS of (predicted - observed) / scale over times and states; ``scale`` defaults to
    each observed state's RMS. NaN rows in ``predicted`` (a blown-up model) give inf."""
    predicted, observed = np.atleast_2d(np.asarray(predicted, float)), np.atleast_2d(np.asarray(observed, float))
    if predicted.shape != observed.shape:
        raise ValueError(f"predicted {predicted.shape} and observed {observed.shape} differ in shape")
    if not np.isfinite(predicted).all():
        return float("inf")
    scale = _scale(observed) if scale is None else np.asarray(scale, float)
    return float(np.sqrt(np.mean(((predicted - observed) / scale) ** 2)))


def valid_time(times: np.ndarray, predicted: np.ndarray, observed: np.ndarray, *, threshold: float = 0.2,
               scale: np.ndarray | None = None) -> float:
    """Time from ``times[0]`` until the normalised error sqrt(mean_states(((p-o)/scale)^2))
    first exceeds ``threshold``; the whole span when it never does."""
    times = np.asarray(times, float)
    predicted, observed = np.asarray(predicted, float), np.asarray(observed, float)
    scale = _scale(observed) if scale is None else np.asarray(scale, float)
    error = np.sqrt(np.mean(((predicted - observed) / scale) ** 2, axis=1))
    error = np.where(np.isfinite(error), error, np.inf)
    above = np.flatnonzero(error > threshold)
    end = times[above[0]] if above.size else times[-1]
    return float(end - times[0])


def conserved_drift(values: np.ndarray, scale: float | None = None) -> float:
    """max |H(t) - H(0)| / scale along a trajectory; ``scale`` defaults to
    max(|H(0)|, std(H), tiny). Non-finite values give inf."""
    values = np.asarray(values, float).reshape(-1)
    if not np.isfinite(values).all():
        return float("inf")
    if scale is None:
        scale = max(abs(values[0]), float(np.std(values)), 1e-300)
    return float(np.max(np.abs(values - values[0])) / scale)
