"""Checks that a fitted law is signal, not noise: held-out accuracy against a noise
floor, and a null test on a shuffled target."""

from __future__ import annotations

import numpy as np

from physlens.validate.verdict import Verdict


def r2_score(y_true: np.ndarray, y_pred: np.ndarray, *, constant_target: float | None = None) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, with its edge cases explicit:

    - a prediction that is not finite on some row (NaN, inf) scores -inf: it is no law;
    - a constant target (SS_tot = 0) has no variance to explain. By default it scores
      1.0 when the prediction matches it (to numpy's ``allclose``) and -inf otherwise, as
      a law is judged; a caller scoring how much of a quantity is explained (a latent
      parameter that does not vary) passes ``constant_target`` (0.0: nothing explained);
    - the score is unbounded below: a prediction worse than the mean is negative.
    """
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    if not np.all(np.isfinite(y_pred)):
        return float("-inf")
    variance = np.sum((y_true - y_true.mean()) ** 2)
    if variance == 0:
        if constant_target is not None:
            return float(constant_target)
        return 1.0 if np.allclose(y_true, y_pred) else float("-inf")
    return float(1.0 - np.sum((y_true - y_pred) ** 2) / variance)


def heldout_accuracy(r2_law: float, r2_surrogate: float, *, factor: float = 1.5, slack: float = 1e-3) -> Verdict:
    """Verdict: the law predicts held-out data about as well as a flexible black-box
    surrogate fitted to the same rows (the surrogate estimates the noise floor).

    Passes when the law's unexplained variance is at most ``factor`` times the
    surrogate's plus ``slack``; a law well below the surrogate misses structure. A law
    with R2 <= 0 never passes: it predicts no better than the mean, however poor the
    surrogate (on a few rows a surrogate's R2 can be negative too)."""
    if not np.isfinite(r2_law):
        return Verdict("held-out accuracy", False, r2_law, "the law gives non-finite predictions on held-out rows")
    if r2_law <= 0:
        return Verdict("held-out accuracy", False, r2_law,
                       f"held-out R2 {r2_law:.4f} <= 0: the law predicts no better than the mean of the target")
    floor = max(1.0 - r2_surrogate, 0.0)
    if 1.0 - r2_law <= factor * floor + slack:
        return Verdict(
            "held-out accuracy", True, r2_law,
            f"held-out R2 {r2_law:.6f} reaches the noise floor (black-box surrogate: {r2_surrogate:.6f})",
        )
    return Verdict(
        "held-out accuracy", False, r2_law,
        f"held-out R2 {r2_law:.6f} is below what the data allow (black-box surrogate: {r2_surrogate:.6f}); "
        "the law misses structure",
    )


def null_test(r2_law: float, r2_null: float, *, margin: float = 0.1) -> Verdict:
    """Verdict: the same search on a shuffled target finds nothing comparable.

    With the target shuffled, any 'law' is noise read as signal; the real law must beat
    that by ``margin`` in held-out R2."""
    if r2_law - max(r2_null, 0.0) >= margin:
        return Verdict(
            "null test", True, r2_law - r2_null,
            f"held-out R2 {r2_law:.4f} vs {r2_null:.4f} for the same search on a shuffled target",
        )
    return Verdict(
        "null test", False, r2_law - r2_null,
        f"the same search on a shuffled target reaches held-out R2 {r2_null:.4f} against {r2_law:.4f} here: "
        "the data show no law beyond noise",
    )
