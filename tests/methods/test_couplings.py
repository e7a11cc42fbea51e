"""Coupling methods scored against the known couplings of small simulated systems."""

import numpy as np
import pytest

from physlens.data.spins import simulate_ising, simulate_potts, simulate_quantum_chain
from physlens.errors import DataError, ParameterError
from physlens.methods.couplings import FactoredAttention, MeanFieldInversion, PseudoLikelihood, TransformerLayer
from physlens.methods.couplings.readout import encode_spins, gauge_readout
from physlens.validate.couplings import chain_bonds, edge_auc, rank_correlation, relative_coupling_error


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def ising():
    return simulate_ising(16, 2000, graph="lattice", seed=0)


def test_gauge_readout_known_answer():
    # Ising coupling K s_i s_j written as a Potts block K sigma_a sigma_b (sigma = -1, +1)
    K = np.array([[0.0, 0.7], [0.7, 0.0]])
    sigma = np.array([-1.0, 1.0])
    J = np.einsum("ij,a,b->iajb", K, sigma, sigma)
    h = np.array([[0.0, 0.6], [0.0, -0.2]])  # fields 0.3 and -0.1 in the s convention
    couplings, fields, _, _ = gauge_readout(J, h, ising=True)
    assert np.allclose(couplings, K)
    assert np.allclose(fields, [0.3, -0.1])
    # Potts coupling K delta(a, b) with q = 3, plus a gauge term that depends on b only
    q = 3
    J = np.einsum("ij,ab->iajb", K, np.eye(q)) + np.array([0.5, -1.0, 2.0])[None, None, None, :]
    couplings, _, _, _ = gauge_readout(J, np.zeros((2, q)), ising=False)
    assert np.allclose(couplings, K)


def test_pseudo_likelihood_recovers_ising_couplings(ising):
    model = PseudoLikelihood().fit_dataset(ising)
    truth = ising.truth.couplings
    assert relative_coupling_error(model.couplings_, truth) < 0.3
    assert edge_auc(model.couplings_, truth) == 1.0
    interpretation = model.interpret()
    assert interpretation.kind == "couplings" and interpretation.found
    assert interpretation.arrays["couplings"].shape == (16, 16)


def test_factored_attention_matches_pseudo_likelihood_and_beats_mean_field(ising):
    truth = ising.truth.couplings
    attention = FactoredAttention(max_iter=400, random_state=0).fit_dataset(ising)
    pl = PseudoLikelihood().fit_dataset(ising)
    mf = MeanFieldInversion().fit_dataset(ising)
    error_attention = relative_coupling_error(attention.couplings_, truth)
    error_pl = relative_coupling_error(pl.couplings_, truth)
    error_mf = relative_coupling_error(mf.couplings_, truth)
    assert error_attention <= 1.1 * error_pl
    assert error_attention < 0.7 * error_mf
    assert edge_auc(attention.couplings_, truth) >= 0.99
    # the couplings are read from the weights: J_ij = sum_h A^h_ij V^h (zero-sum gauge)
    assert attention.attention_.shape == (2, 16, 16)


def test_factored_attention_is_deterministic(ising):
    small = ising.subset(np.arange(500))
    a = FactoredAttention(max_iter=30, random_state=3).fit_dataset(small).couplings_
    b = FactoredAttention(max_iter=30, random_state=3).fit_dataset(small).couplings_
    assert np.array_equal(a, b)


def test_pseudo_likelihood_recovers_potts_couplings():
    data = simulate_potts(9, 4000, n_states=3, seed=1)
    model = PseudoLikelihood().fit_dataset(data)
    assert model.model_ == "potts" and model.fields_.shape == (9, 3)
    assert relative_coupling_error(model.couplings_, data.truth.couplings) < 0.3
    assert edge_auc(model.couplings_, data.truth.couplings) >= 0.99
    # three states: J_ij(a, b) = sum_h A^h_ij V^h_ab is a full 3 x 3 block per pair
    attention = FactoredAttention(max_iter=300, random_state=0).fit_dataset(data)
    error_pl = relative_coupling_error(model.couplings_, data.truth.couplings)
    assert relative_coupling_error(attention.couplings_, data.truth.couplings) <= 1.1 * error_pl


def test_transformer_layer_finds_the_bonds(ising):
    model = TransformerLayer(epochs=20, readout_samples=200, random_state=0).fit_dataset(ising)
    assert np.allclose(model.couplings_, model.couplings_.T)
    assert edge_auc(model.couplings_, ising.truth.couplings) >= 0.9


def test_quantum_chain_effective_couplings_follow_the_bonds():
    data = simulate_quantum_chain(8, 5000, transverse_field=1.0, seed=2)
    model = PseudoLikelihood().fit_dataset(data)
    learned = chain_bonds(model.couplings_)
    assert rank_correlation(learned, data.truth.parameters["bonds"]) >= 0.9


def test_bad_spins_are_named():
    spins = np.ones((20, 4), dtype=int)
    spins[::2] = -1
    with pytest.raises(DataError, match="row 3, column 2 is 5, outside the declared states"):
        bad = spins.copy()
        bad[3, 2] = 5
        encode_spins(bad, states=[-1, 1])
    with pytest.raises(DataError, match="3 samples .* at least N = 4"):
        encode_spins(spins[:3])
    with pytest.raises(DataError, match="row 1, column 0"):
        bad = spins.astype(float)
        bad[1, 0] = np.nan
        encode_spins(bad)
    with pytest.raises(DataError, match="2-D"):
        encode_spins(np.ones(5))
    with pytest.raises(DataError, match="single state"):
        encode_spins(np.ones((10, 3)))
    with pytest.raises(ParameterError, match="l2"):
        PseudoLikelihood(l2=-1.0).fit(spins)
    with pytest.raises(ParameterError, match="attention"):
        FactoredAttention(attention="cosine").fit(spins)
