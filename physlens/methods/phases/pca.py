"""The order parameter as the leading principal components of the spin configurations
(Wang, "Discovering phase transitions with unsupervised learning", PRB 94, 195105, 2016)."""

from __future__ import annotations

import numpy as np

from physlens.methods.base import optional, positive_int, register, rng_from
from physlens.methods.phases.base import SHARED_ATTRIBUTES_DOC, SHARED_PARAMETERS_DOC, _PhaseMethod


@register("phases-pca")
class PCAPhases(_PhaseMethod):
    __doc__ = f"""Order parameter = norm of the projection on the leading q-1 principal
    components of the spin configurations (Wang, PRB 94, 195105, 2016); T_c from the
    finite-size scaling of that norm's Binder cumulant, or from one size the bracket of
    its fluctuation peak (see :mod:`physlens.methods.phases.critical`).

    Parameters
    ----------
    n_components : int or None, default None
        Principal components kept; None keeps q - 1 (2 for q > 3 states).
    {SHARED_PARAMETERS_DOC}

    Attributes
    ----------
    explained_variance_ratio_ : dict[int, ndarray]
        Variance explained by each kept component, per lattice size.
    components_ : dict[int, ndarray]
        The kept principal components (n_components, channels * L^2), per size.
    {SHARED_ATTRIBUTES_DOC}
    """

    description = "norm of the leading principal components of the spin configurations"
    parameter_rules = {
        **_PhaseMethod.parameter_rules,
        "n_components": (optional(positive_int), "None (q - 1) or an integer >= 1"),
    }

    def __init__(self, *, n_components: int | None = None, bootstrap: int = 20, random_state: int | None = None):
        self.n_components = n_components
        self.bootstrap = bootstrap
        self.random_state = random_state

    def _learn(self, encoded, temps, seed):
        from sklearn.decomposition import PCA

        n_comp = self.n_components or self.n_components_
        self.n_components_ = n_comp
        self.explained_variance_ratio_ = {}
        self.components_ = {}
        values, curves = [], {}
        for x, t in zip(encoded, temps):
            flat = x.reshape(len(x), -1).astype(float)
            # Randomised SVD (Halko et al.): only the leading components are needed, which
            # keeps large lattices (d = L^2 or 2 L^2 features) cheap; seeded, so reproducible.
            pca = PCA(n_components=n_comp, svd_solver="randomized", random_state=seed).fit(flat)
            # Project without re-centring: the symmetric (disordered) state maps to 0.
            order = np.linalg.norm(flat @ pca.components_.T, axis=1)
            L = x.shape[-1]
            self.explained_variance_ratio_[L] = pca.explained_variance_ratio_
            self.components_[L] = pca.components_
            values.append(order)
            curves[L] = self._scaling_curve(t, order, rng_from(seed))
        return values, curves
