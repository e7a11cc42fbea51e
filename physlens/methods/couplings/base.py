"""What the coupling methods share: fitting from spin samples, the gauge read-out, and the
interpretation with its checks. A subclass implements ``_learn(index, n_states)``, which
returns the generalised-Potts J_ij(a, b) (N, q, N, q) and fields h_i(a) (N, q).
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import Interpretation, Method, rng_from
from physlens.methods.couplings.edges import BondThreshold, bond_pairs, bond_threshold, shuffled_null_level
from physlens.methods.couplings.readout import encode_spins, gauge_readout, strongest_pairs
from physlens.validate.verdict import Verdict, all_blocking_passed

# The Attributes every coupling method documents, formatted into each estimator's
# docstring (numpydoc wants them in full on each class).
SHARED_ATTRIBUTES_DOC = """couplings_ : ndarray of shape (n_spins, n_spins)
        Symmetric couplings, zero diagonal: J in exp(J s_i s_j) with states mapped to
        -1/+1 (two states) or J in exp(J delta(s_i, s_j)) (q > 2 states).
    fields_ : ndarray
        Fields h_i, (n_spins,) for two states or zero-sum gauged (n_spins, q).
    asymmetric_couplings_ : ndarray of shape (n_spins, n_spins)
        J_ij as fitted at site i, before averaging with J_ji.
    potts_couplings_ : ndarray of shape (n_spins, q, n_spins, q)
        The full J_ij(a, b) in the zero-sum gauge.
    states_ : ndarray
        The spin states, sorted.
    model_ : str
        "ising" (two states) or "potts".
    n_samples_, n_spins_ : int
        Shape of the samples fitted.
    null_level_ : float
        Largest |J_ij| read from the samples with each spin's column shuffled
        independently (no bond can be weaker).
    bond_threshold_ : float
        |J_ij| above which a pair is a bond, at the widest gap above the null level.
    bond_gap_ : float
        Weakest bond / strongest non-bond above the null level (bonds are trusted from 1.5).
    bonds_ : ndarray of shape (n_bonds, 2)
        The interaction graph: pairs i < j with |J_ij| > bond_threshold_, strongest first.
    fit_seconds_ : float
        Wall-clock time of the learning step."""


class _CouplingMethod(Method):
    """Shared validation, read-out and interpretation of the coupling methods."""

    consumes: ClassVar[str] = "spin_samples"
    interpretation_kind: ClassVar[str] = "couplings"

    def fit_dataset(self, dataset) -> "_CouplingMethod":
        if dataset.kind != "spin_samples":
            raise DataError(f"{type(self).__name__} needs a 'spin_samples' dataset, got kind {dataset.kind!r}")
        return self.fit(dataset["spins"], states=dataset.provenance.get("states"))

    def fit(self, spins, states=None) -> "_CouplingMethod":
        """``spins``: (n_samples, n_spins) integer states; ``states``: the allowed values
        (default: those that occur)."""
        self._validate_parameters()
        index, state_values = encode_spins(spins, states)
        start = time.perf_counter()
        potts_couplings, potts_fields = self._learn(index, state_values.size)
        self.fit_seconds_ = time.perf_counter() - start
        self.states_ = state_values
        self.model_ = "ising" if state_values.size == 2 else "potts"
        self.n_samples_, self.n_spins_ = index.shape
        couplings, fields, asymmetric, gauged = gauge_readout(potts_couplings, potts_fields, self.model_ == "ising")
        self.couplings_ = couplings
        self.fields_ = fields
        self.asymmetric_couplings_ = asymmetric
        self.potts_couplings_ = gauged
        # methods without randomness (mean-field) still shuffle the same way every fit
        rng = rng_from(getattr(self, "random_state", 0))
        self.null_level_ = shuffled_null_level(index, state_values.size, rng)
        threshold = bond_threshold(couplings, self.null_level_)
        self.bond_threshold_, self.bond_gap_ = threshold.threshold, threshold.gap
        self.bonds_ = bond_pairs(couplings, self.bond_threshold_)
        return self

    def _learn(self, index: np.ndarray, n_states: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def interpret(self) -> Interpretation:
        """The couplings and their interaction graph with its checks (a bond threshold that
        separates bonds from non-bonds, agreement of J_ij and J_ji); scoring them against
        known couplings is :func:`physlens.validate.couplings.coupling_verdicts` and
        :func:`physlens.validate.couplings.edge_precision_recall`."""
        self._check_is_fitted("couplings_")
        verdicts = []
        difference = (self.asymmetric_couplings_ - self.asymmetric_couplings_.T) / 2.0
        upper = np.triu_indices(self.n_spins_, k=1)
        consistency = float(np.linalg.norm(difference[upper]) / max(np.linalg.norm(self.couplings_[upper]), 1e-300))
        if consistency > 1e-9:  # mean-field is symmetric by construction (up to round-off): nothing to compare
            verdicts.append(
                Verdict(
                    "row consistency",
                    consistency <= 0.5,
                    consistency,
                    f"J_ij (fitted at site i) and J_ji (at site j) disagree by {consistency:.2f} of ||J|| (<= 0.5 passes)",
                )
            )
        n_bonds = len(self.bonds_)
        threshold = BondThreshold(self.bond_threshold_, self.null_level_, self.bond_gap_)
        n_pairs = len(upper[0])
        verdicts.insert(0, Verdict("bond threshold", threshold.trusted(n_bonds, n_pairs), threshold.gap, threshold.rule(n_bonds, n_pairs)))
        found = all_blocking_passed(verdicts)
        reasons = [] if found else [v.reason for v in verdicts if v.passed is False]
        top = strongest_pairs(self.couplings_)
        convention = "J s_i s_j (states mapped to -1/+1)" if self.model_ == "ising" else "J delta(s_i, s_j)"
        summary = (
            f"{self.n_spins_} spins, {self.n_samples_} samples, {self.states_.size} states; {n_bonds} bonds at |J| > "
            f"{threshold.threshold:.3g} ({n_pairs} pairs); strongest: "
            + ", ".join(f"J[{i},{j}] = {v:+.3f}" for i, j, v in top[:5]) + f"; convention {convention}"
        )
        edges = [{"i": int(i), "j": int(j), "coupling": float(self.couplings_[i, j])} for i, j in self.bonds_]
        return Interpretation(
            kind="couplings",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=summary,
            values={
                "n_samples": self.n_samples_,
                "n_spins": self.n_spins_,
                "states": self.states_.tolist(),
                "model": self.model_,
                "convention": convention,
                "edges": edges,
                "n_edges": n_bonds,
                "bond_threshold": threshold.threshold,
                "bond_threshold_rule": threshold.rule(n_bonds, n_pairs),
                "null_level": threshold.null_level,
                "bond_gap": threshold.gap,
                "strongest": [{"i": i, "j": j, "coupling": v} for i, j, v in top],
                "fit_seconds": self.fit_seconds_,
            },
            arrays={"couplings": self.couplings_, "fields": self.fields_},
            verdicts=verdicts,
            reasons=reasons,
        )
