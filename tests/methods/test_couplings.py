"""Coupling methods scored against the known couplings of small simulated systems."""

import numpy as np
import pytest

from physlens.data.spins import simulate_ising, simulate_potts, simulate_quantum_chain
from physlens.errors import DataError, ParameterError
from physlens.methods.couplings import FactoredAttention, MeanFieldInversion, PseudoLikelihood, TransformerLayer
from physlens.methods.couplings.readout import encode_spins, gauge_readout
from physlens.validate.couplings import chain_bonds, edge_auc, edge_precision_recall, rank_correlation, relative_coupling_error


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


@pytest.mark.parametrize("method", [PseudoLikelihood(random_state=0, max_iter=200), MeanFieldInversion()], ids=["pl", "mean_field"])
def test_bond_threshold_recovers_the_lattice(ising, method):
    truth = ising.truth.couplings
    method.fit_dataset(ising)
    precision, recall = edge_precision_recall(method.bonds_, truth)
    assert precision >= 0.95 and recall >= 0.95
    # mean-field's J_ij and J_ji agree by construction; its graph must still not be every pair
    assert len(method.bonds_) < 40 < 120  # 32 true bonds of 120 pairs
    interpretation = method.interpret()
    verdict = interpretation.verdicts[0]
    assert verdict.name == "bond threshold" and verdict.passed
    assert f"|J| > {method.bond_threshold_:.3g}" in verdict.reason and "shuffled" in verdict.reason
    assert method.null_level_ < method.bond_threshold_
    assert interpretation.values["n_edges"] == len(method.bonds_)
    assert {(e["i"], e["j"]) for e in interpretation.values["edges"]} == {tuple(b) for b in method.bonds_.tolist()}
    assert "bonds at |J| >" in interpretation.summary and "noise floor" not in interpretation.summary


def test_independent_spins_give_no_trusted_graph():
    rng = np.random.default_rng(1)
    spins = np.where(rng.random((2000, 12)) < 0.6, 1, -1)  # fields, no couplings
    for method in (MeanFieldInversion(), PseudoLikelihood(random_state=0, max_iter=100)):
        method.fit(spins)
        interpretation = method.interpret()
        assert not interpretation.found and len(method.bonds_) <= 2
        assert any("no gap" in reason for reason in interpretation.reasons)


def test_bond_threshold_is_the_widest_gap_above_the_null():
    from physlens.methods.couplings.edges import bond_pairs, bond_threshold

    couplings = np.zeros((5, 5))
    for (i, j), value in {(0, 1): 1.0, (1, 2): -0.8, (2, 3): 0.3, (3, 4): 0.25, (0, 4): 0.01}.items():
        couplings[i, j] = couplings[j, i] = value
    threshold = bond_threshold(couplings, null_level=0.15)
    assert threshold.trusted(2, 10) and threshold.gap == pytest.approx(0.8 / 0.3)
    assert threshold.threshold == pytest.approx(np.sqrt(0.8 * 0.3))
    assert bond_pairs(couplings, threshold.threshold).tolist() == [[0, 1], [1, 2]]
    # the null closes the ladder: against a null of 0.02 the widest gap is 0.25 / 0.02, four bonds
    assert bond_pairs(couplings, bond_threshold(couplings, null_level=0.02).threshold).shape == (4, 2)
    assert not bond_threshold(couplings, null_level=0.9).trusted(1, 10)  # one pair above the null, 1 / 0.9 < 1.5
    assert not bond_threshold(couplings, null_level=2.0).trusted(0, 10)  # nothing above the null
    assert not bond_threshold(couplings, null_level=0.001).trusted(10, 10)  # a complete graph is not trusted


def test_ordered_phase_does_not_claim_every_pair():
    # deep in a ferromagnet's ordered phase every pair looks coupled against independent spins
    ordered = simulate_ising(16, 2000, graph="lattice", temperature=0.8, negative_fraction=0.0, seed=0)
    method = MeanFieldInversion(pseudocount=0.01).fit_dataset(ordered)
    interpretation = method.interpret()
    assert not interpretation.found
    assert len(method.bonds_) == 120 and "complete graph" in interpretation.reasons[0]
