"""Fitted constants: refitted by least squares, snapped to simple numbers (p/q,
multiples of pi) where held-out error allows, and exact numbers freed to be refitted
when the data ask for it. The one home of this code: the search, separability and
other engines (kan) all refit and snap through it."""

from __future__ import annotations

import math
import time

import numpy as np
import sympy

from physlens.expr import count_complexity, real_values, simple_numbers, snap_constants, symbols_for
from physlens.methods.symbolic.laws import Candidate, evaluate, mse

_SNAP_FLOOR = 1e-10  # relative to var(y): a snap costing less than this is never refused
JOINT_SNAP = 0.01  # relative distance within which all constants are first snapped together
SNAP_TRIES = 5  # simple numbers tried for each constant, simplest first


def refit_constants(expression: sympy.Expr, names: list[str], X: np.ndarray, y: np.ndarray) -> sympy.Expr:
    """Least-squares refit of the expression's floating-point constants on (X, y)."""
    from scipy.optimize import least_squares

    floats = sorted(expression.atoms(sympy.Float), key=lambda f: float(f))
    if not floats or len(floats) > 12:
        return expression
    params = sympy.symbols(f"physlens_c0:{len(floats)}")
    template = expression.xreplace(dict(zip(floats, params)))
    # sqrt and log of |u| while fitting: a start where u < 0 on a few rows (a snapped
    # constant moved the law off its domain) is then a smooth problem the fit can leave,
    # not a wall of non-finite values; the caller judges the result on the real law
    lenient = {"sqrt": lambda u: np.sqrt(np.abs(u)), "log": lambda u: np.log(np.abs(u))}
    try:
        f = sympy.lambdify([*symbols_for(names).values(), *params], template, modules=[lenient, "numpy"])
    except Exception:
        return expression
    columns = list(X.T)

    def residual(theta):
        with np.errstate(all="ignore"):
            values = real_values(f(*columns, *theta), len(y))
        values = np.where(np.isfinite(values), values, 1e30)
        return values - y

    start = np.array([float(c) for c in floats])
    try:
        fit = least_squares(residual, start, method="lm", max_nfev=200 * (len(floats) + 1))
    except Exception:
        return expression
    if not np.all(np.isfinite(fit.x)) or np.mean(fit.fun**2) > np.mean(residual(start) ** 2):
        return expression
    return template.xreplace({p: sympy.Float(v, 17) for p, v in zip(params, fit.x)})


def snap_on_data(
    expression: sympy.Expr,
    names: list[str],
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    *,
    tolerance: float = 0.05,
    deadline: float | None = None,
) -> sympy.Expr:
    """Snap constants to simple numbers one at a time, refitting the others, keeping a
    snap only when held-out error grows by less than ``tolerance`` (relative) plus
    round-off, and by no more than chance allows: on noisy data a wrong constant can
    cost less than 5% (2/5 for a Gaussian's 1/sqrt(2*pi) costs 2% at 2% noise), so the
    rise over the unsnapped law, row by row, must also be within three of its standard
    errors.
    Constants that matter least are tried first (zero first of all)."""
    X_valid, y_valid = valid
    floor = _SNAP_FLOOR * float(np.var(y_valid))
    current = expression
    unsnapped = evaluate(current, names, X_valid)
    current_mse = mse(unsnapped, y_valid)

    def kept(trial: sympy.Expr) -> tuple[bool, float]:
        """Whether the snapped law ``trial`` is as good as the data can tell, and its error."""
        values = evaluate(trial, names, X_valid)
        trial_mse = mse(values, y_valid)
        if not trial_mse <= current_mse * (1 + tolerance) + floor:
            return False, trial_mse
        return not _significantly_worse(values, unsnapped, y_valid, floor), trial_mse

    def judged(trial: sympy.Expr) -> tuple[sympy.Expr, bool, float]:
        """The snapped law with its remaining constants refitted, whether it is kept, its error."""
        if trial.atoms(sympy.Float):
            trial = refit_constants(trial, names, *train)
        return (trial, *kept(trial))

    # the deepest constants first: an exponent or a frequency inside a function is
    # snapped while the outer factors and offsets can still absorb the change (they are
    # refitted), not after they were snapped to fit the unsnapped inner value; at equal
    # depth the smallest first (the likeliest spurious ones). A refit moves the other
    # constants, so each step takes the next constant of the current law not yet tried.
    def order(law: sympy.Expr) -> list[sympy.Float]:
        depth: dict[sympy.Float, int] = {}

        def visit(node: sympy.Basic, level: int) -> None:
            if isinstance(node, sympy.Float):
                depth[node] = max(depth.get(node, 0), level)
            for argument in node.args:
                visit(argument, level + 1)

        visit(law, 0)
        return sorted(depth, key=lambda f: (-depth[f], abs(float(f))))

    # constants within 1% of each other first become one (noise splits a constant that
    # appears twice, as in sqrt(c*x**2 + c*y**2), into two): the law is refitted with one,
    # and a common factor comes out (c*x**2 + c*y**2 is c*(x**2 + y**2)) to be snapped alone
    twins = _twin_constants(current)
    if twins:
        trial, accepted, trial_mse = judged(sympy.factor_terms(current.xreplace(twins)))
        if accepted:
            current, current_mse = trial, trial_mse
    # then all at once, each constant to the simplest number within 1% of it: one at a
    # time, with the others refitted, a law at the edge of its domain (a distance whose
    # square reaches 0) leaves it, as the refitted constants drift, where together they
    # keep it. The simplest numbers are tried first, then those nearest the fitted values
    # (on noisy data a fitted 3.00626 is 3, though 85/(9*pi) is within 1e-6 of it; on
    # exact data the data refuse 3 where the constant is 85/(9*pi))
    for exact_first in (False, True):
        trial = snap_constants(current, rel_tol=JOINT_SNAP, abs_tol=JOINT_SNAP**2, tries=SNAP_TRIES, exact_first=exact_first)
        if trial is current:  # nothing was snapped (snap_constants returns its input then)
            continue
        trial, accepted, trial_mse = judged(trial)
        if accepted:
            current, current_mse = trial, trial_mse
            break
    refused: set[sympy.Float] = set()
    for _ in range(4 * len(expression.atoms(sympy.Float))):  # each snap removes a constant
        if deadline is not None and time.perf_counter() > deadline:
            break
        untried = [f for f in order(current) if f not in refused]
        if not untried:
            break
        target = untried[0]
        for candidate in simple_numbers(float(target))[:SNAP_TRIES]:
            trial, accepted, trial_mse = judged(current.xreplace({target: candidate}))
            if accepted:
                current, current_mse = trial, trial_mse
                break
        else:
            refused.add(target)
    return current


def free_exact_numbers_on_data(
    expression: sympy.Expr,
    names: list[str],
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
) -> sympy.Expr:
    """The law with its exact numbers (pi, 2, 1/3, ...; not exponents, not signs) made
    fitted constants and refitted, when that shortens its description on the held-out
    rows (:meth:`Candidate.description_length`: the better fit must pay for the new
    parameters); else the law as it was. Enumeration builds its constants from the
    leaves 1, 2 and pi, so it offers -2.19 + 10.01/(pi - z) for -2 + 9/(3 - z), within
    the noise and wrong; and a constant snapped on the way (9/(7 pi**2) for a slope of
    0.1303 fitted on rows chosen by their noisy target) is no longer refitted. Freed and
    refitted, the constants are then snapped like any fitted ones."""
    def free(node: sympy.Basic) -> sympy.Basic:
        if isinstance(node, sympy.Pow):
            return sympy.Pow(free(node.base), node.exp)  # an exponent is structure, not a constant
        if isinstance(node, sympy.NumberSymbol) or (node.is_Rational and abs(node) != 1 and node != 0):
            return sympy.Float(node, 17)
        if not node.args:
            return node
        return node.func(*[free(argument) for argument in node.args])

    try:
        freed = free(expression)
    except Exception:  # a node sympy will not rebuild: the law stays as it is
        return expression
    if len(freed.atoms(sympy.Float)) <= len(expression.atoms(sympy.Float)):
        return expression
    freed = refit_constants(freed, names, *train)
    X_valid, y_valid = valid
    variance = float(np.var(y_valid))

    def length(law: sympy.Expr) -> float:
        law_mse = mse(evaluate(law, names, X_valid), y_valid)
        return Candidate(law, count_complexity(law), math.nan, law_mse, None, "").description_length(len(y_valid), variance)

    return freed if length(freed) < length(expression) else expression


def _significantly_worse(values: np.ndarray, reference: np.ndarray, y: np.ndarray, floor: float, *, z: float = 3.0) -> bool:
    """Whether ``values`` miss ``y`` by more than ``reference`` does, beyond ``floor`` and
    beyond ``z`` standard errors of the mean row-by-row rise in squared error (a paired
    test: the noise both share cancels, so a small bias shows where the mean squared
    errors alone would hide it)."""
    if not np.all(np.isfinite(values)):
        return True
    rise = (values - y) ** 2 - (reference - y) ** 2
    if not np.all(np.isfinite(rise)):  # the reference itself fails on some rows
        return False
    mean = float(np.mean(rise))
    if mean <= floor:
        return False
    return mean > z * float(np.std(rise)) / math.sqrt(len(rise))


def _twin_constants(expression: sympy.Expr) -> dict[sympy.Float, sympy.Float]:
    """Floats within JOINT_SNAP (relative) of a neighbour in value, each mapped to the mean
    of its group; empty when there are none."""
    floats = sorted(expression.atoms(sympy.Float), key=float)
    groups: list[list[sympy.Float]] = []
    for number in floats:
        if groups and abs(float(number) - float(groups[-1][-1])) <= JOINT_SNAP * abs(float(number)):
            groups[-1].append(number)
        else:
            groups.append([number])
    return {number: sympy.Float(np.mean([float(f) for f in group]), 17) for group in groups if len(group) > 1 for number in group}
