"""EFP decision ordering: the generator's EFPs equal energyflow's, DO is the fraction of
pairs ordered alike, and on jets labelled by the mass EFP the map ranks it first."""

from __future__ import annotations

import numpy as np
import pytest

from physlens.data.efp_jets import MASS_GRAPH, TRIANGLE_GRAPH, efp_jets, efp_value
from physlens.errors import DataError, ParameterError
from physlens.validate.efp import canonical_graph, decision_ordering, generating_graphs_verdicts

pytest.importorskip("energyflow")


def test_generator_efps_equal_energyflows():
    from physlens.methods.efp import efp_basis

    jets = efp_jets(30, rng=np.random.default_rng(0))["constituents"]
    values, graphs = efp_basis(jets, 3, 2.0)
    for graph in (MASS_GRAPH, TRIANGLE_GRAPH):
        column = [canonical_graph(g) for g in graphs].index(canonical_graph(graph))
        np.testing.assert_allclose(values[:, column], efp_value(graph, *np.moveaxis(jets, 2, 0)), rtol=1e-10)


def test_decision_ordering_known_answers():
    labels = np.array([1, 1, 0, 0])
    score = np.array([4.0, 3.0, 2.0, 1.0])
    assert decision_ordering(score, score, labels) == 1.0
    assert decision_ordering(score, -score, labels) == 0.0
    # one of the four (signal, background) pairs swapped
    assert decision_ordering(score, np.array([4.0, 1.5, 2.0, 1.0]), labels) == 0.75


def test_canonical_graph_ignores_vertex_labels():
    assert canonical_graph([(1, 2), (0, 1)]) == canonical_graph([(0, 1), (0, 2)])
    assert canonical_graph([(0, 1), (0, 1)]) != canonical_graph([(0, 1), (1, 2)])


def test_mass_efp_ranked_first_and_orders_the_tagger(one_torch_thread):
    from physlens.methods.efp import EFPDecisionOrdering

    jets = efp_jets(400, rng=np.random.default_rng(3))
    model = EFPDecisionOrdering(max_degree=3, steps=200, hidden=32, latent=8, n_explain=2, random_state=0).fit_dataset(jets)
    interpretation = model.interpret()
    assert model.test_auc_ > 0.8
    first, chosen = generating_graphs_verdicts(model.ranking_, jets.truth.parameters["graphs"])
    assert first.passed and chosen.passed
    assert model.ordering_[-1] >= 0.95 and len(model.graphs_) <= 3
    assert interpretation.found
    assert "z" in str(interpretation.expressions["EFP_1"])


def test_bad_input_names_the_problem():
    from physlens.methods.efp import EFPDecisionOrdering

    jets = efp_jets(40, rng=np.random.default_rng(0))
    labels = jets["label"].copy()
    labels[5] = 2
    with pytest.raises(DataError, match="row 5"):
        EFPDecisionOrdering(steps=1).fit(jets["constituents"], labels)
    with pytest.raises(DataError, match=r"\(z, eta, phi\)"):
        EFPDecisionOrdering(steps=1).fit(jets["constituents"][:, :, :2], jets["label"])
    with pytest.raises(ParameterError, match="graphs"):
        efp_jets(40, graphs=(((0, 1), (1, 2), (2, 3)),))
