"""Interaction strengths from spin samples: attention read as physics, and the baselines.

Every method here sees samples s (n x N, integer states) and returns an N x N matrix
of couplings in the generalised-Potts form P(s) ~ exp(sum_{i<j} J_ij(s_i, s_j) +
sum_i h_i(s_i)), read out in the zero-sum gauge as one signed number per pair:

- two states (Ising, mapped to -1/+1): J_ij in exp(J_ij s_i s_j);
- q > 2 states (Potts): J_ij in exp(J_ij delta(s_i, s_j)), the projection of the
  zero-sum-gauged q x q block on (delta_ab - 1/q).

Methods:
- :class:`FactoredAttention` - one layer of factored self-attention (attention weights
  depend on positions only, values on spin states) trained by masked-spin prediction.
  Rende, Gerace, Laio, Goldt, "Mapping of attention mechanisms to a generalized Potts
  model", Phys. Rev. Research 6, 023057 (2024): its masked-prediction loss is the
  pseudo-likelihood of a Potts model with J_ij(a, b) = sum_h A^h_ij V^h_ab, so the
  couplings are read straight from the trained weights.
- :class:`TransformerLayer` - a vanilla transformer layer (attention on spin + position
  embeddings, feed-forward block) trained the same way, for contrast; its couplings are
  read post hoc from how its predictions respond to flipping each other spin.
- :class:`PseudoLikelihood` - asymmetric pseudo-likelihood maximisation (Ekeberg et
  al., PRE 87, 012707 (2013); Aurell & Ekeberg PRL 108, 090201 (2012)) with L2.
- :class:`MeanFieldInversion` - naive mean-field inversion J = -C^{-1} (Kappen &
  Rodriguez 1998; mfDCA, Morcos et al. PNAS 2011).

Modules: :mod:`.readout` (samples in, gauge read-out), :mod:`.masked_spin` (the loss),
:mod:`.base` (what the estimators share), :mod:`.inverse_ising`, :mod:`.attention`.
Importing the package registers the four estimators.
"""

from physlens.methods.couplings.attention import FactoredAttention, TransformerLayer
from physlens.methods.couplings.inverse_ising import MeanFieldInversion, PseudoLikelihood

__all__ = ["FactoredAttention", "MeanFieldInversion", "PseudoLikelihood", "TransformerLayer"]
