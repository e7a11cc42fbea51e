"""The linear system of a PDE fit, built on pysindy's libraries: ``PDELibrary`` (pointwise
finite differences) or ``WeakPDELibrary`` (integrals against test functions on
space-time cells, so every derivative falls on the test function and never on the noisy
field; Messenger & Bortz, J. Comput. Phys. 443, 110525, 2021; Reinbold, Gurevich &
Grigoriev, Phys. Rev. E 101, 010203, 2020), the sympy term of each column, and the
choice of the cell size from the data."""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sympy

from physlens.data.fields import derivative_name
from physlens.expr import symbols_for
from physlens.methods.dynamics.derivatives import estimate_noise
from physlens.methods.dynamics.weak_form import TARGET_NOISE

CELL_FRACTIONS = (1 / 20, 1 / 14, 1 / 10, 1 / 7)  # cell half-widths tried, as fractions of each axis' span
N_FOLDS = 5  # cross-validation folds: blocks of cells by time
MAX_POINTWISE_ROWS = 20_000  # finite-difference rows kept (evenly spread) for the regression
FD_ORDER = 6  # accuracy of the differences pysindy takes inside mixed weak terms (order 2 leaves dx^2/6 u u_xxx in u u_x)


@dataclass
class Design:
    """target ~ features @ coef, with the cross-validation group (time block) of each row."""

    features: np.ndarray  # (rows, terms)
    target: np.ndarray  # (rows, fields)
    groups: np.ndarray  # (rows,)


@contextlib.contextmanager
def numpy_global_seed(seed: int):
    """pysindy's WeakPDELibrary draws its cell centres from numpy's global stream: seed it
    for the call and restore the caller's state afterwards (no global seeding leaks)."""
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


def library_terms(fields: Sequence[str], degree: int, derivative_order: int) -> list[sympy.Expr]:
    """The sympy term of each pysindy PDE library column (bias, polynomials in the fields,
    x-derivatives, then each derivative times each polynomial), in pysindy's order."""
    import pysindy as ps

    polynomial = ps.PolynomialLibrary(degree=degree, include_bias=False).fit(np.zeros((2, len(fields))))
    symbols = symbols_for([derivative_name(f, m) for f in fields for m in range(derivative_order + 1)])
    monomials = [sympy.Mul(*[symbols[f] ** int(p) for f, p in zip(fields, powers)]) for powers in polynomial.powers_]
    derivatives = [symbols[derivative_name(f, m)] for m in range(1, derivative_order + 1) for f in fields]
    return [sympy.Integer(1), *monomials, *derivatives, *[d * m for d in derivatives for m in monomials]]


def _function_library(degree: int):
    import pysindy as ps

    return ps.PolynomialLibrary(degree=degree, include_bias=False)


def weak_design(fields: np.ndarray, x: np.ndarray, t: np.ndarray, degree: int, derivative_order: int,
                half_widths: tuple[float, float], n_cells: int, seed: int) -> tuple[Design, np.ndarray]:
    """Weak-form rows on ``n_cells`` space-time cells of the given half-widths (x, t);
    ``fields`` is (n_t, n_x, n_fields). Also returns the noise gain of each row's target
    (the norm of its test-function weights: noise std on the row per unit noise std)."""
    import pysindy as ps
    from pysindy.utils import AxesArray

    X, T = np.meshgrid(x, t, indexing="ij")
    data = AxesArray(np.ascontiguousarray(np.transpose(fields, (1, 0, 2))), {"ax_spatial": 0, "ax_time": 1, "ax_coord": 2})
    with numpy_global_seed(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library = ps.WeakPDELibrary(function_library=_function_library(degree), derivative_order=derivative_order,
                                    spatiotemporal_grid=np.stack([X, T], axis=-1), include_bias=True, K=n_cells,
                                    H_xt=list(half_widths), p=derivative_order + 2,
                                    diff_kwargs={"order": FD_ORDER})
        features = np.asarray(library.fit_transform([data])[0])
        target = np.asarray(library.convert_u_dot_integral(data))
    centres = np.array([float(np.mean(t[inds[1]])) for inds in library.inds_k])
    gains = np.array([float(np.sqrt(np.sum(np.asarray(w) ** 2))) for w in library.fulltweights])
    order = np.argsort(centres, kind="stable")  # rows in time order: bootstrap blocks stay local
    groups = np.minimum((np.arange(len(order)) * N_FOLDS) // len(order), N_FOLDS - 1)
    return Design(features[order], target[order], groups), gains[order]


def pointwise_design(fields: np.ndarray, x: np.ndarray, t: np.ndarray, degree: int, derivative_order: int) -> Design:
    """Finite-difference rows at (evenly thinned) grid points: pysindy's PDELibrary for the
    x-derivatives, its FiniteDifference for d/dt."""
    import pysindy as ps
    from pysindy.utils import AxesArray

    library = ps.PDELibrary(function_library=_function_library(degree), derivative_order=derivative_order,
                            spatial_grid=x, include_bias=True)
    data = AxesArray(np.ascontiguousarray(np.transpose(fields, (1, 0, 2))), {"ax_spatial": 0, "ax_time": 1, "ax_coord": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        features = np.asarray(library.fit_transform([data])[0])
        rate = np.asarray(ps.FiniteDifference(axis=1)._differentiate(np.asarray(data), t))
    n_x, n_t = data.shape[:2]
    features = features.reshape(n_x * n_t, -1, order="C")
    rate = rate.reshape(n_x * n_t, -1, order="C")
    time_index = np.tile(np.arange(n_t), n_x)
    edge = max(2, derivative_order)  # one-sided differences at the x edges are the least accurate
    inner = np.flatnonzero(np.isfinite(features).all(1) & np.isfinite(rate).all(1)
                           & (np.repeat(np.arange(n_x), n_t) >= edge) & (np.repeat(np.arange(n_x), n_t) < n_x - edge))
    order = inner[np.argsort(time_index[inner], kind="stable")]
    if len(order) > MAX_POINTWISE_ROWS:
        order = order[np.linspace(0, len(order) - 1, MAX_POINTWISE_ROWS).astype(int)]
    groups = np.minimum((time_index[order] * N_FOLDS) // n_t, N_FOLDS - 1)
    return Design(features[order], rate[order], groups)


def field_noise(fields: np.ndarray) -> np.ndarray:
    """Noise std of each field, from third differences along x and along t (the smaller:
    the axis sampled more finely lets less of the signal through)."""
    out = []
    for j in range(fields.shape[-1]):
        along_x = np.median([estimate_noise(row) for row in fields[:, :, j]])
        along_t = np.median([estimate_noise(column) for column in fields[:, :, j].T])
        out.append(min(along_x, along_t))
    return np.asarray(out, dtype=float)


def choose_cells(fields: np.ndarray, x: np.ndarray, t: np.ndarray, degree: int, derivative_order: int,
                 n_cells: int, sigma: np.ndarray, seed: int) -> tuple[float, float]:
    """Cell half-widths (x, t): the smallest, over :data:`CELL_FRACTIONS` of each span, whose
    weak time-derivative rows carry noise below TARGET_NOISE of their signal for every
    field (noise propagated from ``sigma``); the most favourable when none does."""
    span_x, span_t = float(x[-1] - x[0]), float(t[-1] - t[0])
    best, best_ratio = None, np.inf
    for fraction in CELL_FRACTIONS:
        widths = (fraction * span_x, fraction * span_t)
        design, gains = weak_design(fields, x, t, min(degree, 1), 1, widths, min(n_cells, 200), seed)
        signal = np.sqrt(np.maximum(np.mean(design.target**2, axis=0) - np.mean(gains**2) * sigma**2, 0.0))
        noise = np.sqrt(np.mean(gains**2)) * sigma
        ratio = float(np.max(np.where(signal > 0, noise / np.maximum(signal, 1e-300), np.inf)))
        if ratio <= TARGET_NOISE:
            return widths
        if ratio < best_ratio:
            best, best_ratio = widths, ratio
    return best if best is not None else (CELL_FRACTIONS[-1] * span_x, CELL_FRACTIONS[-1] * span_t)
