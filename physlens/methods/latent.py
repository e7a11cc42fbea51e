"""Autoencoders that name physical parameters.

- :class:`SciNet` (Iten, Metger, Wilming, del Rio & Renner, PRL 124, 010508, 2020): a
  variational encoder compresses an observation (a time series) into a few latent units;
  a decoder answers a question (a time t') from the latent units alone. What the
  decoder needs to answer is what the latent keeps.
- :class:`BetaVAE` (Higgins et al., ICLR 2017): the same variational encoder with a
  decoder that reconstructs the observation, KL weighted by beta.

After training, the KL of each unit's posterior from the prior says which units are
active (an unused unit collapses onto the prior, KL ~ 0; the cut is the largest gap in
the sorted KLs). How the active units relate to the true physical parameters (monotone
R^2, mutual information, closed forms) is scoring against truth, done by
:func:`physlens.compare.latent.score_latent_parameters` from a dataset's parameters.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from physlens.errors import DataError
from physlens.methods._torch import make_mlp, torch_generator
from physlens.methods._torch import seeded_module
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    check_finite_values,
    nonnegative_number,
    optional,
    positive_int,
    positive_number,
    register,
    seed_from,
)
from physlens.validate.latent import kl_per_unit

__all__ = ["BetaVAE", "SciNet", "active_units"]


def _as_matrix(values: Any, name: str, n_rows: int | None = None) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "iuf":
        raise DataError(f"{name} must be numeric; got dtype {array.dtype}")
    array = array.astype(float)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise DataError(f"{name} must be a (n_samples, n_features) matrix; got shape {array.shape}")
    if n_rows is not None and array.shape[0] != n_rows:
        raise DataError(f"{name} has {array.shape[0]} rows but the observations have {n_rows}")
    check_finite_values("", name, array)
    return array


def _as_questions(values: Any, name: str, n_rows: int) -> np.ndarray:
    """(n, q) -- one question per sample -- or (n, Q, q) -- Q questions per sample -- as
    an (n, Q, q) array."""
    array = np.asarray(values)
    if array.ndim == 3:
        if array.dtype.kind not in "iuf":
            raise DataError(f"{name} must be numeric; got dtype {array.dtype}")
        flat = _as_matrix(array.reshape(array.shape[0], -1), name, n_rows)
        return flat.reshape(array.shape)
    return _as_matrix(array, name, n_rows)[:, None, :]


def _standardise(array: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zero mean and unit variance per feature (the last axis), over all other axes."""
    axes = tuple(range(array.ndim - 1))
    mean = array.mean(axis=axes)
    scale = array.std(axis=axes)
    scale = np.where(scale > 0, scale, 1.0)
    return (array - mean) / scale, mean, scale


KL_FLOOR = 0.01  # nats: a unit carrying less is unused whatever the other units carry


def active_units(kl: np.ndarray, threshold: float | str = "gap") -> list[int]:
    """Units whose KL from the prior marks them as used. A number is a fixed threshold
    (nats); ``"gap"`` cuts the KLs, sorted in decreasing order, at the largest ratio
    between neighbours, counting :data:`KL_FLOOR` as the KL of an unused unit (so that
    all units are active when none is far below the others, and none when all are below
    the floor). Unused units collapse onto the prior by orders of magnitude, while the
    information an active unit carries depends on the parameter it encodes, so the
    gap separates them where any fixed number is borderline for some system."""
    kl = np.asarray(kl, dtype=float)
    if threshold != "gap":
        return [int(j) for j in np.flatnonzero(kl > threshold)]
    order = [int(j) for j in np.argsort(-kl) if kl[j] > KL_FLOOR]
    if not order:
        return []
    levels = np.log(np.append(kl[order], KL_FLOOR))
    cut = int(np.argmax(-np.diff(levels))) + 1
    return sorted(order[:cut])


def _latent_rules(default_beta: float, default_kl_warmup: float) -> dict:
    """The parameter table of a variational latent model whose ``beta`` and ``kl_warmup``
    default (None) to the given values."""
    return {
        **{name: (positive_int, "an integer >= 1") for name in ("latent_dim", "hidden", "epochs", "batch_size")},
        "beta": (optional(positive_number), f"None (= {default_beta:g}) or a number > 0"),
        "learning_rate": (positive_number, "a number > 0"),
        "kl_warmup": (optional(lambda v: nonnegative_number(v) and v <= 1), f"None (= {default_kl_warmup:g}) or a fraction of the epochs in [0, 1]"),
        "active_threshold": (lambda v: v == "gap" or positive_number(v), "'gap' or a KL in nats > 0"),
        "symbolic_budget": (nonnegative_number, "a number of seconds >= 0 (0 skips the closed forms)"),
        "random_state": SEED_RULE,
    }


PARAMETERS_DOC = """
    Parameters
    ----------
    latent_dim : int, default 3
        Latent units.
    beta : float or None, default None
        Weight of the KL term (None: the method's ``default_beta``).
    hidden : int, default 100
        Width of the encoder's and decoder's two hidden ELU layers.
    epochs, batch_size : int, default 100, 128
        Adam epochs (cosine schedule) and minibatch size.
    learning_rate : float, default 3e-3
        Adam's initial learning rate.
    kl_warmup : float or None, default None
        Fraction of the epochs over which the KL weight grows from 0 to ``beta`` (None:
        the method's ``default_kl_warmup``).
    active_threshold : "gap" or float, default "gap"
        How active units are told from unused ones (see :func:`active_units`).
    symbolic_budget : float, default 10.0
        Seconds of symbolic regression per active unit for its closed form in the true
        parameters, spent when scoring against a dataset's truth
        (:func:`physlens.compare.latent.score_latent_parameters`); 0 skips them.
    random_state : None, int or numpy Generator, default None
        Seed of the weights, the batches and the sampling noise.

    Attributes
    ----------
    network_ : torch.nn.ModuleDict
        The encoder and decoder.
    latent_mean_, latent_log_variance_ : ndarray
        Posterior of every training sample, (n, latent_dim).
    kl_per_unit_ : ndarray
        Mean KL of each unit's posterior from the prior (nats).
    active_units_ : list of int
        The units in use.
    reconstruction_error_ : float
        Mean squared error of the decoder's (standardised) output from the posterior means.
    loss_history_ : list of float
        Reconstruction error per epoch.
    beta_, kl_warmup_ : float
        The KL weight and warm-up used.
    observation_mean_, observation_scale_, target_mean_, target_scale_ : ndarray
        Standardisation of observations and decoder targets.
    question_mean_, question_scale_ : ndarray
        Standardisation of the questions (SciNet only).
"""


class _VariationalLatentModel(Method):
    """Shared encoder, training loop and latent analysis; subclasses define the decoder
    input and target (``_decoder_data``) and the default KL weight (``default_beta``).

    The KL term can be switched on gradually (``kl_warmup``: the fraction of the epochs
    over which its weight grows linearly from 0 to ``beta``), so the decoder learns to use
    the latent before the KL prunes it; the full weight then collapses the units the
    answer does not need, and the diagonal posterior turns the used ones towards one
    parameter each. ``beta`` and ``kl_warmup`` default (None) to per-method values
    (``default_beta``, ``default_kl_warmup``). Active units: see :func:`active_units`."""

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="high")
    consumes = "series"
    interpretation_kind = "latent"
    expected_units_key = "latent_dimension"
    default_beta: ClassVar[float]
    default_kl_warmup: ClassVar[float]

    def __init__(
        self,
        *,
        latent_dim: int = 3,
        beta: float | None = None,
        hidden: int = 100,
        epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 3e-3,
        kl_warmup: float | None = None,
        active_threshold: float | str = "gap",
        symbolic_budget: float = 10.0,
        random_state: int | None = None,
    ):
        self.latent_dim = latent_dim
        self.beta = beta
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.kl_warmup = kl_warmup
        self.active_threshold = active_threshold
        self.symbolic_budget = symbolic_budget
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------
    def fit_dataset(self, dataset) -> "_VariationalLatentModel":
        if dataset.kind != "series":
            raise DataError(f"{type(self).__name__} needs a dataset of kind 'series', got {dataset.kind!r}")
        return self.fit(dataset["observation"], dataset["question"], dataset["answer"])

    def fit(self, observations, questions=None, answers=None) -> "_VariationalLatentModel":
        """``observations`` (n, d); SciNet also needs ``questions`` and ``answers``: (n, q)
        and (n, a) for one question per sample, or (n, Q, q) and (n, Q, a) for Q questions
        per sample (the decoder answers each from the same latent)."""
        import torch

        self._validate_parameters()
        observations = _as_matrix(observations, "observations")
        n = observations.shape[0]
        if n < 10:
            raise DataError(f"observations has {n} rows; need at least 10 samples")
        decoder_in, targets = self._decoder_data(observations, questions, answers)
        x, self.observation_mean_, self.observation_scale_ = _standardise(observations)
        if decoder_in is not None:
            decoder_in, self.question_mean_, self.question_scale_ = _standardise(decoder_in)
        targets, self.target_mean_, self.target_scale_ = _standardise(targets)
        # one seed for the initial weights (torch's own initialisation) and the batches and noise
        seed = seed_from(self.random_state)
        generator = torch_generator(seed)
        self.network_ = seeded_module(lambda: self._build(x.shape[1], 0 if decoder_in is None else decoder_in.shape[-1], targets.shape[-1]), seed)
        tx = torch.as_tensor(x, dtype=torch.float32)
        tq = None if decoder_in is None else torch.as_tensor(decoder_in, dtype=torch.float32)
        ty = torch.as_tensor(targets, dtype=torch.float32)
        optimiser = torch.optim.Adam(self.network_.parameters(), lr=self.learning_rate)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=self.epochs)
        self.loss_history_ = []
        self.beta_ = float(self.default_beta if self.beta is None else self.beta)
        self.kl_warmup_ = float(self.default_kl_warmup if self.kl_warmup is None else self.kl_warmup)
        warmup_epochs = self.kl_warmup_ * self.epochs
        for epoch in range(self.epochs):
            weight = self.beta_ * min(1.0, (epoch + 1) / warmup_epochs) if warmup_epochs > 0 else self.beta_
            permutation = torch.randperm(n, generator=generator)
            total = 0.0
            for start in range(0, n, self.batch_size):
                rows = permutation[start : start + self.batch_size]
                mean, log_var = self._encode(tx[rows])
                noise = torch.randn(mean.shape, generator=generator)
                latent = mean + torch.exp(0.5 * log_var) * noise
                prediction = self._decode(latent, None if tq is None else tq[rows])
                reconstruction = torch.mean((prediction - ty[rows]) ** 2)
                kl = 0.5 * torch.mean(torch.sum(mean**2 + torch.exp(log_var) - log_var - 1.0, dim=1))
                loss = reconstruction + weight * kl
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += float(reconstruction.detach()) * len(rows)
            scheduler.step()
            self.loss_history_.append(total / n)
        with torch.no_grad():
            mean, log_var = self._encode(tx)
            self.latent_mean_ = mean.numpy().astype(float)
            self.latent_log_variance_ = log_var.numpy().astype(float)
            self.reconstruction_error_ = float(torch.mean((self._decode(mean, tq) - ty) ** 2))
        self.kl_per_unit_ = kl_per_unit(self.latent_mean_, self.latent_log_variance_)
        self.active_units_ = active_units(self.kl_per_unit_, self.active_threshold)
        return self

    def _build(self, n_in: int, n_question: int, n_out: int):
        from torch import nn

        h, k = self.hidden, self.latent_dim
        # torch's own initialisation, seeded by seeded_module: the encoder's draws come first
        encoder = make_mlp([n_in, h, h, 2 * k], "elu", init="torch")
        decoder = make_mlp([k + n_question, h, h, n_out], "elu", init="torch")
        return nn.ModuleDict({"encoder": encoder, "decoder": decoder})

    def _encode(self, x):
        out = self.network_["encoder"](x)
        mean, log_var = out[:, : self.latent_dim], out[:, self.latent_dim :]
        return mean, log_var.clamp(-12.0, 6.0)

    def _decode(self, latent, question):
        import torch

        if question is None:
            return self.network_["decoder"](latent)[:, None, :]
        latent = latent[:, None, :].expand(-1, question.shape[1], -1)
        return self.network_["decoder"](torch.cat([latent, question], dim=2))

    def transform(self, observations) -> np.ndarray:
        """Posterior means of the latent units for new observations."""
        import torch

        self._check_is_fitted("network_")
        x = _as_matrix(observations, "observations")
        if x.shape[1] != self.observation_mean_.size:
            raise DataError(f"observations have {x.shape[1]} columns; the model was fitted on {self.observation_mean_.size}")
        with torch.no_grad():
            mean, _ = self._encode(torch.as_tensor((x - self.observation_mean_) / self.observation_scale_, dtype=torch.float32))
        return mean.numpy().astype(float)

    def interpret(self) -> Interpretation:
        self._check_is_fitted("active_units_")
        n_active = len(self.active_units_)
        return Interpretation(
            kind="latent",
            method=getattr(self, "method_name", type(self).__name__),
            taxonomy=self.taxonomy,
            found=n_active > 0,
            summary=f"{n_active} active latent unit(s) of {self.latent_dim}",
            values={
                "active_units": self.active_units_,
                "kl_per_unit": self.kl_per_unit_.tolist(),
                "reconstruction_error": self.reconstruction_error_,
            },
            arrays={"kl_per_unit": self.kl_per_unit_},
            reasons=[] if n_active else ["no latent unit is active: the model ignores the observations"],
        )


@register("scinet")
class SciNet(_VariationalLatentModel):
    __doc__ = """SciNet: variational encoder + question/answer decoder (Iten et al. 2020).

    Several questions per sample (``questions`` of shape (n, Q, q)) are answered from
    the same latent: each observation then teaches the decoder Q answers, which a few
    thousand samples need to learn an oscillating answer in a few minutes.
    """ + PARAMETERS_DOC

    default_beta = 1e-2  # few answer numbers per sample: a light KL keeps the weaker parameter
    default_kl_warmup = 0.0  # measured: with a warm-up the free early phase copies k into two units that 100 epochs do not prune
    parameter_rules = _latent_rules(default_beta, default_kl_warmup)

    def _decoder_data(self, observations, questions, answers):
        if questions is None or answers is None:
            raise DataError("SciNet needs questions and answers (the decoder answers a question from the latent)")
        n = observations.shape[0]
        questions, answers = _as_questions(questions, "questions", n), _as_questions(answers, "answers", n)
        if questions.shape[1] != answers.shape[1]:
            raise DataError(f"questions ask {questions.shape[1]} question(s) per sample but answers give {answers.shape[1]}")
        return questions, answers


@register("beta-vae")
class BetaVAE(_VariationalLatentModel):
    __doc__ = """beta-VAE: variational encoder + decoder reconstructing the observation (Higgins et al. 2017).
    """ + PARAMETERS_DOC

    default_beta = 1e-1  # the whole observation is reconstructed: a heavier KL is needed to disentangle
    default_kl_warmup = 0.3  # the heavier KL would otherwise prune units before the decoder uses them
    parameter_rules = _latent_rules(default_beta, default_kl_warmup)

    def _decoder_data(self, observations, questions, answers):
        return None, observations[:, None, :]
