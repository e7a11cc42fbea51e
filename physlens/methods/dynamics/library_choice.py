"""Which term library the data ask for: polynomial degree 1 to 5, sine and cosine of
angle-like states, a rational (Holling type II / Michaelis-Menten) response, and a
periodic drive cos(omega t), sin(omega t) with omega fitted.

Every candidate library is screened the same way: the weak-form (or smoothed) design on
the training rows, the per-equation Pareto front of :mod:`.selection`, and the
cross-validated error of each equation's chosen support. The chosen library is the least
complex one (kept terms + fitted nonlinear parameters, then degree) whose error is
within ``PARETO_TOLERANCE`` of the best candidate's: the lowest degree the data do not
reject. Each row also carries the held-out R2 (on the held-back tails and trajectory)
and the information statistic n log(RSS / RSS_chosen) + (k - k_chosen) log n.

- Angle-like states: named like an angle (theta, phi, psi, angle, phase), or wrapping
  (values inside one 2 pi range with jumps of about 2 pi); with none, a library with sine
  and cosine of every state competes too (a periodic basis that fits better wins).
- Rational (when the best polynomial library needs degree > 2): for each strictly positive state s, terms s/(K + s) and u s/(K + s) for every
  other variable u (a denominator search: K by least squares over a log grid, refined).
- Drive: tried when the residual of the best autonomous library has a spectral peak
  holding >= ``PERIODIC_SHARE`` of its power; omega from the peak (the best of the
  ``MAX_PEAKS`` largest), refined by least squares. Only the candidates within twice the
  best error are re-screened with the drive, and a driven library competes only when
  it lowers the error by ``DRIVE_GAIN`` (omega was searched for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import sympy

from physlens.methods.dynamics.derivatives import Design
from physlens.methods.dynamics.selection import ERROR_FLOOR, PARETO_TOLERANCE, pareto_thresholds

MAX_DEGREE = 5
ANGLE_NAME = re.compile(r"theta|phi|psi|angle|phase", re.IGNORECASE)
PERIODIC_SHARE = 0.02  # a residual peak with this share of the power is a drive worth trying
DRIVE_GAIN = 0.2  # a fitted drive must lower the error by this fraction (omega was searched for)
PEAK_RATIO = 20.0  # and stand this far above the median of the residual's spectrum
MAX_PEAKS = 3  # spectral peaks of the residual tried as drive frequencies
RATIONAL_DEGREES = (1, 2)  # the response term rides on a low-degree polynomial part


@dataclass(frozen=True)
class LibrarySpec:
    """One candidate library."""

    degree: int
    angles: tuple[str, ...] = ()  # states offered sin and cos
    rational: tuple[str, float] | None = None  # (state s, K): terms s/(K + s), u s/(K + s)
    frequency: float | None = None  # omega of cos(omega t), sin(omega t)

    @property
    def fitted_parameters(self) -> int:
        return int(self.rational is not None) + int(self.frequency is not None)

    def describe(self) -> str:
        parts = [f"polynomial degree {self.degree}"]
        if self.angles:
            parts.append("sin/cos of " + ", ".join(self.angles))
        if self.rational:
            parts.append(f"rational {self.rational[0]}/({self.rational[1]:.4g} + {self.rational[0]})")
        if self.frequency:
            parts.append(f"drive cos/sin({self.frequency:.5g} t)")
        return "; ".join(parts)


def spec_terms(spec: LibrarySpec, variables: Sequence[str], time: str) -> list[sympy.Expr]:
    """The terms of ``spec`` in the variables (states, then inputs) and the time."""
    from physlens.expr import symbols_for
    from physlens.methods.dynamics.libraries import builtin_terms

    symbols = symbols_for([*variables, time])
    terms = [term for _, term in builtin_terms(spec.degree, False, list(variables), symbols)]
    for state in spec.angles:
        terms += [sympy.sin(symbols[state]), sympy.cos(symbols[state])]
    if spec.rational:
        state, offset = spec.rational
        response = symbols[state] / (symbols[state] + sympy.Float(offset))
        terms += [response] + [symbols[v] * response for v in variables if v != state]
    if spec.frequency:
        phase = sympy.Float(spec.frequency) * symbols[time]
        terms += [sympy.cos(phase), sympy.sin(phase)]
    return terms


def admissible_filter(dimensions) -> Callable[[list], list]:
    """terms -> those dimensionally admissible with the variables' ``dimensions``."""
    from physlens.validate.dimensions import admissible_terms

    return lambda terms: [terms[j] for j in admissible_terms(terms, dimensions)[0]]


def offered_terms(spec: LibrarySpec, variables: Sequence[str], time: str, texts: Sequence[str], dimensions
                  ) -> tuple[list, list, list[str]]:
    """(admissible terms of ``spec`` plus the user's ``texts``, their dimensions, the
    excluded terms as text)."""
    from physlens.errors import UnitError
    from physlens.methods.dynamics.libraries import user_terms
    from physlens.validate.dimensions import admissible_terms

    terms = spec_terms(spec, variables, time) + user_terms(texts, variables)
    kept, term_dims, excluded = admissible_terms(terms, dimensions)
    if not kept:
        raise UnitError("no library term is dimensionally admissible; check the state units")
    return [terms[j] for j in kept], term_dims, [sympy.sstr(term) for term in excluded]


def angle_like(states: Sequence[str], segments: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[str, ...]:
    """States named like an angle, or whose values wrap (one 2 pi range, jumps near 2 pi)."""
    pooled = np.vstack([x for _, x in segments])
    out = []
    for i, state in enumerate(states):
        values = pooled[:, i]
        jumps = np.concatenate([np.abs(np.diff(x[:, i])) for _, x in segments])
        wraps = (np.ptp(values) <= 2 * np.pi * 1.01 and jumps.size > 0
                 and float(jumps.max()) > 1.5 * np.pi and float(np.median(jumps)) < 0.5)
        if ANGLE_NAME.search(state) or wraps:
            out.append(state)
    return tuple(out)


@dataclass
class Screened:
    spec: LibrarySpec
    terms: list
    cv_error: float  # RMS over equations of the cross-validated relative error
    held_r2: float | None
    rss: float
    n_rows: int
    kept: int
    supports: tuple = ()  # per equation, the chosen support (column indices)


def _normalised(design: Design) -> tuple[np.ndarray, np.ndarray]:
    scale = np.sqrt(np.mean(design.features**2, axis=0))
    target = np.sqrt(np.mean(design.target**2, axis=0))
    return design.features / np.where(scale > 0, scale, 1.0), design.target / np.where(target > 0, target, 1.0)


def screen(spec: LibrarySpec, terms: list, design: Design, held: Design | None) -> Screened:
    """Pareto-selected supports of ``spec``'s library and their errors."""
    G, B = _normalised(design)
    _, fronts, candidates = pareto_thresholds(G, B, design.groups, terms)
    errors, kept, rss, supports = [], 0, 0.0, []
    coef = np.zeros((B.shape[1], G.shape[1]))
    for i, front in enumerate(fronts):
        row = int(np.flatnonzero(front["chosen"].to_numpy())[0])
        support = [int(j) for j in candidates[i][row]]
        supports.append(tuple(support))
        errors.append(float(front["cv_error"].iloc[row]))
        kept += len(support)
        if support:
            coef[i, support], *_ = np.linalg.lstsq(G[:, support], B[:, i], rcond=None)
        rss += float(np.sum((B[:, i] - G @ coef[i]) ** 2))
    held_r2 = None
    if held is not None and len(held.features):
        scale = np.sqrt(np.mean(design.features**2, axis=0))
        target = np.sqrt(np.mean(design.target**2, axis=0))
        predicted = (held.features / np.where(scale > 0, scale, 1.0)) @ coef.T * np.where(target > 0, target, 1.0)
        residual = np.sum((held.target - predicted) ** 2)
        held_r2 = float(1 - residual / max(np.sum((held.target - held.target.mean(0)) ** 2), 1e-300))
    return Screened(spec, terms, float(np.sqrt(np.mean(np.square(errors)))), held_r2, rss, len(G), kept, tuple(supports))


def _residual_lstsq(G: np.ndarray, B: np.ndarray) -> float:
    G, B = G / np.maximum(np.sqrt(np.mean(G**2, axis=0)), 1e-300), B / np.maximum(np.sqrt(np.mean(B**2, axis=0)), 1e-300)
    coef, *_ = np.linalg.lstsq(G, B, rcond=None)
    return float(np.sum((B - G @ coef) ** 2))


def _refine(objective: Callable[[float], float], grid: np.ndarray) -> float:
    """Minimiser of ``objective`` over a log grid, refined between the grid neighbours."""
    from scipy.optimize import minimize_scalar

    values = [objective(float(v)) for v in grid]
    k = int(np.argmin(values))
    low, high = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    if low == high:
        return float(grid[k])
    result = minimize_scalar(lambda z: objective(float(np.exp(z))), bounds=(np.log(low), np.log(high)),
                             method="bounded", options={"xatol": 1e-4})
    return float(np.exp(result.x)) if result.fun <= values[k] else float(grid[k])


def rational_offset(state: str, pooled: np.ndarray, index: int, degree: int,
                    error: Callable[[LibrarySpec], float]) -> float:
    """K of s/(K + s) whose library (degree-``degree`` polynomial part) has the smallest
    ``error`` (the cross-validated error of its Pareto-selected supports: a full least
    squares leaves K unidentified, the response then collinear with the polynomial)."""
    typical = float(np.median(pooled[:, index]))
    grid = typical * np.geomspace(0.02, 50, 10)
    return _refine(lambda K: error(LibrarySpec(degree, rational=(state, K))), grid)


def drive_frequency(times: Sequence[np.ndarray], residuals: Sequence[np.ndarray],
                    fit_residual: Callable[[float], float]) -> float | None:
    """omega of a periodic component of the residuals (rows along each segment's time), or
    None when no spectral peak holds PERIODIC_SHARE of the residual power."""
    spans = [float(t[-1] - t[0]) for t in times if len(t) > 8]
    if not spans:
        return None
    span = min(spans)
    spacing = float(np.median(np.concatenate([np.diff(t) for t in times if len(t) > 8])))
    omegas = 2 * np.pi * np.arange(1, int(span / spacing / 2)) / span
    if len(omegas) < 4:
        return None
    power = np.zeros(len(omegas))
    total = 0.0
    for t, r in zip(times, residuals):
        if len(t) <= 8:
            continue
        r = (r - r.mean(0)) / np.maximum(r.std(0), 1e-300)
        # the same frequency grid for every segment: a direct Fourier sum (rows may be uneven)
        phases = np.exp(-1j * np.outer(omegas, t - t[0]))
        power += np.sum(np.abs(phases @ r) ** 2, axis=1) * 2 / len(t)
        total += float(np.sum(r**2))
    # the largest peaks (local maxima) holding >= PERIODIC_SHARE of the power each get
    # omega refined by least squares; the best fit wins (a free oscillation's misfit can
    # outshine the drive's)
    peaks = [k for k in range(len(power)) if power[k] >= power[max(k - 1, 0)] and power[k] >= power[min(k + 1, len(power) - 1)]]
    peaks = sorted(peaks, key=lambda k: -power[k])[:MAX_PEAKS]
    step = 2 * np.pi / span
    best, best_value = None, np.inf
    for k in peaks:
        share = float(np.sum(power[max(k - 1, 0):k + 2]) / max(total, 1e-300))
        if share < PERIODIC_SHARE or power[k] < PEAK_RATIO * float(np.median(power)):
            continue
        grid = np.geomspace(max(omegas[k] - 1.5 * step, 0.5 * step), omegas[k] + 1.5 * step, 9)
        omega = _refine(fit_residual, grid)
        value = fit_residual(omega)
        if value < best_value:
            best, best_value = omega, value
    return best


def choose(screened: Sequence[Screened]) -> tuple[Screened, "object"]:
    """The least complex candidate within PARETO_TOLERANCE of the best error, and the
    per-candidate table (pandas) with the reason for each."""
    import pandas as pd

    autonomous = min((s.cv_error for s in screened if s.spec.frequency is None), default=np.inf)
    # omega was searched for: a drive must lower the error by DRIVE_GAIN to count at all
    screened_fair = [s for s in screened if s.spec.frequency is None or s.cv_error <= (1 - DRIVE_GAIN) * autonomous]
    best = min(s.cv_error for s in screened_fair)
    limit = max(best * (1 + PARETO_TOLERANCE), ERROR_FLOOR)
    eligible = [s for s in screened_fair if s.cv_error <= limit]
    chosen = min(eligible, key=lambda s: (s.kept + s.spec.fitted_parameters, s.spec.degree, s.spec.fitted_parameters,
                                          len(s.spec.angles)))
    rows = []
    for s in screened:
        n = max(s.n_rows, 1)
        information = n * np.log(max(s.rss, 1e-300) / max(chosen.rss, 1e-300)) + (s.kept - chosen.kept) * np.log(n)
        if s is chosen:
            reason = (f"the least complex library ({s.kept} terms + {s.spec.fitted_parameters} fitted parameters) whose "
                      f"cross-validated error {s.cv_error:.3g} is within {PARETO_TOLERANCE:.0%} of the best ({best:.3g})")
        elif s not in screened_fair:
            reason = (f"drive rejected: error {s.cv_error:.3g} is not {DRIVE_GAIN:.0%} below the best library without "
                      f"one ({autonomous:.3g})")
        elif not np.isfinite(s.cv_error):
            reason = f"not a candidate: {s.n_rows} equations for {len(s.terms)} terms"
        elif s.cv_error > limit:
            reason = f"rejected by the data: cross-validated error {s.cv_error / max(best, 1e-300):.2f} x the best"
        else:
            reason = (f"fits as well ({s.cv_error:.3g}) but needs {s.kept} terms + {s.spec.fitted_parameters} fitted "
                      f"parameters (chosen: {chosen.kept} + {chosen.spec.fitted_parameters})")
        rows.append({"library": s.spec.describe(), "degree": s.spec.degree, "trig": bool(s.spec.angles),
                     "rational": s.spec.rational is not None, "drive": s.spec.frequency is not None,
                     "n_terms": s.kept, "cv_error": s.cv_error, "held_out_r2": s.held_r2,
                     "information": float(information), "chosen": s is chosen, "reason": reason})
    return chosen, pd.DataFrame(rows)


def _row_times(tk: np.ndarray, scheme: str, width: int | None) -> np.ndarray:
    """Time of each design row of one segment (weak form: the test function's centre)."""
    from physlens.methods.dynamics.weak_form import phi_weights

    if scheme == "weak":
        width = int(min(max(width, 7), len(tk)))
        return np.array([tk[s + width // 2] for s, _ in phi_weights(tk, width)[0]])
    return tk[3:-3] if scheme == "smoothed" else tk


class ColumnCache:
    """Library columns of the screened candidates, each computed once per block of states
    (most terms are shared between candidates)."""

    def __init__(self, variables: Sequence[str]) -> None:
        self.variables = list(variables)
        self.functions: dict[str, Callable] = {}
        self.columns: dict[tuple, np.ndarray] = {}

    def library(self, terms: Sequence[sympy.Expr]) -> Callable[[np.ndarray], np.ndarray]:
        from physlens.expr import real_values, to_function

        keys = [sympy.srepr(term) for term in terms]

        def evaluate(X: np.ndarray) -> np.ndarray:
            block = (X.shape, hash(X.tobytes()))
            out = []
            for key, term in zip(keys, terms):
                if (block, key) not in self.columns:
                    if key not in self.functions:
                        self.functions[key] = to_function(term, self.variables)
                    with np.errstate(all="ignore"):
                        self.columns[block, key] = real_values(self.functions[key](*X.T), len(X))
                out.append(self.columns[block, key])
            return np.column_stack(out)

        return evaluate


def select_library(*, states: Sequence[str], inputs: Sequence[str], time: str, train, held, scheme: str, noise,
                   admissible: Callable[[list], list], extra_terms: list, degree, trig) -> tuple[Screened, object]:
    """Screen the candidate libraries on ``train`` (segments whose columns are the states,
    the inputs, then the time) and choose one; returns (chosen, table). ``degree="auto"``
    screens degrees 1..5 and, besides, rational and driven libraries."""
    from dataclasses import replace

    from physlens.methods.dynamics.derivatives import derivative_design
    variables = [*states, *inputs]
    cache = ColumnCache([*variables, time])
    widths_train: dict = {}
    widths_held: dict = {}
    automatic = degree == "auto"

    def build(spec: LibrarySpec, with_held: bool = True):
        terms = admissible(spec_terms(spec, variables, time) + list(extra_terms))
        evaluate = cache.library(terms)
        design = derivative_design(train, scheme, evaluate, noise, widths_train)
        held_design = derivative_design(held, scheme, evaluate, noise, widths_held) if (held and with_held) else None
        return terms, design, held_design, evaluate

    def run(spec: LibrarySpec) -> Screened:
        terms, design, held_design, _ = build(spec)
        if len(design.features) < len(terms) + 2:  # fewer equations than terms: not a candidate
            return Screened(spec, terms, float("inf"), None, float("inf"), len(design.features), 0)
        return screen(spec, terms, design, held_design)

    def residual_of(spec: LibrarySpec) -> float:
        _, design, _, _ = build(spec, with_held=False)
        return _residual_lstsq(design.features, design.target)

    degrees = range(1, MAX_DEGREE + 1) if automatic else [int(degree)]
    n = len(states)
    angles = angle_like(states, [(t, x[:, :n]) for t, x in train]) if trig == "auto" else (tuple(states) if trig else ())
    if not automatic and trig != "auto":
        import pandas as pd

        spec = LibrarySpec(int(degree), angles)
        given = Screened(spec, admissible(spec_terms(spec, variables, time) + list(extra_terms)), float("nan"), None,
                         float("nan"), 0, 0)
        return given, pd.DataFrame([{"library": spec.describe(), "degree": spec.degree, "trig": bool(angles),
                                     "rational": False, "drive": False, "chosen": True,
                                     "reason": "given by the user (degree and trig fixed)"}])
    screened: list[Screened] = []
    stalled = 0
    for d in degrees:
        before = min((s.cv_error for s in screened), default=np.inf)
        screened += [run(LibrarySpec(d, a)) for a in dict.fromkeys([(), angles])]
        # two degrees in a row that do not lower the error: higher ones are not screened
        # (one is not enough: odd systems gain nothing from the even degree)
        stalled = stalled + 1 if min(s.cv_error for s in screened) > before * (1 - PARETO_TOLERANCE) else 0
        if stalled == 2:
            break
    if trig == "auto" and not angles:
        # no state looks like an angle: a periodic basis of every state competes once
        best = min(screened, key=lambda s: s.cv_error)
        screened.append(run(LibrarySpec(best.spec.degree, tuple(states))))
    polynomial, _ = choose(screened)
    if automatic and polynomial.spec.degree > max(RATIONAL_DEGREES):
        # a rational response expands into a long polynomial series: searched for only
        # when the polynomial libraries need a degree above the rational ones' own
        pooled = np.vstack([x for _, x in train])
        for i, state in enumerate(states):
            if float(np.min(pooled[:, i])) <= 0:
                continue  # a denominator K + s needs a positive state (population, concentration)
            offset = rational_offset(state, pooled, i, max(RATIONAL_DEGREES), lambda spec: run(spec).cv_error)
            screened += [run(LibrarySpec(d, rational=(state, offset))) for d in RATIONAL_DEGREES]
    if automatic:
        best = min(screened, key=lambda s: s.cv_error)
        _, _, _, evaluate = build(best.spec, with_held=False)
        times, residuals = [], []
        for k, (tk, xk) in enumerate(train):
            width = {0: widths_train[k], ("weights", 0): widths_train["weights", k]} if k in widths_train else {}
            design = derivative_design([(tk, xk)], scheme, evaluate, noise, width)
            coef, *_ = np.linalg.lstsq(design.features, design.target, rcond=None)
            times.append(_row_times(tk, scheme, width.get(0)))
            residuals.append(design.target - design.features @ coef)
        omega = drive_frequency(times, residuals, lambda w: residual_of(replace(best.spec, frequency=w)))
        if omega is not None:
            screened += [run(replace(s.spec, frequency=omega)) for s in list(screened) if s.cv_error <= 2 * best.cv_error]
    chosen, table = choose(screened)
    if chosen.spec.rational or chosen.spec.frequency:
        refined = _refine_parameters(chosen, build)
        table.loc[table["chosen"], "library"] = refined.describe()
        chosen = replace(chosen, spec=refined)
    return chosen, table


def _refine_parameters(chosen: Screened, build: Callable) -> LibrarySpec:
    """The chosen library's K and omega refined by least squares on its chosen supports
    (variable projection: the coefficients solved for at each value), one at a time; the
    screening located them on the error of whole libraries, which is coarser."""
    from dataclasses import replace

    def residual(spec: LibrarySpec) -> float:
        _, design, _, _ = build(spec, with_held=False)
        G, B = _normalised(design)
        total = 0.0
        for i, support in enumerate(chosen.supports):
            if support:
                coef, *_ = np.linalg.lstsq(G[:, list(support)], B[:, i], rcond=None)
                total += float(np.sum((B[:, i] - G[:, list(support)] @ coef) ** 2))
        return total

    spec = chosen.spec
    if spec.rational:
        state, offset = spec.rational
        offset = _refine(lambda K: residual(replace(spec, rational=(state, K))), offset * np.geomspace(0.7, 1.4, 7))
        spec = replace(spec, rational=(state, offset))
    if spec.frequency:
        omega = _refine(lambda w: residual(replace(spec, frequency=w)), spec.frequency * np.geomspace(0.99, 1.01, 5))
        spec = replace(spec, frequency=omega)
    return spec
