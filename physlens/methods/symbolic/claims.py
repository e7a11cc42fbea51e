"""What a claim needs besides a good fit: rows the search never saw (at the extremes of
each input and at random), the columns a law uses but does not need, and the regime
of its dimensionless groups that the data sampled. The verdicts themselves are pure
functions in :mod:`physlens.validate.symbolic`."""

from __future__ import annotations

import math

import numpy as np
import sympy

from physlens.methods.symbolic.constants import refit_constants
from physlens.methods.symbolic.laws import evaluate
from physlens.units import pi_groups

EXTREME_SHARE = 0.005  # of the rows, at each end of each input's range, held out of the search
FRESH_SHARE = 0.05  # of the remaining rows, held out at random
MIN_SEARCH_ROWS = 8  # a table this small keeps its random rows for the search
MIN_STRUCTURE_ROWS = 50  # fewer rows than this cannot tell a residual's structure from its noise
NEEDED_Z = 3.0  # a column is needed when freezing it worsens the fit by this many standard errors
NEEDED_SHARE = 0.1  # ... or by more than this share of the law's own error


def fresh_rows(X: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(mask of the rows held out of the search, mask of those at an extreme): for each
    input the rows with its smallest and largest values (EXTREME_SHARE of the rows each,
    at least one), then FRESH_SHARE of the rest at random (none in a small table)."""
    n = X.shape[0]
    per_end = max(1, int(round(EXTREME_SHARE * n)))
    extremes = np.zeros(n, dtype=bool)
    for column in X.T:
        order = np.argsort(column, kind="stable")
        extremes[order[:per_end]] = True
        extremes[order[-per_end:]] = True
    if n - extremes.sum() < MIN_SEARCH_ROWS:  # too few rows to search on without them
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    held = extremes.copy()
    rest = np.flatnonzero(~extremes)
    if len(rest) * (1 - FRESH_SHARE) >= 10 * MIN_SEARCH_ROWS:
        held[rng.choice(rest, size=int(round(FRESH_SHARE * len(rest))), replace=False)] = True
    return held, extremes


def unneeded_columns(expression: sympy.Expr, names: list[str], train: tuple[np.ndarray, np.ndarray],
                     valid: tuple[np.ndarray, np.ndarray]) -> list[str]:
    """The columns the law uses yet fits as well without: each frozen at its median (the
    law's fitted constants refitted on the training rows), the rise in squared error on
    the validation rows is below round-off, or below NEEDED_SHARE of the law's error and
    within NEEDED_Z standard errors of zero."""
    used = [n for n in names if sympy.Symbol(n) in {sympy.Symbol(s.name) for s in expression.free_symbols}]
    X_valid, y_valid = valid
    base = evaluate(expression, names, X_valid)
    if not np.all(np.isfinite(base)):
        return []
    floor = 1e-13 * float(np.var(y_valid))
    base_mse = float(np.mean((base - y_valid) ** 2))
    unneeded = []
    for name in used:
        symbol = next(s for s in expression.free_symbols if s.name == name)
        median = float(np.median(train[0][:, names.index(name)]))
        frozen = refit_constants(expression.xreplace({symbol: sympy.Float(median, 17)}), names, *train)
        values = evaluate(frozen, names, X_valid)
        if not np.all(np.isfinite(values)):
            continue
        rise = (values - y_valid) ** 2 - (base - y_valid) ** 2
        mean = float(np.mean(rise))
        # unneeded: no rise beyond round-off, or a rise both small beside the law's own
        # error and within chance (a lack of evidence alone, on few rows, is not enough)
        if mean <= floor or (mean <= NEEDED_SHARE * base_mse and mean <= NEEDED_Z * float(np.std(rise)) / math.sqrt(len(rise))):
            unneeded.append(name)
    return unneeded


def group_ranges(expression: sympy.Expr, X: np.ndarray, names: list[str], dims, constants: list[dict]) -> list[tuple[str, float, float]]:
    """(the group as text, smallest |value|, largest |value|) on the rows of X for each
    dimensionless group (Buckingham Pi) of the law's inputs and its constants carrying
    units (with C = 1/k_B, the group C*m*B/T of m*B/(k_B*T))."""
    if dims is None:
        return []
    used = [n for n in names if n in {s.name for s in expression.free_symbols}]
    values = {n: X[:, names.index(n)] for n in used}
    values.update({c["name"]: np.full(len(X), c["value"]) for c in constants})
    group_dims = {n: dims[n] for n in used}
    group_dims.update({c["name"]: c["dimension"] for c in constants})
    ranges = []
    for group in pi_groups(group_dims):
        if set(group) <= {c["name"] for c in constants}:
            continue  # a constant alone: no regime of the data
        with np.errstate(all="ignore"):
            magnitude = np.abs(np.prod([values[k] ** float(e) for k, e in group.items()], axis=0))
        if not np.all(np.isfinite(magnitude)) or np.ptp(magnitude) == 0 and len(group) == 1:
            continue
        text = sympy.sstr(sympy.Mul(*[sympy.Symbol(k) ** e for k, e in group.items()]))
        ranges.append((text, float(magnitude.min()), float(magnitude.max())))
    return ranges


def claim_verdicts(law: sympy.Expr, names: list[str], X: np.ndarray, y: np.ndarray, rows: dict[str, np.ndarray],
                   extremes: np.ndarray, r2_surrogate: float, valid_mse: float, dims, constants: list[dict]) -> tuple[list, list[str]]:
    """The checks of a claim beyond its fit: it holds on the fresh rows (``rows["fresh"]``,
    ``extremes`` marking all rows at an extreme), it uses no column it does not need,
    and the regime its dimensionless groups sampled. Returns (verdicts, the columns
    left out of the law)."""
    from physlens.methods.symbolic.noise import noise_at, noise_share
    from physlens.validate.symbolic import holds_on_fresh_rows, relevant_columns, residual_is_noise, sampled_regime

    fresh, train, valid = rows["fresh"], rows["train"], rows["valid"]
    search_rows = np.concatenate([train, valid])
    residual = y[search_rows] - evaluate(law, names, X[search_rows])
    relative = float(np.mean(residual**2) / np.var(y[search_rows])) if np.all(np.isfinite(residual)) else np.inf
    share = (noise_share(X[search_rows], residual, np.random.default_rng(0)) if np.isfinite(relative) and relative > 1e-13
             and len(search_rows) >= MIN_STRUCTURE_ROWS else None)
    verdicts = [residual_is_noise(relative, share)]
    noise = noise_at(X, y, np.flatnonzero(extremes)) if extremes.any() else 0.0
    verdicts.append(holds_on_fresh_rows(y[fresh], evaluate(law, names, X[fresh]), extremes[fresh], r2_surrogate, valid_mse, noise))
    used = {s.name for s in law.free_symbols}
    irrelevant = [n for n in names if n not in used]
    unneeded = unneeded_columns(law, names, (X[train], y[train]), (X[valid], y[valid]))
    verdicts.append(relevant_columns(unneeded, irrelevant))
    verdicts.append(sampled_regime(group_ranges(law, X[search_rows], names, dims, constants)))
    return verdicts, irrelevant
