"""The masked-spin loss that pseudo-likelihood and attention minimise: -log P(s_i | s_rest)
of a generalised Potts model with couplings J_ij(a, b) and fields h_i(a), in torch.
"""

from __future__ import annotations

import numpy as np

from physlens.methods.couplings.readout import reduced_one_hot


def one_hot_inputs(index: np.ndarray, n_states: int, dtype):
    """One-hot inputs without the last state (the rest is implied) and targets, as tensors."""
    import torch

    targets = torch.tensor(index, dtype=dtype if n_states == 2 else torch.long)
    return torch.tensor(reduced_one_hot(index, n_states), dtype=dtype), targets


def _potts_logits(J, h, inputs, n_states):
    """Conditional logits of every site given all others: h_i(a) + sum_j J_ij(a, s_j).

    J (N, q, N, q) must have zero diagonal blocks; inputs are one-hot minus last state."""
    N = J.shape[0]
    q = n_states
    reduced = (J[:, :, :, : q - 1] - J[:, :, :, q - 1 :]).reshape(N * q, N * (q - 1))
    constant = J[:, :, :, q - 1].sum(dim=2)
    return (inputs @ reduced.T).reshape(-1, N, q) + constant + h


def site_cross_entropy(J, h, inputs, targets, n_states):
    """Mean over samples and sites of -log P(s_i | s_rest) (the masked-spin loss)."""
    import torch.nn.functional as F

    if n_states == 2:
        # two states: only the logit margin matters, one (n, N) x (N, N) product
        D = (J[:, 1, :, 0] - J[:, 1, :, 1]) - (J[:, 0, :, 0] - J[:, 0, :, 1])
        offset = (h[:, 1] - h[:, 0]) + (J[:, 1, :, 1] - J[:, 0, :, 1]).sum(dim=1)
        margin = inputs @ D.T + offset
        return F.softplus(-(2.0 * targets - 1.0) * margin).mean()
    logits = _potts_logits(J, h, inputs, n_states)
    return F.cross_entropy(logits.reshape(-1, n_states), targets.reshape(-1))
