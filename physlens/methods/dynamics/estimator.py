"""SparseDynamics: governing equations d(state)/dt = f(state) from trajectories, by sparse
regression that survives noise (the parts live in the sibling modules)."""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Sequence

import numpy as np
import sympy

from physlens.errors import DataError, ParameterError, UnitError
from physlens.methods.base import (
    FLAG_RULE,
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    nonnegative_int,
    nonnegative_number,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods.dynamics.checks import fitted_verdicts, integrate, split_holdout
from physlens.methods.dynamics.derivatives import CLEAN_NOISE_RATIO, DERIVATIVES, StateNoise, derivative_design
from physlens.methods.dynamics.libraries import TermLibrary
from physlens.methods.dynamics.refit import output_error_refit
from physlens.methods.dynamics.resolution import error_floors
from physlens.methods.dynamics.selection import coefficient_spread, ensemble_inclusion, pareto_thresholds
from physlens.validate.verdict import all_blocking_passed


UNCERTAINTY_RESAMPLES = 50  # block-bootstrap refits behind each coefficient's uncertainty


@register("dynamics")
class SparseDynamics(Method):
    """Sparse identification of ODEs d(state)/dt = f(state) from trajectories.

    Implements SINDy (Brunton, Proctor & Kutz, PNAS 113, 3932, 2016) with the weak/integral
    form (Messenger & Bortz, J. Comput. Phys. 443, 110525, 2021) and ensembles (Fasel,
    Kutz, Brunton & Brunton, Proc. R. Soc. A 478, 20210904, 2022), on pysindy's feature
    libraries (``PolynomialLibrary``, ``FourierLibrary``) and optimizer (``STLSQ``).
    What it adds for physicists (measurable noise -> weak form, output-error refit,
    per-equation Pareto threshold, ensembles, units, verdicts) is told in
    :mod:`physlens.methods.dynamics`.

    Parameters
    ----------
    degree : "auto" or int, default "auto"
        Polynomial degree of the library (pysindy ``PolynomialLibrary``), 0 to 5; "auto"
        screens degrees 1 to 5, a rational response s/(K + s) of each positive state and,
        when the residual has a spectral peak, a drive cos(omega t), sin(omega t) with
        omega fitted, and keeps the least complex library the data do not reject
        (:mod:`.library_choice`; the table is ``library_choice_``).
    trig : "auto" or bool, default "auto"
        Add sin and cos of states: True for every state, "auto" for the angle-like ones
        (named like an angle, or wrapping), screened against the library without them.
    terms : sequence of str, default ()
        Extra library terms as expression text in the state names,
        e.g. ``("x/(x**2 + y**2)**1.5",)``.
    derivative : {"auto", "weak", "smoothed", "finite_difference"}, default "auto"
        Derivative scheme; "auto" picks "smoothed" when the measured noise is below
        0.2 % of each state's RMS, else "weak".
    threshold : "auto" or float in [0, 1), default "auto"
        "auto" (Pareto front per equation) or the smallest fraction of the derivative's
        RMS a term may contribute.
    n_models : int, default 40
        Ensemble size (bootstrap over rows and library terms), 2 to 10000.
    inclusion_threshold : float in (0, 1], default 0.6
        Terms chosen in fewer than this fraction of the ensemble models that had them
        available are dropped.
    library_drop : float in [0, 0.5), default 0.1
        Fraction of library terms left out of each ensemble model.
    holdout : float in [0, 0.5], default 0.2
        Fraction of each trajectory's time window held out at its end (checked by
        integrating beyond the training window); with >= 3 trajectories the last one is
        also held out (checked from its initial condition).
    invariants : mapping of str to str, optional
        {name: expression text} of quantities that should be conserved.
    refine : bool, default True
        With noisy data (weak form), re-estimate the kept terms' coefficients by output
        error: least squares between the raw samples and the model integrated over short
        windows (multiple shooting), each window with its own fitted initial state; the
        same likelihood may add a term (score test) or drop one (Wald test).
    random_state : None, int or numpy RandomState/Generator, default None
        Seed of the ensemble's bootstrap (scikit-learn's semantics).

    Attributes
    ----------
    state_names_ : list of str
        The state variables, in column order.
    input_names_ : list of str
        Known input columns u(t) (``fit(..., inputs=)``): library variables, never fitted.
    library_choice_ : pandas.DataFrame
        One row per candidate library: library, degree, trig, rational, drive, n_terms,
        cv_error, held_out_r2, information (n log(RSS/RSS_chosen) + (k - k_chosen) log n),
        chosen, reason.
    drive_frequency_ : float or None
        The fitted omega of the drive terms cos(omega t), sin(omega t), if chosen.
    time_name_ : str
        The time column.
    units_given_ : bool
        Whether any state carried a unit.
    library_ : list of sympy.Expr
        The dimensionally admissible library terms, in coefficient column order.
    excluded_terms_ : list of str
        Library terms refused as dimensionally inadmissible.
    noise_ : dict of str to float
        Measured noise of each state as a fraction of its RMS.
    derivative_ : str
        The derivative scheme used ("weak", "smoothed" or "finite_difference").
    smoothing_windows_ : dict of str to int
        Savitzky-Golay window (samples) of each state.
    thresholds_ : dict of str to float
        The STLSQ threshold of each equation.
    pareto_ : list of pandas.DataFrame or None
        Per equation, the Pareto front (terms, cross-validated error, threshold, chosen);
        None with a fixed ``threshold``.
    inclusion_probabilities_ : ndarray of shape (n_states, n_terms)
        Fraction of the ensemble models that chose each term, among those offered it.
    coef_ : ndarray of shape (n_states, n_terms)
        Coefficients of ``library_`` in each equation (0: term not kept).
    coef_std_ : ndarray of shape (n_states, n_terms)
        Standard deviation of each kept coefficient over block-bootstrap resamples of the
        rows, refitted on the final support (0 for terms not kept); it sets the printed digits.
    refined_ : bool
        Whether the coefficients come from the output-error refit.
    equations_ : dict of str to sympy.Expr
        The right-hand side of each state's equation.
    verdicts_ : list of Verdict
        The checks listed above; with chaotic data (``chaos`` verdict) the integrations
        are judged over a Lyapunov time and the attractor statistics are added.
    """

    taxonomy: ClassVar[Taxonomy] = Taxonomy("intrinsic", "functional", "global", "discovering", "high")
    consumes: ClassVar[str] = "trajectories"
    interpretation_kind: ClassVar[str] = "dynamics"
    parameter_rules: ClassVar[dict] = {
        "degree": (lambda v: v == "auto" or (nonnegative_int(v) and v <= 5), "'auto' or an integer from 0 to 5"),
        "trig": (lambda v: v == "auto" or FLAG_RULE[0](v), "'auto', True or False"),
        "terms": (lambda v: not isinstance(v, str) and all(isinstance(t, str) for t in v),
                  "a list of expression texts such as ['x/(x**2 + y**2)**1.5']"),
        "derivative": (lambda v: v in DERIVATIVES, f"one of {', '.join(DERIVATIVES)}"),
        "threshold": (lambda v: v == "auto" or (nonnegative_number(v) and v < 1), "'auto' or a number in [0, 1)"),
        "n_models": (lambda v: positive_int(v) and 2 <= v <= 10_000, "an integer from 2 to 10000"),
        "inclusion_threshold": (lambda v: positive_number(v) and v <= 1, "a probability in (0, 1]"),
        "library_drop": (lambda v: nonnegative_number(v) and v < 0.5, "a fraction in [0, 0.5)"),
        "holdout": (lambda v: nonnegative_number(v) and v <= 0.5, "a fraction in [0, 0.5]"),
        "invariants": (lambda v: v is None or (isinstance(v, Mapping) and all(isinstance(e, str) for e in v.values())),
                       "None or a mapping name -> expression text"),
        "refine": FLAG_RULE,
        "random_state": SEED_RULE,
    }

    def __init__(
        self,
        *,
        degree: int | str = "auto",
        trig: bool | str = "auto",
        terms: Sequence[str] = (),
        derivative: str = "auto",
        threshold: float | str = "auto",
        n_models: int = 40,
        inclusion_threshold: float = 0.6,
        library_drop: float = 0.1,
        holdout: float = 0.2,
        invariants: Mapping[str, str] | None = None,
        refine: bool = True,
        random_state: Any = None,
    ) -> None:
        self.degree = degree
        self.trig = trig
        self.terms = terms
        self.derivative = derivative
        self.threshold = threshold
        self.n_models = n_models
        self.inclusion_threshold = inclusion_threshold
        self.library_drop = library_drop
        self.holdout = holdout
        self.invariants = invariants
        self.refine = refine
        self.random_state = random_state

    # -- fitting --------------------------------------------------------------------
    def fit_dataset(self, dataset, *, inputs: Sequence[str] = ()) -> "SparseDynamics":
        """Fit from a Dataset of kind 'trajectories' (time, state and trajectory roles);
        ``inputs`` names state-role columns that are known inputs u(t), not states."""
        from physlens.data.trajectories import split_trajectories

        if isinstance(inputs, str):
            inputs = (inputs,)
        view = split_trajectories(dataset)
        return self._fit_view(view, tuple(inputs))

    def fit(self, X: np.ndarray, t: np.ndarray, *, trajectory: np.ndarray | None = None,
            state_names: Sequence[str] | None = None, X_units: Sequence[str] | None = None,
            t_unit: str = "", inputs: np.ndarray | None = None, input_names: Sequence[str] | None = None,
            input_units: Sequence[str] | None = None) -> "SparseDynamics":
        """Fit from arrays: X (n_samples, n_states), t (n_samples,), optional trajectory ids
        and known inputs u(t) (n_samples, n_inputs)."""
        from physlens.data.trajectories import trajectory_dataset

        names_u: list[str] = []
        if inputs is not None:
            from physlens.methods.dynamics.forcing import append_inputs

            X, state_names, X_units, names_u = append_inputs(X, t, state_names, X_units, inputs, input_names, input_units)
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2:
            raise DataError(f"X has shape {X.shape}; expected (n_samples, n_states)")
        names = list(state_names) if state_names is not None else [f"x{i}" for i in range(X.shape[1])]
        if len(names) != X.shape[1]:
            raise ParameterError(f"state_names has {len(names)} names for {X.shape[1]} state columns")
        columns = {"t": np.asarray(t, dtype=float), **{n: X[:, i] for i, n in enumerate(names)}}
        units = {"t": t_unit}
        if X_units is not None:
            if len(X_units) != len(names):
                raise UnitError(f"X_units has {len(X_units)} units for {len(names)} state columns; mismatched units")
            units.update(dict(zip(names, X_units)))
        if trajectory is not None:
            columns["trajectory"] = np.asarray(trajectory)
        if "t" in names:
            raise ParameterError("state_names may not contain 't' (the time column)")
        dataset = trajectory_dataset(columns, time="t", states=names, trajectory="trajectory" if trajectory is not None else None,
                                     units=units, source="fit(X, t)")
        return self.fit_dataset(dataset, inputs=names_u)

    def _fit_view(self, view, inputs: tuple = ()) -> "SparseDynamics":
        from threadpoolctl import threadpool_limits

        self._validate_parameters()
        # small dense problems: threaded BLAS only oversubscribes shared cores here
        with threadpool_limits(limits=1):
            return self._fit_view_inner(view, inputs)

    def _fit_view_inner(self, view, inputs: tuple) -> "SparseDynamics":
        from physlens.methods.dynamics.forcing import split_inputs, variable_dimensions
        from physlens.methods.dynamics.libraries import user_terms
        from physlens.methods.dynamics.library_choice import admissible_filter, select_library
        from physlens.units import DIMENSIONLESS

        rng = rng_from(self.random_state)
        view, known = split_inputs(view, inputs)
        states = list(view.states)
        self.state_names_ = states
        self.time_name_ = view.time
        self.input_names_ = list(known.names)
        self._input_series = list(zip(view.times, known.values))
        n_states, n_inputs = len(states), len(known.names)
        self._dims, self._time_dim, self.units_given_ = variable_dimensions(view, known)
        # inside a drive cos(omega t), omega carries 1/time
        self._admissibility_dims = {**self._dims, view.time: DIMENSIONLESS}
        # columns: the states, then the known inputs, then the time (for a drive)
        columns = [np.column_stack([x, u, t]) for t, x, u in zip(view.times, view.values, known.values)]
        train, tails, held_trajectory = split_holdout(list(view.times), columns, self.holdout)

        # noise, smoothing and derivative scheme (measured on the states)
        noise = StateNoise.measure([(t, x[:, :n_states]) for t, x in train])
        state_rms = np.sqrt(np.mean(np.vstack([x[:, :n_states] for _, x in train]) ** 2, axis=0))
        state_rms = np.where(state_rms > 0, state_rms, 1.0)
        self.noise_ = dict(zip(states, (noise.sigma / state_rms).tolist()))
        scheme = self.derivative
        if scheme == "auto":
            scheme = "smoothed" if float(np.max(noise.sigma / state_rms)) < CLEAN_NOISE_RATIO else "weak"
        self.derivative_ = scheme
        self.smoothing_windows_ = dict(zip(states, noise.windows))

        held_segments = list(tails) + ([held_trajectory] if held_trajectory is not None else [])
        chosen, self.library_choice_ = select_library(
            states=states, inputs=known.names, time=view.time, train=train, held=held_segments, scheme=scheme,
            noise=noise.with_exogenous(n_inputs + 1), admissible=admissible_filter(self._admissibility_dims),
            extra_terms=user_terms(self.terms, [*states, *known.names]), degree=self.degree, trig=self.trig)
        self.drive_frequency_ = chosen.spec.frequency
        # the time column stays only when the chosen library has a drive
        n_columns = n_states + n_inputs + int(chosen.spec.frequency is not None)
        train, tails = [(t, x[:, :n_columns]) for t, x in train], [(t, x[:, :n_columns]) for t, x in tails]
        held_trajectory = held_trajectory and (held_trajectory[0], held_trajectory[1][:, :n_columns])
        self._exogenous = n_columns - n_states
        noise = noise.with_exogenous(self._exogenous)
        self._state_noise = noise
        self._offer_library(chosen, [*states, *known.names] + ([view.time] if chosen.spec.frequency else []))
        pooled = np.vstack([x for _, x in train])
        rms = np.sqrt(np.mean(pooled**2, axis=0))
        rms = np.where(rms > 0, rms, 1.0)

        design = derivative_design(train, scheme, self._library.evaluate, noise)
        if design.features.shape[0] < len(self.library_) + 2:
            raise DataError(
                f"only {design.features.shape[0]} equations for {len(self.library_)} library terms; "
                "give longer trajectories or a smaller library (lower degree)"
            )
        feature_scale = np.sqrt(np.mean(design.features**2, axis=0))
        feature_scale = np.where(feature_scale > 0, feature_scale, 1.0)
        target_scale = np.sqrt(np.mean(design.target**2, axis=0))
        target_scale = np.where(target_scale > 0, target_scale, 1.0)
        G = design.features / feature_scale
        B = design.target / target_scale

        # threshold per equation: Pareto front of CV error vs number of terms
        # supports closer than the derivative's own error are not told apart (clean data)
        floors = error_floors(train, scheme, noise)
        if self.threshold == "auto":
            thresholds, fronts, candidates = pareto_thresholds(G, B, design.groups, self.library_, floors)
        else:
            thresholds, fronts, candidates = [float(self.threshold)] * len(states), [None] * len(states), None
        self.thresholds_ = dict(zip(states, thresholds))
        inclusion = ensemble_inclusion(G, B, thresholds, candidates, self.n_models, self.library_drop, rng,
                                       floors)
        self.inclusion_probabilities_ = inclusion

        # final coefficients: least squares on the surviving terms
        coef = np.zeros((len(states), G.shape[1]))
        for i in range(len(states)):
            support = inclusion[i] >= self.inclusion_threshold
            if support.any():
                solution, *_ = np.linalg.lstsq(G[:, support], B[:, i], rcond=None)
                coef[i, support] = solution
        self.coef_ = coef * target_scale[:, None] / feature_scale[None, :]
        self.refined_ = False
        if self.refine and scheme == "weak" and np.any(self.coef_) and not self._exogenous:
            # the weak form selected the terms; their coefficients are re-estimated by
            # maximum likelihood on the raw samples (output error, multiple shooting),
            # which also tests the support
            refined = output_error_refit(train, self._library.batched(), self.coef_, noise.sigma, noise.smooth)
            if refined is not None:
                self.coef_, self.refined_ = refined, True
        self.equations_ = {s: self._library.expression(self.coef_[i]) for i, s in enumerate(states)}
        self.pareto_ = fronts

        self._rms = rms
        self.verdicts_ = fitted_verdicts(self, train, tails, held_trajectory)
        if np.any(self.coef_):
            from physlens.methods.dynamics.extrapolation import extrapolation_verdict

            self.verdicts_.append(extrapolation_verdict(train, noise, self._library.evaluate, self.coef_ != 0))
        # what the data leave uncertain in each kept coefficient (its printed digits)
        spread = coefficient_spread(G, B, self.coef_ != 0, UNCERTAINTY_RESAMPLES, rng)
        self.coef_std_ = spread * target_scale[:, None] / feature_scale[None, :]
        return self

    def _offer_library(self, chosen, variables: list[str]) -> None:
        """The chosen library's terms, less those inadmissible in the units."""
        from physlens.methods.dynamics.library_choice import offered_terms

        self.library_, self._term_dims, self.excluded_terms_ = offered_terms(
            chosen.spec, [*self.state_names_, *self.input_names_], self.time_name_, self.terms, self._admissibility_dims)
        self._library = TermLibrary(tuple(variables), chosen.spec.degree, False, tuple(self.library_))

    # -- prediction and checks ------------------------------------------------------
    def predict(self, X: np.ndarray) -> np.ndarray:
        """d(state)/dt of the discovered system at states X (n_samples, n_states; for a
        driven model the inputs, then the time, follow the states)."""
        self._check_is_fitted("coef_")
        X = np.atleast_2d(np.asarray(X, dtype=float))
        return self._library.evaluate(X) @ self.coef_.T

    def simulate(self, initial: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Integrate the discovered system from ``initial`` at ``times``; rows after a
        blow-up (beyond 1e3 x the data's scale) are NaN."""
        self._check_is_fitted("coef_")
        limit = 1e3 * float(np.max(self._rms)) + 1e3 * float(np.max(np.abs(initial)))
        if self._exogenous:
            from physlens.methods.dynamics.forcing import integrate_driven

            # ``initial`` carries the inputs and time too; they are read, not integrated
            return integrate_driven(self._library.batched(), self.coef_, np.asarray(initial, float), times,
                                    self._input_series, self.drive_frequency_ is not None, limit)
        return integrate([self.equations_[s] for s in self.state_names_], self.state_names_, initial, times, limit)

    # -- interpretation -------------------------------------------------------------
    def coefficient_units(self) -> dict[str, dict[str, str]]:
        """{state: {term: unit of its coefficient}} (SI base units), when units were given."""
        self._check_is_fitted("coef_")
        out: dict[str, dict[str, str]] = {}
        for i, s in enumerate(self.state_names_):
            target = self._dims[s] / self._time_dim
            out[s] = {sympy.sstr(t): str(target / d) for t, d, c in zip(self.library_, self._term_dims, self.coef_[i]) if c != 0}
        return out

    def inclusion(self) -> dict[str, float]:
        """{"state: term": inclusion probability} for every term chosen by any model."""
        self._check_is_fitted("coef_")
        out = {}
        for i, s in enumerate(self.state_names_):
            for j, t in enumerate(self.library_):
                p = float(self.inclusion_probabilities_[i, j])
                if p > 0:
                    out[f"{s}: {sympy.sstr(t)}"] = round(p, 4)
        return out
    def interpret(self) -> Interpretation:
        import pandas as pd

        self._check_is_fitted("coef_")
        n_kept = int(np.count_nonzero(self.coef_))
        failing = [v for v in self.verdicts_ if v.passed is False]
        found = n_kept > 0 and all_blocking_passed(self.verdicts_)
        reasons = [f"{v.name}: {v.reason}" for v in failing]
        if n_kept == 0:
            reasons.insert(0, "no library term explains the derivatives better than the noise (or survives the ensemble)")
        expressions = {s: e for s, e in self.equations_.items()}
        library = self.library_choice_.loc[self.library_choice_["chosen"], "library"].iloc[0]
        summary = (f"{n_kept} terms in {len(self.state_names_)} equations; library {library}; derivative scheme {self.derivative_}"
                   + ("; coefficients by output error (multiple shooting)" if self.refined_ else "") + "; "
                   "noise estimate " + ", ".join(f"{s} {v:.1%}" for s, v in self.noise_.items()))
        rows = []
        for i, s in enumerate(self.state_names_):
            for j, t in enumerate(self.library_):
                p = float(self.inclusion_probabilities_[i, j])
                if p > 0 or self.coef_[i, j] != 0:
                    rows.append({"state": s, "term": sympy.sstr(t), "coefficient": float(self.coef_[i, j]),
                                 "inclusion": p, "kept": bool(self.coef_[i, j] != 0)})
        values = {"thresholds": self.thresholds_, "noise": self.noise_, "derivative": self.derivative_,
                  "smoothing_windows": self.smoothing_windows_, "inclusion": self.inclusion(),
                  "excluded_terms": list(self.excluded_terms_), "n_terms": n_kept,
                  "coefficients_from": "output error" if self.refined_ else self.derivative_,
                  "library_choice": self.library_choice_.to_dict(orient="records"), "inputs": list(self.input_names_),
                  "drive_frequency": self.drive_frequency_,
                  # the best candidate is always shown; trusted only when found
                  "candidate": {s: sympy.sstr(e) for s, e in self.equations_.items()} if n_kept else {},
                  "trusted": bool(found),
                  "failing_verdicts": [v.to_dict() for v in failing],
                  "uncertainty": {s: {sympy.sstr(t): float(self.coef_std_[i, j]) for j, t in enumerate(self.library_)
                                      if self.coef_[i, j] != 0} for i, s in enumerate(self.state_names_)}}
        if self.units_given_:
            values["coefficient_units"] = self.coefficient_units()
        return Interpretation(
            kind="dynamics", method=self.method_name, taxonomy=self.taxonomy, found=found, summary=summary,
            expressions=expressions if n_kept else {}, values=values,
            arrays={"inclusion_probabilities": self.inclusion_probabilities_, "coefficients": self.coef_},
            table=pd.DataFrame(rows, columns=["state", "term", "coefficient", "inclusion", "kept"]),
            verdicts=list(self.verdicts_), reasons=reasons,
        )

