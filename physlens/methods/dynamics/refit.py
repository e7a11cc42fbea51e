"""Output-error refit: the coefficients of a chosen support re-estimated by maximum
likelihood on the raw samples (multiple shooting), and the support tested by the same
likelihood (score test for excluded terms, Wald test for kept ones)."""

from __future__ import annotations

import math
import warnings
from typing import Callable, Sequence

import numpy as np

CONTINUITY = 0.1  # windows must join to within 0.1 sigma
MISFIT = 1.5  # residual variance / sigma^2 above this: the model misses the data, no support tests
MAX_SUPPORT_STEPS = 4  # support tests: at most this many added or dropped terms


def output_error_refit(segments: Sequence[tuple[np.ndarray, np.ndarray]], library: Callable[[np.ndarray], np.ndarray],
                       coef: np.ndarray, sigma: np.ndarray, smooth: Callable[[np.ndarray], np.ndarray],
                       continuity: float = CONTINUITY, max_evaluations: int = 30,
                       test_support: bool = True) -> np.ndarray | None:
    """Coefficients minimising sum((x_model - x_data)^2 / sigma^2) over every sample: the
    maximum-likelihood estimate under white Gaussian noise, by multiple shooting (Bock
    1983; Baake et al., Ber. Bunsenges. Phys. Chem. 96, 1992). Each trajectory is cut into
    consecutive windows of two characteristic times (std of a state over the RMS of its
    fitted derivative), each integrated (RK4 between samples) from its own fitted initial
    state; a window's end must meet the next window's start to within ``continuity`` x
    sigma, so information accumulates along the trajectory while chaotic divergence stays
    bounded within a window.

    With ``test_support`` the same likelihood then tests the support: an excluded term
    whose score statistic exceeds 2 log N is added, a kept term whose Wald statistic is
    below log N is dropped (N = number of fitted values; at most MAX_SUPPORT_STEPS
    changes), and the best excluded term may replace the weakest kept term of its
    equation once; skipped when the residual variance exceeds MISFIT x sigma^2 (the model
    misses the data, so the tests would only chase the misfit). Returns None when no
    refit is possible."""
    from scipy.optimize import least_squares
    from scipy.sparse import coo_matrix, lil_matrix

    n_states, n_terms = coef.shape
    if not np.any(coef) or np.any(sigma <= 0):
        return None
    pooled = np.vstack([x for _, x in segments])
    with np.errstate(all="ignore"):
        rate = np.sqrt(np.mean((library(smooth(pooled)) @ coef.T) ** 2, axis=0))
    spread = np.std(pooled, axis=0)
    moving = (rate > 0) & (spread > 0) & np.isfinite(rate)
    if not moving.any():
        return None
    tau = float(np.min(spread[moving] / rate[moving]))
    dt = float(np.median(np.concatenate([np.diff(t) for t, _ in segments])))
    length = int(min(max(round(2 * tau / dt), 8), max(len(t) for t, _ in segments) - 1))
    # windows (n_windows, length + 1): samples s .. s + length, the last one being the
    # next window's start; samples past a trajectory's end are padding (weight 0)
    observed, steps, weight, initial, follows = [], [], [], [], []
    for t, x in segments:
        n = len(t)
        starts = np.arange(0, n - 1, length)
        index = starts[:, None] + np.arange(length + 1)[None, :]
        inside = index < n
        index = np.minimum(index, n - 1)
        observed.append(x[index])
        h = np.diff(t[index], axis=1)
        h[~inside[:, 1:]] = 0.0
        steps.append(h)
        counted = inside.copy()
        counted[:, -1] = False  # the next window's start is fitted there
        counted[-1, -1] = inside[-1, -1]
        weight.append(counted)
        initial.append(smooth(x)[starts])
        follows.append(np.r_[np.ones(len(starts) - 1, bool), False])  # window k+1 continues window k
    observed, steps, weight = np.concatenate(observed), np.concatenate(steps), np.concatenate(weight)
    initial, follows = np.concatenate(initial), np.concatenate(follows)
    n_windows = len(observed)
    linked = np.flatnonzero(follows)
    n_values = int(weight.sum()) * n_states
    # RK4 substeps so that each step is a small fraction of the characteristic time
    substeps = int(max(1, math.ceil(float(np.max(steps)) / (0.05 * tau))))
    h = steps / substeps

    def residuals(C: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Residuals for a batch of coefficient matrices C (batch, states, terms) and window
        starts Y (batch, windows, states): fits to the samples, then the window joins."""
        Ct = np.swapaxes(C, 1, 2)
        state = Y
        out = np.empty((len(C),) + observed.shape)
        out[:, :, 0] = state
        with np.errstate(all="ignore"):
            for k in range(length):
                hk = h[None, :, k:k + 1]
                for _ in range(substeps):
                    k1 = library(state) @ Ct
                    k2 = library(state + hk / 2 * k1) @ Ct
                    k3 = library(state + hk / 2 * k2) @ Ct
                    k4 = library(state + hk * k3) @ Ct
                    state = state + hk / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
                out[:, :, k + 1] = state
            misfit = np.where(weight[None, ..., None], (out - observed) / sigma, 0.0).reshape(len(C), -1)
            gap = ((out[:, linked, -1] - Y[:, linked + 1]) / (sigma * continuity)).reshape(len(C), -1)
        return np.nan_to_num(np.clip(np.concatenate([misfit, gap], axis=1), -1e6, 1e6), nan=1e6)

    block = (length + 1) * n_states
    n_fit = n_windows * block
    n_residuals = n_fit + len(linked) * n_states

    def fit_support(support: np.ndarray, start_coef: np.ndarray, start_windows: np.ndarray):
        rows, cols = np.nonzero(support)
        n_coef = len(rows)
        n_params = n_coef + n_windows * n_states

        def unpack(params: np.ndarray):
            C = np.zeros((len(params), n_states, n_terms))
            C[:, rows, cols] = params[:, :n_coef]
            return C, params[:, n_coef:].reshape(len(params), n_windows, n_states)

        sparsity = lil_matrix((n_residuals, n_params), dtype=np.int8)
        sparsity[:, :n_coef] = 1  # coefficients act everywhere; a window's start on it and on its join
        for w in range(n_windows):
            sparsity[w * block:(w + 1) * block, n_coef + w * n_states:n_coef + (w + 1) * n_states] = 1
        for g, w in enumerate(linked):
            sparsity[n_fit + g * n_states:n_fit + (g + 1) * n_states, n_coef + w * n_states:n_coef + (w + 2) * n_states] = 1
        sparsity = sparsity.tocoo()
        # forward differences in one batched integration: each coefficient is its own
        # group; window starts share a group when no residual sees two of them
        group = np.concatenate([np.arange(n_coef),
                                (n_coef + (np.arange(n_windows)[:, None] % 2) * n_states + np.arange(n_states)[None, :]).ravel()])
        members = np.zeros((n_coef + 2 * n_states, n_params))
        members[group, np.arange(n_params)] = 1.0

        def jacobian(params: np.ndarray):
            step = 1.5e-8 * np.maximum(1.0, np.abs(params))
            r = residuals(*unpack(np.vstack([params, params + members * step])))
            values = (r[1:] - r[0])[group[sparsity.col], sparsity.row] / step[sparsity.col]
            return coo_matrix((values, (sparsity.row, sparsity.col)), shape=sparsity.shape).tocsr()

        start = np.concatenate([start_coef[rows, cols], start_windows.ravel()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the cost is mostly noise, so relative changes are small: tight tolerances
            solution = least_squares(lambda p: residuals(*unpack(p[None]))[0], start, jac=jacobian, method="trf",
                                     x_scale="jac", ftol=1e-12, xtol=1e-10, max_nfev=max_evaluations)
        C, Y = unpack(solution.x[None])
        return C[0], Y[0], solution.fun, jacobian(solution.x), 2 * float(solution.cost)

    start_cost = float(np.sum(residuals(coef[None], initial[None])[0] ** 2))
    support = coef != 0
    C, Y, r, J, cost = fit_support(support, coef, initial)
    if not np.all(np.isfinite(C)) or cost >= start_cost:
        return None
    if not test_support or cost / max(n_values - J.shape[1], 1) > MISFIT:
        return C  # the tests assume a model that fits to the noise level
    changes = swaps = 0
    while changes < MAX_SUPPORT_STEPS:
        scale = cost / max(n_values - J.shape[1], 1)  # residual variance (1 when sigma is right)
        JJ = (J.T @ J).toarray()
        inverse = np.linalg.pinv(JJ)
        rows, cols = np.nonzero(support)
        wald = C[rows, cols] ** 2 / np.maximum(scale * np.diag(inverse)[:len(rows)], 1e-300)
        out_rows, out_cols = np.nonzero(~support)
        score = np.zeros(0)
        if len(out_rows):
            # score test: the residual's gradient along each excluded coefficient,
            # against what the kept parameters already explain
            step = 1e-6 * np.maximum(1.0, np.abs(C).max())
            trial = np.repeat(C[None], len(out_rows), axis=0)
            trial[np.arange(len(out_rows)), out_rows, out_cols] = step
            columns = ((residuals(trial, np.repeat(Y[None], len(out_rows), axis=0)) - r[None]) / step).T
            cross = np.asarray(J.T @ columns)
            explained = np.einsum("pk,pk->k", cross, inverse @ cross)
            score = (columns.T @ r) ** 2 / np.maximum(np.sum(columns**2, axis=0) - explained, 1e-300) / scale
        penalty = math.log(n_values)
        if len(score) and score.max() > 2 * penalty:
            k = int(np.argmax(score))
            support[out_rows[k], out_cols[k]] = True
        elif len(wald) and wald.min() < penalty and len(rows) > 1:
            k = int(np.argmin(wald))
            support[rows[k], cols[k]] = False
        elif len(score) and swaps < 1:
            # a collinear stand-in (y*z for y when z has a large mean) can hide the better
            # term from the score test: swap the best excluded term for the weakest kept
            # term of its equation, kept when the likelihood prefers it
            swaps += 1
            k = int(np.argmax(score))
            same = np.flatnonzero(rows == out_rows[k])
            if not len(same):
                break
            weakest = same[int(np.argmin(wald[same]))]
            trial = support.copy()
            trial[out_rows[k], out_cols[k]], trial[rows[weakest], cols[weakest]] = True, False
            fitted = fit_support(trial, C, Y)
            if not fitted[4] < cost:
                break
            support = trial
            C, Y, r, J, cost = fitted
            changes += 1
            continue
        else:
            break
        changes += 1
        C, Y, r, J, cost = fit_support(support, C, Y)
    return C if np.all(np.isfinite(C)) else None
