"""Scores of recovered invariants against true ones (pure functions).

An invariant is only defined up to a monotone map (E, 2E, E^2 and exp(E) are equally
conserved), so the check is on gradients: g equals a function of the truth T exactly
when grad g is parallel to grad T at every point, and a set of true invariants is
recovered when each true gradient lies in the span of the recovered ones."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import sympy

from physlens.expr import symbols_for
from physlens.validate.verdict import Verdict

EXACT_TOLERANCE = 1e-8


def gradient_field(expression: sympy.Expr, names: Sequence[str], points: np.ndarray) -> np.ndarray:
    """Exact gradient of an expression at the rows of ``points``: (n, d)."""
    symbols = symbols_for(names)
    ordered = [symbols[n] for n in names]
    points = np.asarray(points, dtype=float)
    columns = []
    for symbol in ordered:
        derivative = sympy.lambdify(ordered, sympy.diff(expression, symbol), "numpy")
        columns.append(np.broadcast_to(np.asarray(derivative(*points.T), dtype=float), (points.shape[0],)))
    return np.column_stack(columns)


def span_residual(target: np.ndarray, basis: np.ndarray) -> float:
    """Largest (over points) fraction of the target gradient's norm outside the span of
    the basis gradients. target: (n, d); basis: (n, d, m). 0 means exactly in the span."""
    target = np.asarray(target, dtype=float)
    basis = np.asarray(basis, dtype=float)
    if basis.ndim == 2:
        basis = basis[:, :, None]
    norms = np.linalg.norm(target, axis=1)
    rows = norms > 1e-12 * max(norms.max(), 1e-300)
    if not rows.any():
        return 0.0
    q, _ = np.linalg.qr(basis[rows])
    projected = np.einsum("ndm,nm->nd", q, np.einsum("ndm,nd->nm", q, target[rows]))
    return float(np.max(np.linalg.norm(target[rows] - projected, axis=1) / norms[rows]))


def invariant_matches(
    found: Sequence[sympy.Expr],
    truth: Mapping[str, sympy.Expr],
    names: Sequence[str],
    points: np.ndarray,
    tolerance: float = EXACT_TOLERANCE,
) -> list[Verdict]:
    """One verdict per true invariant: passed when it is a function of the recovered
    expressions (its gradient lies in their span at every point); the reason says when
    a single recovered expression equals it up to a monotone map (parallel gradients).
    A last verdict checks that every recovered expression is a function of the truth
    (no spurious invariants)."""
    points = np.asarray(points, dtype=float)
    found_grads = [gradient_field(e, names, points) for e in found]
    truth_grads = {k: gradient_field(e, names, points) for k, e in truth.items()}
    verdicts = []
    stacked = np.stack(found_grads, axis=2) if found_grads else None
    for name, grad in truth_grads.items():
        if not found_grads:
            verdicts.append(Verdict(f"recovers {name}", False, 1.0, f"nothing recovered; {name} = {sympy.sstr(truth[name])} missed"))
            continue
        residuals = [span_residual(grad, g) for g in found_grads]
        best = int(np.argmin(residuals))
        joint = span_residual(grad, stacked)
        if residuals[best] < tolerance:
            passed, score = True, residuals[best]
            reason = f"{sympy.sstr(found[best])} equals {name} = {sympy.sstr(truth[name])} up to a monotone map (gradient residual {score:.1e})"
        elif joint < tolerance:
            passed, score = True, joint
            reason = f"{name} = {sympy.sstr(truth[name])} is a function of the recovered invariants jointly, not of any one alone (gradient residual {score:.1e})"
        else:
            passed, score = False, joint
            reason = f"{name} = {sympy.sstr(truth[name])} is not a function of the recovered invariants (gradient residual {score:.2g}; closest single {sympy.sstr(found[best])})"
        verdicts.append(Verdict(f"recovers {name}", passed, score, reason))
    if found_grads and truth_grads:
        basis = np.stack(list(truth_grads.values()), axis=2)
        spurious = [(e, span_residual(g, basis)) for e, g in zip(found, found_grads)]
        worst = max(spurious, key=lambda item: item[1])
        passed = worst[1] < tolerance
        verdicts.append(
            Verdict(
                "no spurious invariant",
                passed,
                worst[1],
                "every recovered expression is a function of the true invariants"
                if passed
                else f"{sympy.sstr(worst[0])} is not a function of the true invariants (residual {worst[1]:.2g})",
            )
        )
    return verdicts


def pair_auc(same_distances: np.ndarray, different_distances: np.ndarray) -> float:
    """Probability that a same-event pair is closer than a different-event pair
    (ROC AUC of -distance as a same-event score); ties count half."""
    same = np.asarray(same_distances, dtype=float)
    different = np.asarray(different_distances, dtype=float)
    if same.size == 0 or different.size == 0:
        raise ValueError("pair_auc needs at least one pair of each kind")
    combined = np.concatenate([same, different])
    order = combined.argsort(kind="mergesort")
    ranks = np.empty(combined.size)
    sorted_values = combined[order]
    # average ranks for ties
    unique, start, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    average = start + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(average, counts)
    rank_sum_same = ranks[: same.size].sum()
    u_statistic = rank_sum_same - same.size * (same.size + 1) / 2
    return float(1.0 - u_statistic / (same.size * different.size))


def event_r2(latents: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Per latent: the fraction of its variance explained by event identity,
    1 - (mean within-event variance) / (total variance). 1 for a perfect invariant."""
    latents = np.asarray(latents, dtype=float)
    if latents.ndim == 1:
        latents = latents[:, None]
    events = np.asarray(events)
    _, inverse = np.unique(events, return_inverse=True)
    counts = np.bincount(inverse)
    means = np.stack([np.bincount(inverse, weights=latents[:, j]) / counts for j in range(latents.shape[1])], axis=1)
    within = ((latents - means[inverse]) ** 2).mean(axis=0)
    total = latents.var(axis=0)
    return 1.0 - within / np.maximum(total, 1e-300)


MIN_AFFINE_R2 = 0.999
MIN_DRIFT_RATIO = 100.0


def affine_r2(learned: np.ndarray, true: np.ndarray) -> float:
    """R^2 of the best affine map a * learned + b onto the true values (a learned
    Hamiltonian is defined up to scale and offset only)."""
    learned = np.asarray(learned, dtype=float)
    true = np.asarray(true, dtype=float)
    design = np.column_stack([learned, np.ones_like(learned)])
    coefficients, *_ = np.linalg.lstsq(design, true, rcond=None)
    residual = true - design @ coefficients
    total = np.sum((true - true.mean()) ** 2)
    return float(1.0 - np.sum(residual**2) / total) if total > 0 else float("nan")


def hamiltonian_verdict(r2: float, minimum: float = MIN_AFFINE_R2) -> Verdict:
    return Verdict(
        "learned H matches true H",
        bool(r2 >= minimum),
        r2,
        f"the best affine map of the learned H explains {100 * r2:.4f}% of the true H's variance (needs >= {100 * minimum:.1f}%)",
    )


def drift_verdict(drift: float, baseline_drift: float, rollout_time: float, minimum_ratio: float = MIN_DRIFT_RATIO) -> Verdict:
    """Energy drift of a Hamiltonian model vs a plain network over the same rollout."""
    ratio = baseline_drift / drift if drift > 0 else float("inf")
    return Verdict(
        "energy drift vs plain network",
        bool(ratio >= minimum_ratio),
        ratio,
        f"over t = {rollout_time:g} the true energy drifts by {drift:.2e} (relative, mean) along the learned Hamiltonian flow and "
        f"{baseline_drift:.2e} along the plain network's: {ratio:.3g}x smaller (needs >= {minimum_ratio:g}x)",
    )
