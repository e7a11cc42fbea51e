"""A law as the engine handles it: its values on rows, its error, and its description
length (the score that ranks laws of different lengths), and the held-out split the
selection is judged on."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy

from physlens.expr import has_undefined_constant, real_values, to_function

ROUND_OFF = 1e-13  # relative error (of the target's variance) of a law that leaves only round-off


@dataclass
class Candidate:
    """One law on the Pareto front, in the data's variable names."""

    expression: sympy.Expr
    complexity: int
    r2: float
    mse: float
    consistent: bool | None
    origin: str

    def description_length(self, n: int, variance: float) -> float:
        """BIC-like score: n log(mse) + (complexity + fitted constants) log(n), with a
        round-off floor. A fitted (floating-point) constant is a parameter and costs
        as much again as its node, so 1 beats 0.99978 unless the data clearly ask for it."""
        fitted = len(self.expression.atoms(sympy.Float))
        return description_length(n, self.mse, variance, self.complexity + fitted)


def description_length(n: int, mse: float, variance: float, cost: float) -> float:
    """n log(mse) + cost log(n) on n rows, the mse floored at round-off (relative to
    ``variance``); infinite for a law that cannot be evaluated."""
    if not math.isfinite(mse):
        return math.inf
    return n * math.log(max(mse, ROUND_OFF * variance)) + cost * math.log(n)


def validation_split(n: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, validation rows) of n rows: the selection's held-out share. It is
    the fit's first draw from its generator, so the split of a seeded fit can be rebuilt."""
    order = rng.permutation(n)
    n_valid = max(5, int(round(fraction * n)))
    return order[n_valid:], order[:n_valid]


def evaluate(expression: sympy.Expr, names: list[str], X: np.ndarray) -> np.ndarray:
    """The law on the rows of X (columns named by ``names``); NaN on every row for a law
    numpy cannot evaluate."""
    if has_undefined_constant(expression):
        return np.full(X.shape[0], np.nan)
    try:
        with np.errstate(all="ignore"):
            values = real_values(to_function(expression, names)(*X.T), X.shape[0])
    except Exception:  # any expression that numpy cannot evaluate is simply not a law
        return np.full(X.shape[0], np.nan)
    return values


def mse(values: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error; infinite when a value is not finite."""
    if not np.all(np.isfinite(values)):
        return math.inf
    return float(np.mean((values - y) ** 2))


def values_on(expression: sympy.Expr, symbols: list[sympy.Symbol], Z: np.ndarray) -> np.ndarray | None:
    """The expression on the rows of Z, or None when it is not finite everywhere."""
    try:
        function = sympy.lambdify(symbols, expression, modules="numpy")
        with np.errstate(all="ignore"):
            values = real_values(function(*Z.T), len(Z))
    except Exception:  # an expression numpy cannot evaluate is no candidate
        return None
    return values if np.all(np.isfinite(values)) else None
