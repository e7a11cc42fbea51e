"""Checks of feature attributions (pure functions): does the known observable rank
first, and do local attributions add up to the prediction (completeness)?"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from physlens.validate.verdict import Verdict

MAX_COMPLETENESS_ERROR = 0.01


def global_importance(attributions: np.ndarray) -> np.ndarray:
    """Mean absolute local attribution per feature (the usual global SHAP/IG summary)."""
    return np.mean(np.abs(np.asarray(attributions, dtype=float)), axis=0)


def ranking(importance: Mapping[str, float]) -> list[str]:
    """Feature names from most to least important (ties keep the given order)."""
    names = list(importance)
    values = np.array([importance[n] for n in names], dtype=float)
    return [names[i] for i in np.argsort(-values, kind="stable")]


def ranks_first(importance: Mapping[str, float], expected: str, method: str) -> Verdict:
    """Passed when ``expected`` has the largest importance. Score: its margin, the ratio
    of its importance to the runner-up's (> 1 when first)."""
    if expected not in importance:
        raise KeyError(f"feature {expected!r} is not among the attributed features {sorted(importance)}")
    order = ranking(importance)
    others = [importance[n] for n in order if n != expected]
    runner_up = max(others) if others else 0.0
    margin = importance[expected] / runner_up if runner_up > 0 else float("inf")
    passed = order[0] == expected
    position = order.index(expected) + 1
    return Verdict(
        f"{method}: {expected} ranked first",
        passed,
        margin,
        f"{method} ranks {expected} #{position} of {len(order)} (importance {importance[expected]:.4g}; "
        f"{'runner-up' if passed else 'first'} {order[1] if passed and len(order) > 1 else order[0]} {runner_up if passed else importance[order[0]]:.4g})",
    )


def completeness_error(attributions: np.ndarray, outputs: np.ndarray, reference: np.ndarray | float) -> float:
    """Relative violation of completeness, sum_j a_ij = f(x_i) - f(reference):
    mean |sum_j a_ij - (f(x_i) - f_ref)| / mean |f(x_i) - f_ref|."""
    attributions = np.asarray(attributions, dtype=float)
    difference = np.asarray(outputs, dtype=float) - np.asarray(reference, dtype=float)
    scale = np.mean(np.abs(difference))
    if scale == 0:
        raise ValueError("completeness is undefined when every output equals the reference output")
    return float(np.mean(np.abs(attributions.sum(axis=1) - difference)) / scale)


def completeness_verdict(error: float, method: str, limit: float = MAX_COMPLETENESS_ERROR) -> Verdict:
    return Verdict(
        f"{method}: completeness",
        error < limit,
        error,
        f"{method} attributions sum to the prediction minus the reference within {100 * error:.3g}% (needs < {100 * limit:.3g}%)",
    )
