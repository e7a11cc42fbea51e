"""SparsePDE: the PDE u_t = f(u, u_x, u_xx, ...) behind fields on an x-t grid, by sparse
regression on pysindy's (weak) PDE library with the threshold, ensemble and checks of
:mod:`physlens.methods.dynamics`."""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import numpy as np
import sympy

from physlens.errors import DataError, UnitError
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    nonnegative_number,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods.dynamics.checks import admissibility, ensemble_stability
from physlens.methods.dynamics.selection import ensemble_inclusion, pareto_thresholds
from physlens.methods.pde.library import (
    Design,
    choose_cells,
    field_noise,
    library_terms,
    pointwise_design,
    weak_design,
)
from physlens.validate.dimensions import admissible_terms
from physlens.validate.verdict import Verdict

DERIVATIVES = ("weak", "finite_difference")
BLOCKING = ("ensemble stability", "held-out fit")
# a claim needs each kept term in >= 90 % of the bootstrap models: at 10 % noise on lambda-omega,
# spurious terms were kept at 60-83 % (inclusion_threshold keeps them in the candidate shown)
STABLE_INCLUSION = 0.9
HELD_OUT_R2 = 0.9  # noise-corrected R2 of the held-out window's relation
NOISE_DRAWS = 2  # fresh noise draws that measure the noise's share of the held-out residual


@register("pde")
class SparsePDE(Method):
    """Sparse identification of PDEs d(field)/dt = f(fields, x-derivatives) from fields
    sampled on a uniform x-t grid (PDE-FIND: Rudy, Brunton, Proctor & Kutz, Sci. Adv. 3,
    e1602614, 2017), in the weak form (Messenger & Bortz, J. Comput. Phys. 443, 110525,
    2021) on pysindy's ``WeakPDELibrary`` (or ``PDELibrary`` with finite differences) and
    its ``STLSQ``, with the Pareto threshold and bootstrap ensemble of
    :class:`physlens.methods.dynamics.SparseDynamics`.

    The size of the weak-form cells is chosen from the data: the smallest whose
    time-derivative rows carry noise (measured on the field) below 10 % of their signal.
    The last ``holdout`` of the time window is never fitted: the PDE must explain it.

    Parameters
    ----------
    degree : int, default 3
        Polynomial degree in the fields (pysindy ``PolynomialLibrary``), 1 to 4.
    derivative_order : int, default 4
        Highest x-derivative in the library, 1 to 6; each derivative also enters
        multiplied by every polynomial term.
    derivative : {"weak", "finite_difference"}, default "weak"
        Weak form (robust to noise) or pointwise finite differences (clean data only).
    n_cells : int, default 600
        Weak-form space-time cells (rows of the regression), 20 to 20000.
    n_models : int, default 30
        Ensemble size (bootstrap over rows and library terms), 2 to 10000.
    inclusion_threshold : float in (0, 1], default 0.6
        Terms chosen by fewer of the ensemble models that had them available are dropped.
    library_drop : float in [0, 0.5), default 0.0
        Fraction of library terms left out of each ensemble model (PDE libraries are
        large: dropping a tenth removes some true term from most models).
    holdout : float in [0, 0.5], default 0.25
        Fraction of the time window held out at its end (held-out fit verdict).
    random_state : None, int or numpy RandomState/Generator, default None
        Seed of the weak-form cells and the ensemble's bootstrap.

    Attributes
    ----------
    field_names_ : list of str
        The fields, in order.
    units_given_ : bool
        Whether any field carried a unit.
    library_ : list of sympy.Expr
        The library terms, in coefficient column order.
    excluded_terms_ : list of str
        Library terms refused as dimensionally inadmissible.
    noise_ : dict of str to float
        Measured noise of each field as a fraction of its RMS.
    cell_half_widths_ : tuple of float or None
        Weak-form cell half-widths (x, t) chosen from the data; None for finite differences.
    thresholds_ : dict of str to float
        The STLSQ threshold of each equation (Pareto choice on cross-validated error).
    pareto_ : list of pandas.DataFrame
        Per equation, the Pareto front (terms, cross-validated error, threshold, chosen).
    inclusion_probabilities_ : ndarray of shape (n_fields, n_terms)
        Fraction of the ensemble models that chose each term, among those offered it.
    coef_ : ndarray of shape (n_fields, n_terms)
        Coefficients of ``library_`` in each equation (0: term not kept).
    equations_ : dict of str to sympy.Expr
        The right-hand side of each field's equation d(field)/dt.
    verdicts_ : list of Verdict
        Ensemble stability (every kept term in >= 90 % of the bootstrap models, or
        ``inclusion_threshold`` if higher), dimensional consistency, held-out fit (R2 >= 0.9
        of the weak-form relation on the held-out time window). ``found`` needs the first
        and last to pass.
    """

    taxonomy: ClassVar[Taxonomy] = Taxonomy("intrinsic", "functional", "global", "discovering", "high")
    consumes: ClassVar[str] = "fields"
    interpretation_kind: ClassVar[str] = "dynamics"
    required_arrays: ClassVar[tuple[str, ...]] = ("t", "x", "u")
    parameter_rules: ClassVar[dict] = {
        "degree": (lambda v: positive_int(v) and v <= 4, "an integer from 1 to 4"),
        "derivative_order": (lambda v: positive_int(v) and v <= 6, "an integer from 1 to 6"),
        "derivative": (lambda v: v in DERIVATIVES, f"one of {', '.join(DERIVATIVES)}"),
        "n_cells": (lambda v: positive_int(v) and 20 <= v <= 20_000, "an integer from 20 to 20000"),
        "n_models": (lambda v: positive_int(v) and 2 <= v <= 10_000, "an integer from 2 to 10000"),
        "inclusion_threshold": (lambda v: positive_number(v) and v <= 1, "a probability in (0, 1]"),
        "library_drop": (lambda v: nonnegative_number(v) and v < 0.5, "a fraction in [0, 0.5)"),
        "holdout": (lambda v: nonnegative_number(v) and v <= 0.5, "a fraction in [0, 0.5]"),
        "random_state": SEED_RULE,
    }

    def __init__(self, *, degree: int = 3, derivative_order: int = 4, derivative: str = "weak", n_cells: int = 600,
                 n_models: int = 30, inclusion_threshold: float = 0.6, library_drop: float = 0.0,
                 holdout: float = 0.25, random_state: Any = None) -> None:
        self.degree = degree
        self.derivative_order = derivative_order
        self.derivative = derivative
        self.n_cells = n_cells
        self.n_models = n_models
        self.inclusion_threshold = inclusion_threshold
        self.library_drop = library_drop
        self.holdout = holdout
        self.random_state = random_state

    # -- fitting --------------------------------------------------------------------
    def fit_dataset(self, dataset) -> "SparsePDE":
        """Fit from a Dataset of kind 'fields' (physlens.data.fields): t, x, u [, v]."""
        self._check_applicable(dataset)
        names = dataset.names("state")
        units = {v.name: v.unit for v in dataset.variables}
        return self.fit(np.stack([np.asarray(dataset[f], float) for f in names], axis=-1), np.asarray(dataset["x"])[0],
                        np.asarray(dataset["t"]), field_names=names, field_units=[units[f] for f in names],
                        x_unit=units.get("x", ""), t_unit=units.get("t", ""))

    def fit(self, fields: np.ndarray, x: np.ndarray, t: np.ndarray, *, field_names: Sequence[str] | None = None,
            field_units: Sequence[str] | None = None, x_unit: str = "", t_unit: str = "") -> "SparsePDE":
        """Fit from arrays: ``fields`` (n_t, n_x) or (n_t, n_x, n_fields), uniform ``x``
        (n_x,) and ``t`` (n_t,)."""
        from threadpoolctl import threadpool_limits

        self._validate_parameters()
        owner = type(self).__name__
        fields = np.asarray(fields, dtype=float)
        if fields.ndim == 2:
            fields = fields[..., None]
        fields = as_samples(owner, "fields", fields, ndim=3, min_rows=8)
        x = as_samples(owner, "x", x, ndim=1, min_rows=8)
        t = as_samples(owner, "t", t, ndim=1, n_rows=fields.shape[0], min_rows=8)
        if fields.shape[1] != len(x):
            raise DataError(f"{owner}: fields have {fields.shape[1]} x points but x has {len(x)}; shape (n_t, n_x[, n_fields])")
        names = list(field_names) if field_names is not None else ["u", "v", "w"][: fields.shape[2]]
        if len(names) != fields.shape[2] or len(set(names)) != len(names):
            raise DataError(f"{owner}: field_names {names} do not name the {fields.shape[2]} fields once each")
        self.field_names_ = names
        # small dense problems: threaded BLAS only oversubscribes shared cores here
        with threadpool_limits(limits=1):
            return self._fit(fields, x, t, list(field_units or [""] * len(names)), x_unit, t_unit)

    def _fit(self, fields, x, t, field_units, x_unit, t_unit) -> "SparsePDE":
        rng = rng_from(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        self._offer_library(field_units, x_unit, t_unit)
        n_train = len(t) if self.holdout == 0 else int(round(len(t) * (1 - self.holdout)))
        if n_train < 8:
            raise DataError(f"{type(self).__name__}: {len(t)} time samples leave {n_train} for training; at least 8 are needed")
        train = fields[:n_train]
        rms = np.sqrt(np.mean(train**2, axis=(0, 1)))
        rms = np.where(rms > 0, rms, 1.0)
        sigma = field_noise(train)
        self._sigma = sigma
        self.noise_ = dict(zip(self.field_names_, (sigma / rms).tolist()))

        self.cell_half_widths_ = None
        if self.derivative == "weak":
            self.cell_half_widths_ = choose_cells(train, x, t[:n_train], self.degree, self.derivative_order,
                                                  self.n_cells, sigma, seed)
        design = self._design(train, x, t[:n_train], seed)
        if design.features.shape[0] < len(self.library_) + 2:
            raise DataError(f"only {design.features.shape[0]} equations for {len(self.library_)} library terms; "
                            "give a larger grid, more cells (n_cells) or a smaller library")
        feature_scale = np.sqrt(np.mean(design.features**2, axis=0))
        feature_scale = np.where(feature_scale > 0, feature_scale, 1.0)
        target_scale = np.sqrt(np.mean(design.target**2, axis=0))
        target_scale = np.where(target_scale > 0, target_scale, 1.0)
        G, B = design.features / feature_scale, design.target / target_scale

        thresholds, fronts, candidates = pareto_thresholds(G, B, design.groups, self.library_)
        self.thresholds_ = dict(zip(self.field_names_, thresholds))
        self.pareto_ = fronts
        self.inclusion_probabilities_ = ensemble_inclusion(G, B, thresholds, candidates, self.n_models,
                                                           self.library_drop, rng)
        coef = np.zeros((len(self.field_names_), G.shape[1]))
        for i in range(len(self.field_names_)):
            support = self.inclusion_probabilities_[i] >= self.inclusion_threshold
            if support.any():
                coef[i, support], *_ = np.linalg.lstsq(G[:, support], B[:, i], rcond=None)
        self.coef_ = coef * target_scale[:, None] / feature_scale[None, :]
        self.equations_ = {f: sum((sympy.Float(float(c), 6) * term for c, term in zip(self.coef_[i], self.library_) if c != 0),
                                  sympy.Integer(0)) for i, f in enumerate(self.field_names_)}
        held = None
        if n_train < len(t) - 1:
            start = max(0, n_train - 1)
            held = self._held_out_residuals(fields[start:], x, t[start:], seed + 1, rng)
        kept = self.coef_ != 0
        stable = max(STABLE_INCLUSION, self.inclusion_threshold)
        self.verdicts_ = [ensemble_stability(self.inclusion_probabilities_, kept, stable, self.n_models),
                          admissibility(self.units_given_, self.excluded_terms_),
                          self._held_out_verdict(held)]
        return self

    def _design(self, fields, x, t, seed, widths=None, n_cells=None) -> Design:
        if self.derivative == "finite_difference":
            design = pointwise_design(fields, x, t, self.degree, self.derivative_order)
        else:
            design, _ = weak_design(fields, x, t, self.degree, self.derivative_order, widths or self.cell_half_widths_,
                                    n_cells or self.n_cells, seed)
        return Design(design.features[:, self._kept], design.target, design.groups)

    def _held_out_residuals(self, fields, x, t, seed, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """On the held-out time window (weak-form cells of the training size where they
        fit: at most a quarter of the window in t): each equation's mean squared residual,
        its target's variance, and the residual variance the field noise alone causes,
        measured by adding NOISE_DRAWS fresh draws of the measured noise to the window
        (same cells) and taking the rise of the residual (target and feature noise alike)."""
        if len(t) < 8:
            return None
        widths = None
        if self.derivative == "weak":
            widths = (self.cell_half_widths_[0], min(self.cell_half_widths_[1], float(t[-1] - t[0]) / 4))
        n_cells = max(20, self.n_cells // 3)

        def residual(window):
            design = self._design(window, x, t, seed, widths, n_cells)
            return np.mean((design.target - design.features @ self.coef_.T) ** 2, axis=0), np.var(design.target, axis=0)

        base, variance = residual(fields)
        rises = [residual(fields + self._sigma * rng.standard_normal(fields.shape))[0] - base for _ in range(NOISE_DRAWS)]
        return base, variance, np.maximum(np.mean(rises, axis=0), 0.0)

    def _held_out_verdict(self, held) -> Verdict:
        """R2 of each field's equation on the held-out time window, corrected for the share
        of the residual and of the target's variance that the measured field noise alone
        causes (noisy data caps the raw R2 below 1); the worst field must reach HELD_OUT_R2."""
        if not np.any(self.coef_):
            return Verdict("held-out fit", False, None, "no terms survived, nothing to check")
        if held is None:
            return Verdict("held-out fit", None, None, "no held-out time window (holdout=0 or too few samples)")
        residual, variance, noise_variance = held
        raw = 1 - residual / np.maximum(variance, 1e-300)
        corrected = 1 - np.maximum(residual - noise_variance, 0) / np.maximum(variance - noise_variance, 1e-300)
        worst = int(np.argmin(corrected))
        score = float(corrected[worst])
        return Verdict("held-out fit", score >= HELD_OUT_R2, score,
                       f"R2 {score:.4f} ({raw[worst]:.4f} before the noise correction) of the {self.field_names_[worst]}_t "
                       f"{self.derivative} relation on the held-out last {self.holdout:.0%} of the time window, which "
                       f"the fit never saw (needs >= {HELD_OUT_R2}; worst of {len(self.field_names_)} fields)")

    def _offer_library(self, field_units: list[str], x_unit: str, t_unit: str) -> None:
        """All library terms, less those inadmissible in the fields' units; with any unit
        given, x and t need theirs too (each derivative's dimension depends on them)."""
        from physlens.data.fields import derivative_name
        from physlens.units import parse_unit

        fields = self.field_names_
        dims = {f: parse_unit(u, column=f) for f, u in zip(fields, field_units)}
        x_dim, t_dim = parse_unit(x_unit, column="x"), parse_unit(t_unit, column="t")
        has_units = any(not d.is_dimensionless for d in (*dims.values(), x_dim, t_dim))
        if has_units and not all((*field_units, x_unit, t_unit)):
            missing = [name for name, unit in zip([*fields, "x", "t"], [*field_units, x_unit, t_unit]) if not unit]
            raise UnitError(f"units given for some of the fields and axes but not for {', '.join(missing)}; every "
                            f"derivative's dimension needs all of them (for example --units u=m/s,x=m,t=s)")
        self.units_given_ = has_units
        symbol_dims = {derivative_name(f, m): dims[f] / x_dim ** m for f in fields for m in range(self.derivative_order + 1)}
        terms = library_terms(fields, self.degree, self.derivative_order)
        kept, term_dims, excluded = admissible_terms(terms, symbol_dims)
        if not kept:
            raise UnitError("no library term is dimensionally admissible; check the field units")
        self._kept = np.asarray(kept)
        self.excluded_terms_ = [sympy.sstr(term) for term in excluded]
        self.library_ = [terms[j] for j in kept]
        self._term_dims = term_dims
        self._target_dims = {f: dims[f] / t_dim for f in fields}

    # -- interpretation -------------------------------------------------------------
    def coefficient_units(self) -> dict[str, dict[str, str]]:
        """{field: {term: unit of its coefficient}} (SI base units), when units were given."""
        self._check_is_fitted("coef_")
        return {f: {sympy.sstr(term): str(self._target_dims[f] / d)
                    for term, d, c in zip(self.library_, self._term_dims, self.coef_[i]) if c != 0}
                for i, f in enumerate(self.field_names_)}

    def interpret(self) -> Interpretation:
        import pandas as pd

        self._check_is_fitted("coef_")
        n_kept = int(np.count_nonzero(self.coef_))
        failing = [v for v in self.verdicts_ if v.passed is False]
        found = n_kept > 0 and not any(v.name in BLOCKING for v in failing)
        reasons = [f"{v.name}: {v.reason}" for v in failing]
        if n_kept == 0:
            reasons.insert(0, "no library term explains the time derivatives better than the noise")
        rows = [{"field": f, "term": sympy.sstr(term), "coefficient": float(self.coef_[i, j]),
                 "inclusion": float(self.inclusion_probabilities_[i, j]), "kept": bool(self.coef_[i, j] != 0)}
                for i, f in enumerate(self.field_names_) for j, term in enumerate(self.library_)
                if self.inclusion_probabilities_[i, j] > 0 or self.coef_[i, j] != 0]
        cells = self.cell_half_widths_
        summary = (f"{n_kept} terms in {len(self.field_names_)} equations; derivatives: {self.derivative}"
                   + (f" (cells of half-width {cells[0]:.4g} in x, {cells[1]:.4g} in t)" if cells else "")
                   + "; noise estimate " + ", ".join(f"{f} {v:.1%}" for f, v in self.noise_.items())
                   + ("" if found else "; NOT TRUSTED: the best candidate is shown with the failing checks"))
        values = {"thresholds": self.thresholds_, "noise": self.noise_, "derivative": self.derivative,
                  "cell_half_widths": list(cells) if cells else None, "n_terms": n_kept,
                  "excluded_terms": list(self.excluded_terms_), "trusted": found,
                  "candidate": {f"{f}_t": sympy.sstr(e) for f, e in self.equations_.items()}}
        if self.units_given_:
            values["coefficient_units"] = self.coefficient_units()
        return Interpretation(
            kind="dynamics", method=self.method_name, taxonomy=self.taxonomy, found=found, summary=summary,
            expressions={f"{f}_t": e for f, e in self.equations_.items()}, values=values,
            arrays={"inclusion_probabilities": self.inclusion_probabilities_, "coefficients": self.coef_},
            table=pd.DataFrame(rows, columns=["field", "term", "coefficient", "inclusion", "kept"]),
            verdicts=list(self.verdicts_), reasons=reasons,
        )

