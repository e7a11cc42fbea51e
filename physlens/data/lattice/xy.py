"""Checkerboard Metropolis + Wolff sampler for the 2D XY model, H = -sum_<ij> cos(θ_i - θ_j).

Metropolis proposes θ -> θ + δ with δ uniform in [-w, w], w = π min(1, T) (a symmetric
proposal, so any w keeps detailed balance; the T-dependent width keeps the acceptance
useful in the spin-wave regime). Wolff's cluster update for O(n) models (Wolff, PRL 62,
361 (1989)) draws a random mirror direction r = (cos φ, sin φ) per replica and activates
the bond <ij> with probability 1 - exp(-2β max(0, (s_i·r)(s_j·r))); the cluster holding
a random seed is reflected, θ -> π + 2φ - θ. As in the discrete sampler, the activated
bonds of every replica go through one connected-components pass.
"""

from __future__ import annotations

import math

import numpy as np

from physlens.data.lattice.discrete import checkerboard, connected_labels, nearest_neighbour_bonds

TWO_PI = 2.0 * math.pi


class XYSampler:
    """Metropolis + Wolff for a batch of XY replicas; ``angles`` has shape (R, L, L)."""

    def __init__(self, size: int, temperatures: np.ndarray, rng: np.random.Generator, *, hot_start: bool = True):
        self.size = size
        self.temperatures = np.asarray(temperatures, dtype=float)
        self.rng = rng
        shape = (self.temperatures.size, size, size)
        self.angles = rng.uniform(0.0, TWO_PI, size=shape) if hot_start else np.zeros(shape)
        self._beta = (1.0 / self.temperatures)[:, None, None]
        self._step = (math.pi * np.minimum(1.0, self.temperatures))[:, None, None]
        self._sublattices = checkerboard(size, 2)
        self._bond_a, self._bond_b, _ = nearest_neighbour_bonds(self.temperatures.size, size, 2)
        self._bond_beta = np.tile(np.repeat(1.0 / self.temperatures, size * size), 2)

    def metropolis_sweep(self) -> None:
        for mask in self._sublattices:
            angles = self.angles
            cos_sum = sum(np.roll(np.cos(angles), s, axis=k) for k in (1, 2) for s in (1, -1))
            sin_sum = sum(np.roll(np.sin(angles), s, axis=k) for k in (1, 2) for s in (1, -1))
            proposal = angles + self._step * self.rng.uniform(-1.0, 1.0, size=angles.shape)
            # E_site(θ) = -(cos θ Σcos θ_j + sin θ Σsin θ_j) over the four neighbours.
            delta = (cos_sum * (np.cos(angles) - np.cos(proposal)) + sin_sum * (np.sin(angles) - np.sin(proposal))) * self._beta
            accept = (self.rng.random(angles.shape) < np.exp(np.minimum(0.0, -delta))) & mask
            self.angles = np.where(accept, np.mod(proposal, TWO_PI), angles)

    def wolff_update(self) -> None:
        R, n = self.temperatures.size, self.size * self.size
        mirror = self.rng.uniform(0.0, TWO_PI, size=R)
        projection = np.cos(self.angles - mirror[:, None, None]).ravel()
        weight = projection[self._bond_a] * projection[self._bond_b]
        p_bond = -np.expm1(-2.0 * self._bond_beta * np.maximum(weight, 0.0))
        active = self.rng.random(self._bond_a.size) < p_bond
        labels = connected_labels(R * n, self._bond_a[active], self._bond_b[active])
        seeds = np.arange(R) * n + self.rng.integers(0, n, size=R)
        in_cluster = (labels.reshape(R, n) == labels[seeds][:, None]).reshape(self.angles.shape)
        reflected = np.mod(math.pi + 2.0 * mirror[:, None, None] - self.angles, TWO_PI)
        self.angles = np.where(in_cluster, reflected, self.angles)

    def sweep(self, wolff_updates: int) -> None:
        self.metropolis_sweep()
        for _ in range(wolff_updates):
            self.wolff_update()

    def states(self) -> np.ndarray:
        """Angles in [0, 2π)."""
        return self.angles.copy()
