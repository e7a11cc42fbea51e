"""A classifier of the Ising lattice gauge theory's ground states against its hot phase,
read afterwards: the 2D Z2 gauge theory has no local order parameter (Elitzur's theorem:
nothing that is not gauge invariant has an expectation; every link is ±1 with equal odds
at any T), so what tells T = 0 from high T is the
plaquette constraint, U_□ = +1 on every elementary square (Carrasquilla & Melko, "Machine
learning phases of matter", Nat. Phys. 13, 431, 2017).

The network's first layer is a convolution with kernel 2 over the two link channels, with
periodic padding: each output site sees the eight links of one 2x2 window, among them the
four around plaquette (i, j). A nonlinearity follows before the lattice average, so the
per-site feature can be the product of four links (a linear map averaged over the lattice
sees only the mean link, which carries no information). The learned quantity is the
lattice average of that feature, the network's output; it is read against the
plaquette energy -<U_□> and the mean link |m| of configurations the fit never saw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from physlens.data.observables import plaquette_energy
from physlens.errors import DataError
from physlens.methods.base import (
    SEED_RULE, Interpretation, Method, Taxonomy, as_samples, fraction, positive_int, positive_number, register, rng_from, seed_from,
)
from physlens.methods._torch import seeded_module, torch_generator, torch_threads
from physlens.methods.phases.classifier import ClassifierPhases
from physlens.validate.verdict import Verdict, all_blocking_passed

# The issue 29 target: the learned quantity is the plaquette energy up to an affine map.
PLAQUETTE_CORRELATION = 0.99
# Above this |corr| with |m| the learned quantity would be (partly) a local order parameter.
MAGNETIZATION_CORRELATION = 0.3
# Held-out configurations at the labelled ends the classifier must get right.
HELD_OUT_ACCURACY = 0.9


def _link_batch(owner: str, configs: Any) -> np.ndarray:
    """(n, 2, L, L) +-1 links as float32, or a DataError naming the row and what is valid."""
    links = as_samples(owner, "configs", configs, ndim=4, min_rows=4)
    if links.shape[1] != 2 or links.shape[2] != links.shape[3] or links.shape[2] < 2:
        raise DataError(f"{owner}: configs has shape {links.shape}; gauge links need (n, 2, L, L) with L >= 2 "
                        "(configs[n, k, i, j] = the link from site (i, j) along axis k)")
    outside = np.argwhere(np.abs(links) != 1)
    if outside.size:
        row, *where = (int(v) for v in outside[0])
        raise DataError(f"{owner}: configs row {row} has link value {links[(row, *where)]:g} at (axis, i, j) = {tuple(where)}; "
                        "Z2 links must be -1 or +1")
    return links.astype(np.float32)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation, 0 when either side is constant (no linear relation to read)."""
    if a.size < 3 or np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _gauge_transform(links, generator):
    """Links (n, 2, L, L) under a random Z2 gauge transformation per configuration,
    U_k(x) -> g(x) U_k(x) g(x + k): an exact symmetry, so every plaquette is unchanged."""
    import torch

    g = torch.randint(0, 2, (links.shape[0], *links.shape[2:]), generator=generator).to(links.dtype) * 2 - 1
    return torch.stack([links[:, 0] * g * g.roll(-1, dims=1), links[:, 1] * g * g.roll(-1, dims=2)], dim=1)


# Layers of the network before the lattice average: model_[:SITE_LAYERS](links) is the per-site feature.
SITE_LAYERS = 6


def _build_network(channels: int, hidden: int):
    """Conv(kernel 2, periodic) -> ReLU -> 1x1 conv -> ReLU -> 1x1 conv, averaged over sites."""
    from torch import nn

    return nn.Sequential(
        # One row and one column from the opposite edge: the window at (i, j) then holds
        # plaquette (i, j) of the torus, and the output stays L x L.
        nn.CircularPad2d((0, 1, 0, 1)),
        nn.Conv2d(2, channels, kernel_size=2),
        nn.ReLU(),
        nn.Conv2d(channels, hidden, 1),
        nn.ReLU(),
        nn.Conv2d(hidden, 1, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(start_dim=0),
    )


@register("gauge_classifier")
class GaugeClassifier(Method):
    """Convolutional classifier of Z2 lattice gauge configurations, the lowest temperatures
    of the scan ("ground states") against the highest, whose learned quantity is read as the
    plaquette energy (Carrasquilla & Melko, Nat. Phys. 13, 431, 2017, Fig. 3).

    Labels come from the data's own temperatures: the lowest ``labelled_fraction`` of the
    temperature range is class 1, the highest class 0 (T = 0 against T = infinity in the
    paper). The network is fitted by least squares to +1 (ground states) and -1 (hot), each
    batch under a fresh random gauge transformation U_k(x) -> g(x) U_k(x) g(x + k), an
    exact symmetry of the model: features that are not gauge invariant then carry no
    signal and fade. A random ``validation_fraction`` of the labelled configurations is held out;
    the checks read only configurations the fit never saw (those, and every configuration
    between the labelled ends): the learned quantity must correlate with the plaquette
    energy -<U_□> at |r| >= 0.99 and not with the mean link |m| (|r| <= 0.3: no local
    order parameter), and the held-out labelled configurations must be classified at
    >= 90%.

    Parameters
    ----------
    channels : int, default 16
        Filters of the first layer (each sees one 2x2 window of both link directions).
    hidden : int, default 16
        Filters of the per-site hidden layer (1x1 convolution).
    epochs : int, default 150
        Passes over the training configurations (each pass under fresh random gauge
        transformations).
    batch_size : int, default 8
        Configurations per Adam step.
    learning_rate : float, default 1e-2
        Adam learning rate.
    labelled_fraction : float, default 0.25
        Fraction of the temperature range labelled at each end, in (0, 0.5).
    validation_fraction : float, default 0.25
        Fraction of the labelled configurations held out of training, in (0, 1).
    random_state : int, numpy Generator/RandomState or None, default None
        Seeds the network's initialisation, the held-out split and the batches; an int
        gives the same result every time.

    Attributes
    ----------
    model_ : torch.nn.Sequential
        The trained network; ``model_[:6](links)`` is the per-site feature before the
        lattice average.
    losses_ : list of float
        Mean squared error of the output against the targets +-1, per epoch.
    label_temperatures_ : tuple of float
        (at or below: ground-state class, at or above: hot class).
    learned_quantity_ : ndarray
        The network's output (the lattice average of its per-site feature; > 0: ground-state
        class), per configuration.
    plaquette_energy_ : ndarray
        -<U_□> per configuration (-1 in a ground state), what the learned quantity is read against.
    link_magnetization_ : ndarray
        |mean link| per configuration.
    temperature_ : ndarray
        The temperature of each configuration.
    held_out_ : ndarray of bool
        Configurations the fit never saw (the checks read only these).
    plaquette_correlation_ : float
        Pearson r of the learned quantity with the plaquette energy, held-out configurations.
    magnetization_correlation_ : float
        Pearson r of the learned quantity with |m|, held-out configurations.
    held_out_accuracy_ : float
        Fraction of held-out labelled configurations classified right.
    plaquette_fit_ : tuple of float
        (slope, intercept) of learned quantity = slope * (-<U_□>) + intercept, least squares
        on the held-out configurations.
    lattice_size_ : int
        L.
    """

    consumes = "configurations"
    interpretation_kind = "order_parameter"
    required_arrays = ("configs", "temperature")
    taxonomy = Taxonomy(origin="post-hoc", mechanism="mechanistic", scope="global", aim="discovering", level="high")
    parameter_rules = {
        **{name: (positive_int, "an integer >= 1") for name in ("channels", "hidden", "epochs", "batch_size")},
        "learning_rate": (positive_number, "a number > 0"),
        "labelled_fraction": ClassifierPhases.parameter_rules["labelled_fraction"],
        "validation_fraction": (fraction, "a number in (0, 1)"),
        "random_state": SEED_RULE,
    }

    def __init__(self, *, channels: int = 16, hidden: int = 16, epochs: int = 150, batch_size: int = 8, learning_rate: float = 1e-2,
                 labelled_fraction: float = 0.25, validation_fraction: float = 0.25, random_state: int | None = None):
        self.channels = channels
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.labelled_fraction = labelled_fraction
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    @classmethod
    def applicable_to(cls, dataset) -> str | None:
        """Gauge links only: configurations (n, 2, L, L), not site spins."""
        reason = super().applicable_to(dataset)
        if reason is not None:
            return reason
        shape = np.shape(dataset["configs"])
        if len(shape) != 4 or shape[1] != 2:
            return f"{cls.__name__} reads Z2 gauge links (n, 2, L, L); these configurations have shape {shape}"
        return None

    def fit_dataset(self, dataset) -> "GaugeClassifier":
        """Fit from one Dataset of kind "configurations" holding gauge links."""
        if isinstance(dataset, (list, tuple)):
            raise DataError(f"{type(self).__name__} takes one lattice size (one Dataset), got {len(dataset)}")
        self._check_applicable(dataset)
        return self.fit(dataset["configs"], dataset["temperature"])

    def fit(self, configs, temperature) -> "GaugeClassifier":
        """``configs``: (n, 2, L, L) +-1 links; ``temperature``: (n,) values >= 0."""
        self._validate_parameters()
        owner = type(self).__name__
        links = _link_batch(owner, configs)
        temperature = as_samples(owner, "temperature", temperature, ndim=1, n_rows=len(links))
        negative = np.flatnonzero(temperature < 0)
        if negative.size:
            raise DataError(f"{owner}: temperature row {negative[0]} is {temperature[negative[0]]:g}; temperatures must be >= 0")
        t_low, t_high = float(temperature.min()), float(temperature.max())
        if t_high == t_low:
            raise DataError(f"{owner}: every configuration has temperature {t_low:g}; the scan must reach both ends (e.g. T = 0 and high T)")
        span = t_high - t_low
        low_cut, high_cut = t_low + self.labelled_fraction * span, t_high - self.labelled_fraction * span
        self.label_temperatures_ = (low_cut, high_cut)
        seed = seed_from(self.random_state)
        rng = rng_from(seed)
        labelled = np.flatnonzero((temperature <= low_cut) | (temperature >= high_cut))
        held = rng.random(labelled.size) < self.validation_fraction
        train_rows, validation_rows = labelled[~held], labelled[held]
        labels = (temperature <= low_cut).astype(np.float32)
        if np.unique(labels[train_rows]).size < 2 or np.unique(labels[validation_rows]).size < 2:
            raise DataError(f"{owner}: the training or held-out configurations hold one class only ({train_rows.size} train, "
                            f"{validation_rows.size} held out); give more configurations at each end of the scan")
        with torch_threads(1):
            self.model_, self.losses_ = self._train(links[train_rows], labels[train_rows], seed)
            self.learned_quantity_ = self._read(links)
        self.held_out_ = np.ones(len(links), dtype=bool)
        self.held_out_[train_rows] = False
        self.temperature_ = temperature
        self.lattice_size_ = int(links.shape[-1])
        self.plaquette_energy_ = plaquette_energy(links)
        self.link_magnetization_ = np.abs(links.mean(axis=(1, 2, 3), dtype=float))
        held_out = self.held_out_
        self.plaquette_correlation_ = _correlation(self.learned_quantity_[held_out], self.plaquette_energy_[held_out])
        self.magnetization_correlation_ = _correlation(self.learned_quantity_[held_out], self.link_magnetization_[held_out])
        predicted = (self.learned_quantity_[validation_rows] > 0).astype(np.float32)
        self.held_out_accuracy_ = float(np.mean(predicted == labels[validation_rows]))
        slope, intercept = np.polyfit(self.plaquette_energy_[held_out], self.learned_quantity_[held_out], 1) \
            if np.std(self.plaquette_energy_[held_out]) > 0 else (0.0, float(np.mean(self.learned_quantity_[held_out])))
        self.plaquette_fit_ = (float(slope), float(intercept))
        return self

    def _train(self, links: np.ndarray, labels: np.ndarray, seed: int):
        import torch

        model = seeded_module(lambda: _build_network(self.channels, self.hidden), seed)
        optimiser = torch.optim.Adam(model.parameters(), lr=self.learning_rate)
        generator = torch_generator(seed)
        x, y = torch.from_numpy(links), torch.from_numpy(labels)
        # Least squares on targets +-1, not cross entropy: cross entropy stops shaping the
        # output once the classes separate, least squares keeps pulling each class's output
        # to one value, which removes what varies within a class but not between them.
        targets = 2 * y - 1
        losses = []
        for _ in range(self.epochs):
            total = 0.0
            permutation = torch.randperm(len(y), generator=generator)
            for start in range(0, len(y), self.batch_size):
                rows = permutation[start : start + self.batch_size]
                loss = torch.mean((model(_gauge_transform(x[rows], generator)) - targets[rows]) ** 2)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * len(rows)
            losses.append(total / len(y))
        return model, losses

    def _read(self, links: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.model_(torch.from_numpy(links)).numpy().astype(float)

    def _verdicts(self) -> list[Verdict]:
        r_plaquette, r_magnet = self.plaquette_correlation_, self.magnetization_correlation_
        n = int(self.held_out_.sum())
        plaquette_ok = abs(r_plaquette) >= PLAQUETTE_CORRELATION
        magnet_ok = abs(r_magnet) <= MAGNETIZATION_CORRELATION
        accuracy_ok = self.held_out_accuracy_ >= HELD_OUT_ACCURACY
        return [
            Verdict("learned quantity vs plaquette energy", plaquette_ok, abs(r_plaquette),
                    f"|corr| with -<U_□> = {abs(r_plaquette):.4f} on {n} held-out configurations "
                    f"({'>=' if plaquette_ok else '<'} {PLAQUETTE_CORRELATION}): "
                    + ("the classifier learned the plaquette constraint" if plaquette_ok else "not the plaquette energy")),
            Verdict("no local order parameter", magnet_ok, abs(r_magnet),
                    f"|corr| with the mean link |m| = {abs(r_magnet):.4f} ({'<=' if magnet_ok else '>'} {MAGNETIZATION_CORRELATION}); "
                    f"mean |m| = {float(self.link_magnetization_.mean()):.4f}"),
            Verdict("held-out classification", accuracy_ok, self.held_out_accuracy_,
                    f"{self.held_out_accuracy_:.1%} of the held-out labelled configurations classified right "
                    f"({'>=' if accuracy_ok else '<'} {HELD_OUT_ACCURACY:.0%})"),
        ]

    def interpret(self) -> Interpretation:
        """The learned quantity read as the plaquette energy, with its checks; found is true
        only when every blocking check passed."""
        self._check_is_fitted("plaquette_fit_")
        verdicts = self._verdicts()
        found = all_blocking_passed(verdicts)
        slope, intercept = self.plaquette_fit_
        readout = f"learned = {slope:.4g} (-<U_□>) {'+' if intercept >= 0 else '-'} {abs(intercept):.4g}"
        low, high = self.label_temperatures_
        values = {
            "plaquette_correlation": self.plaquette_correlation_,
            "magnetization_correlation": self.magnetization_correlation_,
            "held_out_accuracy": self.held_out_accuracy_,
            "plaquette_fit": {"slope": slope, "intercept": intercept, "text": readout},
            "label_temperatures": [low, high],
            "lattice_size": self.lattice_size_,
            "held_out_configurations": int(self.held_out_.sum()),
            "order_parameter": "plaquette energy -<U_□> (no local order parameter)",
        }
        summary = (f"classifier of T <= {low:.3g} against T >= {high:.3g}: {readout}, |r| = {abs(self.plaquette_correlation_):.4f}; "
                   f"|r| with |m| = {abs(self.magnetization_correlation_):.3f}")
        return Interpretation(
            kind="order_parameter",
            method=getattr(self, "method_name", type(self).__name__),
            taxonomy=self.taxonomy,
            found=found,
            summary=summary if found else f"not trusted: {summary}",
            values=values,
            verdicts=verdicts,
            reasons=[f"{v.name}: {v.reason}" for v in verdicts if v.blocking and v.passed is False],
        )
