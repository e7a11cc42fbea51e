"""Hamiltonian neural networks (Greydanus et al., NeurIPS 2019) and the plain network they
are compared with (``networks``), and the state functions both use (``state``)."""

from physlens.methods.hamiltonian.networks import HamiltonianNN, PlainDynamicsNN
from physlens.methods.hamiltonian.state import StateFeatures, energy_drift, rollout, rotation_invariants

__all__ = ["HamiltonianNN", "PlainDynamicsNN", "StateFeatures", "energy_drift", "rollout", "rotation_invariants"]
