"""The interaction graph: which pairs are bonds. The threshold on |J_ij| is chosen from
the data in two steps, the same for every coupling method:

1. a null level: the largest |J_ij| that naive mean-field inversion reads from the same
   samples with each spin's column shuffled independently (shuffling destroys every
   coupling but keeps every field, so this is the size of J that sampling noise alone
   produces; it is never zero, unlike the J_ij vs J_ji disagreement of mean-field);
2. the widest gap: among the |J_ij| above the null level, sorted, the largest ratio
   between neighbours (the null level itself closes the list). The bonds are the pairs
   above it, the threshold the geometric mean of the two sides. A ratio below
   ``MIN_GAP`` means bonds and non-bonds are not separated, and says so; so does a
   complete graph (every pair a bond), which the null cannot tell from collective order.

Why not the null alone: in a coupled system a non-bond's |J| is noisier than between
independent spins (and mean-field adds systematic next-neighbour couplings), so the
null level is a floor, not the cut; on the 36-spin tour lattice the null level is ~0.04,
the largest non-bond ~0.09 and the weakest bond ~0.31.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from physlens.methods.couplings.readout import connected_correlations, gauge_readout, potts_from_inverse

MIN_GAP = 1.5  # weakest bond at least 1.5 x the strongest non-bond
NULL_SHUFFLES = 3


@dataclass(frozen=True)
class BondThreshold:
    """Where bonds end: ``threshold`` on |J_ij|, the ``null_level`` below which nothing is
    a bond, ``gap`` = weakest bond / strongest non-bond above the null (1 when none)."""

    threshold: float
    null_level: float
    gap: float

    def trusted(self, n_bonds: int, n_pairs: int) -> bool:
        """A gap of ``MIN_GAP`` with bonds on one side and non-bonds on the other: a complete
        graph has no non-bond to set the gap against, only the independent-spin null, which
        underestimates the noise of collectively ordered samples (an ordered phase)."""
        return self.gap >= MIN_GAP and 0 < n_bonds < n_pairs

    def rule(self, n_bonds: int, n_pairs: int) -> str:
        null = (f"above the shuffled-sample null {self.null_level:.3g} (the largest |J| mean-field inversion reads from "
                f"the samples with each spin's column shuffled independently, {NULL_SHUFFLES} shuffles)")
        if self.gap < MIN_GAP:
            return (f"{n_bonds} pairs have |J| {null}, but no gap of a factor {MIN_GAP:g} separates bonds from non-bonds "
                    f"(widest {self.gap:.2f}); the graph is not trusted")
        if n_bonds == n_pairs:
            return (f"all {n_pairs} pairs have |J| > {self.threshold:.3g} {null}: a complete graph, with no non-bond to set "
                    "a gap against, cannot be told from collective order (samples in an ordered phase); not trusted")
        return (f"{n_bonds} bonds at |J| > {self.threshold:.3g}, the widest gap in the sorted |J| {null}: weakest bond / "
                f"strongest non-bond = {self.gap:.2f} (>= {MIN_GAP:g} passes)")


def shuffled_null_level(index: np.ndarray, n_states: int, rng: np.random.Generator, shuffles: int = NULL_SHUFFLES) -> float:
    """Largest |J_ij| (i < j) of mean-field inversion over ``shuffles`` copies of the
    samples (state indices, n x N) with each column permuted independently."""
    n, N = index.shape
    upper = np.triu_indices(N, k=1)
    level = 0.0
    for _ in range(shuffles):
        shuffled = np.column_stack([rng.permutation(index[:, i]) for i in range(N)])
        # pseudo-inverse: a site that never changes state gives a singular block, not an error
        inverse = np.linalg.pinv(connected_correlations(shuffled, n_states))
        couplings, *_ = gauge_readout(potts_from_inverse(inverse, N, n_states), np.zeros((N, n_states)), n_states == 2)
        level = max(level, float(np.abs(couplings[upper]).max()))
    return level


def bond_threshold(couplings: np.ndarray, null_level: float, min_gap: float = MIN_GAP) -> BondThreshold:
    """The threshold at the widest ratio gap among the |J_ij| above ``null_level``."""
    upper = np.triu_indices(couplings.shape[0], k=1)
    strengths = np.sort(np.abs(couplings[upper]))[::-1]
    above = strengths[strengths > null_level]
    if above.size == 0:
        return BondThreshold(float(null_level), float(null_level), 1.0)
    ladder = np.append(above, null_level)
    with np.errstate(divide="ignore"):
        ratios = ladder[:-1] / ladder[1:]
    widest = int(np.argmax(ratios))
    gap = float(ratios[widest])
    if gap < min_gap:
        return BondThreshold(float(null_level), float(null_level), gap)
    return BondThreshold(float(np.sqrt(ladder[widest] * ladder[widest + 1])), float(null_level), gap)


def bond_pairs(couplings: np.ndarray, threshold: float) -> np.ndarray:
    """(k, 2) pairs i < j with |J_ij| > threshold, strongest first."""
    upper = np.triu_indices(couplings.shape[0], k=1)
    strengths = np.abs(couplings[upper])
    keep = np.flatnonzero(strengths > threshold)
    keep = keep[np.argsort(-strengths[keep], kind="stable")]
    return np.column_stack([upper[0][keep], upper[1][keep]]).astype(np.int64)
