"""Symbolic gradients (Wetzel 2024/2025): closed forms whose gradients match a network's,
or that are constant within events. ``estimator`` holds :class:`SymbolicGradients`;
``library`` the terms searched over; ``quotients`` the eigenproblems it solves."""

from physlens.methods.symbolic_gradients.estimator import SymbolicGradients

__all__ = ["SymbolicGradients"]
