"""Invariants and conserved quantities: Siamese twins (Wetzel et al., PRR 2020) read with
symbolic gradients (``siamese``), and the invariants of the symmetry a conserved quantity
generates (``symmetry``)."""

from physlens.methods.invariants.siamese import LibraryInvariants, SiameseInvariants
from physlens.methods.invariants.symmetry import symmetry_invariants

__all__ = ["LibraryInvariants", "SiameseInvariants", "symmetry_invariants"]
