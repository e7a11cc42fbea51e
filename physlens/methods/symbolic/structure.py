"""Structure found on a smooth surrogate of the data, after AI Feynman (Udrescu &
Tegmark, Sci. Adv. 2020): a neural network is fitted to the table and probed for
translational symmetry f(x_i + a, x_j + a) = f(x_i, x_j); a symmetric pair then enters
the search as its difference x_i - x_j. The test is normalised by how much the
surrogate changes under a comparable non-symmetric move, so the surrogate's own error
does not decide the answer. (Separability is tested on the data themselves, in
:mod:`.separability`.)"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import sympy

from physlens.expr import symbols_for
from physlens.units import Dimension

SYMMETRY_TOLERANCE = 0.05


@dataclass(frozen=True)
class Surrogate:
    """A smooth fitted model f(X) of the table, and the rows it is probed on."""

    predict: Callable[[np.ndarray], np.ndarray]
    X: np.ndarray
    r2: float


def fit_surrogate(X: np.ndarray, y: np.ndarray, *, random_state: int | None = None, max_rows: int = 1000) -> Surrogate:
    """A tanh MLP on standardised inputs and target (smooth, so differences are meaningful)."""

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(random_state)
    rows = rng.permutation(len(y))[:max_rows]
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-300
    # a target of one sign is modelled in log space: products and powers become sums,
    # which a small network fits far more accurately
    sign = 1.0 if np.all(y > 0) else (-1.0 if np.all(y < 0) else 0.0)
    target = np.log(np.abs(y)) if sign else y
    y_mean, y_scale = target.mean(), target.std() + 1e-300
    network = MLPRegressor(hidden_layer_sizes=(32, 32), activation="tanh", solver="lbfgs", max_iter=300,
                           tol=1e-9, random_state=int(rng.integers(2**31)))
    # stopping at max_iter is the budget, not a failure: the symmetry tests are normalised
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        network.fit((X[rows] - mean) / scale, (target[rows] - y_mean) / y_scale)

    def predict(points: np.ndarray) -> np.ndarray:
        with threadpool_limits(limits=1):
            values = network.predict((points - mean) / scale) * y_scale + y_mean
        return sign * np.exp(values) if sign else values

    held = rng.permutation(len(y))[:2000]
    residual = predict(X[held]) - y[held]
    r2 = float(1 - np.mean(residual**2) / (np.var(y[held]) + 1e-300))
    return Surrogate(predict, X[rows[:1000]], r2)


def _relative_change(surrogate: Surrogate, moved: np.ndarray, reference: np.ndarray) -> float:
    """How much the surrogate changes under the symmetric move, relative to a comparable
    move that breaks the symmetry."""
    base = surrogate.predict(surrogate.X)
    symmetric = np.mean(np.abs(surrogate.predict(moved) - base))
    baseline = np.mean(np.abs(surrogate.predict(reference) - base))
    return float(symmetric / baseline) if baseline > 0 else np.inf


def translational_symmetries(
    surrogate: Surrogate, names: list[str], dimensions: Mapping[str, Dimension] | None = None
) -> list[tuple[str, str, float]]:
    """Pairs (x_i, x_j) on which f depends only through x_i - x_j, with the test's score
    (smaller is more symmetric). Only pairs of like dimension are tried when units are known."""
    X = surrogate.X
    shift = 0.25 * X.std(axis=0)
    found = []
    for i, j in itertools.combinations(range(len(names)), 2):
        if dimensions is not None and dimensions[names[i]] != dimensions[names[j]]:
            continue
        a = min(shift[i], shift[j])
        moved, reference = X.copy(), X.copy()
        moved[:, i] += a
        moved[:, j] += a
        reference[:, i] += a
        score = _relative_change(surrogate, moved, reference)
        if score < SYMMETRY_TOLERANCE:
            found.append((names[i], names[j], score))
    return sorted(found, key=lambda item: item[2])


def differences_for_symmetries(X: np.ndarray, y: np.ndarray, names: list[str], dims, rng: np.random.Generator):
    """Replace each translationally symmetric pair (x_i, x_j) by d = x_i - x_j.

    Returns the new inputs, names, dimensions, the map from each new symbol back to its
    difference of user variables, and the symmetries found (the estimator's
    ``symmetries_``)."""
    surrogate_seed = int(rng.integers(2**31))
    if dims is not None and len({dims[n] for n in names}) == len(names):
        return X, names, dims, {}, []  # only inputs of like units can enter as a difference: none here
    surrogate = fit_surrogate(X, y, random_state=surrogate_seed)
    pairs, used = [], set()
    for a, b, score in translational_symmetries(surrogate, names, dims):
        if a not in used and b not in used:
            pairs.append((a, b, score))
            used |= {a, b}
    symmetries = [{"kind": "translation", "variables": [a, b], "score": score} for a, b, score in pairs]
    if not pairs:
        return X, names, dims, {}, symmetries
    symbols = symbols_for(names)
    kept = [n for n in names if n not in used]
    columns = [X[:, names.index(n)] for n in kept]
    new_names = list(kept)
    new_dims = {n: dims[n] for n in kept} if dims is not None else None
    back = {}
    for a, b, _ in pairs:
        difference = f"{a}_minus_{b}"
        while difference in names:
            difference += "_"
        columns.append(X[:, names.index(a)] - X[:, names.index(b)])
        new_names.append(difference)
        if new_dims is not None:
            new_dims[difference] = dims[a]
        back[sympy.Symbol(difference, real=True)] = symbols[a] - symbols[b]
    return np.column_stack(columns), new_names, new_dims, back, symmetries
