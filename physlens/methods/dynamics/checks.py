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
    """With units, only dimensionally admissible terms were offered (score: how many were not)."""
    if not units_given:
        return Verdict("dimensional consistency", None, None, "no units given")
    shown = ", ".join(excluded[:6]) + (" ..." if len(excluded) > 6 else "")
    return Verdict("dimensional consistency", True, float(len(excluded)),
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
                 scale: np.ndarray, tails: Sequence[Segment], held_trajectory: Segment | None,
                 lyapunov: float | None = None) -> tuple[list[Verdict], list[Rollout]]:
    """The model integrated beyond each training window and from the held-out initial
    condition, against the smoothed data: one verdict for each, and the rollouts. With
    a positive ``lyapunov`` (chaotic data) tracking is judged over LYAPUNOV_TIMES
    Lyapunov times, not the whole window."""
    verdicts, rollouts = [], []
    for label, pieces in (("beyond the training window", tails),
                          ("from a held-out initial condition", [held_trajectory] if held_trajectory else [])):
        if not pieces:
            continue
        fractions = []
        for tk, xk in pieces:
            smooth_x = smooth(xk) if len(xk) > 7 else xk
            start = smooth_x[0]
            if lyapunov is not None and lyapunov > 0:
                # an error in the initial state grows as fast as a wrong model: start
                # from the state that best explains the first samples instead
                start = fitted_start(simulate, tk, xk, scale, start, tracking_horizon(tk, lyapunov))
            predicted = simulate(start, tk)
            rollouts.append((tk, predicted, smooth_x))
            horizon = tracking_horizon(tk, lyapunov)
            tracked = valid_time(tk, predicted, smooth_x, threshold=VALID_ERROR, scale=scale)
            fractions.append(min(tracked, horizon) / horizon)
        worst = float(np.min(fractions))
        judged = ("the window" if lyapunov is None or not lyapunov > 0 else
                  f"{LYAPUNOV_TIMES:g} Lyapunov times ({LYAPUNOV_TIMES / lyapunov:.3g} time units, or the window if shorter)")
        verdicts.append(Verdict(f"integration {label}", worst >= 0.5, worst,
                                f"the integrated model stays within {VALID_ERROR:.0%} (of each state's RMS) of the "
                                f"smoothed data for {worst:.0%} of {judged} (needs >= 50%; worst of {len(pieces)})"))
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


# -- chaos: a model of a chaotic flow cannot follow the data for long (errors grow as
#    exp(lambda t)), so it is judged by tracking over a few Lyapunov times, then by the
#    statistics of its attractor against held-out data ---------------------------------
LYAPUNOV_TIMES = 1.0  # tracking horizon, in Lyapunov times 1/lambda (smoothed initial states err by ~1 %)
# verdicts that decide found (the Lyapunov comparison is advisory: short records bias it)
BLOCKING = ("ensemble stability", "held-out fit", "integration", "attractor: invariant density",
            "attractor: power spectrum")
CHAOS_PER_PERIOD = 0.05  # lambda x mean period above this: chaotic (a factor e in 20 periods)
DENSITY_FLOOR = 0.15  # Wasserstein-1 distance of each state's density, in data std
SPECTRUM_FLOOR = 0.1  # Kolmogorov distance of the cumulative normalised power spectra
BASELINE_FACTOR = 2.0  # or twice the distance between training and held-out data
FIT_SHARE = 0.2  # chaotic data: the initial state is fitted to the first 20 % of the horizon


def model_lyapunov(simulate: Callable[[np.ndarray, np.ndarray], np.ndarray], start: np.ndarray, period: float,
                   n_periods: int, scale: np.ndarray) -> float:
    """Largest Lyapunov exponent of the fitted model from its tangent dynamics (Benettin:
    a neighbour 1e-6 away in units of ``scale``, renormalised every mean period) along
    its own orbit; NaN when the model blows up."""
    scale = np.asarray(scale, float)
    size = 1e-6
    here = np.asarray(start, float)
    there = here + size * scale / np.sqrt(len(scale))
    growth = []
    for _ in range(int(n_periods)):
        times = np.array([0.0, float(period)])
        a, b = simulate(here, times)[-1], simulate(there, times)[-1]
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            return float("nan")
        distance = float(np.linalg.norm((b - a) / scale))
        if distance <= 0:
            return float("-inf")
        growth.append(np.log(distance / size))
        here, there = a, a + (b - a) * (size / distance)
    # the first period aligns the offset with the most unstable direction
    return float(np.mean(growth[1:] if len(growth) > 1 else growth) / period)


def attractor_verdicts(long_run: np.ndarray, held: Sequence[np.ndarray], train: Sequence[np.ndarray], dt: float,
                       lyapunov: float, data_lyapunov: float) -> list[Verdict]:
    """The model's long run against the (smoothed) held-out data: invariant density and
    power spectrum. A chaotic record of a few dozen periods differs from another of the
    same flow by chance, so the model's distance (median over stretches of its run as
    long as the held-out record) must stay within max(floor, 2 x the largest distance
    between a training segment and the held-out data). And its largest Lyapunov
    exponent beside the data's (advisory)."""
    from physlens.validate.dynamics import density_distance, spectrum_distance

    held_pooled, held_long = np.vstack(held), max(held, key=len)
    pieces = [long_run[k:k + len(held_long)] for k in range(0, len(long_run) - len(held_long) + 1, len(held_long))]
    verdicts = []
    for name, floor, distance, reference, what in (
        ("attractor: invariant density", DENSITY_FLOOR, density_distance, held_pooled,
         "Wasserstein-1 distance of each state's density (in data std)"),
        ("attractor: power spectrum", SPECTRUM_FLOOR, lambda a, b: spectrum_distance(a, b, dt), held_long,
         "Kolmogorov distance of the cumulative power spectra"),
    ):
        model_d = float(np.median([distance(piece, reference) for piece in pieces or [long_run]]))
        base_d = float(max(distance(x, reference) for x in train))
        limit = max(floor, BASELINE_FACTOR * base_d)
        verdicts.append(Verdict(name, bool(model_d <= limit), model_d,
                                f"{what}, model run vs held-out data: {model_d:.3f} (needs <= {limit:.3f} = max({floor}, "
                                f"{BASELINE_FACTOR:g} x the largest training-vs-held-out {base_d:.3f}))"))
    agree = bool(np.isfinite(lyapunov) and lyapunov > 0 and data_lyapunov > 0
                 and 1 / 3 <= lyapunov / data_lyapunov <= 3)
    verdicts.append(Verdict("attractor: largest Lyapunov exponent", agree, float(lyapunov),
                            f"model {lyapunov:.3g} (tangent dynamics) vs data {data_lyapunov:.3g} (nearest-neighbour "
                            "divergence, biased low on short records); needs both > 0 and within a factor 3 (advisory)"))
    return verdicts


def chaos_checks(simulate: Callable[[np.ndarray, np.ndarray], np.ndarray], smooth: Callable[[np.ndarray], np.ndarray],
                 scale: np.ndarray, train: Sequence[Segment], held: Sequence[Segment]
                 ) -> tuple[float | None, list[Verdict]]:
    """Is the data chaotic, and if so how do the model's attractor statistics compare?
    Chaos is read from the model fitted to the data (its tangent dynamics) and must be
    seen in the data too (nearest neighbours that separate); never from a truth.
    Returns (lambda when chaotic else None, verdicts)."""
    from physlens.validate.dynamics import largest_lyapunov, mean_period

    steps = [float(np.median(np.diff(tk))) for tk, _ in train if len(tk) > 1]
    if not steps or not held:
        return None, [Verdict("chaos", None, None, "no held-out data to judge chaos on")]
    dt = float(np.median(steps))
    smoothed_train = [smooth(x) if len(x) > 7 else x for _, x in train]
    smoothed_held = [smooth(x) if len(x) > 7 else x for _, x in held]
    period = mean_period(smoothed_train, dt)
    n_total = sum(len(x) for x in smoothed_train) + sum(len(x) for x in smoothed_held)
    if not np.isfinite(period) or period <= 0 or period * 20 > n_total * dt:
        return None, [Verdict("chaos", None, None, "the record is shorter than 20 mean periods; tracking is judged instead")]
    lyapunov = model_lyapunov(simulate, smoothed_held[-1][0], period, 20, scale)
    data_lyapunov = largest_lyapunov(smoothed_train + smoothed_held, dt, period=period)
    chaotic = bool(np.isfinite(lyapunov) and lyapunov * period > CHAOS_PER_PERIOD and data_lyapunov > 0)
    info = Verdict("chaos", None, float(lyapunov) if np.isfinite(lyapunov) else None,
                   f"largest Lyapunov exponent {lyapunov:.3g} (model's tangent dynamics; x mean period {period:.3g} = "
                   f"{lyapunov * period:.3g}, chaotic above {CHAOS_PER_PERIOD}) and {data_lyapunov:.3g} (data's "
                   f"nearest-neighbour divergence, needs > 0): {'chaotic' if chaotic else 'not chaotic'}")
    if not chaotic:
        return None, [info]
    times = dt * np.arange(n_total)
    long_run = simulate(smoothed_held[-1][0], times)
    return lyapunov, [info] + attractor_verdicts(long_run, smoothed_held, smoothed_train, dt, lyapunov, data_lyapunov)


def fitted_start(simulate: Callable[[np.ndarray, np.ndarray], np.ndarray], tk: np.ndarray, xk: np.ndarray,
                 scale: np.ndarray, guess: np.ndarray, horizon: float) -> np.ndarray:
    """The model's initial state that best fits (least squares, in units of ``scale``) the
    raw samples of the first FIT_SHARE of the tracking horizon (at least 8 samples)."""
    from scipy.optimize import least_squares

    n = int(np.clip(np.searchsorted(tk, tk[0] + FIT_SHARE * horizon), 8, len(tk)))
    times, observed = tk[:n], xk[:n]

    def misfit(x0: np.ndarray) -> np.ndarray:
        predicted = simulate(x0 * scale, times)
        return np.nan_to_num(((predicted - observed) / scale).ravel(), nan=1e3)

    with np.errstate(all="ignore"):
        solution = least_squares(misfit, np.asarray(guess, float) / scale, method="lm", max_nfev=60 * len(scale))
    return solution.x * scale if np.all(np.isfinite(solution.x)) else np.asarray(guess, float)


def tracking_horizon(tk: np.ndarray, lyapunov: float | None) -> float:
    """The span tracking is judged over: the whole window, or for chaotic data
    LYAPUNOV_TIMES / lambda when that is shorter."""
    span = float(tk[-1] - tk[0])
    if lyapunov is None or not lyapunov > 0:
        return span
    return min(span, LYAPUNOV_TIMES / lyapunov)
