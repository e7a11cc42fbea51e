"""Datasets, loaders and simulators. Nothing here imports :mod:`physlens.methods`."""

from physlens.data.dataset import Dataset, Truth, Variable, add_noise

__all__ = ["Dataset", "Truth", "Variable", "add_noise"]
