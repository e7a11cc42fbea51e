"""Exact symbolic recovery, scored as SRBench does (La Cava et al. 2021): a model is
exact when, after its fitted constants are snapped, ``simplify(model - truth)`` or
``simplify(model / truth)`` is a constant."""

from __future__ import annotations

import numpy as np
import sympy

from physlens.expr import has_undefined_constant, real_values, snap_constants, to_function
from physlens.validate.verdict import Verdict


def _is_constant(expression: sympy.Expr) -> bool:
    return len(expression.free_symbols) == 0 and expression.is_finite is not False


def _numerically_constant(expression: sympy.Expr, symbols: list[sympy.Symbol], rng: np.random.Generator) -> bool:
    """Cheap screen before simplify: is the expression constant at random positive points?"""
    if not symbols:
        return True
    try:
        f = sympy.lambdify(symbols, expression, modules="numpy")
        points = rng.uniform(1.0, 5.0, size=(len(symbols), 64))
        with np.errstate(all="ignore"):
            values = np.asarray(f(*points), dtype=complex) * np.ones(64)
    except Exception:
        return True  # cannot screen; let simplify decide
    values = values[np.isfinite(values)]
    if values.size < 8:
        return True
    spread = np.max(np.abs(values - values[0]))
    return bool(spread <= 1e-6 * max(1.0, float(np.max(np.abs(values)))))


def exact_match(model: sympy.Expr, truth: sympy.Expr, *, snap: bool = True, random_state: int = 0) -> bool:
    """SRBench's exactness rule (difference or ratio simplifies to a constant).

    ``random_state`` seeds the random points of the cheap numerical screen that runs
    before simplify; it is fixed by default so the score is a pure function of its
    arguments (the screen only skips simplify where the answer is clearly no).

    Symbols may differ in assumptions (user text vs simulator): they are compared by
    name, as positive quantities (masses, lengths, the ranges of the Feynman table), so
    that sqrt(m)/sqrt(k) and sqrt(m/k) are the same law."""
    rename = {s: sympy.Symbol(s.name, positive=True) for s in model.free_symbols | truth.free_symbols}
    model, truth = model.xreplace(rename), truth.xreplace(rename)
    # constants are snapped as written and after expansion, where a product of fitted
    # factors such as 4.331*(0.2309*x) becomes one constant close to a simple number
    models = [snap_constants(model), snap_constants(sympy.expand(model))] if snap else [model]
    symbols = sorted(model.free_symbols | truth.free_symbols, key=lambda s: s.name)
    rng = np.random.default_rng(random_state)
    candidates = [(kind, c) for m in models for kind, c in (("difference", m - truth), ("ratio", m / truth))]
    for kind, candidate in candidates:
        if not _numerically_constant(candidate, symbols, rng):
            continue
        try:
            simplified = sympy.simplify(candidate)
        except Exception:
            continue
        # a zero ratio means the model is 0, which is no law
        if _is_constant(simplified) and (kind == "difference" or simplified != 0):
            return True
        # sqrt((c + v)/(c - v)) against (c + v)/sqrt(c**2 - v**2): simplify cannot merge
        # the square roots without knowing c > v, but the squared ratio is constant, and
        # the ratio's sign was already seen to be constant numerically
        if kind == "ratio":
            try:
                squared = sympy.simplify(candidate**2)
            except Exception:
                continue
            if _is_constant(squared) and squared != 0:
                return True
    return False


def symbolic_equivalence(model: sympy.Expr, truth: sympy.Expr) -> Verdict:
    """Verdict: is the model the true law (up to an additive or multiplicative constant)?"""
    if exact_match(model, truth):
        return Verdict("exact recovery", True, 1.0, f"equivalent to the true law {sympy.sstr(truth)}")
    return Verdict("exact recovery", False, 0.0, f"not equivalent to the true law {sympy.sstr(truth)}")


def predicts(model: sympy.Expr, names: list[str], X: np.ndarray) -> np.ndarray:
    """Model values on the columns of X (named by ``names``); NaN everywhere for a model
    holding an undefined or complex constant (zoo from a division by zero, nan, oo, I),
    which lambdify cannot print."""
    if has_undefined_constant(model):
        return np.full(X.shape[0], np.nan)
    with np.errstate(all="ignore"):
        values = to_function(model, names)(*X.T)
    return real_values(values, X.shape[0])


EXTREME_FACTOR = 4.0  # the law's error at the extremes may exceed its error elsewhere (or the local noise) this many times
WHITE_RESIDUAL = 0.5  # a residual at least this share noise (by a local estimate) is noise; below, structure
SMALL_GROUP, LARGE_GROUP = 0.1, 10.0  # a dimensionless group within these bounds everywhere marks a limit regime


def holds_on_fresh_rows(y_fresh: np.ndarray, predicted: np.ndarray, extremes: np.ndarray, r2_surrogate: float,
                        typical_mse: float, noise_at_extremes: float) -> Verdict:
    """Verdict: the law holds on rows the search never saw, chosen at random and at the
    extremes of each input's range. It must reach the noise floor there as on the
    validation rows (the rule of :func:`physlens.validate.fit.heldout_accuracy`, R2 > 0
    included), and at the extremes miss by at most EXTREME_FACTOR times its error
    elsewhere (``typical_mse``) or the noise there (``noise_at_extremes``, a local
    estimate): a limit mistaken for the law, or a fit that bends where it was not
    constrained, shows first where the inputs are largest or smallest."""
    from physlens.validate.fit import heldout_accuracy, r2_score

    name = "holds on fresh rows"
    y_fresh, predicted, extremes = np.asarray(y_fresh, float), np.asarray(predicted, float), np.asarray(extremes, bool)
    if len(y_fresh) < 2:
        return Verdict(name, None, None, "too few rows to hold any out")
    r2 = r2_score(y_fresh, predicted)
    accuracy = heldout_accuracy(r2, r2_surrogate)
    shown = f"{len(y_fresh)} rows the search never saw ({int(extremes.sum())} at the extremes of the inputs)"
    if not accuracy.passed:
        return Verdict(name, False, r2, f"on {shown}: {accuracy.reason}")
    if extremes.any():
        error = float(np.mean((predicted[extremes] - y_fresh[extremes]) ** 2))
        reference = max(typical_mse, noise_at_extremes)
        if error > EXTREME_FACTOR * reference + 1e-13 * float(np.var(y_fresh)):
            return Verdict(name, False, r2, (
                f"on {shown}: at the extremes its mean squared error {error:.3g} is {error / max(reference, 1e-300):.3g} "
                f"times its error elsewhere or the noise there ({reference:.3g}); it does not hold across the sampled range"))
    return Verdict(name, True, r2, f"held-out R2 {r2:.6f} on {shown}, at the noise floor there too")


def sampled_regime(groups: list[tuple[str, float, float]]) -> Verdict:
    """Verdict (informational, never blocking): the regime the data sampled, for each
    dimensionless group (text, smallest |value|, largest |value|) of the law. A group
    that stays small (or large) everywhere means the law is established only in that
    limit: laws that differ from it at higher order in the group (tanh(z) and z, Planck
    and Rayleigh-Jeans, relativistic and classical) cannot be told apart here."""
    name = "limit of law"
    if not groups:
        return Verdict(name, None, None, "no dimensionless group of the law to judge (units not given, or none)")
    notes = []
    for text, low, high in groups:
        if high <= SMALL_GROUP:
            notes.append(f"|{text}| <= {high:.2g} in these data: only the small-{text} regime was sampled; laws that agree "
                         f"with this one there and differ at relative order ({text})^2 <= {high**2:.2g}, such as tanh(x) "
                         "and x, cannot be told apart here")
        elif low >= LARGE_GROUP:
            notes.append(f"|{text}| >= {low:.2g} in these data: only the large-{text} regime was sampled; laws that agree "
                         f"with this one there and differ at relative order 1/({text}) <= {1 / low:.2g} cannot be told "
                         "apart here")
    if notes:
        return Verdict(name, True, None, "; ".join(notes))
    spans = ", ".join(f"{text} in [{low:.3g}, {high:.3g}]" for text, low, high in groups)
    return Verdict(name, True, None, f"no limit: {spans} in these data")


def relevant_columns(unneeded: list[str], irrelevant: list[str]) -> Verdict:
    """Verdict: the law uses no column it does not need. ``unneeded`` are columns the law
    uses but fits as well without (frozen at their median, constants refitted);
    ``irrelevant`` those it leaves out."""
    left_out = f"; left out as irrelevant: {', '.join(irrelevant)}" if irrelevant else ""
    if unneeded:
        return Verdict("relevant columns", False, float(len(unneeded)),
                       f"the law uses {', '.join(unneeded)}, yet fits as well with each frozen at its median: "
                       f"an irrelevant column in the law{left_out}")
    return Verdict("relevant columns", True, 0.0, f"every column the law uses is needed (frozen at its median, the fit "
                   f"worsens beyond chance){left_out}")


def residual_is_noise(relative_error: float, noise_share: float | None) -> Verdict:
    """Verdict: the law leaves only noise. ``relative_error`` is its mean squared error
    over the target's variance, ``noise_share`` the share of its residual that varies
    like noise (a local estimate, None on too few rows). A law within round-off passes;
    else its residual must be mostly noise: a smooth residual is structure the data
    resolve and the law misses (a classical law on noise-free relativistic data leaves
    1e-7 of the variance, far below any surrogate's floor, and all of it smooth)."""
    name = "residual is noise"
    if relative_error <= 1e-13:
        return Verdict(name, True, 1.0, "the law leaves only round-off")
    if noise_share is None or not np.isfinite(noise_share):
        return Verdict(name, None, None, "too few rows to tell noise from structure in the residual")
    if noise_share >= WHITE_RESIDUAL:
        return Verdict(name, True, noise_share, f"{noise_share:.0%} of the residual ({relative_error:.2g} of the target's "
                       "variance) varies like noise")
    return Verdict(name, False, noise_share, (
        f"the residual ({relative_error:.2g} of the target's variance) is structure, not noise: only {noise_share:.0%} of it "
        "varies like noise; the data resolve what the law misses (a limit of the law, or a near miss)"))
