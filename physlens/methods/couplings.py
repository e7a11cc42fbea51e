"""Interaction strengths from spin samples: attention read as physics, and the baselines.

Every method here sees samples s (n x N, integer states) and returns an N x N matrix
of couplings in the generalised-Potts form P(s) ~ exp(sum_{i<j} J_ij(s_i, s_j) +
sum_i h_i(s_i)), read out in the zero-sum gauge as one signed number per pair:

- two states (Ising, mapped to -1/+1): J_ij in exp(J_ij s_i s_j);
- q > 2 states (Potts): J_ij in exp(J_ij delta(s_i, s_j)), the projection of the
  zero-sum-gauged q x q block on (delta_ab - 1/q).

Methods:
- :class:`FactoredAttention` - one layer of factored self-attention (attention weights
  depend on positions only, values on spin states) trained by masked-spin prediction.
  Rende, Gerace, Laio, Goldt, "Mapping of attention mechanisms to a generalized Potts
  model", Phys. Rev. Research 6, 023057 (2024): its masked-prediction loss is the
  pseudo-likelihood of a Potts model with J_ij(a, b) = sum_h A^h_ij V^h_ab, so the
  couplings are read straight from the trained weights.
- :class:`TransformerLayer` - a vanilla transformer layer (attention on spin + position
  embeddings, feed-forward block) trained the same way, for contrast; its couplings are
  read post hoc from how its predictions respond to flipping each other spin.
- :class:`PseudoLikelihood` - asymmetric pseudo-likelihood maximisation (Ekeberg et
  al., PRE 87, 012707 (2013); Aurell & Ekeberg PRL 108, 090201 (2012)) with L2.
- :class:`MeanFieldInversion` - naive mean-field inversion J = -C^{-1} (Kappen &
  Rodriguez 1998; mfDCA, Morcos et al. PNAS 2011).
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np

from physlens.errors import DataError, ParameterError
from physlens.methods.base import (
    Interpretation,
    Method,
    Taxonomy,
    check_parameter,
    positive_int,
    positive_number,
    register,
    seed_or_none,
)
from physlens.methods.symbolic_gradients import minimize_lbfgs
from physlens.validate.verdict import Verdict


def _nonnegative(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def encode_spins(spins: Any, states: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate samples (n x N) and return (state indices 0..q-1, the sorted states).

    Raises DataError naming the row/column of the first bad entry."""
    try:
        values = np.asarray(spins)
    except Exception as error:  # ragged lists and the like
        raise DataError(f"spins must be an (n_samples, n_spins) array of integer states: {error}") from None
    if values.dtype == object or not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        raise DataError(f"spins must be numeric integer states, got dtype {values.dtype}")
    if values.ndim != 2:
        raise DataError(f"spins must be a 2-D array (n_samples, n_spins), got shape {values.shape}")
    n, N = values.shape
    if N < 2:
        raise DataError(f"spins has {N} column; at least 2 spins are needed for couplings")
    if np.issubdtype(values.dtype, np.floating):
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise DataError(f"spins row {row}, column {col} is {values[row, col]}; spin states must be integers")
    values = values.astype(np.int64)
    if n < N:
        raise DataError(f"spins has {n} samples (rows) for {N} spins (columns); at least N = {N} samples are needed to estimate N x N couplings")
    if states is None:
        state_values = np.unique(values)
    else:
        state_values = np.asarray(states)
        if state_values.ndim != 1 or state_values.size == 0 or not np.all(np.isfinite(state_values.astype(float))) or np.any(state_values != np.round(state_values)):
            raise DataError(f"states must be a list of integer spin states, got {states!r}")
        state_values = np.unique(state_values.astype(np.int64))
        outside = ~np.isin(values, state_values)
        if outside.any():
            row, col = np.argwhere(outside)[0]
            raise DataError(
                f"spins row {row}, column {col} is {values[row, col]}, outside the declared states {state_values.tolist()}"
            )
    if state_values.size < 2:
        raise DataError(f"spins take a single state {state_values.tolist()}; at least 2 states are needed")
    return np.searchsorted(state_values, values), state_values


def gauge_readout(potts_couplings: np.ndarray, potts_fields: np.ndarray, ising: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zero-sum gauge of J_ij(a, b) (N, q, N, q) and h_i(a) (N, q); returns (symmetric
    scalar couplings, scalar fields (N,) for Ising or gauged (N, q) for Potts,
    unsymmetrised scalar couplings, gauged J)."""
    J = np.array(potts_couplings, dtype=float)
    h = np.array(potts_fields, dtype=float)
    N, q = h.shape
    for i in range(N):
        J[i, :, i, :] = 0.0
    # terms depending on a only (the mean over b) are a field of site i
    h = h + J.mean(axis=3).sum(axis=2)
    h = h - h.mean(axis=1, keepdims=True)
    J = J - J.mean(axis=1, keepdims=True) - J.mean(axis=3, keepdims=True) + J.mean(axis=(1, 3), keepdims=True)
    scalar = np.einsum("iaja->ij", J) / (q - 1)
    if ising:
        scalar = scalar / 2.0  # Potts coupling of s_i s_j = 2 delta(s_i, s_j) - 1
        fields = (h[:, 1] - h[:, 0]) / 2.0
    else:
        fields = h
    np.fill_diagonal(scalar, 0.0)
    return (scalar + scalar.T) / 2.0, fields, scalar, J


def strongest_pairs(couplings: np.ndarray, k: int = 10) -> list[tuple[int, int, float]]:
    upper = np.triu_indices(couplings.shape[0], k=1)
    order = np.argsort(-np.abs(couplings[upper]), kind="stable")[:k]
    return [(int(upper[0][o]), int(upper[1][o]), float(couplings[upper][o])) for o in order]


class _CouplingMethod(Method):
    """Shared validation, read-out and interpretation of the coupling methods."""

    consumes: ClassVar[str] = "spin_samples"
    interpretation_kind: ClassVar[str] = "couplings"

    def fit_dataset(self, dataset) -> "_CouplingMethod":
        if dataset.kind != "spin_samples":
            raise DataError(f"{type(self).__name__} needs a 'spin_samples' dataset, got kind {dataset.kind!r}")
        return self.fit(dataset["spins"], states=dataset.provenance.get("states"))

    def fit(self, spins, states=None) -> "_CouplingMethod":
        self._validate_parameters()
        index, state_values = encode_spins(spins, states)
        start = time.perf_counter()
        potts_couplings, potts_fields = self._learn(index, state_values.size)
        self.fit_seconds_ = time.perf_counter() - start
        self.states_ = state_values
        self.model_ = "ising" if state_values.size == 2 else "potts"
        self.n_samples_, self.n_spins_ = index.shape
        couplings, fields, asymmetric, gauged = gauge_readout(potts_couplings, potts_fields, self.model_ == "ising")
        self.couplings_ = couplings
        self.fields_ = fields
        self.asymmetric_couplings_ = asymmetric
        self.potts_couplings_ = gauged
        return self

    def _validate_parameters(self) -> None:
        check_parameter(type(self).__name__, "random_state", getattr(self, "random_state", None), seed_or_none, "None or an integer >= 0")

    def _learn(self, index: np.ndarray, n_states: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def interpret(self) -> Interpretation:
        self._check_is_fitted("couplings_")
        verdicts = []
        difference = (self.asymmetric_couplings_ - self.asymmetric_couplings_.T) / 2.0
        upper = np.triu_indices(self.n_spins_, k=1)
        noise = float(np.sqrt(np.mean(difference[upper] ** 2)))
        if noise > 0:
            floor = 4.0 * noise
            floor_reason = f"4 x the RMS disagreement between J_ij and J_ji estimated from different sites ({noise:.3g})"
            consistency = float(np.linalg.norm(difference[upper]) / max(np.linalg.norm(self.couplings_[upper]), 1e-300))
            verdicts.append(
                Verdict(
                    "row consistency",
                    consistency <= 0.5,
                    consistency,
                    f"J_ij (fitted at site i) and J_ji (at site j) disagree by {consistency:.2f} of ||J|| (<= 0.5 passes)",
                )
            )
        else:
            floor = 4.0 / math.sqrt(self.n_samples_)
            floor_reason = "4 / sqrt(n), the sampling error of a correlation"
        significant = int((np.abs(self.couplings_[upper]) > floor).sum())
        verdicts.append(
            Verdict(
                "above noise floor",
                significant > 0,
                float(significant),
                f"{significant} of {upper[0].size} pairs exceed |J| > {floor:.3g}, {floor_reason}",
            )
        )
        found = all(v.passed is not False for v in verdicts)
        reasons = [] if found else [v.reason for v in verdicts if v.passed is False]
        top = strongest_pairs(self.couplings_)
        convention = "J s_i s_j (states mapped to -1/+1)" if self.model_ == "ising" else "J delta(s_i, s_j)"
        summary = (
            f"{self.n_spins_} spins, {self.n_samples_} samples, {self.states_.size} states; {significant} couplings above the noise floor; "
            f"strongest: " + ", ".join(f"J[{i},{j}] = {v:+.3f}" for i, j, v in top[:5]) + f"; convention {convention}"
        )
        return Interpretation(
            kind="couplings",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=summary,
            values={
                "n_samples": self.n_samples_,
                "n_spins": self.n_spins_,
                "states": self.states_.tolist(),
                "model": self.model_,
                "convention": convention,
                "noise_floor": floor,
                "significant_pairs": significant,
                "strongest": [{"i": i, "j": j, "coupling": v} for i, j, v in top],
                "fit_seconds": self.fit_seconds_,
            },
            arrays={"couplings": self.couplings_, "fields": self.fields_},
            verdicts=verdicts,
            reasons=reasons,
        )


# -- torch helpers -------------------------------------------------------------------


def _torch_data(index: np.ndarray, n_states: int, dtype):
    """One-hot inputs without the last state (the rest is implied) and targets."""
    import torch

    n, N = index.shape
    reduced = np.zeros((n, N, n_states - 1))
    for a in range(n_states - 1):
        reduced[:, :, a] = index == a
    targets = torch.tensor(index, dtype=dtype if n_states == 2 else torch.long)
    return torch.tensor(reduced.reshape(n, -1), dtype=dtype), targets


def _potts_logits(J, h, inputs, n_states):
    """Conditional logits of every site given all others: h_i(a) + sum_j J_ij(a, s_j).

    J (N, q, N, q) must have zero diagonal blocks; inputs are one-hot minus last state."""
    N = J.shape[0]
    q = n_states
    reduced = (J[:, :, :, : q - 1] - J[:, :, :, q - 1 :]).reshape(N * q, N * (q - 1))
    constant = J[:, :, :, q - 1].sum(dim=2)
    return (inputs @ reduced.T).reshape(-1, N, q) + constant + h


def _site_cross_entropy(J, h, inputs, targets, n_states):
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


@register("pseudo_likelihood")
class PseudoLikelihood(_CouplingMethod):
    """Pseudo-likelihood maximisation of a generalised Potts model with L2 penalty
    ``l2`` x sum_ij ||J_ij||^2 / N (full-batch L-BFGS, float32). Each site's conditional
    is fitted with its own J_ij; J_ij and J_ji are averaged afterwards."""

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")

    def __init__(self, *, l2: float = 1e-3, max_iter: int = 500, random_state: int | None = 0):
        self.l2 = l2
        self.max_iter = max_iter
        self.random_state = random_state

    def _validate_parameters(self) -> None:
        super()._validate_parameters()
        check_parameter("PseudoLikelihood", "l2", self.l2, _nonnegative, "a finite number >= 0")
        check_parameter("PseudoLikelihood", "max_iter", self.max_iter, positive_int, "an integer >= 1")

    def _learn(self, index, n_states):
        import torch

        dtype = torch.float32
        inputs, targets = _torch_data(index, n_states, dtype)
        N, q = index.shape[1], n_states
        mask = (1.0 - torch.eye(N, dtype=dtype))[:, None, :, None]
        J = torch.zeros((N, q, N, q), dtype=dtype, requires_grad=True)
        h = torch.zeros((N, q), dtype=dtype, requires_grad=True)

        def loss_fn():
            Jm = J * mask
            return _site_cross_entropy(Jm, h, inputs, targets, q) + self.l2 * (Jm**2).sum() / N

        self.n_iter_ = minimize_lbfgs([J, h], loss_fn, self.max_iter)
        return (J * mask).detach().numpy(), h.detach().numpy()


@register("factored_attention")
class FactoredAttention(_CouplingMethod):
    """One layer of factored self-attention trained by masked-spin prediction
    (Rende, Gerace, Laio, Goldt, Phys. Rev. Research 6, 023057, 2024).

    Site i's state is predicted from the others as
    logits_i(a) = b_i(a) + sum_h sum_{j != i} A^h_ij V^h[a, s_j], with attention
    A^h = (x W_Q^h)(x W_K^h)^T / sqrt(d) built from one-hot positional encodings x
    only, so Q^h = x W_Q^h and K^h are learned N x d matrices (``attention='softmax'`` normalises each row as in a standard layer). The
    loss is the masked-spin cross entropy with L2 penalty ``l2`` on the effective
    couplings J_ij(a, b) = sum_h A^h_ij V^h_ab, which are then read from the weights.
    Trained full batch with L-BFGS (deterministic for a given ``random_state``); above
    ``warm_start_samples`` samples, first on a random subset of that size, then
    ``max_iter // 4`` more iterations on all samples."""

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")

    def __init__(
        self,
        *,
        n_heads: int = 2,
        embedding_dim: int | None = None,
        attention: str = "linear",
        l2: float = 1e-3,
        max_iter: int = 1000,
        warm_start_samples: int | None = 20_000,
        random_state: int | None = 0,
    ):
        self.n_heads = n_heads
        self.embedding_dim = embedding_dim
        self.attention = attention
        self.l2 = l2
        self.max_iter = max_iter
        self.warm_start_samples = warm_start_samples
        self.random_state = random_state

    def _validate_parameters(self) -> None:
        super()._validate_parameters()
        owner = "FactoredAttention"
        check_parameter(owner, "n_heads", self.n_heads, positive_int, "an integer >= 1")
        check_parameter(owner, "embedding_dim", self.embedding_dim, lambda v: v is None or positive_int(v), "None (= number of spins) or an integer >= 1")
        check_parameter(owner, "attention", self.attention, lambda v: v in ("linear", "softmax"), "'linear' or 'softmax'")
        check_parameter(owner, "l2", self.l2, _nonnegative, "a finite number >= 0")
        check_parameter(owner, "max_iter", self.max_iter, positive_int, "an integer >= 1")
        check_parameter(owner, "warm_start_samples", self.warm_start_samples, lambda v: v is None or positive_int(v), "None or an integer >= 1")

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
        inputs, targets = _torch_data(index, n_states, dtype)
        N, q, H = index.shape[1], n_states, self.n_heads
        d = self.embedding_dim or N
        generator = torch.Generator().manual_seed(0 if self.random_state is None else int(self.random_state))

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
            return _site_cross_entropy(J, b, inputs, targets, q) + self.l2 * (J**2).sum() / N

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
    """A vanilla transformer layer trained by masked-spin prediction, for contrast with
    :class:`FactoredAttention`. Tokens are spin-state + position embeddings; site i's
    query is a [mask] embedding + position i, so all N masked predictions come from one
    pass; softmax attention (``n_heads``), residual, layer norm, feed-forward block,
    linear read-out. Couplings are read post hoc: J_ij(a, b) = mean over samples of
    log P_i(a | s with s_j set to b), in the zero-sum gauge. Adam, minibatches."""

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="low")

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
        random_state: int | None = 0,
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
        owner = "TransformerLayer"
        check_parameter(owner, "n_heads", self.n_heads, positive_int, "an integer >= 1")
        check_parameter(owner, "embedding_dim", self.embedding_dim, lambda v: positive_int(v) and v % self.n_heads == 0, "a positive multiple of n_heads")
        for name in ("epochs", "batch_size", "readout_samples"):
            check_parameter(owner, name, getattr(self, name), positive_int, "an integer >= 1")
        check_parameter(owner, "learning_rate", self.learning_rate, positive_number, "a finite number > 0")
        check_parameter(owner, "weight_decay", self.weight_decay, _nonnegative, "a finite number >= 0")

    def _learn(self, index, n_states):
        import torch
        import torch.nn.functional as F

        n, N = index.shape
        q, H, d = n_states, self.n_heads, self.embedding_dim
        dh = d // H
        generator = torch.Generator().manual_seed(0 if self.random_state is None else int(self.random_state))

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


@register("mean_field")
class MeanFieldInversion(_CouplingMethod):
    """Naive mean-field inversion: J = -C^{-1} of the connected correlations of the
    one-hot states (last state dropped), with an optional pseudo-count."""

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")

    def __init__(self, *, pseudocount: float = 0.0):
        self.pseudocount = pseudocount

    def _validate_parameters(self) -> None:
        check_parameter("MeanFieldInversion", "pseudocount", self.pseudocount, lambda v: _nonnegative(v) and v < 1, "a number in [0, 1)")

    def _learn(self, index, n_states):
        n, N = index.shape
        q = n_states
        onehot = np.zeros((n, N, q - 1))
        for a in range(q - 1):
            onehot[:, :, a] = index == a
        X = onehot.reshape(n, -1)
        lam = self.pseudocount
        mean = (1 - lam) * X.mean(axis=0) + lam / q
        pair = (1 - lam) * (X.T @ X) / n + lam / q**2
        for i in range(N):  # within a site the pseudo-count table is diagonal
            block = slice(i * (q - 1), (i + 1) * (q - 1))
            pair[block, block] = np.diag(mean[block])
        covariance = pair - np.outer(mean, mean)
        condition = np.linalg.cond(covariance)
        if not np.isfinite(condition) or condition > 1e12:
            frozen = np.flatnonzero(X.std(axis=0) == 0)
            hint = f"; site {frozen[0] // (q - 1)} never changes state" if frozen.size else ""
            raise DataError(f"the correlation matrix is singular (condition {condition:.3g}){hint}; set pseudocount > 0, e.g. 0.1")
        inverse = -np.linalg.inv(covariance).reshape(N, q - 1, N, q - 1)
        J = np.zeros((N, q, N, q))
        J[:, : q - 1, :, : q - 1] = inverse
        fields = np.zeros((N, q))
        return J, fields
