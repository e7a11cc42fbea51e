"""Symbolic gradients: a closed form g(x) whose gradient is parallel to a network's.

Wetzel, "Closed-form interpretation of neural network latent spaces with symbolic
gradients" (2024/2025): a trained output or latent neuron f(x) usually encodes the
physical quantity g(x) only up to a monotone map, f = h(g). Then grad f is parallel to
grad g at every sample, whatever h is, so g can be searched for by matching
*normalised* gradients instead of values.

Here the search is linear: g = sum_k c_k phi_k(x) over a library of terms (monomials up
to ``max_degree`` plus optional extra terms such as ``1/sqrt(x**2+y**2)``, plus, with
``log_terms``, log(x) of every strictly positive variable: a power law prod x_i^a_i is a
monotone map of sum a_i log x_i, whose gradient a_i / x_i is linear in the exponents, so
the exponents come out of the same linear search and are reported as the product). With the
projector P_i onto the complement of span{grad f_1(x_i), ..., grad f_m(x_i)} (m latent
neurons; m = 1 is the plain parallel case) and J_i the library's Jacobian at x_i, the
mismatch of g is the mean over samples of the fraction of its gradient that the network
does not explain, |P_i J_i c|^2 / |J_i c|^2; with sample weights w_i it is the
generalised Rayleigh quotient

    lambda(c) = c' (sum_i w_i J_i' P_i J_i) c / c' (sum_i w_i J_i' J_i) c,

zero for an exact match, and equal to the mismatch when w_i = 1 / |J_i c|^2. Library
degrees are raised one at a time; at each degree the near-null space of lambda (weights
from the level's library) minus the span of products of invariants already found holds
the new ones. The sparsest new one is picked by L1 minimisation, free to subtract any
function of the invariants already found (det + trace/3 is reduced to det), then pruned
by backward elimination with iteratively reweighted refits (so that every sample counts
equally whatever the candidate's scale there) and its coefficients snapped to small
rationals, each step kept only while the mismatch stays below a cut between the
near-null space's mismatch and ``tolerance``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sympy

from physlens.errors import DataError
from physlens.methods.base import (
    FLAG_RULE,
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    column_names,
    fraction,
    nonnegative_number,
    optional,
    positive_int,
    register,
    rng_from,
)
from physlens.methods.symbolic_gradients.library import TermLibrary
from physlens.methods.symbolic_gradients.quotients import EventScatter, GradientMismatch, RayleighQuotient, eliminate_terms, invariant_products, null_dimension, snap_coefficients

__all__ = ["SymbolicGradients"]


@register("symbolic_gradients")
class SymbolicGradients(Method):
    """Closed forms whose gradients match a network's (Wetzel 2024/2025).

    ``fit(X, gradients, names)`` takes sample points and the gradients of one (n, d) or
    several (n, d, m) network outputs there; ``invariants_`` are the closed forms g
    found, each equal to a network output up to a monotone map (for m > 1: to a
    function of the outputs); ``residuals_`` their mean fractions of gradient outside the
    network's span. ``log_terms=True`` adds log(x) of every variable positive on all
    samples (``log_variables_``), so power laws are found as products.

    ``fit_events(X, events, names)`` runs the same search with no network: the closed
    forms are the library combinations constant within events (``residuals_``: the share
    of each one's variance that lies within events). It searches in X / ``variable_scale_``
    (each column's power of ten, 1 for data of order one), so ``coefficients_`` refer to
    the library of the scaled variables; ``invariants_`` are in the original ones.

    Parameters
    ----------
    max_degree : int, default 2
        Highest total degree of the library's monomials (1 to 6).
    extra_terms : list of str, default ()
        Further library terms as expression texts, e.g. ``"1/sqrt(x**2+y**2)"``.
    tolerance : float, default 0.05
        Largest mean fraction of a closed form's gradient (or variance, for events)
        that may lie outside the network's span (within events).
    prune : float, default 0.05
        Terms weighing less than this fraction of the largest are dropped from an L1 candidate.
    max_denominator : int, default 12
        Largest denominator of the rationals coefficients are snapped to.
    max_invariants : int or None, default None
        Stop after this many closed forms (None: as many as the library holds).
    max_samples : int, default 2000
        ``fit`` reads at most this many rows, drawn at random.
    log_terms : bool, default False
        Add log(x) of every variable positive on all samples (power laws).
    random_state : None, int or numpy Generator, default None
        Seed of the row subsample.

    Attributes
    ----------
    invariants_ : list of sympy.Expr
        The closed forms found, simplest level first.
    residuals_ : list of float
        Each closed form's mismatch (fraction of gradient outside the span, or of
        variance within events).
    coefficients_ : list of ndarray
        Each closed form's coefficients over the library.
    library_ : list of str
        The library's terms.
    names_ : list of str
        The variables' names.
    log_variables_ : list of str
        Variables whose logs joined the library.
    term_norms_ : ndarray
        Scale of each library term over the samples (weights of the L1 search).
    evidence_ : str
        "gradients" after ``fit``, "events" after ``fit_events``.
    n_outputs_ : int
        Network outputs whose gradients were read (0 for events).
    n_samples_ : int
        Rows used.
    variable_scale_ : ndarray
        Powers of ten the variables were divided by (``fit_events`` only).
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="high")
    consumes = "table"
    interpretation_kind = "invariant"
    parameter_rules = {
        "max_degree": (lambda v: positive_int(v) and v <= 6, "an integer from 1 to 6"),
        "tolerance": (fraction, "a number in (0, 1)"),
        "prune": (lambda v: nonnegative_number(v) and v < 1, "a number in [0, 1)"),
        "max_denominator": (positive_int, "an integer >= 1"),
        "max_invariants": (optional(positive_int), "None or an integer >= 1"),
        "max_samples": (lambda v: positive_int(v) and v >= 10, "an integer >= 10"),
        "log_terms": FLAG_RULE,
        "extra_terms": (lambda v: not isinstance(v, str) and all(isinstance(t, str) for t in v), "a list of expression texts, e.g. ['1/sqrt(x**2+y**2)']"),
        "random_state": SEED_RULE,
    }

    def __init__(
        self,
        *,
        max_degree: int = 2,
        extra_terms: Sequence[str] = (),
        tolerance: float = 0.05,
        prune: float = 0.05,
        max_denominator: int = 12,
        max_invariants: int | None = None,
        max_samples: int = 2000,
        log_terms: bool = False,
        random_state: int | None = None,
    ):
        self.max_degree = max_degree
        self.extra_terms = extra_terms
        self.log_terms = log_terms
        self.tolerance = tolerance
        self.prune = prune
        self.max_denominator = max_denominator
        self.max_invariants = max_invariants
        self.max_samples = max_samples
        self.random_state = random_state

    # -- validation ----------------------------------------------------------------
    def _check_samples(self, X, names):
        owner = type(self).__name__
        X = as_samples(owner, "X", X, min_rows=10)
        return X, column_names(owner, names, X.shape[1])

    # -- fitting --------------------------------------------------------------------
    def fit(self, X, gradients, names: Sequence[str] | None = None) -> "SymbolicGradients":
        self._validate_parameters()
        X, names = self._check_samples(X, names)
        gradients = np.asarray(gradients)
        gradients = as_samples("SymbolicGradients", "gradients", gradients[:, :, None] if gradients.ndim == 2 else gradients,
                               ndim=3, n_rows=X.shape[0])
        if gradients.shape[1] != X.shape[1]:
            raise DataError(f"SymbolicGradients: gradients must have shape {X.shape} or {X.shape + ('m',)}, got {gradients.shape}")
        rng = rng_from(self.random_state)
        if X.shape[0] > self.max_samples:
            rows = rng.choice(X.shape[0], self.max_samples, replace=False)
            X, gradients = X[rows], gradients[rows]
        library = self._library(X, names)
        jac = library.jacobian(X)  # (n, d, K)
        # Parallelism is judged in coordinates scaled by each variable's RMS, so that
        # units (GeV next to radians) do not decide which direction counts as "close".
        rms = np.sqrt(np.mean(X**2, axis=0))
        rms = np.where(rms > 0, rms, 1.0)
        jac = jac * rms[None, :, None]
        gradients = gradients * rms[None, :, None]
        self.term_norms_ = np.sqrt(np.mean(np.sum(jac**2, axis=1), axis=0)) + 1e-300
        # orthonormal basis of the network's gradient span at each sample
        u, s, _ = np.linalg.svd(gradients, full_matrices=False)  # u: (n, d, m)
        keep = s > 1e-8 * np.maximum(s[:, :1], 1e-300)
        u = u * keep[:, None, :]
        self.evidence_ = "gradients"
        self.n_outputs_ = gradients.shape[2]
        return self._read(GradientMismatch(jac, u), library, X)

    def fit_events(self, X, events, names: Sequence[str] | None = None) -> "SymbolicGradients":
        """Closed forms constant within events, read from the samples themselves (no
        network): ``events`` (n,) says which samples share an event (a trajectory, a
        boosted interval, a similarity class). The search is the one ``fit`` runs, with
        the mismatch of g the share of its variance that lies within events: the
        Siamese invariance loss for a twin linear in the library, solved exactly. Finds
        only invariants that are combinations of the library's terms."""
        self._validate_parameters()
        owner = type(self).__name__
        events = np.asarray(events)
        if events.shape != (np.shape(X)[0],):
            raise DataError(f"{owner}: events must have one id per sample ({np.shape(X)[0]}), got shape {events.shape}")
        X, names = self._check_samples(X, names)
        ids, counts = np.unique(events, return_counts=True)
        if len(ids) < 10 or counts.max() < 2:
            raise DataError(f"{owner}: {len(ids)} events with at most {counts.max()} samples each; at least 10 events, some with 2 or more samples, are needed")
        # variables in SI units (metres of 1e-10, seconds of 1e-8) make monomials of
        # wildly different sizes: search in X / 10^k (k: each column's RMS decade), which
        # leaves data of order one as it is, and map the closed forms back
        rms = np.sqrt(np.mean(X**2, axis=0))
        decades = np.round(np.log10(np.where(rms > 0, rms, 1.0))).astype(int)
        self.variable_scale_ = 10.0**decades
        X = X / self.variable_scale_
        library = self._library(X, names)
        values = library.values(X)
        # a library with more terms than the data's within-event degrees of freedom can
        # make anything constant within events
        if len(X) - len(ids) < 5 * len(library):
            raise DataError(
                f"{owner}: {len(X)} samples in {len(ids)} events leave {len(X) - len(ids)} within-event degrees of freedom "
                f"for {len(library)} library terms (degree <= {self.max_degree}); at least {5 * len(library)} are needed: "
                "more samples per event, more events, or a lower max_degree"
            )
        self.term_norms_ = values.std(axis=0) + 1e-300
        self.evidence_ = "events"
        self.n_outputs_ = 0
        self._read(EventScatter(values, events), library, X)
        if decades.any():
            back = {s: s / sympy.Integer(10) ** int(k) for s, k in zip(library.symbols, decades) if k}
            mapped = [sympy.expand(e.subs(back)) for e in self.invariants_]
            # divided by the largest coefficient's size (a monotone map), so 1e34*x*py reads x*py
            self.invariants_ = [sympy.expand(e / max(abs(c) for c in e.as_coefficients_dict().values())) for e in mapped]
        return self

    def _library(self, X, names) -> TermLibrary:
        # logs only where they are defined on every sample
        self.log_variables_ = [n for n, column in zip(names, X.T) if self.log_terms and column.min() > 0]
        return TermLibrary(names, self.max_degree, list(self.extra_terms), self.log_variables_)

    def _read(self, mismatch: RayleighQuotient, library: TermLibrary, X: np.ndarray) -> "SymbolicGradients":
        """Raise the library's degree one level at a time, keeping the new invariants of
        each level."""
        values = library.values(X)
        self.library_ = [sympy.sstr(e) for e in library.expressions]
        self.names_ = list(library.names)
        found: list[dict[str, Any]] = []
        limit = self.max_invariants or len(library)
        degrees = np.array(library.degrees)
        for degree in range(1, self.max_degree + 1):
            idx = np.flatnonzero(degrees <= degree)
            found += self._search_level(idx, mismatch, values, library, found, degree, limit - len(found))
            if len(found) >= limit:
                break
        self.invariants_ = [f["expression"] for f in found]
        self.residuals_ = [f["residual"] for f in found]
        self.coefficients_ = [f["coefficients"] for f in found]
        self.n_samples_ = X.shape[0]
        return self

    def _search_level(self, idx, mismatch, values, library, found, degree, budget):
        lam, vectors = mismatch.eigh(*mismatch.matrices(idx, mismatch.level_weights(idx)))
        n_null = null_dimension(lam, self.tolerance)
        if n_null == 0 or budget <= 0:
            return []
        null = vectors[:, :n_null]
        # acceptance threshold on the mean fraction outside the span: the geometric
        # middle between the near-null directions' mismatch and the tolerance (the next
        # eigenvalue is no guide: invariants the network encodes less sharply than others
        # can sit beyond the largest gap)
        floor = max(mismatch.fraction(idx, v) for v in null.T)
        cut = min(max(float(np.sqrt(max(floor, 1e-16) * self.tolerance)), floor * 1.5), self.tolerance)
        null, _ = np.linalg.qr(null)
        new: list[dict[str, Any]] = []
        for _ in range(min(budget, null.shape[1])):
            known = invariant_products(found + new, values[:, idx], degree)
            if known.shape[1]:
                q, _ = np.linalg.qr(known)
                remainder = null - q @ (q.T @ null)
            else:
                remainder = null
            u, s, _ = np.linalg.svd(remainder, full_matrices=False)
            directions = u[:, s > 0.5]
            if directions.shape[1] == 0:
                break
            best = None
            for direction in directions.T:
                candidate = self._sparse_candidate(null, direction, known, idx, mismatch, library, values, cut)
                if candidate is not None and (best is None or (candidate["size"], candidate["residual"]) < (best["size"], best["residual"])):
                    best = candidate
            if best is None:
                break
            if known.shape[1]:
                vector = best["coefficients"][idx]
                outside = np.linalg.norm(vector - q @ (q.T @ vector)) / np.linalg.norm(vector)
                if outside < 0.1:
                    break  # the sparsest candidate is a function of invariants already found
            new.append(best)
        return new

    def _sparse_candidate(self, null, direction, known, idx, mismatch, library, values, cut):
        from scipy.optimize import linprog

        # min ||N z - K a||_1 subject to direction' N z = 1: the sparsest vector of the
        # near-null space that has a component along this new direction, free to add any
        # function K a of invariants already found (det + trace/3 reduces to det)
        n_terms, r = null.shape
        k = known.shape[1]
        norms = self.term_norms_[idx]
        cost = np.concatenate([np.zeros(r + k), norms])
        span = np.hstack([null, -known])
        upper = np.block([[span, -np.eye(n_terms)], [-span, -np.eye(n_terms)]])
        equality = np.concatenate([direction @ null, np.zeros(k + n_terms)])[None]
        bounds = [(None, None)] * (r + k) + [(0, None)] * n_terms
        result = linprog(cost, A_ub=upper, b_ub=np.zeros(2 * n_terms), A_eq=equality, b_eq=[1.0], bounds=bounds, method="highs")
        if not result.success:
            return None
        coefficients = span @ result.x[: r + k]
        weighted = np.abs(coefficients) * norms
        support = np.flatnonzero(weighted > self.prune * weighted.max())
        terms, residual, refined = eliminate_terms(idx[support], coefficients[support], mismatch, cut)
        if residual >= cut:
            return None
        # snap coefficients to small rationals, as coarsely as the network's gradients
        # allow: a snapped form is kept only if it still matches within the cut
        snapped_vector = refined / refined[np.argmax(np.abs(refined))]
        snapped = [sympy.Float(round(float(c), 6)) for c in snapped_vector]
        for closeness in (0.02, 0.05, 0.1):
            trial = snap_coefficients(refined, self.max_denominator, closeness)
            trial_vector = np.array([float(c) for c in trial])
            trial_residual = mismatch.fraction(terms, trial_vector)
            if trial_residual < cut:
                snapped, snapped_vector, residual = trial, trial_vector, trial_residual
        expression = library.closed_form(snapped, terms)
        full = np.zeros(len(library))
        full[terms] = snapped_vector
        return {
            "expression": expression,
            "residual": residual,
            "coefficients": full,
            "size": len(terms),
            "degree": max(library.degrees[t] for t in terms),
            "values": values @ full,
        }

    def interpret(self) -> Interpretation:
        self._check_is_fitted("invariants_")
        expressions = {f"I{i + 1}": e for i, e in enumerate(self.invariants_)}
        found = bool(self.invariants_)
        by_events = self.evidence_ == "events"
        from physlens.validate.verdict import Verdict, all_blocking_passed

        verdicts = [
            Verdict(
                f"{'constant within events' if by_events else 'gradient match'} I{i + 1}",
                r < self.tolerance,
                r,
                f"{100 * r:.2g}% of the closed form's variance lies within events (tolerance {100 * self.tolerance:.2g}%)"
                if by_events
                else f"{100 * r:.2g}% of the closed form's gradient lies outside the network's gradient span (tolerance {100 * self.tolerance:.2g}%)",
            )
            for i, r in enumerate(self.residuals_)
        ]
        return Interpretation(
            kind="invariant",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found and all_blocking_passed(verdicts),
            summary=f"{len(self.invariants_)} closed form(s) " + ("constant within events" if by_events else "whose gradients match the network's"),
            expressions=expressions,
            values={"residuals": list(self.residuals_), "library_size": len(self.library_)},
            verdicts=verdicts,
            reasons=[] if found else [
                f"no combination of the {len(self.library_)} library terms (degree <= {self.max_degree}) "
                + (f"is constant within events to within {self.tolerance} of its variance" if by_events else f"has a gradient parallel to the network's within {self.tolerance}")
            ],
        )
