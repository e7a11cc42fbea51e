"""Methods: one module per family; each method is an estimator with a taxonomy.
Nothing here imports :mod:`physlens.report`."""

from physlens.methods.base import Interpretation, Method, Taxonomy, available_methods, register

__all__ = ["Interpretation", "Method", "Taxonomy", "available_methods", "register"]
