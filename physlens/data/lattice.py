"""Monte Carlo simulators of classical lattice spin models, with their ground truth.

Two models on an L x L square lattice with periodic boundaries:

- the 2D Ising model, H = -J sum_<ij> s_i s_j with s = +-1, exact critical temperature
  T_c = 2 / ln(1 + sqrt(2)) ~ 2.269185 (Onsager 1944);
- the 2D q-state Potts model, H = -J sum_<ij> delta(s_i, s_j) with s in {0..q-1}, exact
  T_c = 1 / ln(1 + sqrt(q)) (q = 3: ~ 0.994973; Baxter 1973).

Both are run as one engine on state indices 0..q-1 (the Ising model is the q = 2 Potts
model with coupling 2J). Each sweep is one checkerboard Metropolis sweep (the two
sublattices are updated in turn, vectorised over all sites and all replicas) followed by
Wolff cluster updates. A Wolff cluster is grown from a random seed by activating each
bond between equal spins with probability p = 1 - exp(-J_potts / T); since the bond trials
are independent, that cluster is exactly the Fortuin-Kasteleyn cluster holding the seed,
so it is found for every replica at once with one connected-components pass over the
activated bonds (scipy, compiled) instead of a Python breadth-first search. The cluster
then takes a uniformly drawn different state (a flip for Ising).

Replicas (temperatures x independent chains) run side by side in one array, which is what
makes numpy fast here. Randomness only from ``np.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError

ISING_TC = 2.0 / math.log(1.0 + math.sqrt(2.0))


def potts_critical_temperature(q: int) -> float:
    """Exact T_c of the 2D ferromagnetic q-state Potts model (J = k_B = 1)."""
    return 1.0 / math.log(1.0 + math.sqrt(q))


POTTS3_TC = potts_critical_temperature(3)


@dataclass(frozen=True)
class LatticeModel:
    """A spin model: its name, the number of states and the values stored in ``configs``."""

    name: str
    q: int
    coupling: float  # J in the Potts form H = -coupling * sum delta(s_i, s_j)
    states: tuple[int, ...]
    critical_temperature: float


MODELS = {
    "ising": LatticeModel("ising", 2, 2.0, (-1, 1), ISING_TC),
    "potts3": LatticeModel("potts3", 3, 1.0, (0, 1, 2), POTTS3_TC),
}


def _model(name: str) -> LatticeModel:
    if name not in MODELS:
        raise ParameterError(f"model={name!r} is unknown; valid models: {', '.join(MODELS)}")
    return MODELS[name]


class LatticeSampler:
    """Checkerboard Metropolis + Wolff sampler for a batch of replicas (R, L, L).

    ``spins`` holds state indices 0..q-1; ``temperatures`` has one entry per replica.
    """

    def __init__(self, model: LatticeModel, size: int, temperatures: np.ndarray, rng: np.random.Generator, *, hot_start: bool = True):
        self.model = model
        self.size = size
        self.temperatures = np.asarray(temperatures, dtype=float)
        self.rng = rng
        replicas = self.temperatures.size
        shape = (replicas, size, size)
        if hot_start:
            self.spins = rng.integers(0, model.q, size=shape).astype(np.int8)
        else:
            self.spins = np.zeros(shape, dtype=np.int8)
        self._beta_j = (model.coupling / self.temperatures)[:, None, None]
        parity = np.add.outer(np.arange(size), np.arange(size)) % 2
        self._sublattices = [parity == 0, parity == 1]
        self._p_bond = 1.0 - np.exp(-model.coupling / self.temperatures)
        self._bond_graph()

    def _bond_graph(self) -> None:
        # Each site links to its right and lower neighbour: every bond once.
        R, L = self.temperatures.size, self.size
        index = np.arange(R * L * L).reshape(R, L, L)
        self._bond_a = np.concatenate([index.ravel(), index.ravel()])
        self._bond_b = np.concatenate([np.roll(index, -1, axis=2).ravel(), np.roll(index, -1, axis=1).ravel()])
        self._bond_p = np.concatenate([np.repeat(self._p_bond, L * L)] * 2)

    def _neighbour_counts(self, spins: np.ndarray, values: np.ndarray) -> np.ndarray:
        count = np.zeros(spins.shape, dtype=np.int8)
        for axis in (1, 2):
            for shift in (1, -1):
                count += np.roll(spins, shift, axis=axis) == values
        return count

    def metropolis_sweep(self) -> None:
        q = self.model.q
        for mask in self._sublattices:
            spins = self.spins
            if q == 2:
                proposal = 1 - spins
            else:
                proposal = (spins + self.rng.integers(1, q, size=spins.shape)) % q
            # Energy change in units of J_potts: -(neighbours equal to new - equal to old).
            delta = self._neighbour_counts(spins, spins).astype(float) - self._neighbour_counts(spins, proposal)
            accept = self.rng.random(spins.shape) < np.exp(-self._beta_j * delta)
            accept &= mask
            self.spins = np.where(accept, proposal, spins).astype(np.int8)

    def wolff_update(self) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        R, L, q = self.temperatures.size, self.size, self.model.q
        flat = self.spins.ravel()
        active = (flat[self._bond_a] == flat[self._bond_b]) & (self.rng.random(self._bond_a.size) < self._bond_p)
        n = R * L * L
        graph = coo_matrix((np.ones(int(active.sum()), dtype=np.int8), (self._bond_a[active], self._bond_b[active])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        seeds = np.arange(R) * L * L + self.rng.integers(0, L * L, size=R)
        in_cluster = (labels.reshape(R, L * L) == labels[seeds][:, None]).reshape(R, L, L)
        shift = self.rng.integers(1, q, size=R)[:, None, None] if q > 2 else 1
        self.spins = np.where(in_cluster, (self.spins + shift) % q, self.spins).astype(np.int8)

    def sweep(self, wolff_updates: int) -> None:
        self.metropolis_sweep()
        for _ in range(wolff_updates):
            self.wolff_update()

    def states(self) -> np.ndarray:
        """Spins as the model's declared values (+-1 for Ising, 0..q-1 for Potts)."""
        return np.asarray(self.model.states, dtype=np.int8)[self.spins]


def simulate_lattice(
    model: str = "ising",
    size: int = 16,
    temperatures: Sequence[float] | None = None,
    *,
    samples_per_temperature: int = 100,
    chains: int = 4,
    thermalization: int = 100,
    interval: int = 2,
    wolff_updates: int = 2,
    seed: int | None = 0,
) -> Dataset:
    """Equilibrium configurations of ``model`` on a ``size`` x ``size`` lattice.

    For each temperature, ``chains`` independent chains are thermalised for
    ``thermalization`` sweeps, then sampled every ``interval`` sweeps until
    ``samples_per_temperature`` configurations are collected. A sweep is one
    checkerboard Metropolis sweep plus ``wolff_updates`` Wolff cluster updates.

    Returns a Dataset of kind "configurations" with arrays ``configs`` (n, L, L) of
    integer spins and ``temperature`` (n,), and Truth.critical_temperature exact.
    """
    spec = _model(model)
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 4 or size % 2:
        raise ParameterError(f"size={size!r} is invalid; expected an even integer >= 4 (checkerboard updates)")
    if temperatures is None:
        tc = spec.critical_temperature
        temperatures = np.linspace(0.8 * tc, 1.2 * tc, 16)
    temperatures = np.asarray(temperatures, dtype=float).ravel()
    if temperatures.size == 0 or not np.all(np.isfinite(temperatures)) or np.any(temperatures <= 0):
        raise ParameterError(f"temperatures must be finite and > 0, got {temperatures.tolist()}")
    for name, value, low in (
        ("samples_per_temperature", samples_per_temperature, 1),
        ("chains", chains, 1),
        ("thermalization", thermalization, 0),
        ("interval", interval, 1),
        ("wolff_updates", wolff_updates, 0),
    ):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ParameterError(f"{name}={value!r} is invalid; expected an integer >= {low}")
    rng = np.random.default_rng(seed)
    replica_temperature = np.repeat(temperatures, chains)
    sampler = LatticeSampler(spec, int(size), replica_temperature, rng)
    for _ in range(thermalization):
        sampler.sweep(wolff_updates)
    rounds = math.ceil(samples_per_temperature / chains)
    collected = []
    for _ in range(rounds):
        for _ in range(interval):
            sampler.sweep(wolff_updates)
        collected.append(sampler.states())
    # (rounds, T*chains, L, L) -> per temperature, first samples_per_temperature rows.
    stack = np.stack(collected).reshape(rounds, temperatures.size, chains, size, size)
    stack = stack.transpose(1, 0, 2, 3, 4).reshape(temperatures.size, rounds * chains, size, size)
    configs = stack[:, :samples_per_temperature].reshape(-1, size, size)
    temperature = np.repeat(temperatures, samples_per_temperature)
    truth = Truth(
        critical_temperature=spec.critical_temperature,
        parameters={"model": spec.name, "q": spec.q, "states": list(spec.states), "size": int(size), "J": 1.0},
        notes=f"2D {spec.name} model, exact T_c = {spec.critical_temperature:.6f} (J = k_B = 1)",
    )
    return Dataset(
        arrays={"configs": configs, "temperature": temperature},
        variables=(
            Variable("configs", "", "input", f"{spec.name} spins on an {size}x{size} periodic lattice, values {spec.states}"),
            Variable("temperature", "", "label", "temperature in units of J / k_B"),
        ),
        truth=truth,
        provenance={
            "simulator": "physlens.data.lattice.simulate_lattice",
            "model": spec.name,
            "size": int(size),
            "samples_per_temperature": samples_per_temperature,
            "chains": chains,
            "thermalization": thermalization,
            "interval": interval,
            "wolff_updates": wolff_updates,
            "seed": seed,
        },
        name=f"{spec.name}-L{size}",
        kind="configurations",
    )


def simulate_sizes(model: str, sizes: Sequence[int], temperatures: Sequence[float] | None = None, *, seed: int | None = 0, **options) -> list[Dataset]:
    """One :func:`simulate_lattice` dataset per lattice size (for finite-size scaling);
    each size gets its own child seed so results do not depend on the order of sizes."""
    if not sizes:
        raise ParameterError("sizes is empty; give at least one lattice size")
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    return [
        simulate_lattice(model, int(L), temperatures, seed=int(child.generate_state(1)[0]), **options)
        for L, child in zip(sizes, children)
    ]
