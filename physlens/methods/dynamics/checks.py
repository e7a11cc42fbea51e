"""The verdicts a fitted SparseDynamics carries: ensemble stability, dimensional
admissibility, held-out fit, integration beyond the training window and from a held-out
initial condition, and the drift of known invariants along those integrations; the
split that holds the data back, and the integrator they run."""

from __future__ import annotations

import warnings
from typing import Callable, Mapping, Sequence

import numpy as np
import sympy

from physlens.methods.dynamics.derivatives import Design
from physlens.validate.dynamics import conserved_drift, valid_time
from physlens.validate.verdict import Verdict

VALID_ERROR = 0.2  # rollout tracks the data while its normalised error stays below this

Segment = tuple[np.ndarray, np.ndarray]
# (times, integrated model, smoothed data) of one integration
Rollout = tuple[np.ndarray, np.ndarray, np.ndarray]


def integrate(right_hand_sides: Sequence[sympy.Expr], states: Sequence[str], initial: np.ndarray,
              times: np.ndarray, limit: float) -> np.ndarray:
    """d(states)/dt = right_hand_sides integrated (LSODA) from ``initial`` at ``times``;
    rows after any state exceeds ``limit`` in size are NaN."""
    from scipy.integrate import solve_ivp

    times = np.asarray(times, dtype=float)
    symbols = [sympy.Symbol(s, real=True) for s in states]
    rhs = sympy.lambdify(symbols, list(right_hand_sides), modules="numpy")
    ones = np.ones(len(symbols))

    def field(_t, y):
        return np.asarray(rhs(*y), dtype=float) * ones

    def blow_up(_t, y):
        return limit - float(np.max(np.abs(y)))

    blow_up.terminal = True
    out = np.full((len(times), len(states)), np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        solution = solve_ivp(field, (times[0], times[-1]), np.asarray(initial, float), t_eval=times,
                             method="LSODA", rtol=1e-7, atol=1e-9, events=blow_up)
    n = solution.y.shape[1]
    out[:n] = solution.y.T
    return out


def ensemble_stability(inclusion: np.ndarray, kept: np.ndarray, threshold: float, n_models: int) -> Verdict:
    """Every kept term chosen by at least ``threshold`` of the bootstrap models?"""
    if not kept.any():
        return Verdict("ensemble stability", False, 0.0,
                       f"no term was chosen by >= {threshold:.0%} of {n_models} bootstrap models")
    low = float(np.min(inclusion[kept]))
    return Verdict("ensemble stability", low >= threshold, low,
                   f"every kept term was chosen by >= {low:.0%} of {n_models} bootstrap models "
                   f"(threshold {threshold:.0%})")


def admissibility(units_given: bool, excluded: Sequence[str]) -> Verdict:
    """With units, only dimensionally admissible terms were offered (no score: it passes by construction)."""
    if not units_given:
        return Verdict("dimensional consistency", None, None, "no units given")
    shown = ", ".join(excluded[:6]) + (" ..." if len(excluded) > 6 else "")
    return Verdict("dimensional consistency", True, None,
                   f"only dimensionally admissible terms were offered; {len(excluded)} excluded"
                   + (f" ({shown})" if shown else "") + "; every coefficient carries units")


def held_out_fit(held: Design | None, coef: np.ndarray, scheme: str) -> Verdict:
    """R2 of the derivative relation on the held-out rows ``held`` (None: no held-out data)."""
    if not np.any(coef):
        return Verdict("held-out fit", False, None, "no terms survived, nothing to check")
    if held is None:
        return Verdict("held-out fit", None, None, "no held-out data (holdout=0)")
    pred = held.features @ coef.T
    r2 = 1 - float(np.sum((held.target - pred) ** 2) / max(np.sum((held.target - held.target.mean(0)) ** 2), 1e-300))
    return Verdict("held-out fit", r2 >= 0.9, r2,
                   f"R2 {r2:.4f} of the {scheme} derivative relation on held-out data (needs >= 0.9)")


def integrations(simulate: Callable[[np.ndarray, np.ndarray], np.ndarray], smooth: Callable[[np.ndarray], np.ndarray],
                 scale: np.ndarray, tails: Sequence[Segment], held_trajectory: Segment | None
                 ) -> tuple[list[Verdict], list[Rollout]]:
    """The model integrated beyond each training window and from the held-out initial
    condition, against the smoothed data: one verdict for each, and the rollouts."""
    verdicts, rollouts = [], []
    for label, pieces in (("beyond the training window", tails),
                          ("from a held-out initial condition", [held_trajectory] if held_trajectory else [])):
        if not pieces:
            continue
        fractions = []
        for tk, xk in pieces:
            smooth_x = smooth(xk) if len(xk) > 7 else xk
            predicted = simulate(smooth_x[0], tk)
            rollouts.append((tk, predicted, smooth_x))
            span = float(tk[-1] - tk[0])
            fractions.append(valid_time(tk, predicted, smooth_x, threshold=VALID_ERROR, scale=scale) / span)
        worst = float(np.min(fractions))
        verdicts.append(Verdict(f"integration {label}", worst >= 0.5, worst,
                                f"the integrated model stays within {VALID_ERROR:.0%} (of each state's RMS) of the "
                                f"smoothed data for {worst:.0%} of the window (needs >= 50%; worst of {len(pieces)})"))
    return verdicts, rollouts


def conservation(invariants: Mapping[str, str], states: Sequence[str], rollouts: Sequence[Rollout]) -> list[Verdict]:
    """Each invariant's drift along the integrated model, against its drift in the data."""
    from physlens.expr import parse_expression, real_values, to_function

    verdicts = []
    for name, text in invariants.items():
        expression = parse_expression(text, list(states))
        function = to_function(expression, list(states))
        if not rollouts:
            verdicts.append(Verdict(f"conserved {name}", None, None, "no integration to check it on"))
            continue
        drifts, data_drifts = [], []
        for tk, predicted, smooth_x in rollouts:
            with np.errstate(all="ignore"):
                values = real_values(function(*predicted.T), len(tk))
                observed = real_values(function(*smooth_x.T), len(tk))
            scale = max(float(np.std(observed)), float(abs(np.mean(observed))), 1e-300)
            drifts.append(conserved_drift(values, scale))
            data_drifts.append(conserved_drift(observed, scale))
        drift, data_drift = float(np.max(drifts)), float(np.max(data_drifts))
        ok = drift <= max(0.05, 1.5 * data_drift)
        verdicts.append(Verdict(f"conserved {name}", ok, drift,
                                f"{name} = {sympy.sstr(expression)} drifts by {drift:.2%} along the integrated model "
                                f"(data: {data_drift:.2%}; needs <= max(5%, 1.5 x data))"))
    return verdicts


def split_holdout(times: list, values: list, holdout: float):
    """(training segments, held-out tails, held-out trajectory or None): the last
    ``holdout`` of each trajectory's window, and with >= 3 trajectories the last one."""
    held_trajectory = None
    if len(times) >= 3 and holdout > 0:
        held_trajectory = (times.pop(), values.pop())
    train, tails = [], []
    for tk, xk in zip(times, values):
        n_train = len(tk) if holdout == 0 else int(round(len(tk) * (1 - holdout)))
        if n_train < 12:
            n_train = len(tk)
        train.append((tk[:n_train], xk[:n_train]))
        if n_train < len(tk) - 5:
            tails.append((tk[n_train - 1:], xk[n_train - 1:]))
    return train, tails, held_trajectory
