"""What the coupling methods share: fitting from spin samples, the gauge read-out, and the
interpretation with its checks. A subclass implements ``_learn(index, n_states)``, which
returns the generalised-Potts J_ij(a, b) (N, q, N, q) and fields h_i(a) (N, q).
"""

from __future__ import annotations

import math
import time
from typing import ClassVar

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import Interpretation, Method
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
        return self

    def _learn(self, index: np.ndarray, n_states: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def interpret(self) -> Interpretation:
        """The couplings with their checks (agreement of J_ij and J_ji, pairs above the
        noise floor); scoring them against known couplings is
        :func:`physlens.validate.couplings.coupling_verdicts`."""
        self._check_is_fitted("couplings_")
        verdicts = []
        difference = (self.asymmetric_couplings_ - self.asymmetric_couplings_.T) / 2.0
        upper = np.triu_indices(self.n_spins_, k=1)
        noise = float(np.sqrt(np.mean(difference[upper] ** 2)))
        if noise > 0:
            floor = 4.0 * noise
            floor_reason = f"4 x the RMS disagreement between J_ij and J_ji estimated from different sites ({noise:.3g})"
            consistency = float(np.linalg.norm(difference[upper]) / max(np.linalg.norm(self.couplings_[upper]), 1e-300))
            verdicts.append(
                Verdict(
                    "row consistency",
                    consistency <= 0.5,
                    consistency,
                    f"J_ij (fitted at site i) and J_ji (at site j) disagree by {consistency:.2f} of ||J|| (<= 0.5 passes)",
                )
            )
        else:
            floor = 4.0 / math.sqrt(self.n_samples_)
            floor_reason = "4 / sqrt(n), the sampling error of a correlation"
        significant = int((np.abs(self.couplings_[upper]) > floor).sum())
        verdicts.append(
            Verdict(
                "above noise floor",
                significant > 0,
                float(significant),
                f"{significant} of {upper[0].size} pairs exceed |J| > {floor:.3g}, {floor_reason}",
            )
        )
        found = all_blocking_passed(verdicts)
        reasons = [] if found else [v.reason for v in verdicts if v.passed is False]
        top = strongest_pairs(self.couplings_)
        convention = "J s_i s_j (states mapped to -1/+1)" if self.model_ == "ising" else "J delta(s_i, s_j)"
        summary = (
            f"{self.n_spins_} spins, {self.n_samples_} samples, {self.states_.size} states; {significant} couplings above the noise floor; "
            f"strongest: " + ", ".join(f"J[{i},{j}] = {v:+.3f}" for i, j, v in top[:5]) + f"; convention {convention}"
        )
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
                "noise_floor": floor,
                "significant_pairs": significant,
                "strongest": [{"i": i, "j": j, "coupling": v} for i, j, v in top],
                "fit_seconds": self.fit_seconds_,
            },
            arrays={"couplings": self.couplings_, "fields": self.fields_},
            verdicts=verdicts,
            reasons=reasons,
        )
