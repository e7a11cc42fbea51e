"""Scores of discovered dynamics against truth and against physics (pure functions).

- :func:`terms_of` splits a right-hand side into {term: coefficient};
- :func:`support_recovery` compares which terms are present (exact support or not);
- :func:`coefficient_error` is the largest relative error of the true coefficients;
- :func:`rollout_error` / :func:`valid_time` compare an integrated model with data;
- :func:`conserved_drift` measures how far a conserved quantity wanders.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import sympy

from physlens.expr import as_expression


def _normalise_term(term: sympy.Expr) -> sympy.Expr:
    """Write float exponents as rationals so x*(x**2+y**2)**-1.5 matches (3/2)."""
    floats = term.atoms(sympy.Float)
    if not floats:
        return term
    return term.xreplace({f: sympy.nsimplify(f, rational=True) for f in floats})


def terms_of(expression: sympy.Expr | float | int, *, tolerance: float = 0.0) -> dict[sympy.Expr, float]:
    """{term: coefficient} of an expanded expression; the constant term has key 1.

    Coefficients with |c| <= tolerance are dropped. ``3*x*y - 2`` -> {x*y: 3, 1: -2}."""
    expression = as_expression(expression)
    # rational exponents first, so 1.5 and 3/2 give the same term; deep=False keeps
    # (x**2 + y**2)**(3/2) whole while still distributing products over sums
    powers = {p: sympy.Pow(p.base, sympy.nsimplify(p.exp, rational=True)) for p in expression.atoms(sympy.Pow)
              if p.exp.is_Float}
    expanded = sympy.expand(expression.xreplace(powers), deep=False)
    out: dict[sympy.Expr, float] = {}
    for term, coefficient in expanded.as_coefficients_dict().items():
        numeric, rest = term.as_coeff_Mul()
        key = _normalise_term(rest)
        value = float(coefficient) * float(numeric)
        out[key] = out.get(key, 0.0) + value
    return {k: v for k, v in out.items() if abs(v) > tolerance}


def support_recovery(found: Mapping[str, sympy.Expr], truth: Mapping[str, sympy.Expr]) -> dict:
    """Missing and extra terms per equation; ``exact`` when there are neither.

    Equations of ``truth`` missing from ``found`` count all their terms as missing."""
    missing, extra = [], []
    n_true = n_found = 0
    for state, rhs in truth.items():
        true_terms = set(terms_of(rhs))
        found_terms = set(terms_of(found.get(state, 0)))
        n_true += len(true_terms)
        n_found += len(found_terms)
        missing += [f"{state}: {sympy.sstr(t)}" for t in sorted(true_terms - found_terms, key=sympy.default_sort_key)]
        extra += [f"{state}: {sympy.sstr(t)}" for t in sorted(found_terms - true_terms, key=sympy.default_sort_key)]
    for state, rhs in found.items():
        if state not in truth:
            terms = terms_of(rhs)
            n_found += len(terms)
            extra += [f"{state}: {sympy.sstr(t)}" for t in sorted(terms, key=sympy.default_sort_key)]
    return {"exact": not missing and not extra, "missing": missing, "extra": extra,
            "n_true_terms": n_true, "n_found_terms": n_found}


def coefficient_error(found: Mapping[str, sympy.Expr], truth: Mapping[str, sympy.Expr]) -> float:
    """Largest relative error |c_found - c_true| / |c_true| over the true terms (a
    missing term counts as error 1). Extra terms are judged by :func:`support_recovery`."""
    worst = 0.0
    for state, rhs in truth.items():
        found_terms = terms_of(found.get(state, 0))
        for term, value in terms_of(rhs).items():
            worst = max(worst, abs(found_terms.get(term, 0.0) - value) / abs(value))
    return worst


def _scale(observed: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(np.asarray(observed, float) ** 2, axis=0))
    return np.where(rms > 0, rms, 1.0)


def rollout_error(predicted: np.ndarray, observed: np.ndarray, scale: np.ndarray | None = None) -> float:
    """RMS of (predicted - observed) / scale over times and states; ``scale`` defaults to
    each observed state's RMS. NaN rows in ``predicted`` (a blown-up model) give inf."""
    predicted, observed = np.atleast_2d(np.asarray(predicted, float)), np.atleast_2d(np.asarray(observed, float))
    if predicted.shape != observed.shape:
        raise ValueError(f"predicted {predicted.shape} and observed {observed.shape} differ in shape")
    if not np.isfinite(predicted).all():
        return float("inf")
    scale = _scale(observed) if scale is None else np.asarray(scale, float)
    return float(np.sqrt(np.mean(((predicted - observed) / scale) ** 2)))


def valid_time(times: np.ndarray, predicted: np.ndarray, observed: np.ndarray, *, threshold: float = 0.2,
               scale: np.ndarray | None = None) -> float:
    """Time from ``times[0]`` until the normalised error sqrt(mean_states(((p-o)/scale)^2))
    first exceeds ``threshold``; the whole span when it never does."""
    times = np.asarray(times, float)
    predicted, observed = np.asarray(predicted, float), np.asarray(observed, float)
    scale = _scale(observed) if scale is None else np.asarray(scale, float)
    error = np.sqrt(np.mean(((predicted - observed) / scale) ** 2, axis=1))
    error = np.where(np.isfinite(error), error, np.inf)
    above = np.flatnonzero(error > threshold)
    end = times[above[0]] if above.size else times[-1]
    return float(end - times[0])


def noisy_valid_time(times: np.ndarray, predicted: np.ndarray, observed: np.ndarray, sigma: np.ndarray, *,
                     threshold: float = 0.2, scale: np.ndarray | None = None, window: int = 11) -> float:
    """:func:`valid_time` against raw noisy samples: the normalised squared error, averaged
    over ``window`` consecutive samples, less the noise's share sigma^2 / scale^2 (a
    smoothed reference errs most at its edges, where a rollout starts)."""
    times = np.asarray(times, float)
    predicted, observed = np.asarray(predicted, float), np.asarray(observed, float)
    scale = _scale(observed) if scale is None else np.asarray(scale, float)
    squared = np.mean(((predicted - observed) / scale) ** 2, axis=1)
    squared = np.where(np.isfinite(squared), squared, np.inf)
    window = int(max(1, min(window, len(squared))))
    averaged = np.convolve(squared, np.ones(window) / window, mode="same")
    error = np.sqrt(np.maximum(averaged - float(np.mean((np.asarray(sigma, float) / scale) ** 2)), 0.0))
    above = np.flatnonzero(~(error <= threshold))
    end = times[above[0]] if above.size else times[-1]
    return float(end - times[0])


def conserved_drift(values: np.ndarray, scale: float | None = None) -> float:
    """max |H(t) - H(0)| / scale along a trajectory; ``scale`` defaults to
    max(|H(0)|, std(H), tiny). Non-finite values give inf."""
    values = np.asarray(values, float).reshape(-1)
    if not np.isfinite(values).all():
        return float("inf")
    if scale is None:
        scale = max(abs(values[0]), float(np.std(values)), 1e-300)
    return float(np.max(np.abs(values - values[0])) / scale)


# -- attractor statistics: what a model of a chaotic flow can be judged by beyond its
#    predictability horizon (pure functions on evenly sampled segments) --------------

def _pooled_standardised(segments) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    pooled = np.vstack([np.asarray(x, float) for x in segments])
    mean, std = pooled.mean(axis=0), pooled.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [(np.asarray(x, float) - mean) / std for x in segments], mean, std


def mean_period(segments, dt: float) -> float:
    """1 / the power-weighted mean frequency of the standardised states (the
    characteristic time of the flow), from the periodogram of each segment."""
    standardised, _, _ = _pooled_standardised(segments)
    weighted = total = 0.0
    for x in standardised:
        if len(x) < 8:
            continue
        power = np.abs(np.fft.rfft(x - x.mean(axis=0), axis=0)) ** 2
        freq = np.fft.rfftfreq(len(x), dt)
        weighted += float(np.sum(freq[1:, None] * power[1:]))
        total += float(np.sum(power[1:]))
    return float(1.0 / (weighted / total)) if total > 0 and weighted > 0 else float("inf")


def divergence_curve(segments, dt: float, *, period: float | None = None, max_references: int = 600
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Rosenstein, Collins & De Luca (Physica D 65, 117, 1993): mean log distance of
    nearest-neighbour pairs (neighbours at least one mean period apart in time) along
    the next 8 mean periods; returns (times, curve). States are standardised."""
    from scipy.spatial import cKDTree

    standardised, _, _ = _pooled_standardised(segments)
    period = mean_period(segments, dt) if period is None else period
    tau = int(np.clip(round(period / dt), 1, 10_000)) if np.isfinite(period) else 10
    longest = max(len(x) for x in standardised)
    horizon = int(min(8 * tau, longest // 2))
    if horizon < 3:
        return np.zeros(1), np.zeros(1)
    points = np.vstack(standardised)
    segment = np.concatenate([np.full(len(x), k) for k, x in enumerate(standardised)])
    position = np.concatenate([np.arange(len(x)) for x in standardised])
    remaining = np.concatenate([len(x) - 1 - np.arange(len(x)) for x in standardised])
    usable = np.flatnonzero(remaining >= horizon)
    if len(usable) < 4:
        return np.zeros(1), np.zeros(1)
    tree = cKDTree(points[usable])
    references = usable[np.unique(np.linspace(0, len(usable) - 1, min(max_references, len(usable))).astype(int))]
    k = min(2 * tau + 30, len(usable))  # past the reference's own strand (+-tau samples)
    distances, neighbours = tree.query(points[references], k=k)
    pairs = []
    for a, row_d, row_n in zip(references, np.atleast_2d(distances), np.atleast_2d(neighbours)):
        for d, n in zip(row_d, row_n):
            b = usable[n]
            # a neighbour at round-off distance is the same state again (a periodic orbit)
            if d > 1e-9 and (segment[a] != segment[b] or abs(position[a] - position[b]) > tau):
                pairs.append((a, b))
                break
    if not pairs:
        return np.zeros(1), np.zeros(1)
    a, b = np.array(pairs).T
    steps = np.arange(horizon + 1)
    separation = np.linalg.norm(points[a[:, None] + steps] - points[b[:, None] + steps], axis=2)
    with np.errstate(divide="ignore"):
        logs = np.log(separation)
    curve = np.array([float(np.mean(column[np.isfinite(column)])) for column in logs.T])
    return steps * dt, curve


def largest_lyapunov(segments, dt: float, *, period: float | None = None) -> float:
    """Largest Lyapunov exponent (1/time) from the slope of the Rosenstein divergence
    curve between 10 % and 60 % of its rise; a curve that rises by less than a factor
    of 2 has no exponential divergence, and its (small) mean slope is returned."""
    times, curve = divergence_curve(segments, dt, period=period)
    if len(curve) < 3:
        return 0.0
    rise = float(np.max(curve) - curve[0])
    if rise < np.log(2.0):
        return float(np.polyfit(times, curve, 1)[0])
    start = int(np.argmax(curve >= curve[0] + 0.1 * rise))
    stop = int(np.argmax(curve >= curve[0] + 0.6 * rise))
    if stop - start < 2:
        start, stop = 0, max(stop, 2)
    return float(np.polyfit(times[start:stop + 1], curve[start:stop + 1], 1)[0])


def density_distance(model: np.ndarray, data: np.ndarray) -> float:
    """Largest over states of the Wasserstein-1 distance between the model's and the
    data's distribution of that state, in units of the data's standard deviation."""
    from scipy.stats import wasserstein_distance

    model, data = np.atleast_2d(np.asarray(model, float)), np.atleast_2d(np.asarray(data, float))
    if not np.isfinite(model).all():
        return float("inf")
    std = np.where(data.std(axis=0) > 0, data.std(axis=0), 1.0)
    return float(max(wasserstein_distance(model[:, i], data[:, i]) / std[i] for i in range(data.shape[1])))


def spectrum_distance(model: np.ndarray, data: np.ndarray, dt: float) -> float:
    """Largest over states of the Kolmogorov distance (0..1) between the model's and the
    data's cumulative normalised Welch power spectra (same segment length): how much of
    the power sits at other frequencies, robust to the scatter of single spectral bins."""
    from scipy.signal import welch

    model, data = np.atleast_2d(np.asarray(model, float)), np.atleast_2d(np.asarray(data, float))
    if not np.isfinite(model).all():
        return 1.0
    nperseg = int(min(256, len(model), len(data)))
    worst = 0.0
    for i in range(data.shape[1]):
        cumulative = []
        for x in (model[:, i], data[:, i]):
            _, power = welch(x - x.mean(), fs=1.0 / dt, nperseg=nperseg)
            cumulative.append(np.cumsum(power) / max(float(power.sum()), 1e-300))
        worst = max(worst, float(np.max(np.abs(cumulative[0] - cumulative[1]))))
    return worst
