"""The verdicts a fitted SparseDynamics carries: ensemble stability, dimensional
admissibility, held-out fit, integration beyond the training window and from a held-out
initial condition, and the drift of known invariants along those integrations; for
chaotic data (largest Lyapunov exponent of the fitted model's tangent dynamics, seen in
the data's nearest-neighbour divergence too) tracking over a Lyapunov time and the
attractor's statistics (invariant density, power spectrum, Lyapunov exponent) against
held-out data; the split that holds the data back, and the integrator they run."""

from __future__ import annotations

import warnings
from typing import Callable, Mapping, Sequence

import numpy as np
import sympy

from physlens.methods.dynamics.derivatives import Design, derivative_design
from physlens.validate.dynamics import conserved_drift, noisy_valid_time, valid_time
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


def ensemble_stability(inclusion: np.ndarray, kept: np.ndarray, threshold: float, n_models: int,
                       added: np.ndarray | None = None) -> Verdict:
    """Every kept term chosen by at least ``threshold`` of the bootstrap models? Terms
    the output-error likelihood added (``added``: its score test, > 2 log N, over the
    raw samples) are judged by that test instead; the reason names them."""
    if not kept.any():
        return Verdict("ensemble stability", False, 0.0,
                       f"no term was chosen by >= {threshold:.0%} of {n_models} bootstrap models")
    added = np.zeros_like(kept) if added is None else (added & kept)
    judged = kept & ~added if (kept & ~added).any() else kept
    low = float(np.min(inclusion[judged]))
    note = (f"; {int(added.sum())} term(s) added by the output-error likelihood's score test (> 2 log N), "
            f"chosen by {float(np.min(inclusion[added])):.0%} of the models" if added.any() else "")
    return Verdict("ensemble stability", low >= threshold, low,
                   f"every kept term was chosen by >= {low:.0%} of {n_models} bootstrap models "
                   f"(threshold {threshold:.0%}){note}")


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
                 scale: np.ndarray, tails: Sequence[Segment], held_trajectory: Segment | None,
                 lyapunov: float | None = None, sigma: np.ndarray | None = None) -> tuple[list[Verdict], list[Rollout]]:
    """The model integrated beyond each training window and from the held-out initial
    condition: one verdict for each, and the rollouts. Each rollout starts from the
    state that best fits the first samples (a noisy start errs like a wrong model) and
    is compared with the raw samples less their noise ``sigma`` (a smoothed reference
    errs most at its edges), or with the smoothed data when ``sigma`` is None. With a
    positive ``lyapunov`` (chaotic data) tracking is judged over LYAPUNOV_TIMES
    Lyapunov times (the start fitted on FIT_SHARE of them), else over the window."""
    verdicts, rollouts = [], []
    for label, pieces in (("beyond the training window", tails),
                          ("from a held-out initial condition", [held_trajectory] if held_trajectory else [])):
        if not pieces:
            continue
        fractions = []
        for tk, xk in pieces:
            smooth_x = smooth(xk) if len(xk) > 7 else xk
            horizon = tracking_horizon(tk, lyapunov)
            fit_span = horizon if lyapunov is not None and lyapunov > 0 else 0.0  # else the first 8 samples
            start = fitted_start(simulate, tk, xk, scale, smooth_x[0], fit_span) if len(tk) > 8 else smooth_x[0]
            predicted = simulate(start, tk)
            rollouts.append((tk, predicted, smooth_x))
            if sigma is not None:
                tracked = noisy_valid_time(tk, predicted, xk, sigma, threshold=VALID_ERROR, scale=scale)
            else:
                tracked = valid_time(tk, predicted, smooth_x, threshold=VALID_ERROR, scale=scale)
            fractions.append(min(tracked, horizon) / horizon)
        worst = float(np.min(fractions))
        judged = ("the window" if lyapunov is None or not lyapunov > 0 else
                  f"{LYAPUNOV_TIMES:g} Lyapunov times ({LYAPUNOV_TIMES / lyapunov:.3g} time units, or the window if shorter)")
        verdicts.append(Verdict(f"integration {label}", worst >= 0.5, worst,
                                f"the integrated model stays within {VALID_ERROR:.0%} (of each state's RMS, noise "
                                f"removed) of the data for {worst:.0%} of {judged} (needs >= 50%; worst of {len(pieces)})"))
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
CHAOS_PER_PERIOD = 0.02  # lambda x mean period above this: chaotic (a factor e in 50 periods)
DENSITY_FLOOR = 0.15  # Wasserstein-1 distance of each state's density, in data std
SPECTRUM_FLOOR = 0.1  # Kolmogorov distance of the cumulative normalised power spectra
BASELINE_FACTOR = 2.0  # or twice the distance between training and held-out data
LYAPUNOV_PERIODS = 100  # the model's exponent is averaged over this many mean periods of its orbit
FIT_SHARE = 0.2  # chaotic data: the initial state is fitted to the first 20 % of the horizon


def model_lyapunov(right_hand_sides: Sequence[sympy.Expr], states: Sequence[str], run: np.ndarray, dt: float) -> float:
    """Largest Lyapunov exponent of the fitted model from its tangent dynamics along its
    own sampled orbit ``run``: a tangent vector carried by exp(J dt) (third-order
    Taylor) and renormalised every sample; the first tenth aligns it (Benettin et al.,
    Meccanica 15, 9, 1980). NaN when the run blew up."""
    if len(run) < 20 or not np.isfinite(run).all():
        return float("nan")
    symbols = [sympy.Symbol(s, real=True) for s in states]
    jacobian = sympy.lambdify(symbols, sympy.Matrix(list(right_hand_sides)).jacobian(symbols), modules="numpy")
    identity = np.eye(len(states))
    vector = np.ones(len(states)) / np.sqrt(len(states))
    growth = np.empty(len(run))
    with np.errstate(all="ignore"):
        for k, x in enumerate(run):
            step = np.asarray(jacobian(*x), float) * dt
            vector = (identity + step @ (identity + step @ (identity + step / 3) / 2)) @ vector
            norm = float(np.linalg.norm(vector))
            if not np.isfinite(norm) or norm <= 0:
                return float("nan")
            growth[k] = np.log(norm)
            vector /= norm
    return float(np.mean(growth[len(run) // 10:]) / dt)


def attractor_verdicts(long_run: np.ndarray, held: Sequence[np.ndarray], train: Sequence[np.ndarray], dt: float,
                       lyapunov: float, data_lyapunov: float) -> list[Verdict]:
    """The model's long run against the (smoothed) held-out data: invariant density and
    power spectrum. A chaotic record of a few dozen periods differs from another of the
    same flow by chance, so the model's distance (median over stretches of its run as
    long as the held-out record) must stay within max(floor, 2 x the chance difference:
    the largest between a training segment and the held-out data, or the median between
    consecutive stretches of the model's run). And its largest Lyapunov exponent beside
    the data's (advisory)."""
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
        # chance differences between records of this length: the data's own (training
        # segments vs held-out), and the model run's (its stretches against each other)
        base_d = float(max(distance(x, reference) for x in train))
        if len(pieces) >= 2:
            base_d = max(base_d, float(np.median([distance(a, b) for a, b in zip(pieces[1:], pieces[:-1])])))
        limit = max(floor, BASELINE_FACTOR * base_d)
        verdicts.append(Verdict(name, bool(model_d <= limit), model_d,
                                f"{what}, model run vs held-out data: {model_d:.3f} (needs <= {limit:.3f} = max({floor}, "
                                f"{BASELINE_FACTOR:g} x the chance difference between records this long, {base_d:.3f}))"))
    agree = bool(np.isfinite(lyapunov) and lyapunov > 0 and data_lyapunov > 0
                 and 1 / 3 <= lyapunov / data_lyapunov <= 3)
    verdicts.append(Verdict("attractor: largest Lyapunov exponent", agree, float(lyapunov),
                            f"model {lyapunov:.3g} (tangent dynamics) vs data {data_lyapunov:.3g} (nearest-neighbour "
                            "divergence, biased low on short records); needs both > 0 and within a factor 3 (informative: short "
                            "records bias the data's estimate)", blocking=False))
    return verdicts


def chaos_checks(right_hand_sides: Sequence[sympy.Expr], states: Sequence[str],
                 simulate: Callable[[np.ndarray, np.ndarray], np.ndarray], smooth: Callable[[np.ndarray], np.ndarray],
                 train: Sequence[Segment], held: Sequence[Segment]) -> tuple[float | None, list[Verdict]]:
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
    # the model's own orbit, LYAPUNOV_PERIODS mean periods (or the record's length if
    # longer): its exponent and its attractor statistics
    n_run = max(n_total, int(LYAPUNOV_PERIODS * period / dt))
    long_run = simulate(smoothed_held[-1][0], dt * np.arange(n_run))
    lyapunov = model_lyapunov(right_hand_sides, states, long_run, dt)
    data_lyapunov = largest_lyapunov(smoothed_train + smoothed_held, dt, period=period)
    chaotic = bool(np.isfinite(lyapunov) and lyapunov * period > CHAOS_PER_PERIOD and data_lyapunov > 0)
    info = Verdict("chaos", None, float(lyapunov) if np.isfinite(lyapunov) else None,
                   f"largest Lyapunov exponent {lyapunov:.3g} (model's tangent dynamics; x mean period {period:.3g} = "
                   f"{lyapunov * period:.3g}, chaotic above {CHAOS_PER_PERIOD}) and {data_lyapunov:.3g} (data's "
                   f"nearest-neighbour divergence, needs > 0): {'chaotic' if chaotic else 'not chaotic'}")
    if not chaotic:
        return None, [info]
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


def fitted_verdicts(model, train, tails, held_trajectory) -> list[Verdict]:
    """Every verdict of a fitted SparseDynamics ``model``: ensemble stability,
    admissibility, held-out fit, the integrations (or, on chaotic data, tracking over a
    few Lyapunov times and the attractor statistics) and the known invariants' drift."""
    kept = model.coef_ != 0  # the final support (the output-error tests may have changed it)
    added = kept & (model.inclusion_probabilities_ < model.inclusion_threshold) if model.refined_ else None
    verdicts = [ensemble_stability(model.inclusion_probabilities_, kept, model.inclusion_threshold, model.n_models, added),
                admissibility(model.units_given_, model.excluded_terms_)]
    segments = list(tails) + ([held_trajectory] if held_trajectory is not None else [])
    held = None
    if segments and kept.any():
        held = derivative_design(segments, model.derivative_, model._library.evaluate, model._state_noise)
    verdicts.append(held_out_fit(held, model.coef_, model.derivative_))
    rollouts = []
    if kept.any():
        # chaotic data: tracking over a few Lyapunov times, then attractor statistics (a
        # driven model's columns carry inputs and time, which the chaos checks cannot read)
        lyapunov, chaos = (None, [Verdict("chaos", None, None, "a driven model: judged by tracking")]) if model._exogenous \
            else chaos_checks([model.equations_[s] for s in model.state_names_], model.state_names_, model.simulate,
                              model._state_noise.smooth, train, segments)
        integrated, rollouts = integrations(model.simulate, model._state_noise.smooth, model._rms, tails, held_trajectory,
                                            lyapunov, model._state_noise.sigma)
        verdicts += integrated + chaos
    verdicts += conservation(model.invariants or {}, model.state_names_, rollouts)
    return verdicts
