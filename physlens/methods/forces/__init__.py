"""Pairwise interactions of particles and agents, read from neural networks.

- :class:`GraphNetwork` (``graph_network``): a graph network with bottlenecked messages,
  distilled by symbolic regression (Cranmer et al., NeurIPS 2020);
- :class:`NeighbourAttention` (``attention``): AgentNet-style attention over neighbours
  (Han, Liu et al. 2022), read as an interaction radius and strength profile.
"""

from physlens.methods.forces.arrays import check_particle_array
from physlens.methods.forces.attention import NeighbourAttention
from physlens.methods.forces.graph_network import GraphNetwork, refit_on_accelerations

__all__ = ["GraphNetwork", "NeighbourAttention", "check_particle_array", "refit_on_accelerations"]
