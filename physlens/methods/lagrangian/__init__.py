"""Lagrangian neural networks (Cranmer et al. 2020): ``network`` holds :class:`LagrangianNN`."""

from physlens.methods.lagrangian.network import LagrangianNN

__all__ = ["LagrangianNN"]
