"""Structure discovery on a smooth surrogate of the data, after AI Feynman (Udrescu &
Tegmark, Sci. Adv. 2020): a neural network is fitted to the table and probed for
translational symmetry f(x_i + a, x_j + a) = f(x_i, x_j), scaling symmetry
f(l x_i, l x_j) = f(x_i, x_j), and additive / multiplicative separability
f(x) = g(x_A) + h(x_B) or g(x_A) * h(x_B). Each test is normalised by how much the
surrogate changes under a comparable non-symmetric move, so the surrogate's own error
does not decide the answer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

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
    import warnings

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


def scaling_symmetries(
    surrogate: Surrogate, names: list[str], dimensions: Mapping[str, Dimension] | None = None
) -> list[tuple[str, str, float]]:
    """Pairs on which f depends only through x_i / x_j (positive inputs only)."""
    X = surrogate.X
    found = []
    for i, j in itertools.combinations(range(len(names)), 2):
        if np.any(X[:, [i, j]] <= 0) or (dimensions is not None and dimensions[names[i]] != dimensions[names[j]]):
            continue
        moved, reference = X.copy(), X.copy()
        moved[:, [i, j]] *= 1.2
        reference[:, i] *= 1.2
        score = _relative_change(surrogate, moved, reference)
        if score < SYMMETRY_TOLERANCE:
            found.append((names[i], names[j], score))
    return sorted(found, key=lambda item: item[2])


def separability(surrogate: Surrogate, left: list[int], *, multiplicative: bool = False, rng=None) -> float:
    """Score of f(x) = g(x_left) (+ or *) h(x_rest): the mean |f(a,b) + f(a',b') - f(a,b') - f(a',b)|
    relative to |f(a,b) - f(a',b')| (on log|f| for the multiplicative test). Near 0 means separable."""
    rng = np.random.default_rng(0 if rng is None else rng)
    X = surrogate.X
    partner = X[rng.permutation(len(X))]
    mask = np.zeros(X.shape[1], dtype=bool)
    mask[left] = True
    mixed_1 = np.where(mask, X, partner)  # (a, b')
    mixed_2 = np.where(mask, partner, X)  # (a', b)
    values = [surrogate.predict(points) for points in (X, partner, mixed_1, mixed_2)]
    if multiplicative:
        if any(np.any(v <= 0) for v in values) and any(np.any(v >= 0) for v in values):
            return np.inf
        values = [np.log(np.abs(v)) for v in values]
    f_ab, f_a2b2, f_ab2, f_a2b = values
    interaction = np.mean(np.abs(f_ab + f_a2b2 - f_ab2 - f_a2b))
    spread = np.mean(np.abs(f_ab - f_a2b2))
    return float(interaction / spread) if spread > 0 else np.inf


def separable_splits(surrogate: Surrogate, names: list[str], *, multiplicative: bool) -> list[tuple[list[str], list[str], float]]:
    """Splits of the inputs into two non-empty sets that pass the separability test:
    every split for up to 6 inputs, single inputs split off for more."""
    n = len(names)
    splits = []
    for size in range(1, (n // 2 if n <= 6 else 1) + 1):
        for left in itertools.combinations(range(n), size):
            if size == n - size and 0 not in left:
                continue  # each balanced split once
            score = separability(surrogate, list(left), multiplicative=multiplicative)
            if score < SYMMETRY_TOLERANCE:
                splits.append(([names[i] for i in left], [names[i] for i in range(n) if i not in left], score))
    return sorted(splits, key=lambda item: item[2])
