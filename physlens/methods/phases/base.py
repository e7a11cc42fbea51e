"""What the three phase methods share: fitting a scan of one or more lattice sizes,
locating T_c by finite-size scaling with a bootstrap error bar, and the interpretation.

A subclass implements ``_learn(encoded, temperatures, seed)``: the learned order parameter
per configuration and its Binder-cumulant curve, per lattice size.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import SEED_RULE, Interpretation, Method, Taxonomy, nonnegative_int, rng_from, seed_from
from physlens.methods.phases.closed_form import closed_form
from physlens.methods.phases.encoding import ANGLE, check_configurations, encode
from physlens.methods.phases.order import transition_order
from physlens.methods.phases.critical import collapse_estimate, fluctuation_curve, fluctuation_peak, helicity_crossing, peak_bracket, shift_of_either_sign
from physlens.methods.phases.finite_size import binder_cumulant, midpoint_temperature, scaling_collapse
from physlens.validate.phases import magnetization, order_parameter_correlation
from physlens.validate.verdict import Verdict, all_blocking_passed

# The Parameters and Attributes every phase method documents, formatted into each
# estimator's docstring (numpydoc wants them in full on each class).
SHARED_PARAMETERS_DOC = """bootstrap : int, default 20
        Bootstrap replicas (configurations resampled within each temperature) for the
        error bar of T_c; 0 gives no error bar.
    random_state : int, numpy Generator/RandomState or None, default None
        Seeds every random choice of the fit; an int gives the same result every time."""

SHARED_ATTRIBUTES_DOC = """states_ : tuple of int
        The spin values, sorted.
    sizes_ : list of int
        The lattice sizes L, ascending.
    n_components_ : int
        Dimension of the order parameter: q - 1 for q <= 3 states, else 2 (for PCA, the
        components kept).
    order_parameter_ : dict[int, ndarray]
        The learned order parameter of each configuration, per size.
    temperature_ : dict[int, ndarray]
        The temperature of each configuration, per size.
    magnetization_ : dict[int, ndarray]
        |m| of each configuration, per size (what the order parameter is checked against).
    correlation_ : dict[int, float]
        |Pearson correlation| of the learned order parameter with |m|, per size.
    curves_ : dict[int, tuple of ndarray]
        (temperatures, Binder cumulant, its bootstrap error) per size, read for T_c.
    critical_temperature_ : float
        T_c from the scaling collapse (several sizes) or the fluctuation peak (one size,
        or when the collapse fails); NaN when the data cannot fix it.
    critical_temperature_std_ : float or None
        Bootstrap standard deviation of T_c (None with fewer than 2 finite replicas).
    critical_interval_ : tuple of float
        The 95% interval of T_c (statistical error and, for one size, the finite-size shift).
    estimate_ : CriticalEstimate
        Which estimator gave T_c and why, its interval, or why no T_c was found.
    n_sites_ : dict[int, int]
        Sites per configuration, per size.
    nu_ : float
        Correlation-length exponent of the collapse (NaN when none was used).
    collapse_residual_ : float
        chi^2 per degree of freedom of the collapse (NaN for one size).
    collapse_sizes_ : list of int
        The sizes the collapse kept (the smallest are dropped while it fails).
    pseudo_critical_temperatures_ : dict[int, float]
        The fluctuation peak of each size's learned order parameter.
    transition_order_ : TransitionOrder
        "first order" or "continuous" from the energy histogram of the largest size.
    closed_form_ : ClosedForm
        The learned order parameter as a formula of spin observables (largest size)."""


# A collapse holds when the sizes fall on one curve within 3 chi^2 per degree of freedom.
MAX_COLLAPSE_RESIDUAL = 3.0


class _PhaseMethod(Method):
    """Shared fit/interpret logic: subclasses implement ``_learn`` (the order parameter
    and its Binder curve, per size)."""

    consumes = "configurations"
    interpretation_kind = "order_parameter"
    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="high")
    description = "order parameter"
    parameter_rules = {
        "bootstrap": (nonnegative_int, "an integer >= 0"),
        "random_state": SEED_RULE,
    }

    def fit_dataset(self, dataset) -> "_PhaseMethod":
        """Fit from one Dataset of kind "configurations" or a list of them (one per size)."""
        datasets = [dataset] if not isinstance(dataset, (list, tuple)) else list(dataset)
        if not datasets:
            raise DataError("no datasets given; pass one dataset per lattice size")
        for ds in datasets:
            if getattr(ds, "kind", None) != "configurations":
                raise DataError(f"{type(self).__name__} needs datasets of kind 'configurations', got {getattr(ds, 'kind', type(ds).__name__)!r}")
        # The simulator declares the spin values (the domain of the data, not an answer).
        truth = datasets[0].truth
        states = truth.parameters["states"] if truth is not None and "states" in truth.parameters else None
        if states is None and np.asarray(datasets[0]["configs"]).dtype.kind == "f":
            states = ANGLE  # real-valued spins are planar angles (the XY model)
        return self.fit([d["configs"] for d in datasets], [d["temperature"] for d in datasets], states=states)

    def fit(self, configs, temperature, *, states: Sequence[int] | str | None = None) -> "_PhaseMethod":
        """``configs``: (n, L, L) or (n, L, L, L) array or a list of them (one per lattice
        size); ``temperature``: matching (n,) array(s); ``states``: the allowed spin values,
        or "angle" for planar (XY) spins given as angles."""
        self._validate_parameters()
        if isinstance(configs, np.ndarray) and configs.ndim == 3:
            configs, temperature = [configs], [temperature]
        configs, temperature = list(configs), list(temperature)
        if len(configs) != len(temperature):
            raise DataError(f"{len(configs)} configuration arrays but {len(temperature)} temperature arrays")
        if not configs:
            raise DataError("no configurations given")
        checked = []
        for k, (c, t) in enumerate(zip(configs, temperature)):
            checked.append(check_configurations(c, t, states, where=f"configs[{k}]" if len(configs) > 1 else "configs"))
        state_sets = {c[2] for c in checked}
        if len(state_sets) > 1:
            raise DataError(f"lattice sizes disagree on the spin states: {sorted(state_sets)}; pass states= explicitly")
        self.states_ = checked[0][2]
        dimensions = {c[0].ndim - 1 for c in checked}
        if len(dimensions) > 1:
            raise DataError(f"lattice sizes disagree on the dimension: {sorted(dimensions)}; give one lattice dimension per fit")
        sizes = [c[0].shape[1] for c in checked]
        if len(set(sizes)) != len(sizes):
            raise DataError(f"lattice sizes repeat: {sizes}; give one array per size")
        order = np.argsort(sizes)
        checked = [checked[i] for i in order]
        self.sizes_ = [int(sizes[i]) for i in order]
        self.n_components_ = len(self.states_) - 1 if 2 <= len(self.states_) <= 3 else 2
        encoded = [encode(c, self.states_) for c, _, _ in checked]
        temps = [t for _, t, _ in checked]
        # One seed for the whole fit: every stream below is derived from it.
        seed = seed_from(self.random_state)
        order_parameters, curves_for_scaling = self._learn(encoded, temps, seed)
        self.order_parameter_ = dict(zip(self.sizes_, order_parameters))
        self.temperature_ = dict(zip(self.sizes_, temps))
        self.n_sites_ = {L: int(np.prod(c.shape[1:])) for L, (c, _, _) in zip(self.sizes_, checked)}
        if not self.states_:  # planar spins: the helicity modulus needs the angles themselves
            self.configurations_ = {self.sizes_[-1]: checked[-1][0]}
        self.magnetization_ = {L: magnetization(c, self.states_) for L, (c, _, _) in zip(self.sizes_, checked)}
        self.correlation_ = {
            L: order_parameter_correlation(self._correlated_quantity(L), self.magnetization_[L]).score for L in self.sizes_
        }
        self.curves_ = curves_for_scaling
        # Coexistence and the closed form are read on the largest lattice (the sharpest).
        largest_configs = checked[-1][0]
        self.transition_order_ = transition_order(largest_configs, temps[-1], seed, planar=not self.states_)
        self._estimate_critical_temperature(seed)
        self.closed_form_ = closed_form(largest_configs, self.states_, order_parameters[-1], seed)
        return self

    def _learn(self, encoded: list[np.ndarray], temps: list[np.ndarray], seed: int) -> tuple[list[np.ndarray], dict]:
        raise NotImplementedError

    def _correlated_quantity(self, size: int) -> np.ndarray:
        return self.order_parameter_[size]

    def _scaling_curve(self, temperature: np.ndarray, values: np.ndarray, rng: np.random.Generator):
        return binder_cumulant(temperature, values, self.n_components_, rng)

    def _extra_values(self) -> dict[str, Any]:
        """Method-specific entries for the interpretation's values."""
        return {}

    def _estimate_from(self, curves: dict[int, tuple[np.ndarray, np.ndarray]], start: tuple[float, float] | None = None) -> tuple[float, float, float]:
        """(T_c, nu, chi^2/dof) of the Binder scaling collapse (several sizes; the Binder
        midpoint and NaNs for one size, as the classifier's relabelling reads it)."""
        sizes = sorted(curves)
        if len(sizes) == 1:
            grid, curve, _ = curves[sizes[0]]
            return midpoint_temperature(grid, curve), float("nan"), float("nan")
        return scaling_collapse(curves, start=start)

    def _estimate_critical_temperature(self, seed: int) -> None:
        rng = rng_from(seed)
        # Each size's own pseudo-critical temperature: its learned quantity's fluctuation peak.
        self.pseudo_critical_temperatures_ = {
            L: peak_bracket(*fluctuation_curve(self.temperature_[L], self.order_parameter_[L], self.n_sites_[L]))[1] for L in self.sizes_
        }
        self.nu_ = self.collapse_residual_ = float("nan")
        self.collapse_sizes_ = []
        # A first-order transition has no scaling collapse of the Binder cumulant (it dips negative).
        first_order = self.transition_order_.order == "first order"
        estimate = self._collapse(rng) if len(self.sizes_) > 1 and self.states_ and not first_order else None
        if estimate is None and not self.states_:
            L = self.sizes_[-1]
            estimate = helicity_crossing(self.configurations_[L], self.temperature_[L], L, rng, self.bootstrap)
        if estimate is None:
            L = self.sizes_[-1]
            estimate = fluctuation_peak(self.temperature_[L], self.order_parameter_[L], self.n_sites_[L], rng, self.bootstrap)
            if len(self.sizes_) > 1:
                failure = "the transition is first order" if first_order else f"it failed: {self._collapse_failure()}"
                estimate = replace(estimate, estimator="fluctuation peak (largest size)", why=(
                    f"no finite-size scaling collapse of sizes {self.sizes_} ({failure}), so T_c comes from "
                    f"the largest size, L = {L}: " + estimate.why.removeprefix("one lattice size: no finite-size extrapolation is possible, so ")))
            if first_order or len(self.sizes_) > 1:
                estimate = shift_of_either_sign(estimate, first_order=first_order)
        self.estimate_ = estimate
        self.critical_temperature_ = estimate.temperature if estimate.found else float("nan")
        self.critical_temperature_std_ = estimate.std
        self.critical_interval_ = (estimate.low, estimate.high)

    def _collapse_failure(self) -> str:
        if not self.collapse_sizes_:
            return "not attempted: the transition is first order"
        if not np.isfinite(self.collapse_residual_):
            return "no critical temperature inside the scan"
        return f"chi^2/dof {self.collapse_residual_:.3g} > {MAX_COLLAPSE_RESIDUAL:g} even for sizes {self.collapse_sizes_}"

    def _collapse(self, rng: np.random.Generator):
        """The Binder scaling collapse; while it fails (chi^2/dof > 3) the smallest size is
        dropped (corrections to scaling are largest there) down to two sizes. None if no
        collapse holds."""
        sizes = list(self.sizes_)
        while True:
            tc, nu, chi2 = self._estimate_from({L: self.curves_[L] for L in sizes})
            collapsed = bool(np.isfinite(tc) and chi2 <= MAX_COLLAPSE_RESIDUAL)
            if collapsed or len(sizes) == 2:
                break
            sizes = sizes[1:]
        self.collapse_sizes_, self.nu_, self.collapse_residual_ = sizes, nu, chi2
        if not collapsed:
            return None
        # Bootstrap over configurations (within each temperature) for an error bar.
        replicas = []
        for _ in range(self.bootstrap):
            curves = {}
            for L in sizes:
                t, o = self.temperature_[L], self.order_parameter_[L]
                rows = np.concatenate([rng.choice(np.flatnonzero(t == v), size=int(np.sum(t == v))) for v in np.unique(t)])
                curves[L] = self._scaling_curve(t[rows], o[rows], rng)
            replicas.append(self._estimate_from(curves, start=(tc, nu))[0])
        estimate = collapse_estimate(tc, nu, chi2, replicas, sizes)
        if sizes != self.sizes_:
            dropped = [L for L in self.sizes_ if L not in sizes]
            estimate = replace(estimate, why=estimate.why + f"; sizes {dropped} were dropped, their collapse with the larger ones "
                               f"failed (chi^2/dof > {MAX_COLLAPSE_RESIDUAL:g}: corrections to scaling)")
        return estimate

    def _scaling_verdicts(self) -> list[Verdict]:
        estimate = self.estimate_
        verdicts = []
        if estimate.estimator.startswith("helicity"):
            verdicts.append(Verdict("critical temperature located", estimate.found, None, f"{estimate.estimator}: " + (estimate.problem or (
                f"T_BKT = {estimate.temperature:.4f} in [{estimate.low:.4f}, {estimate.high:.4f}] (95%): Y_L crosses 2T/pi at "
                f"{estimate.details['crossing_2T_over_pi']:.4f} and (2T/pi)(1 + 1/(2 ln L)) at {estimate.details['crossing_finite_size_corrected']:.4f}"))))
            verdicts.append(Verdict("finite-size scaling", None, None, "planar spins: the finite-size form of the helicity jump is in the "
                                    "interval; no Binder collapse (no local order parameter)", blocking=False))
            return verdicts
        if estimate.estimator.startswith("fluctuation peak"):
            verdicts.append(Verdict("critical temperature located", estimate.found, None,
                                    f"{estimate.estimator}: " + (estimate.problem or (
                                        f"T_c = {estimate.temperature:.4f} in [{estimate.low:.4f}, {estimate.high:.4f}] (95%), the peak "
                                        f"at {estimate.details['peak_temperature']:.4f} and its low half-maximum at "
                                        f"{estimate.details['half_maximum_temperature']:.4f}"))))
        if len(self.sizes_) == 1:
            verdicts.append(Verdict("finite-size scaling", None, None,
                                    f"one lattice size (L={self.sizes_[0]}): no extrapolation to L -> infinity; the O(L^-1/nu) shift "
                                    "is bounded by the half-width of the fluctuation peak and included in the interval", blocking=False))
            return verdicts
        pseudo = ", ".join(f"L={L}: {t:.4f}" for L, t in self.pseudo_critical_temperatures_.items())
        if not self.collapse_sizes_ or estimate.estimator.startswith("fluctuation peak"):
            verdicts.append(Verdict("finite-size scaling", False, self.collapse_residual_ if np.isfinite(self.collapse_residual_) else None,
                                    f"collapse failed ({self._collapse_failure()}); not used for T_c (fluctuation peaks {pseudo})",
                                    blocking=False))
            return verdicts
        verdicts.append(Verdict(
            "finite-size scaling", True, self.collapse_residual_,
            f"collapse of sizes {self.collapse_sizes_} gives T_c = {estimate.temperature:.4f}, nu = {self.nu_:.3f}, chi^2/dof "
            f"{self.collapse_residual_:.3g} (<= {MAX_COLLAPSE_RESIDUAL:g}; fluctuation peaks {pseudo})"))
        return verdicts

    def interpret(self) -> Interpretation:
        """The order parameter and T_c with their checks (correlation with |m|, the
        location of T_c; the order of the transition and the closed form are
        informative); scoring T_c against a known value is
        :func:`physlens.validate.phases.critical_temperature_verdict`. found is true only
        when every blocking check passed."""
        self._check_is_fitted("critical_temperature_")
        worst = min(self.sizes_, key=lambda L: self.correlation_[L])
        estimate, order, form = self.estimate_, self.transition_order_, self.closed_form_
        finite = estimate.found
        verdicts = [
            order_parameter_correlation(self._correlated_quantity(worst), self.magnetization_[worst]),
            *self._scaling_verdicts(),
            Verdict("transition order", None, order.bimodality, f"{order.order}: {order.reason}", blocking=False),
            Verdict("closed form", form.matches_known, form.r2,
                    f"{form.text()} (held-out R2 {form.r2:.4f}); "
                    + (f"the known order parameter {form.known} = {form.legend[form.known]}" if form.matches_known
                       else f"not the known order parameter {form.known} = {form.legend[form.known]} alone"),
                    blocking=False),
        ]
        found = all_blocking_passed(verdicts)
        reasons = [f"{v.name}: {v.reason}" for v in verdicts if v.blocking and not v.passed]
        tc = self.critical_temperature_
        values = {
            "critical_temperature": tc if finite else None,
            "critical_temperature_std": self.critical_temperature_std_,
            "critical_temperature_interval": list(self.critical_interval_) if finite else None,
            "estimator": estimate.to_dict(),
            "transition_order": order.order,
            "transition_order_detail": order.to_dict(),
            "closed_form": form.to_dict(),
            "sizes": self.sizes_,
            "nu": self.nu_ if np.isfinite(self.nu_) else None,
            "collapse_residual": self.collapse_residual_ if np.isfinite(self.collapse_residual_) else None,
            "pseudo_critical_temperatures": {str(L): t for L, t in self.pseudo_critical_temperatures_.items()},
            "correlation_with_magnetization": {str(L): float(c) for L, c in self.correlation_.items()},
            "order_parameter": self.description,
            "states": list(self.states_),
            **self._extra_values(),
        }
        summary = (
            f"{self.description}; {'T_BKT' if not self.states_ else 'T_c'} = {tc:.4f} in [{estimate.low:.4f}, {estimate.high:.4f}] (95%, {estimate.estimator}); "
            f"{order.order}; {form.text()}"
            if finite
            else f"{self.description}; no T_c ({estimate.problem})"
        )
        return Interpretation(
            kind="order_parameter",
            method=getattr(self, "method_name", type(self).__name__),
            taxonomy=self.taxonomy,
            found=found,
            summary=summary,
            values=values,
            verdicts=verdicts,
            reasons=reasons,
        )
