"""Does the law hold beyond the states it was fitted on? The chosen terms are refitted on
the inner part of the state space and must predict the derivatives at its extremes about
as well as the fit that saw them: a law does, a truncated series standing in for a term
outside every library (x |x|, exp x) does not."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from physlens.validate.verdict import Verdict

OUTER_SHARE = 0.1  # rows with a state in its lowest or highest 10 % are the extremes
MAX_RATIO = 1.3  # extrapolated error at the extremes / error of the fit that saw them


def extrapolation_verdict(segments: Sequence[tuple[np.ndarray, np.ndarray]], noise, library: Callable[[np.ndarray], np.ndarray],
                          support: np.ndarray) -> Verdict:
    """Verdict from smoothed pointwise derivatives on ``segments`` (states first, then the
    known columns): error at the extremes of the support refitted on the inner rows, over
    the error there of the support fitted on every row."""
    from physlens.methods.dynamics.derivatives import derivative_design

    design = derivative_design(segments, "smoothed", library, noise)
    n_states = design.target.shape[1]
    smoothed = np.vstack([noise.smooth(x)[3:-3, :n_states] for _, x in segments])
    low, high = np.quantile(smoothed, OUTER_SHARE / 2, axis=0), np.quantile(smoothed, 1 - OUTER_SHARE / 2, axis=0)
    outer = np.any((smoothed < low) | (smoothed > high), axis=1)
    if outer.sum() < 10 or (~outer).sum() < support.shape[1] + 2 or not support.any():
        return Verdict("extrapolation", None, None, "too few rows at the extremes of the states to check")
    extrapolated = fitted = 0.0
    for i in range(n_states):
        columns = np.flatnonzero(support[i])
        if not len(columns):
            continue
        G, b = design.features[:, columns], design.target[:, i]
        inner_coef, *_ = np.linalg.lstsq(G[~outer], b[~outer], rcond=None)
        all_coef, *_ = np.linalg.lstsq(G, b, rcond=None)
        scale = max(float(np.mean(b[outer] ** 2)), 1e-300)
        extrapolated = max(extrapolated, float(np.mean((b[outer] - G[outer] @ inner_coef) ** 2)) / scale)
        fitted = max(fitted, float(np.mean((b[outer] - G[outer] @ all_coef) ** 2)) / scale)
    ratio = float(np.sqrt(extrapolated / max(fitted, 1e-300)))
    return Verdict("extrapolation", ratio <= MAX_RATIO, ratio,
                   f"refitted on the inner {1 - OUTER_SHARE:.0%} of the states, the equations' error at the extremes is "
                   f"{ratio:.2f} x that of the fit that saw them (needs <= {MAX_RATIO:g}; a series standing in for a "
                   "term outside the library fails)")
