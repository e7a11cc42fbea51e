"""Inverse Ising / Potts baselines: pseudo-likelihood maximisation and naive mean-field
inversion of the correlations."""

from __future__ import annotations

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import SEED_RULE, Taxonomy, nonnegative_number, positive_int, register
from physlens.methods.couplings.base import SHARED_ATTRIBUTES_DOC, _CouplingMethod
from physlens.methods.couplings.masked_spin import one_hot_inputs, site_cross_entropy
from physlens.methods.couplings.readout import connected_correlations, potts_from_inverse, reduced_one_hot
from physlens.methods._torch import minimize_lbfgs

_TAXONOMY = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")


@register("pseudo_likelihood")
class PseudoLikelihood(_CouplingMethod):
    __doc__ = f"""Pseudo-likelihood maximisation of a generalised Potts model (Ekeberg et al.,
    PRE 87, 012707, 2013; Aurell & Ekeberg, PRL 108, 090201, 2012) with L2 penalty
    ``l2`` x sum_ij ||J_ij||^2 / N (full-batch L-BFGS, float32). Each site's conditional
    is fitted with its own J_ij; J_ij and J_ji are averaged afterwards.

    Parameters
    ----------
    l2 : float, default 1e-3
        Strength of the L2 penalty on the couplings.
    max_iter : int, default 500
        L-BFGS iterations at most.
    random_state : int, numpy Generator/RandomState or None, default None
        Accepted like every coupling method's; this fit has no randomness (L-BFGS from
        zero couplings), so it gives the same result for every value.

    Attributes
    ----------
    n_iter_ : int
        L-BFGS iterations used.
    {SHARED_ATTRIBUTES_DOC}
    """

    taxonomy = _TAXONOMY
    parameter_rules = {
        "random_state": SEED_RULE,
        "l2": (nonnegative_number, "a finite number >= 0"),
        "max_iter": (positive_int, "an integer >= 1"),
    }

    def __init__(self, *, l2: float = 1e-3, max_iter: int = 500, random_state: int | None = None):
        self.l2 = l2
        self.max_iter = max_iter
        self.random_state = random_state

    def _learn(self, index, n_states):
        import torch

        dtype = torch.float32
        inputs, targets = one_hot_inputs(index, n_states, dtype)
        N, q = index.shape[1], n_states
        mask = (1.0 - torch.eye(N, dtype=dtype))[:, None, :, None]
        J = torch.zeros((N, q, N, q), dtype=dtype, requires_grad=True)
        h = torch.zeros((N, q), dtype=dtype, requires_grad=True)

        def loss_fn():
            Jm = J * mask
            return site_cross_entropy(Jm, h, inputs, targets, q) + self.l2 * (Jm**2).sum() / N

        self.n_iter_ = minimize_lbfgs([J, h], loss_fn, self.max_iter)
        return (J * mask).detach().numpy(), h.detach().numpy()


@register("mean_field")
class MeanFieldInversion(_CouplingMethod):
    __doc__ = f"""Naive mean-field inversion J = -C^{{-1}} of the connected correlations of
    the one-hot states, last state dropped (Kappen & Rodriguez 1998; mfDCA, Morcos et al.,
    PNAS 2011), with an optional pseudo-count. Deterministic: no ``random_state``.

    Parameters
    ----------
    pseudocount : float, default 0.0
        Weight in [0, 1) of a uniform distribution mixed into the frequencies; > 0
        regularises a singular correlation matrix (a site that never changes state).

    Attributes
    ----------
    {SHARED_ATTRIBUTES_DOC}
    """

    taxonomy = _TAXONOMY
    parameter_rules = {"pseudocount": (lambda v: nonnegative_number(v) and v < 1, "a number in [0, 1)")}

    def __init__(self, *, pseudocount: float = 0.0):
        self.pseudocount = pseudocount

    def _learn(self, index, n_states):
        N = index.shape[1]
        covariance = connected_correlations(index, n_states, self.pseudocount)
        condition = np.linalg.cond(covariance)
        if not np.isfinite(condition) or condition > 1e12:
            frozen = np.flatnonzero(reduced_one_hot(index, n_states).std(axis=0) == 0)
            hint = f"; site {frozen[0] // (n_states - 1)} never changes state" if frozen.size else ""
            raise DataError(f"the correlation matrix is singular (condition {condition:.3g}){hint}; set pseudocount > 0, e.g. 0.1")
        return potts_from_inverse(np.linalg.inv(covariance), N, n_states), np.zeros((N, n_states))
