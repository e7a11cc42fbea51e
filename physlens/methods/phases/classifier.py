"""A classifier of the ordered and disordered phases whose labels come from the data's own
temperatures (after Carrasquilla & Melko, "Machine learning phases of matter", Nat. Phys.
13, 431, 2017, who label at the known T_c); its first layer is read as the order parameter.

Its output probability is not used for T_c: a classifier trained on the temperature
extremes says "ordered" when |m| exceeds a fixed threshold m*, so its P = 1/2 points
converge, as L -> infinity, to the temperature where the spontaneous magnetisation equals
m*, below T_c (those points are still reported).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import nonnegative_int, positive_int, positive_number, register, rng_from
from physlens.methods._torch import seeded_module, torch_generator
from physlens.methods.phases.base import SHARED_ATTRIBUTES_DOC, SHARED_PARAMETERS_DOC, _PhaseMethod
from physlens.methods.phases.encoding import isotropic_norm
from physlens.methods.phases.finite_size import level_crossing, temperature_means
from physlens.validate.phases import order_parameter_correlation


@register("phases-classifier")
class ClassifierPhases(_PhaseMethod):
    __doc__ = f"""Classifier (per-site linear features, average pooling over the lattice, a
    small dense head; one network for every lattice size) trained to tell the lowest
    ``labelled_fraction`` of the temperature range ("ordered") from the highest
    ("disordered") - labels from the data's own temperatures, never from T_c; for
    ``relabel_rounds``, it is retrained with labels split at its own T_c estimate
    (Carrasquilla & Melko, Nat. Phys. 13, 431, 2017, split at the known T_c).

    The order parameter it learned is its first layer's pooled feature (shifted by the
    layer bias, whitened); T_c comes from the finite-size scaling of that feature's Binder
    cumulant. The output probability P(ordered) is reported beside it, not used for T_c:
    trained on the extremes, the network answers "ordered" when |m| exceeds a fixed
    threshold m*, so the temperatures where the mean P_L(T) = 1/2 tend, as L -> infinity,
    to the temperature where the spontaneous magnetisation equals m* - below T_c by an
    amount set by the training windows, not by the physics.

    Parameters
    ----------
    channels : int, default 4
        Per-site linear features (the first layer).
    hidden : int, default 16
        Width of the two hidden layers of the head.
    epochs : int, default 30
        Passes over the labelled configurations.
    batch_size : int, default 64
        Configurations per Adam step.
    learning_rate : float, default 1e-2
        Adam learning rate.
    labelled_fraction : float, default 0.25
        Fraction of the temperature range labelled at each end, in (0, 0.5).
    relabel_rounds : int, default 0
        Retrainings with the labels split at the method's own T_c estimate.
    max_training_samples : int, default 1000
        Labelled configurations used per lattice size (a random subset).
    {SHARED_PARAMETERS_DOC}

    Attributes
    ----------
    model_ : torch.nn.Sequential
        The trained network (on lattice-averaged spin encodings).
    losses_ : list of float
        Mean cross entropy per epoch of the last training.
    label_temperatures_ : tuple of float
        (below: ordered, above: disordered) of the first training.
    label_history_ : list of tuple of float
        The label temperatures of every training round.
    logit_ : dict[int, ndarray]
        The output logit of every configuration, per size.
    probability_curves_ : dict[int, tuple of ndarray]
        (temperatures, mean P(ordered), its bootstrap error) per size.
    output_pseudo_critical_temperatures_ : dict[int, float]
        Where the mean P(ordered) crosses 1/2, per size.
    {SHARED_ATTRIBUTES_DOC}
    """

    description = "classifier's learned feature (first layer pooled over the lattice, whitened)"
    parameter_rules = {
        **_PhaseMethod.parameter_rules,
        **{name: (positive_int, "an integer >= 1") for name in ("channels", "hidden", "epochs", "batch_size", "max_training_samples")},
        "relabel_rounds": (nonnegative_int, "an integer >= 0"),
        "learning_rate": (positive_number, "a number > 0"),
        "labelled_fraction": (lambda v: positive_number(v) and v < 0.5, "a number in (0, 0.5)"),
    }

    def __init__(self, *, channels: int = 4, hidden: int = 16, epochs: int = 30, batch_size: int = 64, learning_rate: float = 1e-2, labelled_fraction: float = 0.25, relabel_rounds: int = 0, max_training_samples: int = 1000, bootstrap: int = 20, random_state: int | None = None):
        self.channels = channels
        self.max_training_samples = max_training_samples
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.labelled_fraction = labelled_fraction
        self.relabel_rounds = relabel_rounds
        self.bootstrap = bootstrap
        self.random_state = random_state

    def _learn(self, encoded, temps, seed):
        import torch
        from scipy.special import expit
        from torch import nn

        channels_in = encoded[0].shape[1]
        # A 1x1 convolution averaged over the lattice equals one linear map of the
        # lattice-averaged spin encoding: the network is run in that form (same function,
        # L^2 times less work).
        pooled = [x.mean(axis=tuple(range(2, x.ndim)), dtype=float).astype(np.float32) for x in encoded]
        sizes = [x.shape[-1] for x in encoded]
        all_t = np.concatenate(temps)
        t_low, t_high = all_t.min(), all_t.max()
        span = t_high - t_low
        low_cut, high_cut = t_low + self.labelled_fraction * span, t_high - self.labelled_fraction * span
        self.label_temperatures_ = (float(low_cut), float(high_cut))

        def build():
            # Per-site linear features pooled over the lattice, then a nonlinear head: the
            # classifier sees the configuration as a set of sites (DeepSets), invariant
            # under translations and permutations of sites.
            return nn.Sequential(
                nn.Linear(channels_in, self.channels),
                nn.Linear(self.channels, self.hidden),
                nn.Tanh(),
                nn.Linear(self.hidden, self.hidden),
                nn.Tanh(),
                nn.Linear(self.hidden, 1),
            )

        def train(low: float, high: float):
            model = seeded_module(build, seed)
            optimiser = torch.optim.Adam(model.parameters(), lr=self.learning_rate)
            generator = torch_generator(seed)
            batches = []
            for x, t in zip(pooled, temps):
                rows = np.flatnonzero((t <= low) | (t >= high))
                if rows.size == 0:
                    continue
                rows = np.sort(rng_from(seed).permutation(rows)[: self.max_training_samples])
                labels = (t[rows] <= low).astype(np.float32)
                batches.append((torch.from_numpy(x[rows]), torch.from_numpy(labels)))
            if not batches:
                raise DataError("no configuration lies in the labelled temperature ranges; widen the temperature range")
            counts = [len(y) for _, y in batches]
            if sum(float(y.sum()) for _, y in batches) in (0, sum(counts)):
                raise DataError("the labelled temperatures give only one class; the scan must reach both phases")
            loss_fn = nn.BCEWithLogitsLoss()
            losses = []
            for _ in range(self.epochs):
                total = 0.0
                # Sizes are trained in turn within an epoch (one tensor shape per batch).
                for x, y in batches:
                    permutation = torch.randperm(len(y), generator=generator)
                    for start in range(0, len(y), self.batch_size):
                        idx = permutation[start : start + self.batch_size]
                        loss = loss_fn(model(x[idx]).squeeze(1), y[idx])
                        optimiser.zero_grad()
                        loss.backward()
                        optimiser.step()
                        total += float(loss.detach()) * len(idx)
                losses.append(total / sum(counts))
            return model, losses

        def read(model):
            """Learned feature (order parameter), its Binder curves, and the output logits."""
            values, curves, logits = [], {}, {}
            # The first layer pooled is W <x> + b: the feature without its bias is W <x>,
            # zero for the symmetric (disordered) state.
            weight = model[0].weight.detach().numpy().astype(float)
            with torch.no_grad():
                for L, x, t in zip(sizes, pooled, temps):
                    logits[L] = model(torch.from_numpy(x)).squeeze(1).numpy().astype(float)
                    order = isotropic_norm(x.astype(float) @ weight.T)
                    values.append(order)
                    curves[L] = self._scaling_curve(t, order, rng_from(seed))
            return values, curves, logits

        model, self.losses_ = train(low_cut, high_cut)
        values, curves, self.logit_ = read(model)
        self.label_history_ = [self.label_temperatures_]
        # Self-consistent labels: relabel at the temperature the method itself located
        # (ordered below, disordered above) and retrain; no outside knowledge of T_c.
        for _ in range(self.relabel_rounds):
            estimate = self._estimate_from(curves)[0]
            if not np.isfinite(estimate) or not (t_low < estimate < t_high):
                break
            model, self.losses_ = train(estimate, estimate)
            values, curves, self.logit_ = read(model)
            self.label_history_.append((float(estimate), float(estimate)))
        self.model_ = model
        rng = rng_from(seed)
        self.probability_curves_ = {}
        for L, t in zip(sizes, temps):
            self.probability_curves_[L] = temperature_means(t, expit(self.logit_[L]), rng)
        # P = 1/2 of the mean output per size: the classifier's own pseudo-critical points.
        self.output_pseudo_critical_temperatures_ = {L: level_crossing(grid, curve, 0.5) for L, (grid, curve, _) in self.probability_curves_.items()}
        return values, curves

    def _extra_values(self) -> dict[str, Any]:
        output_correlation = {L: order_parameter_correlation(self.logit_[L], self.magnetization_[L]).score for L in self.sizes_}
        return {
            "output_correlation_with_magnetization": {str(L): float(c) for L, c in output_correlation.items()},
            "output_pseudo_critical_temperatures": {str(L): t for L, t in self.output_pseudo_critical_temperatures_.items()},
            "label_temperatures": list(self.label_temperatures_),
        }
