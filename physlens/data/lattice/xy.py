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

from physlens.data.lattice.discrete import ClusterSampler, bonds_by_site, checkerboard, cluster_labels, nearest_neighbour_bonds, seed_cluster

TWO_PI = 2.0 * math.pi


class XYSampler(ClusterSampler):
    """Metropolis + Wolff for a batch of XY replicas; ``angles`` has shape (R, L, L)."""

    def __init__(self, size: int, temperatures: np.ndarray, rng: np.random.Generator, *, hot_start: bool = True):
        self.size = size
        self.temperatures = np.asarray(temperatures, dtype=float)
        self.rng = rng
        shape = (self.temperatures.size, size, size)
        self.angles = rng.uniform(0.0, TWO_PI, size=shape) if hot_start else np.zeros(shape)
        self._beta = (1.0 / self.temperatures)[:, None]
        self._step = (math.pi * np.minimum(1.0, self.temperatures))[:, None]
        index = np.arange(size * size).reshape(size, size)
        neighbours = np.stack([np.roll(index, s, axis=k) for k in (0, 1) for s in (1, -1)])
        self._sublattice_sites = [(index[mask], neighbours[:, mask]) for mask in checkerboard(size, 2)]
        self._bond_a, self._bond_b, _ = nearest_neighbour_bonds(self.temperatures.size, size, 2)
        self._neighbours = bonds_by_site(self._bond_b, 2)
        self._bond_beta = np.tile(np.repeat(1.0 / self.temperatures, size * size), 2)

    def metropolis_sweep(self) -> None:
        R, n = self.temperatures.size, self.size * self.size
        angles = self.angles.reshape(R, n)
        for sites, neighbours in self._sublattice_sites:
            # Each sublattice's four neighbours lie on the other one, which stays fixed meanwhile.
            cos_all, sin_all = np.cos(angles), np.sin(angles)
            cos_sum, sin_sum = cos_all[:, neighbours].sum(axis=1), sin_all[:, neighbours].sum(axis=1)
            old = angles[:, sites]
            proposal = old + self._step * self.rng.uniform(-1.0, 1.0, size=old.shape)
            # E_site(θ) = -(cos θ Σcos θ_j + sin θ Σsin θ_j) over the four neighbours.
            delta = (cos_sum * (cos_all[:, sites] - np.cos(proposal)) + sin_sum * (sin_all[:, sites] - np.sin(proposal))) * self._beta
            accept = self.rng.random(old.shape) < np.exp(np.minimum(0.0, -delta))
            angles[:, sites] = np.where(accept, np.mod(proposal, TWO_PI), old)
        self.angles = angles.reshape(self.angles.shape)

    def _embedded_clusters(self) -> tuple[np.ndarray, np.ndarray]:
        """A random mirror angle per replica and the cluster labels of the embedded Ising
        spins sign(s·r): bond <ij> active with probability 1 - exp(-2β max(0, (s_i·r)(s_j·r)))."""
        R = self.temperatures.size
        mirror = self.rng.uniform(0.0, TWO_PI, size=R)
        projection = np.cos(self.angles - mirror[:, None, None]).ravel()
        weight = projection[self._bond_a] * projection[self._bond_b]
        p_bond = -np.expm1(-2.0 * self._bond_beta * np.maximum(weight, 0.0))
        active = self.rng.random(self._bond_a.size) < p_bond
        return mirror, cluster_labels(active, self._neighbours)

    def _reflect(self, mirror: np.ndarray, where: np.ndarray) -> None:
        reflected = np.mod(math.pi + 2.0 * mirror[:, None, None] - self.angles, TWO_PI)
        self.angles = np.where(where, reflected, self.angles)

    def wolff_update(self) -> None:
        mirror, labels = self._embedded_clusters()
        self._reflect(mirror, seed_cluster(labels, self.temperatures.size, self.rng).reshape(self.angles.shape))

    def swendsen_wang_update(self) -> None:
        """Every embedded cluster is reflected with probability 1/2 (Swendsen-Wang form of
        Wolff's embedding)."""
        mirror, labels = self._embedded_clusters()
        flip = self.rng.random(int(labels.max()) + 1) < 0.5
        self._reflect(mirror, flip[labels].reshape(self.angles.shape))

    def states(self) -> np.ndarray:
        """Angles in [0, 2π)."""
        return self.angles.copy()
