"""physlens: interpretable machine learning for physics.

Data -> ML model -> interpretability layer -> human-readable output, with every
interpretation validated against physics (Wetzel et al., arXiv 2503.23616).
Heavy backends (pyoperon, torch, pysindy) are imported lazily so that
``import physlens`` stays fast.
"""

from physlens.errors import PhyslensError

__version__ = "0.1.0"
__all__ = ["PhyslensError", "__version__"]
