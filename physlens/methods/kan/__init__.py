"""Kolmogorov-Arnold networks (Liu et al. 2024): ``edges`` snaps one edge to a library
function, ``network`` is the spline network and its training, ``estimator`` the
:class:`KolmogorovArnoldNetwork` that fits, prunes and snaps it into a formula."""

from physlens.methods.kan.edges import SNAP_LIBRARY, edge_candidates, fit_edge
from physlens.methods.kan.estimator import AUTO_WIDTHS, KolmogorovArnoldNetwork

__all__ = ["AUTO_WIDTHS", "KolmogorovArnoldNetwork", "SNAP_LIBRARY", "edge_candidates", "fit_edge"]
