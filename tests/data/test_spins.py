"""Spin simulators: samples against exact enumeration, ground states against known energies."""

import itertools

import numpy as np
import pytest

from physlens.data.spins import (
    chain_hamiltonian,
    greedy_colouring,
    interaction_graph,
    simulate_ising,
    simulate_potts,
    simulate_quantum_chain,
)
from physlens.errors import ParameterError


def test_lattice_graph_has_four_neighbours_per_site():
    adjacency = interaction_graph(16, "lattice")
    assert (adjacency == adjacency.T).all() and not adjacency.diagonal().any()
    assert (adjacency.sum(axis=1) == 4).all()
    assert adjacency[0, 1] and adjacency[0, 4] and adjacency[0, 3] and adjacency[0, 12]  # periodic


def test_random_graph_and_colouring():
    adjacency = interaction_graph(100, "random", degree=3.0, rng=np.random.default_rng(1))
    assert (adjacency == adjacency.T).all()
    assert 2.0 < adjacency.sum(axis=1).mean() < 4.0
    classes = greedy_colouring(adjacency)
    assert sorted(np.concatenate(classes).tolist()) == list(range(100))
    for members in classes:  # no bond inside a colour class
        assert not adjacency[np.ix_(members, members)].any()


def _exact_ising_correlations(K, b):
    n = K.shape[0]
    states = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=float)
    log_weight = 0.5 * np.einsum("si,ij,sj->s", states, K, states) + states @ b
    p = np.exp(log_weight - log_weight.max())
    p /= p.sum()
    return np.einsum("s,si,sj->ij", p, states, states), p @ states


def test_ising_samples_match_exact_enumeration():
    data = simulate_ising(9, 20_000, field_strength=0.3, seed=3)
    assert data.kind == "spin_samples" and data["spins"].shape == (20_000, 9)
    assert set(np.unique(data["spins"])) == {-1, 1}
    K, b = data.truth.couplings, data.truth.fields
    assert np.allclose(K, K.T) and (np.count_nonzero(np.triu(K)) == 18)  # 3x3 periodic lattice: 18 bonds
    exact_pair, exact_mean = _exact_ising_correlations(K, b)
    s = data["spins"].astype(float)
    assert np.abs(s.T @ s / len(s) - exact_pair).max() < 0.04
    assert np.abs(s.mean(axis=0) - exact_mean).max() < 0.04


def test_potts_samples_match_exact_enumeration():
    data = simulate_potts(9, 20_000, n_states=3, seed=4)
    K = data.truth.couplings
    states = np.array(list(itertools.product(range(3), repeat=9)))
    same = states[:, :, None] == states[:, None, :]
    log_weight = 0.5 * np.einsum("sij,ij->s", same, K)
    p = np.exp(log_weight - log_weight.max())
    p /= p.sum()
    exact_same = np.einsum("s,sij->ij", p, same)
    s = data["spins"]
    sampled_same = (s[:, :, None] == s[:, None, :]).mean(axis=0)
    assert np.abs(sampled_same - exact_same).max() < 0.04


def test_same_seed_same_samples():
    a = simulate_ising(16, 200, graph="random", seed=7)
    b = simulate_ising(16, 200, graph="random", seed=7)
    assert np.array_equal(a["spins"], b["spins"]) and np.array_equal(a.truth.couplings, b.truth.couplings)


def test_quantum_ground_state_energies():
    from physlens.data.spins import ground_state

    rng = np.random.default_rng(0)
    # classical limit: the TFIM at zero field has E0 = -sum J_i
    bonds = np.array([0.7, 1.2, 0.9])
    energy, _ = ground_state(chain_hamiltonian(bonds, transverse_field=0.0), rng)
    assert energy == pytest.approx(-bonds.sum())
    # 3-site Heisenberg chain with Pauli matrices: E0 = -4 J
    energy, _ = ground_state(chain_hamiltonian(np.array([1.0, 1.0]), model="heisenberg"), rng)
    assert energy == pytest.approx(-4.0)
    # single-site limit: zero bonds, field g: E0 = -g N
    energy, _ = ground_state(chain_hamiltonian(np.zeros(3), transverse_field=0.5), rng)
    assert energy == pytest.approx(-2.0)


def test_quantum_snapshots_and_truth():
    data = simulate_quantum_chain(6, 4000, transverse_field=0.0, seed=1)
    spins = data["spins"]
    # zero field: the ground state is all-up or all-down (a cat state); every snapshot is aligned
    assert (np.abs(spins.sum(axis=1)) == 6).all()
    bonds = data.truth.parameters["bonds"]
    assert np.allclose(np.diag(data.truth.couplings, 1), bonds)
    # x basis of the paramagnet (no bonds): every qubit points along +x
    paramagnet = simulate_quantum_chain(4, 500, transverse_field=1.0, bond_range=(1e-9, 1e-9), basis="x", seed=2)
    assert (paramagnet["spins"] == 1).all()


def test_bad_parameters_are_named():
    with pytest.raises(ParameterError, match="n_spins=20"):
        simulate_ising(20, 100, graph="lattice")
    with pytest.raises(ParameterError, match="graph="):
        simulate_ising(16, 100, graph="ring")
    with pytest.raises(ParameterError, match="n_spins=13"):
        simulate_quantum_chain(13, 10)
    with pytest.raises(ParameterError, match="temperature"):
        simulate_ising(16, 100, temperature=0.0)
