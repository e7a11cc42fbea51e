"""Invariants and conserved quantities with Siamese networks.

Wetzel, Melko, Scott, Panju, Ganesh, "Discovering symmetry invariants and conserved
quantities by interpreting siamese neural networks", Phys. Rev. Research 2, 033499
(2020). Twin copies of one network (shared weights) map two samples to latents; the
network is trained to put samples of the same event (one spacetime interval in many
frames, one trajectory, one similarity class) together and samples of different
events apart. Here "apart" is enforced by standardising each latent over the batch and
decorrelating the latents (no negative pairs needed, and no collapse), so each latent
becomes some function of the invariants. The closed form is then read off with
symbolic gradients (:mod:`physlens.methods.symbolic_gradients`).

``twin="library"`` replaces the network by a twin linear in a library of terms
(monomials up to ``max_degree`` and ``extra_terms``). For such a twin the invariance
loss of standardised latents is a generalised Rayleigh quotient, so it is minimised
exactly (an eigenproblem) instead of by gradient descent, and every invariant in the
library's span is found, the determinant of a 3x3 matrix included, which the network
twin's loss never makes worth encoding. It cannot find an invariant outside the library.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    column_names,
    fraction,
    nonnegative_number,
    one_of,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods._torch import Standardized, make_mlp, network_gradients, torch_generator, torch_threads
from physlens.methods.symbolic_gradients import SymbolicGradients
from physlens.validate.invariants import event_r2, gradient_field, pair_auc
from physlens.validate.symbolic import predicts
from physlens.validate.verdict import Verdict, all_blocking_passed

__all__ = ["LibraryInvariants", "SiameseInvariants"]

MIN_EVENT_R2 = 0.99
MEMBERS = 4  # samples of one event seen together by the shared-weight network


@register("siamese_invariants")
class SiameseInvariants(Method):
    """Siamese network + symbolic gradients: learns which samples share an event, then
    names the shared quantity in closed form.

    ``fit(X, events, names)``: X (n, d) samples, ``events`` (n,) integer event ids.
    ``twin``: "network" (an MLP, read by symbolic gradients) or "library" (linear in
    the library of ``max_degree`` and ``extra_terms``, solved exactly; its latents are
    the closed forms themselves and ``n_invariants``, ``hidden``, ``steps``,
    ``batch_events``, ``learning_rate``, ``decorrelation`` and ``contrast`` are unused).
    Learned: ``network_`` (raw inputs -> latents; network twin), ``pair_auc_`` (held-out events),
    ``invariants_`` (closed forms), ``symbolic_`` (the fitted SymbolicGradients),
    ``train_seconds_`` and ``symbolic_seconds_`` (where the time went).

    Parameters
    ----------
    n_invariants : int, default 1
        Latents of the network twin.
    hidden : list of int, default (64, 64)
        Hidden widths of the network twin (SiLU MLP).
    steps : int, default 3000
        Adam steps (cosine schedule).
    batch_events : int, default 128
        Events per batch, each seen through several of its samples.
    learning_rate : float, default 3e-3
        Adam's initial learning rate.
    decorrelation : float, default 1.0
        Weight of the penalty on correlations between latents.
    contrast : float, default 0.0
        Weight of an InfoNCE term separating events (0: none).
    max_degree : int, default 2
        Highest degree of the symbolic-gradient library.
    extra_terms : list of str, default ()
        Further library terms as expression texts.
    tolerance : float, default 0.01
        Largest mismatch a closed form may have (see :class:`SymbolicGradients`).
    holdout : float, default 0.2
        Fraction of events held out to score the latents.
    twin : {"network", "library"}, default "network"
        The twin learned.
    random_state : None, int or numpy Generator, default None
        Seed of the split, the batches and the weights.

    Attributes
    ----------
    network_ : Standardized
        Raw inputs -> latents (network twin).
    invariants_ : list of sympy.Expr
        The closed forms found.
    symbolic_ : SymbolicGradients
        The fitted reader of the closed forms.
    latents_ : ndarray
        Latents of the training samples.
    pair_auc_ : float
        Probability that a held-out same-event pair is closer than a different-event pair.
    event_r2_ : float
        Smallest share of a latent's held-out variance that event identity explains.
    points_ : ndarray
        Up to 200 training samples, to check the closed forms at.
    names_ : list of str
        The variables' names.
    loss_history_ : list of float
        Invariance loss during training (library twin: the largest within-event share kept).
    train_seconds_, symbolic_seconds_ : float
        Where the time went.
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="high")
    consumes = "events"
    interpretation_kind = "invariant"
    parameter_rules = {
        "twin": (one_of("network", "library"), "'network' or 'library'"),
        "n_invariants": (positive_int, "an integer >= 1"),
        "hidden": (lambda v: len(v) >= 1 and all(positive_int(h) for h in v), "a non-empty list of layer widths >= 1"),
        "steps": (positive_int, "an integer >= 1"),
        "batch_events": (lambda v: positive_int(v) and v >= 4, "an integer >= 4"),
        "learning_rate": (positive_number, "a number > 0"),
        "decorrelation": (nonnegative_number, "a number >= 0"),
        "contrast": (nonnegative_number, "a number >= 0"),
        "holdout": (lambda v: fraction(v) and v < 0.9, "a fraction in (0, 0.9)"),
        "random_state": SEED_RULE,
        # the closed-form reader's settings, checked before the twin trains
        **{name: SymbolicGradients.parameter_rules[name] for name in ("max_degree", "extra_terms", "tolerance")},
    }

    def __init__(
        self,
        *,
        n_invariants: int = 1,
        hidden: Sequence[int] = (64, 64),
        steps: int = 3000,
        batch_events: int = 128,
        learning_rate: float = 3e-3,
        decorrelation: float = 1.0,
        contrast: float = 0.0,
        max_degree: int = 2,
        extra_terms: Sequence[str] = (),
        tolerance: float = 0.01,
        holdout: float = 0.2,
        twin: str = "network",
        random_state: int | None = None,
    ):
        self.twin = twin
        self.n_invariants = n_invariants
        self.hidden = hidden
        self.steps = steps
        self.batch_events = batch_events
        self.learning_rate = learning_rate
        self.decorrelation = decorrelation
        self.contrast = contrast
        self.max_degree = max_degree
        self.extra_terms = extra_terms
        self.tolerance = tolerance
        self.holdout = holdout
        self.random_state = random_state

    def _check_events(self, X, events, names):
        owner = type(self).__name__
        shape = np.shape(X)
        names = column_names(owner, names, shape[1]) if len(shape) == 2 else None
        X = as_samples(owner, "X", X, names=names)
        events = np.asarray(events)
        if events.shape != (X.shape[0],):
            raise DataError(f"{owner}: events must have one id per sample ({X.shape[0]}), got shape {events.shape}")
        ids, counts = np.unique(events, return_counts=True)
        if (counts < 2).sum() > 0:
            lonely = ids[counts < 2][0].item()
            if isinstance(lonely, float) and lonely.is_integer():
                lonely = int(lonely)
            raise DataError(f"{owner}: event {lonely!r} has a single sample; every event needs at least 2 samples")
        if len(ids) < 10:
            raise DataError(f"{owner}: {len(ids)} events; at least 10 are needed")
        return X, events, names

    def fit_dataset(self, dataset) -> "SiameseInvariants":
        if dataset.kind != "events":
            raise DataError(f"{type(self).__name__} consumes datasets of kind 'events', got {dataset.kind!r}")
        labels = dataset.names("label")
        if not labels:
            raise DataError(f"dataset {dataset.name!r} has no label column saying which samples share an event")
        return self.fit(dataset.X, dataset[labels[0]], names=dataset.input_names)

    def fit(self, X, events, names: Sequence[str] | None = None) -> "SiameseInvariants":
        self._validate_parameters()
        X, events, names = self._check_events(X, events, names)
        with torch_threads(1):
            return self._fit(X, events, names)

    def _fit(self, X, events, names) -> "SiameseInvariants":
        import time

        started = time.perf_counter()
        rng = rng_from(self.random_state)
        torch_seed = int(rng.integers(2**62))
        ids = np.unique(events)
        rng.shuffle(ids)
        n_test = max(2, int(round(self.holdout * len(ids))))
        test_ids, train_ids = ids[:n_test], ids[n_test:]
        members = {e: np.flatnonzero(events == e) for e in ids}
        self.names_ = names
        symbolic = SymbolicGradients(max_degree=self.max_degree, extra_terms=list(self.extra_terms), tolerance=self.tolerance, random_state=self.random_state)
        if self.twin == "library":
            train_rows = np.concatenate([members[e] for e in train_ids])
            self.train_seconds_ = 0.0  # the twin is the closed form: no training apart from the search
            self.symbolic_ = symbolic.fit_events(X[train_rows], events[train_rows], names)
            self.invariants_ = list(self.symbolic_.invariants_)
            # the invariance loss: the largest within-event share of variance kept (1: none kept)
            self.loss_history_ = [float(max(self.symbolic_.residuals_, default=1.0))]
        else:
            self.network_ = self._train_network(X, members, train_ids, rng, torch_seed)
            self.train_seconds_ = time.perf_counter() - started
            started = time.perf_counter()
            self.symbolic_ = symbolic.fit(X, self.latent_gradients(X), names)
            self.invariants_ = list(self.symbolic_.invariants_)
        self.symbolic_seconds_ = time.perf_counter() - started
        self.latents_ = self.transform(X)
        test_rows = np.concatenate([members[e] for e in test_ids])
        if self.latents_.shape[1]:
            self.pair_auc_ = self._held_out_auc(self.latents_, test_ids, members, rng)
            self.event_r2_ = float(np.min(event_r2(self.latents_[test_rows], events[test_rows])))
        else:
            self.pair_auc_, self.event_r2_ = 0.5, 0.0
        self.points_ = X[rng.choice(X.shape[0], min(200, X.shape[0]), replace=False)]
        return self

    def _train_network(self, X, members, train_ids, rng, torch_seed: int):
        import torch

        generator = torch_generator(torch_seed)
        train_rows = np.concatenate([members[e] for e in train_ids])
        mean, scale = X[train_rows].mean(axis=0), X[train_rows].std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        module = make_mlp([X.shape[1], *self.hidden, self.n_invariants], "silu", generator)
        network = Standardized(module, mean, scale)
        data = torch.tensor(X, dtype=torch.float64)
        optimizer = torch.optim.Adam(module.parameters(), lr=self.learning_rate)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.steps)
        batch = min(self.batch_events, len(train_ids))
        history = []
        # rows grouped by event, so a pair is two distinct offsets into one group
        grouped = np.concatenate([members[e] for e in train_ids])
        counts = np.array([len(members[e]) for e in train_ids])
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for step in range(self.steps):
            chosen = rng.choice(len(train_ids), batch, replace=False)
            # MEMBERS samples per event (with replacement): twins, triplets...
            offsets = (rng.random((batch, MEMBERS)) * counts[chosen][:, None]).astype(int)
            tuples = grouped[starts[chosen][:, None] + offsets]
            latents = network(data[tuples.reshape(-1)]).reshape(batch, MEMBERS, -1)
            loss = self._loss(latents)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            if step % 100 == 0 or step == self.steps - 1:
                history.append(float(loss.detach()))
        self.loss_history_ = history
        return network

    def _loss(self, latents):
        import torch

        flat = latents.reshape(-1, latents.shape[-1])
        centred = (latents - flat.mean(dim=0)) / (flat.std(dim=0) + 1e-8)
        # same event -> same latent: within-event variance of the standardised latents
        invariance = centred.var(dim=1, unbiased=False).mean(dim=0).sum() * latents.shape[1] / (latents.shape[1] - 1)
        loss = invariance
        if latents.shape[-1] > 1:
            standard = centred.reshape(-1, latents.shape[-1])
            correlation = standard.T @ standard / standard.shape[0]
            off_diagonal = correlation - torch.diag(torch.diagonal(correlation))
            loss = loss + self.decorrelation * (off_diagonal**2).sum()
        if self.contrast:
            # InfoNCE: each sample must pick its own event's twin out of the batch, so
            # the latents must separate every pair of events (decorrelation alone lets
            # a latent be a nonlinear function of another, e.g. z2 = z1^2 - 1)
            first, second = centred[:, 0], centred[:, 1]
            logits = -torch.cdist(first, second) ** 2
            labels = torch.arange(first.shape[0])
            loss = loss + self.contrast * torch.nn.functional.cross_entropy(logits, labels)
        return loss

    def _held_out_auc(self, latents, test_ids, members, rng) -> float:
        latents = (latents - latents.mean(axis=0)) / (latents.std(axis=0) + 1e-12)
        same, different = [], []
        for e in test_ids:
            a, b = rng.choice(members[e], 2, replace=False)
            same.append(np.linalg.norm(latents[a] - latents[b]))
            other = rng.choice([o for o in test_ids if o != e])
            different.append(np.linalg.norm(latents[a] - latents[rng.choice(members[other])]))
        return pair_auc(np.array(same), np.array(different))

    def transform(self, X) -> np.ndarray:
        """Latent values of new samples (library twin: the closed forms' values)."""
        X = np.asarray(X, dtype=float)
        if self.twin == "library":
            self._check_is_fitted("invariants_")
            return np.column_stack([predicts(e, self.names_, X) for e in self.invariants_]) if self.invariants_ else np.zeros((X.shape[0], 0))
        import torch

        self._check_is_fitted("network_")
        with torch.no_grad():
            return self.network_(torch.tensor(X, dtype=torch.float64)).numpy()

    def latent_gradients(self, X) -> np.ndarray:
        """Gradients of every latent at the rows of X: (n, d, latents)."""
        X = np.asarray(X, dtype=float)
        if self.twin == "library":
            self._check_is_fitted("invariants_")
            return np.stack([gradient_field(e, self.names_, X) for e in self.invariants_], axis=2) if self.invariants_ else np.zeros((*X.shape, 0))
        self._check_is_fitted("network_")
        return network_gradients(self.network_, X)

    def interpret(self) -> Interpretation:
        self._check_is_fitted("invariants_")
        symbolic = self.symbolic_.interpret()
        verdicts = [
            Verdict(
                "same-event samples share a latent",
                self.event_r2_ >= MIN_EVENT_R2,
                self.event_r2_,
                f"held-out events: event identity explains {100 * self.event_r2_:.2f}% of every latent's variance (needs >= {100 * MIN_EVENT_R2:.0f}%); "
                f"a same-event pair is closer than a different-event pair with probability {self.pair_auc_:.3f}",
            )
        ] + symbolic.verdicts
        found = bool(self.invariants_) and all_blocking_passed(verdicts)
        reasons = list(symbolic.reasons)
        if self.event_r2_ < MIN_EVENT_R2:
            learner = "no library combination tells" if self.twin == "library" else "the network did not learn"
            reasons.append(f"{learner} which samples share an event (held-out event R2 {self.event_r2_:.3f} < {MIN_EVENT_R2})")
        return Interpretation(
            kind="invariant",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=f"{len(self.invariants_)} invariant(s) read from "
            + (f"a Siamese twin linear in {len(self.symbolic_.library_)} library terms" if self.twin == "library" else f"a {self.n_invariants}-latent Siamese network"),
            expressions=dict(symbolic.expressions),
            values={"pair_auc": self.pair_auc_, "event_r2": self.event_r2_, "residuals": list(self.symbolic_.residuals_), "final_loss": self.loss_history_[-1]},
            verdicts=verdicts,
            reasons=reasons,
        )


@register("library_invariants")
class LibraryInvariants(SiameseInvariants):
    """``SiameseInvariants(twin="library")``: the Siamese loss of a twin linear in the
    monomials up to ``max_degree`` (and ``extra_terms``), solved exactly. Registered on
    its own so that comparisons run both twins on the same events. It has no network, so
    it takes only the parameters the library twin uses.

    Parameters
    ----------
    max_degree : int, default 3
        Highest total degree of the library's monomials.
    extra_terms, tolerance, holdout, random_state
        As for :class:`SiameseInvariants`.

    Attributes
    ----------
    invariants_, symbolic_, latents_, pair_auc_, event_r2_, points_, names_, loss_history_, train_seconds_, symbolic_seconds_
        As for :class:`SiameseInvariants` (``latents_`` are the closed forms' values).
    """

    twin = "library"
    parameter_rules = {name: SiameseInvariants.parameter_rules[name]
                       for name in ("holdout", "random_state", "max_degree", "extra_terms", "tolerance")}

    def __init__(self, *, max_degree: int = 3, extra_terms: Sequence[str] = (), tolerance: float = 0.01, holdout: float = 0.2,
                 random_state: int | None = None):
        self.max_degree = max_degree
        self.extra_terms = extra_terms
        self.tolerance = tolerance
        self.holdout = holdout
        self.random_state = random_state
