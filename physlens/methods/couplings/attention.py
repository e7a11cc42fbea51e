"""Attention read as physics: one layer of factored self-attention, whose weights are the
couplings of a generalised Potts model, and a vanilla transformer layer for contrast
(Rende, Gerace, Laio, Goldt, Phys. Rev. Research 6, 023057, 2024)."""

from __future__ import annotations

import math

import numpy as np

from physlens.methods.base import (
    SEED_RULE,
    Taxonomy,
    check_parameter,
    nonnegative_number,
    one_of,
    optional,
    positive_int,
    positive_number,
    register,
)
from physlens.methods.couplings.base import SHARED_ATTRIBUTES_DOC, _CouplingMethod
from physlens.methods.couplings.masked_spin import one_hot_inputs, site_cross_entropy
from physlens.methods._torch import minimize_lbfgs, torch_generator


@register("factored_attention")
class FactoredAttention(_CouplingMethod):
    __doc__ = f"""One layer of factored self-attention trained by masked-spin prediction
    (Rende, Gerace, Laio, Goldt, "Mapping of attention mechanisms to a generalized Potts
    model", Phys. Rev. Research 6, 023057, 2024): its masked-prediction loss is the
    pseudo-likelihood of a Potts model with J_ij(a, b) = sum_h A^h_ij V^h_ab, so the
    couplings are read straight from the trained weights.

    Site i's state is predicted from the others as
    logits_i(a) = b_i(a) + sum_h sum_{{j != i}} A^h_ij V^h[a, s_j], with attention
    A^h = (x W_Q^h)(x W_K^h)^T / sqrt(d) built from one-hot positional encodings x
    only, so Q^h = x W_Q^h and K^h are learned N x d matrices (``attention='softmax'``
    normalises each row as in a standard layer). The loss is the masked-spin cross entropy
    with L2 penalty ``l2`` on the effective couplings J_ij(a, b) = sum_h A^h_ij V^h_ab.
    Trained full batch with L-BFGS (deterministic for a given ``random_state``); above
    ``warm_start_samples`` samples, first on a random subset of that size, then
    ``max_iter // 4`` more iterations on all samples.

    Parameters
    ----------
    n_heads : int, default 2
        Attention heads.
    embedding_dim : int or None, default None
        Dimension d of queries and keys; None takes the number of spins.
    attention : {{"linear", "softmax"}}, default "linear"
        Raw scaled scores (linear, the Potts mapping) or row-normalised ones.
    l2 : float, default 1e-3
        Strength of the L2 penalty on the effective couplings.
    max_iter : int, default 1000
        L-BFGS iterations at most.
    warm_start_samples : int or None, default 20000
        Above this many samples, train first on a random subset of this size; None never.
    random_state : int, numpy Generator/RandomState or None, default None
        Seeds the initial weights and the warm-start subset.

    Attributes
    ----------
    attention_ : ndarray of shape (n_heads, n_spins, n_spins)
        The learned attention maps A^h.
    values_ : ndarray of shape (n_heads, q, q)
        The learned value matrices V^h.
    n_iter_ : int
        L-BFGS iterations used.
    {SHARED_ATTRIBUTES_DOC}
    """

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")
    parameter_rules = {
        "random_state": SEED_RULE,
        "n_heads": (positive_int, "an integer >= 1"),
        "embedding_dim": (optional(positive_int), "None (= number of spins) or an integer >= 1"),
        "attention": (one_of("linear", "softmax"), "'linear' or 'softmax'"),
        "l2": (nonnegative_number, "a finite number >= 0"),
        "max_iter": (positive_int, "an integer >= 1"),
        "warm_start_samples": (optional(positive_int), "None or an integer >= 1"),
    }

    def __init__(
        self,
        *,
        n_heads: int = 2,
        embedding_dim: int | None = None,
        attention: str = "linear",
        l2: float = 1e-3,
        max_iter: int = 1000,
        warm_start_samples: int | None = 20_000,
        random_state: int | None = None,
    ):
        self.n_heads = n_heads
        self.embedding_dim = embedding_dim
        self.attention = attention
        self.l2 = l2
        self.max_iter = max_iter
        self.warm_start_samples = warm_start_samples
        self.random_state = random_state

    def _attention(self, Q, K, eye):
        import torch

        d = Q.shape[2]
        scores = Q @ K.transpose(1, 2) / math.sqrt(d)  # (H, N, N)
        if self.attention == "softmax":
            scores = scores.masked_fill(eye.bool(), float("-inf"))
            return torch.softmax(scores, dim=2)
        return scores * (1.0 - eye)

    def _learn(self, index, n_states):
        import torch

        dtype = torch.float32
        inputs, targets = one_hot_inputs(index, n_states, dtype)
        N, q, H = index.shape[1], n_states, self.n_heads
        d = self.embedding_dim or N
        generator = torch_generator(self.random_state)

        def parameter(*shape, scale):
            return (torch.randn(*shape, generator=generator, dtype=dtype) * scale).requires_grad_(True)

        # one-hot positions x_i = e_i make the queries x_i W_Q the rows of Q (and so for K)
        Q = parameter(H, N, d, scale=1.0 / math.sqrt(d))
        K = parameter(H, N, d, scale=1.0 / math.sqrt(d))
        V = parameter(H, q, q, scale=0.1)
        b = torch.zeros((N, q), dtype=dtype, requires_grad=True)
        eye = torch.eye(N, dtype=dtype)

        def couplings():
            A = self._attention(Q, K, eye)
            return torch.einsum("hij,hab->iajb", A, V)

        def loss_fn():
            J = couplings()
            return site_cross_entropy(J, b, inputs, targets, q) + self.l2 * (J**2).sum() / N

        parameters = [Q, K, V, b]
        n = index.shape[0]
        if self.warm_start_samples is not None and n > self.warm_start_samples:
            # coarse to fine: most L-BFGS iterations on a random subset, then polish on all
            full = (inputs, targets)
            rows = torch.randperm(n, generator=generator)[: self.warm_start_samples]
            inputs, targets = full[0][rows], full[1][rows]
            warm = minimize_lbfgs(parameters, loss_fn, self.max_iter)
            inputs, targets = full
            self.n_iter_ = warm + minimize_lbfgs(parameters, loss_fn, max(1, self.max_iter // 4))
        else:
            self.n_iter_ = minimize_lbfgs(parameters, loss_fn, self.max_iter)
        with torch.no_grad():
            self.attention_ = self._attention(Q, K, eye).numpy()
            self.values_ = V.detach().numpy().copy()
            return couplings().numpy(), b.detach().numpy()


@register("transformer_layer")
class TransformerLayer(_CouplingMethod):
    __doc__ = f"""A vanilla transformer layer trained by masked-spin prediction, for contrast
    with :class:`FactoredAttention` (Rende et al., Phys. Rev. Research 6, 023057, 2024).
    Tokens are spin-state + position embeddings; site i's query is a [mask] embedding +
    position i, so all N masked predictions come from one pass; softmax attention
    (``n_heads``), residual, layer norm, feed-forward block, linear read-out. Couplings are
    read post hoc: J_ij(a, b) = mean over samples of log P_i(a | s with s_j set to b), in
    the zero-sum gauge. AdamW, minibatches, one-cycle learning rate.

    Parameters
    ----------
    n_heads : int, default 4
        Attention heads.
    embedding_dim : int, default 32
        Token dimension d, a multiple of ``n_heads``.
    epochs : int, default 40
        Passes over the samples.
    batch_size : int, default 256
        Samples per AdamW step.
    learning_rate : float, default 1e-2
        Peak learning rate of the one-cycle schedule.
    weight_decay : float, default 1e-4
        AdamW weight decay.
    readout_samples : int, default 1000
        Samples (a random subset) the couplings are read from.
    random_state : int, numpy Generator/RandomState or None, default None
        Seeds the initial weights, the batches and the read-out subset.

    Attributes
    ----------
    mean_attention_ : ndarray of shape (n_spins, n_spins)
        Attention averaged over heads and read-out samples.
    {SHARED_ATTRIBUTES_DOC}
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="low")
    parameter_rules = {
        "random_state": SEED_RULE,
        "n_heads": (positive_int, "an integer >= 1"),
        "embedding_dim": (positive_int, "a positive multiple of n_heads"),
        **{name: (positive_int, "an integer >= 1") for name in ("epochs", "batch_size", "readout_samples")},
        "learning_rate": (positive_number, "a finite number > 0"),
        "weight_decay": (nonnegative_number, "a finite number >= 0"),
    }

    def __init__(
        self,
        *,
        n_heads: int = 4,
        embedding_dim: int = 32,
        epochs: int = 40,
        batch_size: int = 256,
        learning_rate: float = 1e-2,
        weight_decay: float = 1e-4,
        readout_samples: int = 1000,
        random_state: int | None = None,
    ):
        self.n_heads = n_heads
        self.embedding_dim = embedding_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.readout_samples = readout_samples
        self.random_state = random_state

    def _validate_parameters(self) -> None:
        super()._validate_parameters()
        # a rule across two parameters: the heads split the embedding evenly
        check_parameter(type(self).__name__, "embedding_dim", self.embedding_dim, lambda v: v % self.n_heads == 0, "a positive multiple of n_heads")

    def _learn(self, index, n_states):
        import torch
        import torch.nn.functional as F

        n, N = index.shape
        q, H, d = n_states, self.n_heads, self.embedding_dim
        dh = d // H
        generator = torch_generator(self.random_state)

        def parameter(*shape, scale):
            return torch.nn.Parameter(torch.randn(*shape, generator=generator) * scale)

        weights = {
            "token": parameter(q + 1, d, scale=1.0),
            "position": parameter(N, d, scale=1.0),
            "Wq": parameter(d, d, scale=d**-0.5),
            "Wk": parameter(d, d, scale=d**-0.5),
            "Wv": parameter(d, d, scale=d**-0.5),
            "Wo": parameter(d, d, scale=d**-0.5),
            "W1": parameter(d, 2 * d, scale=d**-0.5),
            "b1": torch.nn.Parameter(torch.zeros(2 * d)),
            "W2": parameter(2 * d, d, scale=(2 * d) ** -0.5),
            "Wout": parameter(d, q, scale=d**-0.5),
            "bias": torch.nn.Parameter(torch.zeros(N, q)),
        }
        self_mask = torch.eye(N, dtype=torch.bool)

        def forward(batch):
            w = weights
            x = w["token"][batch] + w["position"]  # (B, N, d)
            query_tokens = w["token"][q] + w["position"]  # (N, d): site i masked
            Q = (query_tokens @ w["Wq"]).reshape(N, H, dh).transpose(0, 1)  # (H, N, dh)
            K = (x @ w["Wk"]).reshape(-1, N, H, dh).permute(0, 2, 1, 3)  # (B, H, N, dh)
            V = (x @ w["Wv"]).reshape(-1, N, H, dh).permute(0, 2, 1, 3)
            scores = torch.einsum("hid,bhjd->bhij", Q, K) / math.sqrt(dh)
            attention = torch.softmax(scores.masked_fill(self_mask, float("-inf")), dim=3)
            mixed = torch.einsum("bhij,bhjd->bihd", attention, V).reshape(-1, N, d)
            hidden = F.layer_norm(query_tokens + mixed @ w["Wo"], (d,))
            hidden = F.layer_norm(hidden + F.gelu(hidden @ w["W1"] + w["b1"]) @ w["W2"], (d,))
            return hidden @ w["Wout"] + w["bias"], attention

        data = torch.tensor(index, dtype=torch.long)
        optimizer = torch.optim.AdamW(list(weights.values()), lr=self.learning_rate, weight_decay=self.weight_decay)
        steps_per_epoch = -(-n // self.batch_size)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=self.learning_rate, total_steps=self.epochs * steps_per_epoch)
        for _ in range(self.epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, self.batch_size):
                batch = data[order[start : start + self.batch_size]]
                logits, _ = forward(batch)
                loss = F.cross_entropy(logits.reshape(-1, q), batch.reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
        # post-hoc read-out: response of every site's log-probabilities to setting s_j = b
        with torch.no_grad():
            rows = torch.randperm(n, generator=generator)[: min(n, self.readout_samples)]
            probe = data[rows]
            base_logits, attention = forward(probe)
            self.mean_attention_ = attention.mean(dim=(0, 1)).numpy()
            J = np.zeros((N, q, N, q))
            for j in range(N):
                for b in range(q):
                    changed = probe.clone()
                    changed[:, j] = b
                    logp = torch.log_softmax(forward(changed)[0], dim=2).mean(dim=0)  # (N, q)
                    J[:, :, j, b] = logp.numpy()
            h = torch.log_softmax(base_logits, dim=2).mean(dim=0).numpy()
        for i in range(N):
            J[i, :, i, :] = 0.0
        # the read-out adds sum_j mean_b J_ij(a, b) to the fields; start from the mean log P
        return J, h - J.mean(axis=3).sum(axis=2)
