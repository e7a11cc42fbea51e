"""Autoencoders that name physical parameters.

- :class:`SciNet` (Iten, Metger, Wilming, del Rio & Renner, PRL 124, 010508, 2020): a
  variational encoder compresses an observation (a time series) into a few latent units;
  a decoder answers a question (a time t') from the latent units alone. What the
  decoder needs to answer is what the latent keeps.
- :class:`BetaVAE` (Higgins et al., ICLR 2017): the same variational encoder with a
  decoder that reconstructs the observation, KL weighted by beta.

After training, the KL of each unit's posterior from the prior says which units are
active (an unused unit collapses onto the prior, KL ~ 0; the cut is the largest gap in
the sorted KLs). For every active unit and every known physical parameter: the R^2 of
the best monotone map (does the unit name one parameter?) and the mutual information;
for every parameter, the R^2 with which the active units together determine it; and for
each active unit a closed form of the unit as a function of the physical parameters,
found with :class:`physlens.methods.symbolic.SymbolicRegressor`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import (
    Interpretation,
    Method,
    Taxonomy,
    check_finite_values,
    check_parameter,
    positive_int,
    positive_number,
    register,
    seed_or_none,
)
from physlens.validate.latent import (
    active_units_verdict,
    kl_per_unit,
    monotone_r2,
    mutual_information,
    parameter_r2,
    parameter_recovery_verdict,
)
from physlens.validate.verdict import Verdict


def seeded_module(build, seed: int | None):
    """Build a torch module with a seeded initialisation without touching the global
    torch RNG state (fork_rng saves and restores it)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0 if seed is None else int(seed))
        return build()


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
        random_state: int | None = 0,
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

    def _check_params(self) -> None:
        name = type(self).__name__
        for parameter in ("latent_dim", "hidden", "epochs", "batch_size"):
            check_parameter(name, parameter, getattr(self, parameter), positive_int, "an integer >= 1")
        check_parameter(name, "beta", self.beta, lambda v: v is None or positive_number(v), f"None (= {self.default_beta:g}) or a number > 0")
        check_parameter(name, "learning_rate", self.learning_rate, positive_number, "a number > 0")
        check_parameter(name, "kl_warmup", self.kl_warmup, lambda v: v is None or v == 0 or (positive_number(v) and v <= 1), f"None (= {self.default_kl_warmup:g}) or a fraction of the epochs in [0, 1]")
        check_parameter(name, "active_threshold", self.active_threshold, lambda v: v == "gap" or positive_number(v), "'gap' or a KL in nats > 0")
        check_parameter(name, "symbolic_budget", self.symbolic_budget, lambda v: v == 0 or positive_number(v), "a number of seconds >= 0 (0 skips the closed forms)")
        check_parameter(name, "random_state", self.random_state, seed_or_none, "None or an integer >= 0")

    # -- fitting -------------------------------------------------------------------------
    def fit_dataset(self, dataset) -> "_VariationalLatentModel":
        if dataset.kind != "series":
            raise DataError(f"{type(self).__name__} needs a dataset of kind 'series', got {dataset.kind!r}")
        names = dataset.names("parameter")
        parameters = {n: dataset[n] for n in names} if names else None
        self.fit(dataset["observation"], dataset["question"], dataset["answer"], parameters=parameters)
        truth = dataset.truth
        self.expected_latents_ = None if truth is None else truth.parameters.get(self.expected_units_key)
        return self

    def fit(self, observations, questions=None, answers=None, *, parameters: dict[str, Any] | None = None) -> "_VariationalLatentModel":
        """``observations`` (n, d); SciNet also needs ``questions`` and ``answers``: (n, q)
        and (n, a) for one question per sample, or (n, Q, q) and (n, Q, a) for Q questions
        per sample (the decoder answers each from the same latent); ``parameters`` maps a physical parameter's name to its (n,) true values
        (optional: without them only the active units are reported)."""
        import torch

        self._check_params()
        observations = _as_matrix(observations, "observations")
        n = observations.shape[0]
        if n < 10:
            raise DataError(f"observations has {n} rows; need at least 10 samples")
        decoder_in, targets = self._decoder_data(observations, questions, answers)
        self.parameter_names_ = []
        truth = {}
        for name, values in (parameters or {}).items():
            truth[name] = _as_matrix(values, f"parameter {name!r}", n).ravel()
            self.parameter_names_.append(str(name))
        x, self.observation_mean_, self.observation_scale_ = _standardise(observations)
        if decoder_in is not None:
            decoder_in, self.question_mean_, self.question_scale_ = _standardise(decoder_in)
        targets, self.target_mean_, self.target_scale_ = _standardise(targets)
        generator = torch.Generator().manual_seed(0 if self.random_state is None else int(self.random_state))
        self.network_ = seeded_module(lambda: self._build(x.shape[1], 0 if decoder_in is None else decoder_in.shape[-1], targets.shape[-1]), self.random_state)
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
        self.expected_latents_ = None
        self._analyse(truth)
        return self

    def _build(self, n_in: int, n_question: int, n_out: int):
        from torch import nn

        h, k = self.hidden, self.latent_dim
        encoder = nn.Sequential(nn.Linear(n_in, h), nn.ELU(), nn.Linear(h, h), nn.ELU(), nn.Linear(h, 2 * k))
        decoder = nn.Sequential(nn.Linear(k + n_question, h), nn.ELU(), nn.Linear(h, h), nn.ELU(), nn.Linear(h, n_out))
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

    # -- interpretation ------------------------------------------------------------------
    def _analyse(self, truth: dict[str, np.ndarray]) -> None:
        import pandas as pd

        rows = []
        for unit in self.active_units_:
            z = self.latent_mean_[:, unit]
            for name, values in truth.items():
                rows.append(
                    {
                        "unit": unit,
                        "parameter": name,
                        "kl": float(self.kl_per_unit_[unit]),
                        "monotone_r2": monotone_r2(z, values),
                        "mutual_information": mutual_information(z, values, random_state=0 if self.random_state is None else self.random_state),
                    }
                )
        self.relations_ = pd.DataFrame(rows, columns=["unit", "parameter", "kl", "monotone_r2", "mutual_information"])
        active = self.latent_mean_[:, self.active_units_]
        self.parameter_r2_ = {name: parameter_r2(active, values) for name, values in truth.items()}
        self.closed_forms_ = {}
        self.closed_form_r2_ = {}
        self.closed_form_note_ = ""
        if truth and self.symbolic_budget > 0 and self.active_units_:
            self._closed_forms(truth)

    def _closed_forms(self, truth: dict[str, np.ndarray]) -> None:
        """Each active unit as a closed-form function of the physical parameters."""
        from physlens.methods.symbolic import SymbolicRegressor

        names = list(truth)
        X = np.column_stack([truth[n] for n in names])
        rng = np.random.default_rng(self.random_state)
        rows = rng.choice(len(X), size=min(len(X), 2000), replace=False)
        for unit in self.active_units_:
            regressor = SymbolicRegressor(budget=float(self.symbolic_budget), random_state=self.random_state)
            regressor.fit(X[rows], self.latent_mean_[rows, unit], names=names)
            self.closed_forms_[f"z{unit}"] = regressor.equation_
            prediction = regressor.predict(X)
            total = np.sum((self.latent_mean_[:, unit] - self.latent_mean_[:, unit].mean()) ** 2)
            self.closed_form_r2_[f"z{unit}"] = float(1.0 - np.sum((self.latent_mean_[:, unit] - prediction) ** 2) / total)

    def interpret(self) -> Interpretation:
        self._check_is_fitted("active_units_")
        verdicts: list[Verdict] = []
        n_active = len(self.active_units_)
        if self.expected_latents_ is not None:
            verdicts.append(active_units_verdict(n_active, int(self.expected_latents_)))
        if self.parameter_r2_:
            verdicts.append(parameter_recovery_verdict(self.parameter_r2_))
        for unit, r2 in self.closed_form_r2_.items():
            verdicts.append(
                Verdict(f"closed form of {unit}", bool(r2 >= 0.99), r2, f"{unit} = {self.closed_forms_[unit]} reproduces the unit with R2 = {r2:.4f}")
            )
        reasons = []
        if n_active == 0:
            reasons.append("no latent unit is active: the model ignores the observations")
        if self.parameter_r2_ and min(self.parameter_r2_.values()) < 0.99:
            reasons.append("the active units do not determine every physical parameter (R2 < 0.99)")
        found = n_active > 0 and (not self.parameter_r2_ or min(self.parameter_r2_.values()) >= 0.99)
        best = {}
        if len(self.relations_):
            for unit, group in self.relations_.groupby("unit"):
                top = group.sort_values("monotone_r2", ascending=False).iloc[0]
                best[f"z{unit}"] = {"parameter": top["parameter"], "monotone_r2": float(top["monotone_r2"])}
        if best:
            named = [b["parameter"] for b in best.values()]
            worst = min(b["monotone_r2"] for b in best.values())
            distinct = len(set(named)) == len(named)
            verdicts.append(
                Verdict(
                    "one parameter per active unit",
                    bool(distinct and worst >= 0.99),
                    worst,
                    ", ".join(f"{u} ~ {b['parameter']} (monotone R2 {b['monotone_r2']:.4f})" for u, b in best.items())
                    + ("" if distinct else "; several units name the same parameter"),
                )
            )
        summary = f"{n_active} active latent unit(s) of {self.latent_dim}" + (
            "; " + ", ".join(f"{u} ~ {b['parameter']} (monotone R2 {b['monotone_r2']:.3f})" for u, b in best.items()) if best else ""
        )
        return Interpretation(
            kind="latent",
            method=getattr(self, "method_name", type(self).__name__),
            taxonomy=self.taxonomy,
            found=bool(found),
            summary=summary,
            expressions={k: v for k, v in self.closed_forms_.items() if v is not None},
            values={
                "active_units": self.active_units_,
                "kl_per_unit": self.kl_per_unit_.tolist(),
                "parameter_r2": self.parameter_r2_,
                "best_match": best,
                "reconstruction_error": self.reconstruction_error_,
                "closed_form_r2": self.closed_form_r2_,
            },
            arrays={"kl_per_unit": self.kl_per_unit_},
            table=self.relations_,
            verdicts=verdicts,
            reasons=reasons,
        )


@register("scinet")
class SciNet(_VariationalLatentModel):
    """SciNet: variational encoder + question/answer decoder (Iten et al. 2020).

    Several questions per sample (``questions`` of shape (n, Q, q)) are answered from
    the same latent: each observation then teaches the decoder Q answers, which a few
    thousand samples need to learn an oscillating answer in a few minutes."""

    default_beta = 1e-2  # few answer numbers per sample: a light KL keeps the weaker parameter
    default_kl_warmup = 0.0  # measured: with a warm-up the free early phase copies k into two units that 100 epochs do not prune

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
    """beta-VAE: variational encoder + decoder reconstructing the observation (Higgins et al. 2017)."""

    default_beta = 1e-1  # the whole observation is reconstructed: a heavier KL is needed to disentangle
    default_kl_warmup = 0.3  # the heavier KL would otherwise prune units before the decoder uses them

    def _decoder_data(self, observations, questions, answers):
        return None, observations[:, None, :]
