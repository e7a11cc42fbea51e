"""How many quantities are conserved, and which: AI Poincaré from trajectories alone.

Liu & Tegmark, "Machine learning conservation laws from trajectories", PRL 126, 180604
(2021), and "AI Poincaré 2.0" (Liu, Madhavan, Tegmark, PRE 106, 045307 (2022)): a conserved
quantity is a function whose gradient is orthogonal to the flow, i.e. constant along every
trajectory. Here the candidates are combinations of a library (monomials up to
``max_degree`` and ``extra_terms``) whose share of variance within trajectories vanishes:
the null space of a generalised eigenproblem (``SymbolicGradients.fit_events`` with the
trajectory as the event), read sparse and in closed form. Each candidate is then judged
against the noise floor, not a fixed cut: its within-trajectory share must stay within
``noise_margin`` times the share white noise accounts for (read from the quantity's own 4th
differences along each trajectory, which keep white noise and remove slow change; at least
``min_share``, the integrator's floor).
Candidates above it are conserved only approximately (a near-integrable orbit, a chaotic
one's short-time regularity) and are reported as not trusted, not counted. The count is the
size of a functionally independent subset (rank of the gradients), so E, L and the
Fradkin tensor's three components of the isotropic oscillator count as 3.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    column_names,
    fraction,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.validate.conserved import conservation_verdict, independent_subset, white_noise_share, within_share
from physlens.validate.verdict import Verdict, all_blocking_passed

__all__ = ["ConservedQuantities"]

MIN_EVENTS = 10  # fit_events needs this many events; short runs are cut into segments


@register("ai_poincare")
class ConservedQuantities(Method):
    """Counts the independent conserved quantities of trajectories and writes each in
    closed form (AI Poincaré, Liu & Tegmark 2021; the null-space reading of AI Poincaré 2.0).

    ``fit(states, trajectory, names)``: states (n, d) sampled in time order along each
    trajectory, ``trajectory`` (n,) its id. Learned: ``quantities_`` (closed forms, an
    independent set), ``n_conserved_``, ``approximate_`` (candidates the data conserve only
    approximately), and each quantity's within-trajectory share and threshold.

    Parameters
    ----------
    max_degree : int, default 2
        Highest monomial degree of the library (1 to 6).
    extra_terms : list of str, default ()
        Further library terms as expression texts in the state names, e.g. "cos(q1)".
    tolerance : float, default 0.05
        Candidates whose within-trajectory share of variance exceeds this are not reported.
    noise_margin : float, default 3
        A quantity counts as conserved when its share is within this factor of the share
        white noise accounts for (read from its own 4th differences along each trajectory;
        a quantity varying at the sampling's Nyquist rate shows 70/16 times more).
    min_share : float, default 1e-6
        The least threshold (round-off and integrator error of clean data).
    held_out : float, default 0.25
        Fraction of trajectories held out to check each quantity (with at least 8).
    max_samples : int, default 6000
        At most this many rows are read (every k-th sample of each trajectory).
    random_state : None, int or numpy Generator, default None
        Seed of the held-out split.

    Attributes
    ----------
    quantities_ : list of sympy.Expr
        The independent conserved quantities, in closed form.
    n_conserved_ : int
        Their number.
    shares_, thresholds_ : list of float
        Each quantity's within-trajectory share of variance, and the threshold it met.
    held_out_shares_ : list of float or None
        The same share on the held-out trajectories (None without a held-out set).
    approximate_ : list of (sympy.Expr, float, float)
        Candidates conserved only approximately: (closed form, share, threshold).
    dependent_ : list of sympy.Expr
        Conserved candidates that are functions of the quantities kept.
    names_ : list of str
        State names.
    n_trajectories_ : int
        Trajectories read.
    reader_ : SymbolicGradients
        The null-space search that proposed the candidates.
    """

    taxonomy = Taxonomy(origin="intrinsic", mechanism="functional", scope="global", aim="discovering", level="high")
    consumes = "trajectories"
    interpretation_kind = "invariant"
    parameter_rules = {
        "max_degree": (lambda v: positive_int(v) and v <= 6, "an integer from 1 to 6"),
        "extra_terms": (lambda v: not isinstance(v, str) and all(isinstance(t, str) for t in v), "a list of expression texts, e.g. ['cos(q1)']"),
        "tolerance": (fraction, "a number in (0, 1)"),
        "noise_margin": (lambda v: positive_number(v) and v >= 1, "a number >= 1"),
        "min_share": (fraction, "a number in (0, 1)"),
        "held_out": (lambda v: fraction(v) and v < 0.5, "a number in (0, 0.5)"),
        "max_samples": (lambda v: positive_int(v) and v >= 50, "an integer >= 50"),
        "random_state": SEED_RULE,
    }

    def __init__(self, *, max_degree: int = 2, extra_terms: Sequence[str] = (), tolerance: float = 0.05, noise_margin: float = 3.0,
                 min_share: float = 1e-6, held_out: float = 0.25, max_samples: int = 6000, random_state: int | None = None):
        self.max_degree = max_degree
        self.extra_terms = extra_terms
        self.tolerance = tolerance
        self.noise_margin = noise_margin
        self.min_share = min_share
        self.held_out = held_out
        self.max_samples = max_samples
        self.random_state = random_state

    def fit_dataset(self, dataset) -> "ConservedQuantities":
        self._check_applicable(dataset)
        names = dataset.names("state")
        if "trajectory" not in dataset.arrays:
            raise DataError(f"dataset {dataset.name!r} has no 'trajectory' column saying which samples share an orbit")
        return self.fit(np.column_stack([dataset[n] for n in names]), dataset["trajectory"], names)

    def fit(self, states, trajectory, names: Sequence[str] | None = None) -> "ConservedQuantities":
        from physlens.methods.symbolic_gradients import SymbolicGradients

        self._validate_parameters()
        owner = type(self).__name__
        states = as_samples(owner, "states", states, min_rows=20)
        names = column_names(owner, names, states.shape[1])
        trajectory = np.asarray(trajectory)
        if trajectory.shape != (states.shape[0],):
            raise DataError(f"{owner}: trajectory must have one id per sample ({states.shape[0]}), got shape {trajectory.shape}")
        labels = np.unique(trajectory)
        if len(labels) < 3:
            raise DataError(f"{owner}: {len(labels)} trajectories; at least 3 are needed (a conserved quantity is seen by "
                            "differing between trajectories while staying constant along each)")
        stride = max(1, int(np.ceil(len(states) / self.max_samples)))
        keep = np.concatenate([np.flatnonzero(trajectory == label)[::stride] for label in labels])
        states, trajectory = states[keep], trajectory[keep]
        self.names_, self.n_trajectories_ = list(names), len(labels)
        rng = rng_from(self.random_state)
        n_held = int(round(self.held_out * len(labels))) if len(labels) >= 8 else 0
        held = rng.choice(labels, n_held, replace=False) if n_held else np.array([], dtype=labels.dtype)
        train = ~np.isin(trajectory, held)
        events = self._events(trajectory[train])
        reader = SymbolicGradients(max_degree=self.max_degree, extra_terms=list(self.extra_terms), tolerance=self.tolerance,
                                   random_state=self.random_state)
        reader.fit_events(states[train], events, names)
        self.reader_ = reader
        candidates = list(reader.invariants_)
        # unread directions must be as constant as the worst quantity read (x10), never looser
        limit = max(self.min_share, 10 * max((abs(r) for r in reader.residuals_), default=0.0))
        candidates += self._unread(states[train], events, candidates, limit)
        self._judge(candidates, states, trajectory, train)
        return self

    def _unread(self, states, events, found, limit: float) -> list:
        """Null directions of the library the sparse reading left out (its L1 search can fail
        numerically on large libraries, e.g. the three-body R x P), as closed forms: the
        null space of the within-trajectory share, minus the span of the quantities found
        and their pairwise products (expressed in the library), pruned of terms weighing
        < 1e-3 of the largest. Only directions whose share is at most ``limit`` count."""
        from physlens.expr import to_function
        from physlens.methods.symbolic_gradients.library import TermLibrary
        from physlens.methods.symbolic_gradients.quotients import EventScatter, null_dimension, snap_coefficients

        library = TermLibrary(self.names_, self.max_degree, list(self.extra_terms))
        values = library.values(states)
        scatter = EventScatter(values, events)
        eigenvalues, vectors = scatter.eigh(*scatter.matrices(np.arange(len(library))))
        norms = np.maximum(values.std(axis=0), 1e-300)
        null = vectors[:, : min(null_dimension(eigenvalues, self.tolerance), int(np.sum(eigenvalues <= limit)))] * norms[:, None]
        null = null / np.linalg.norm(null, axis=0).clip(1e-300)
        if null.shape[1] == 0:
            return []
        if found:
            # representability is judged off the orbits (each column shuffled on its own), where
            # quantities constant per trajectory do not make every product look like a library term
            generic = np.column_stack([rng_from(0).permutation(column) for column in states.T])
            found_values = [np.broadcast_to(to_function(e, self.names_)(*generic.T), (len(generic),)) for e in found]
            targets = np.column_stack(found_values + [a * b for i, a in enumerate(found_values) for b in found_values[i:]])
            design = np.column_stack([np.ones(len(generic)), library.values(generic)])
            coefficients, *_ = np.linalg.lstsq(design, targets, rcond=None)
            misfit = np.linalg.norm(design @ coefficients - targets, axis=0) / np.maximum(np.linalg.norm(targets, axis=0), 1e-300)
            known, _ = np.linalg.qr(coefficients[1:, misfit < 1e-6] * norms[:, None])
            null = null - known @ (known.T @ null)  # columns were unit length: what is left measures what is new
        directions, strengths, _ = np.linalg.svd(null, full_matrices=False)
        unread = []
        for direction in directions[:, strengths > 0.5].T:
            weight = np.abs(direction)
            keep = np.flatnonzero(weight > 1e-3 * weight.max())
            unread.append(library.closed_form(snap_coefficients(direction[keep] / norms[keep], 12, 0.02), list(keep)))
        return unread

    @staticmethod
    def _events(trajectory: np.ndarray) -> np.ndarray:
        """Trajectory ids as events; with fewer than MIN_EVENTS trajectories each is cut into
        consecutive segments (a conserved quantity is constant on every segment too)."""
        labels, inverse = np.unique(trajectory, return_inverse=True)
        pieces = int(np.ceil(MIN_EVENTS / len(labels)))
        if pieces == 1:
            return inverse
        events = np.empty(len(trajectory), dtype=int)
        for k in range(len(labels)):
            rows = np.flatnonzero(inverse == k)
            events[rows] = k * pieces + np.minimum(np.arange(len(rows)) * pieces // len(rows), pieces - 1)
        return events

    def _judge(self, candidates, states, trajectory, train) -> None:
        from physlens.expr import to_function

        names = self.names_
        conserved, shares, thresholds, approximate = [], [], [], []
        for expression in candidates:
            values = np.broadcast_to(to_function(expression, names)(*states[train].T), (int(train.sum()),))
            share = within_share(values, trajectory[train])
            # never looser than tolerance: undersampled motion can look as rough as white noise
            threshold = min(max(self.noise_margin * white_noise_share(values, trajectory[train]), self.min_share), self.tolerance)
            if share <= threshold:
                conserved.append(expression)
                shares.append(share)
                thresholds.append(threshold)
            else:
                approximate.append((expression, share, threshold))
        points = states[train][rng_from(0).choice(int(train.sum()), min(300, int(train.sum())), replace=False)]
        independent = independent_subset(conserved, names, points) if conserved else []
        self.quantities_ = [conserved[i] for i in independent]
        self.dependent_ = [e for i, e in enumerate(conserved) if i not in independent]
        self.shares_ = [shares[i] for i in independent]
        self.thresholds_ = [thresholds[i] for i in independent]
        self.approximate_ = approximate
        self.n_conserved_ = len(self.quantities_)
        self.held_out_shares_ = None
        if (~train).any():
            self.held_out_shares_ = []
            self._held_out_thresholds = []
            for expression in self.quantities_:
                values = np.broadcast_to(to_function(expression, names)(*states[~train].T), (int((~train).sum()),))
                self.held_out_shares_.append(within_share(values, trajectory[~train]))
                self._held_out_thresholds.append(min(max(self.noise_margin * white_noise_share(values, trajectory[~train]), self.min_share),
                                                     self.tolerance))

    def interpret(self) -> Interpretation:
        self._check_is_fitted("quantities_")
        verdicts: list[Verdict] = []
        for k, (expression, share, threshold) in enumerate(zip(self.quantities_, self.shares_, self.thresholds_), start=1):
            verdicts.append(conservation_verdict(f"C{k}", expression, share, threshold, "on the trajectories fitted"))
            if self.held_out_shares_ is not None:
                verdicts.append(conservation_verdict(f"C{k}", expression, self.held_out_shares_[k - 1], self._held_out_thresholds[k - 1],
                                                     "on held-out trajectories"))
        if self.held_out_shares_ is None:
            verdicts.append(Verdict("held-out trajectories", None, None, f"{self.n_trajectories_} trajectories: fewer than 8, none held out"))
        for expression, share, threshold in self.approximate_:
            verdicts.append(Verdict("conserved only approximately", False, share,
                                    f"{expression}: {share:.2e} of its variance lies within trajectories, above the noise floor's "
                                    f"{threshold:.2e}; not counted (informative)", blocking=False))
        if not self.quantities_:
            verdicts.append(Verdict("a conserved quantity", False, 0.0,
                                    f"no combination of the library (degree <= {self.max_degree}, {len(self.extra_terms)} extra terms) is constant "
                                    "along the trajectories within the noise floor"))
        return Interpretation(
            kind="invariant",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=all_blocking_passed(verdicts),
            summary=f"{self.n_conserved_} independent conserved quantities of ({', '.join(self.names_)}) from {self.n_trajectories_} trajectories",
            expressions={f"C{k}": e for k, e in enumerate(self.quantities_, start=1)},
            values={"n_conserved": self.n_conserved_, "shares": self.shares_, "thresholds": self.thresholds_,
                    "held_out_shares": self.held_out_shares_, "dependent": [str(e) for e in self.dependent_],
                    "approximate": [{"expression": str(e), "share": s, "threshold": t} for e, s, t in self.approximate_]},
            verdicts=verdicts,
            reasons=[f"{v.name}: {v.reason}" for v in verdicts if v.blocking and v.passed is False],
        )
