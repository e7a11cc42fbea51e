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
from physlens.methods.base import Interpretation, Method, Taxonomy, check_finite_values, check_parameter, positive_number, register, seed_or_none
from physlens.methods._torch import Standardized, make_mlp, network_gradients, torch_threads
from physlens.methods.symbolic_gradients import SymbolicGradients
from physlens.validate.invariants import event_r2, gradient_field, invariant_matches, pair_auc
from physlens.validate.symbolic import predicts
from physlens.validate.verdict import Verdict

__all__ = ["LibraryInvariants", "SiameseInvariants", "symmetry_invariants"]

MIN_EVENT_R2 = 0.99
MEMBERS = 4  # samples of one event seen together by the shared-weight network


def _positive_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


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
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="high")
    consumes = "events"
    interpretation_kind = "invariant"

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

    def _validate(self, X, events, names):
        owner = type(self).__name__
        check_parameter(owner, "twin", self.twin, lambda v: v in ("network", "library"), "'network' or 'library'")
        check_parameter(owner, "n_invariants", self.n_invariants, _positive_int, "an integer >= 1")
        check_parameter(owner, "hidden", self.hidden, lambda v: len(v) >= 1 and all(_positive_int(h) for h in v), "a non-empty list of layer widths >= 1")
        check_parameter(owner, "steps", self.steps, _positive_int, "an integer >= 1")
        check_parameter(owner, "batch_events", self.batch_events, lambda v: _positive_int(v) and v >= 4, "an integer >= 4")
        check_parameter(owner, "learning_rate", self.learning_rate, positive_number, "a number > 0")
        check_parameter(owner, "decorrelation", self.decorrelation, lambda v: float(v) >= 0, "a number >= 0")
        check_parameter(owner, "contrast", self.contrast, lambda v: float(v) >= 0, "a number >= 0")
        check_parameter(owner, "holdout", self.holdout, lambda v: 0 < float(v) < 0.9, "a fraction in (0, 0.9)")
        check_parameter(owner, "random_state", self.random_state, seed_or_none, "None or an integer >= 0")
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{owner}: X must be numeric") from None
        events = np.asarray(events)
        if X.ndim != 2:
            raise DataError(f"{owner}: X must be 2-D (samples, variables), got shape {X.shape}")
        if events.shape != (X.shape[0],):
            raise DataError(f"{owner}: events must have one id per sample ({X.shape[0]}), got shape {events.shape}")
        names = list(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
        if len(names) != X.shape[1]:
            raise DataError(f"{owner}: {len(names)} names for {X.shape[1]} columns")
        check_finite_values(owner, "X", X, names)
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
        self.fit(dataset.X, dataset[labels[0]], names=dataset.input_names)
        self.truth_ = dict(dataset.truth.conserved) if dataset.truth is not None else {}
        return self

    def fit(self, X, events, names: Sequence[str] | None = None) -> "SiameseInvariants":
        X, events, names = self._validate(X, events, names)
        with torch_threads(1):
            return self._fit(X, events, names)

    def _fit(self, X, events, names) -> "SiameseInvariants":
        import time

        started = time.perf_counter()
        rng = np.random.default_rng(self.random_state)
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
        self.truth_ = {}
        return self

    def _train_network(self, X, members, train_ids, rng, torch_seed: int):
        import torch

        generator = torch.Generator().manual_seed(torch_seed)
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
        if self.truth_:
            verdicts += invariant_matches(self.invariants_, self.truth_, self.names_, self.points_)
        found = bool(self.invariants_) and self.event_r2_ >= MIN_EVENT_R2
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
    its own so that comparisons run both twins on the same events."""

    def __init__(self, *, max_degree: int = 3, extra_terms: Sequence[str] = (), tolerance: float = 0.01, holdout: float = 0.2,
                 random_state: int | None = None):
        super().__init__(twin="library", max_degree=max_degree, extra_terms=extra_terms, tolerance=tolerance, holdout=holdout,
                         random_state=random_state)


def symmetry_invariants(
    generator: str,
    states,
    names: Sequence[str],
    *,
    max_degree: int = 2,
    n_orbits: int = 300,
    samples_per_orbit: int = 8,
    tolerance: float = 0.01,
    random_state: int | None = None,
) -> list:
    """Invariants of the symmetry that a conserved quantity generates (Noether).

    ``generator``: a conserved quantity G(q, p) as expression text in ``names`` (states
    ordered q..., p...), for example the angular momentum found by
    ``SymbolicGradients.fit_events`` on trajectories. Its Hamiltonian flow
    dq/ds = dG/dp, dp/ds = -dG/dq moves ``n_orbits`` of the given states to
    ``samples_per_orbit`` random parameter values s (a flow spanning about the states'
    own spread); the library combinations constant along those orbits, read with
    ``SymbolicGradients.fit_events``, are returned as closed forms. For G = x*py - y*px
    (rotations of q and p together): x**2 + y**2, px**2 + py**2, px*x + py*y and G
    itself. A network given only these as inputs (``HamiltonianNN(invariant_features=...)``)
    has the symmetry built in, so its flow conserves G exactly.
    """
    import sympy

    from physlens.data.hamiltonian import integrate
    from physlens.errors import ParameterError
    from physlens.expr import parse_expression, symbols_for

    states = np.atleast_2d(np.asarray(states, dtype=float))
    names = list(names)
    if states.ndim != 2 or states.shape[1] != len(names) or len(names) % 2:
        raise DataError(f"symmetry_invariants: states must be (samples, {len(names)}) with q... then p..., got shape {states.shape}")
    for label, value in (("n_orbits", n_orbits), ("samples_per_orbit", samples_per_orbit)):
        if not _positive_int(value) or value < 2:
            raise ParameterError(f"symmetry_invariants: {label} must be an integer >= 2, got {value!r}")
    expression = parse_expression(generator, names)
    symbols = symbols_for(names)
    ordered = [symbols[n] for n in names]
    f = len(names) // 2
    gradient = sympy.lambdify(ordered, [sympy.diff(expression, v) for v in ordered], "numpy")

    def flow(x):
        g = np.stack([np.broadcast_to(v, (x.shape[0],)) for v in gradient(*x.T)], axis=1)
        return np.concatenate([g[:, f:], -g[:, :f]], axis=1)

    rng = np.random.default_rng(random_state)
    start = states[rng.choice(len(states), min(n_orbits, len(states)), replace=False)]
    speed = np.median(np.linalg.norm(flow(start), axis=1))
    if not np.isfinite(speed) or speed <= 0:
        raise DataError(f"symmetry_invariants: the flow of {generator!r} does not move the given states (zero gradient)")
    span = np.linalg.norm(states.std(axis=0)) / speed  # flow parameter range: about one spread of the states
    steps = 64
    path = integrate(flow, start, span / steps, steps)  # (steps + 1, orbits, d)
    picks = np.stack([rng.choice(steps + 1, samples_per_orbit, replace=False) for _ in range(len(start))], axis=1)
    samples = path[picks, np.arange(len(start))[None, :]].transpose(1, 0, 2).reshape(-1, len(names))
    orbit = np.repeat(np.arange(len(start)), samples_per_orbit)
    reader = SymbolicGradients(max_degree=max_degree, tolerance=tolerance, random_state=random_state)
    return list(reader.fit_events(samples, orbit, names).invariants_)
