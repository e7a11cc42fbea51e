"""Checkerboard Metropolis + Wolff sampler for discrete spins: Ising (any couplings per
axis, 2D or 3D) and q-state Potts models.

All are run as one engine on state indices 0..q-1 (the Ising model is the q = 2 Potts
model with coupling 2J). Each sweep is one checkerboard Metropolis sweep (the two
sublattices are updated in turn, vectorised over all sites and all replicas) followed by
Wolff cluster updates. A Wolff cluster is grown from a random seed by activating each
bond along axis k between equal spins with probability p_k = 1 - exp(-J_potts,k / T)
(Wolff 1989; per-axis probabilities for anisotropic couplings); since the bond trials are
independent, that cluster is exactly the Fortuin-Kasteleyn cluster holding the seed, so
it is found for every replica at once with one connected-components pass over the
activated bonds (scipy, compiled) instead of a Python breadth-first search. The cluster
then takes a uniformly drawn different state (a flip for Ising). The Swendsen-Wang update
uses the same pass and gives every cluster a uniformly drawn state: per CPU second it
moves many more spins, which matters most away from T_c where Wolff clusters are small.

Replicas (temperatures x independent chains) run side by side in one array, which is what
makes numpy fast here. Randomness only from the ``rng`` passed in.
"""

from __future__ import annotations

import numpy as np

from physlens.data.lattice.models import LatticeModel


def checkerboard(size: int, dimension: int) -> list[np.ndarray]:
    """The two sublattices (even and odd coordinate sum) of a periodic lattice of even size:
    no two sites of one sublattice are neighbours, so each is updated at once."""
    parity = np.indices((size,) * dimension).sum(axis=0) % 2
    return [parity == 0, parity == 1]


def nearest_neighbour_bonds(replicas: int, size: int, dimension: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every bond once, over all replicas: flat site indices (a, b) and the lattice axis of
    each bond. Blocks run from the last lattice axis to the first (the order the 2D sampler
    has always drawn its bond trials in, so seeded runs stay reproducible)."""
    index = np.arange(replicas * size**dimension).reshape((replicas,) + (size,) * dimension)
    axes = list(range(dimension))[::-1]
    a = np.concatenate([index.ravel()] * dimension)
    b = np.concatenate([np.roll(index, -1, axis=k + 1).ravel() for k in axes])
    axis = np.repeat(np.asarray(axes), index.size)
    return a, b, axis


def bonds_by_site(bond_b: np.ndarray, dimension: int) -> np.ndarray:
    """(sites, d): the neighbour each site is bonded to in each block of
    :func:`nearest_neighbour_bonds` (whose first sites run 0..n-1 in every block)."""
    return np.ascontiguousarray(bond_b.reshape(dimension, -1).T).astype(np.int32)


def cluster_labels(active: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Cluster label of every site, given which bonds of :func:`nearest_neighbour_bonds`
    are ``active`` (in its block order) and ``neighbours`` from :func:`bonds_by_site`.

    The graph is built directly in CSR form (rows are sites, already in order), which skips
    the sort a COO graph needs; scipy's compiled connected components does the rest."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n_sites, dimension = neighbours.shape
    blocks = active.reshape(dimension, n_sites)
    indptr = np.zeros(n_sites + 1, dtype=np.int32)
    np.cumsum(blocks.sum(axis=0), out=indptr[1:])
    indices = neighbours[np.ascontiguousarray(blocks.T)]
    # float64 data: the dtype csgraph works in, so it does not convert the graph first (2x faster).
    graph = csr_matrix((np.ones(indices.size), indices, indptr), shape=(n_sites, n_sites))
    return connected_components(graph, directed=False)[1]


def seed_cluster(labels: np.ndarray, replicas: int, rng: np.random.Generator) -> np.ndarray:
    """(R, sites): the cluster holding one uniformly drawn site of each replica (Wolff's cluster)."""
    per_replica = labels.size // replicas
    seeds = np.arange(replicas) * per_replica + rng.integers(0, per_replica, size=replicas)
    return labels.reshape(replicas, per_replica) == labels[seeds][:, None]


class ClusterSampler:
    """A sweep: one local sweep, then cluster updates, Wolff's or Swendsen-Wang's."""

    def metropolis_sweep(self) -> None:
        raise NotImplementedError

    def wolff_update(self) -> None:
        raise NotImplementedError

    def swendsen_wang_update(self) -> None:
        raise NotImplementedError

    def sweep(self, wolff_updates: int, cluster: str = "wolff") -> None:
        """One Metropolis sweep, then ``wolff_updates`` cluster updates (``cluster``: "wolff" or "swendsen-wang")."""
        self.metropolis_sweep()
        update = self.wolff_update if cluster == "wolff" else self.swendsen_wang_update
        for _ in range(wolff_updates):
            update()


class LatticeSampler(ClusterSampler):
    """Checkerboard Metropolis + Wolff sampler for a batch of replicas (R, L, ..., L).

    ``spins`` holds state indices 0..q-1; ``temperatures`` has one entry per replica.
    """

    def __init__(self, model: LatticeModel, size: int, temperatures: np.ndarray, rng: np.random.Generator, *, hot_start: bool = True):
        self.model = model
        self.size = size
        self.temperatures = np.asarray(temperatures, dtype=float)
        self.rng = rng
        replicas, d = self.temperatures.size, model.dimension
        shape = (replicas,) + (size,) * d
        if hot_start:
            self.spins = rng.integers(0, model.q, size=shape).astype(np.int8)
        else:
            self.spins = np.zeros(shape, dtype=np.int8)
        expand = (slice(None),) + (None,) * d
        couplings = np.asarray(model.couplings, dtype=float)
        self._isotropic = bool(np.all(couplings == couplings[0]))
        # Potts-form beta * J per axis, shaped to broadcast over (R, L, ..., L).
        self._beta_j_axis = [(model.coupling * J / self.temperatures)[expand] for J in couplings]
        self._beta_j = self._beta_j_axis[0]
        self._sublattices = checkerboard(size, d)
        self._bond_a, self._bond_b, bond_axis = nearest_neighbour_bonds(replicas, size, d)
        self._neighbours = bonds_by_site(self._bond_b, d)
        p_axis = 1.0 - np.exp(-model.coupling * couplings[:, None] / self.temperatures[None, :])
        # Bond i of each axis block belongs to replica i // L^d.
        self._bond_p = p_axis[bond_axis, np.tile(np.repeat(np.arange(replicas), size**d), d)]

    def _equal_neighbours(self, spins: np.ndarray, values: np.ndarray, axis: int) -> np.ndarray:
        count = np.zeros(spins.shape, dtype=np.int8)
        for shift in (1, -1):
            count += np.roll(spins, shift, axis=axis + 1) == values
        return count

    def _energy_change(self, spins: np.ndarray, proposal: np.ndarray) -> np.ndarray:
        """beta * (E(proposal) - E(spins)) at every site, in units of the Potts-form coupling."""
        axes = range(self.model.dimension)
        if self._isotropic:
            count_old = sum(self._equal_neighbours(spins, spins, k) for k in axes)
            count_new = sum(self._equal_neighbours(spins, proposal, k) for k in axes)
            return self._beta_j * (count_old.astype(float) - count_new)
        return sum(self._beta_j_axis[k] * (self._equal_neighbours(spins, spins, k).astype(float) - self._equal_neighbours(spins, proposal, k)) for k in axes)

    def metropolis_sweep(self) -> None:
        q = self.model.q
        for mask in self._sublattices:
            spins = self.spins
            if q == 2:
                proposal = 1 - spins
            else:
                proposal = (spins + self.rng.integers(1, q, size=spins.shape)) % q
            # min(0, .) keeps exp finite at tiny T; a probability >= 1 accepts either way.
            accept = self.rng.random(spins.shape) < np.exp(np.minimum(0.0, -self._energy_change(spins, proposal)))
            accept &= mask
            self.spins = np.where(accept, proposal, spins).astype(np.int8)

    def _fk_clusters(self) -> np.ndarray:
        """Fortuin-Kasteleyn cluster labels: bonds between equal spins activated with p_k."""
        flat = self.spins.ravel()
        active = (flat[self._bond_a] == flat[self._bond_b]) & (self.rng.random(self._bond_a.size) < self._bond_p)
        return cluster_labels(active, self._neighbours)

    def wolff_update(self) -> None:
        R, q = self.temperatures.size, self.model.q
        in_cluster = seed_cluster(self._fk_clusters(), R, self.rng).reshape(self.spins.shape)
        shift = self.rng.integers(1, q, size=R).reshape((R,) + (1,) * self.model.dimension) if q > 2 else 1
        self.spins = np.where(in_cluster, (self.spins + shift) % q, self.spins).astype(np.int8)

    def swendsen_wang_update(self) -> None:
        """Every FK cluster takes a uniformly drawn state (Swendsen & Wang, PRL 58, 86 (1987)):
        the same connected-components pass as a Wolff update, but all clusters move."""
        labels = self._fk_clusters()
        new_state = self.rng.integers(0, self.model.q, size=int(labels.max()) + 1).astype(np.int8)
        self.spins = new_state[labels].reshape(self.spins.shape)

    def states(self) -> np.ndarray:
        """Spins as the model's declared values (+-1 for Ising, 0..q-1 for Potts)."""
        return np.asarray(self.model.states, dtype=np.int8)[self.spins]
