"""The order parameter as the latent of an autoencoder (Wetzel, "Unsupervised learning of
phase transitions: from principal component analysis to variational autoencoders",
PRE 96, 022140, 2017)."""

from __future__ import annotations

from physlens.methods.base import positive_int, positive_number, register, rng_from
from physlens.methods._torch import seeded_module, torch_generator
from physlens.methods.phases.base import SHARED_ATTRIBUTES_DOC, SHARED_PARAMETERS_DOC, _PhaseMethod
from physlens.methods.phases.encoding import isotropic_norm


@register("phases-autoencoder")
class AutoencoderPhases(_PhaseMethod):
    __doc__ = f"""Autoencoder with a linear encoder to a (q-1)-dimensional latent and a
    nonlinear decoder (Wetzel, PRE 96, 022140, 2017); order parameter = |latent - latent of
    the unbiased state| (the encoder bias), whitened (:func:`isotropic_norm`); T_c from the
    finite-size scaling of its Binder cumulant. One network per lattice size.

    Parameters
    ----------
    hidden : int, default 32
        Width of the decoder's hidden layer.
    epochs : int, default 60
        Passes over the training configurations.
    batch_size : int, default 128
        Configurations per Adam step.
    learning_rate : float, default 1e-2
        Adam learning rate.
    max_training_samples : int, default 1500
        The network trains on a random subset of this many configurations per size; the
        latent is then read for every configuration.
    {SHARED_PARAMETERS_DOC}

    Attributes
    ----------
    losses_ : dict[int, list of float]
        Mean reconstruction error per epoch, per lattice size.
    {SHARED_ATTRIBUTES_DOC}
    """

    description = "norm of the autoencoder latent (shifted by the encoder bias, whitened)"
    parameter_rules = {
        **_PhaseMethod.parameter_rules,
        **{name: (positive_int, "an integer >= 1") for name in ("hidden", "epochs", "batch_size", "max_training_samples")},
        "learning_rate": (positive_number, "a number > 0"),
    }

    def __init__(self, *, hidden: int = 32, epochs: int = 60, batch_size: int = 128, learning_rate: float = 1e-2, max_training_samples: int = 1500, bootstrap: int = 20, random_state: int | None = None):
        self.hidden = hidden
        self.epochs = epochs
        self.max_training_samples = max_training_samples
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.bootstrap = bootstrap
        self.random_state = random_state

    def _learn(self, encoded, temps, seed):
        import torch
        from torch import nn

        values, curves = [], {}
        self.losses_ = {}
        generator = torch_generator(seed)
        for x, t in zip(encoded, temps):
            L = x.shape[-1]
            flat = torch.from_numpy(x.reshape(len(x), -1))
            # Train on a random subset (the latent is then read for every configuration).
            train = flat[torch.randperm(len(flat), generator=generator)[: self.max_training_samples]]
            d, k = flat.shape[1], self.n_components_

            def build():
                encoder = nn.Linear(d, k)
                decoder = nn.Sequential(nn.Linear(k, self.hidden), nn.Tanh(), nn.Linear(self.hidden, d), nn.Tanh())
                return nn.ModuleDict({"encoder": encoder, "decoder": decoder})

            # A different initialisation per size, each reproducible from the seed.
            model = seeded_module(build, seed + L)
            optimiser = torch.optim.Adam(model.parameters(), lr=self.learning_rate)
            losses = []
            for _ in range(self.epochs):
                permutation = torch.randperm(len(train), generator=generator)
                total = 0.0
                for start in range(0, len(train), self.batch_size):
                    batch = train[permutation[start : start + self.batch_size]]
                    # Random lattice translation per batch: the physics is translation
                    # invariant, so this is free extra data and evens out the encoder.
                    lattice = x.shape[2:]
                    shift = torch.randint(0, L, (len(lattice),), generator=generator)
                    dims = tuple(range(2, 2 + len(lattice)))
                    batch = torch.roll(batch.reshape(len(batch), -1, *lattice), tuple(int(v) for v in shift), dims=dims).reshape(len(batch), -1)
                    loss = torch.mean((model["decoder"](model["encoder"](batch)) - batch) ** 2)
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                    total += float(loss.detach()) * len(batch)
                losses.append(total / len(train))
            self.losses_[L] = losses
            with torch.no_grad():
                latent = (flat @ model["encoder"].weight.T).numpy().astype(float)
            order = isotropic_norm(latent)
            values.append(order)
            curves[L] = self._scaling_curve(t, order, rng_from(seed))
        return values, curves
