"""The gauge classifier (issue 29): on the 2D Z2 lattice gauge theory, with no local order
parameter, it learns the plaquette constraint (Carrasquilla & Melko 2017)."""

from __future__ import annotations

import numpy as np
import pytest

from physlens.data.lattice import simulate_lattice
from physlens.errors import DataError
from physlens.methods.phases.gauge import GaugeClassifier, _gauge_transform


@pytest.fixture(scope="module")
def gauge_scan():
    """L = 8, 7 temperatures from ground states (T = 0) to T = 3, 40 configurations each."""
    return simulate_lattice("gauge", 8, np.linspace(0.0, 3.0, 7), samples_per_temperature=40, chains=4, thermalization=20, seed=1)


def test_the_learned_quantity_is_the_plaquette_energy_and_not_the_mean_link(gauge_scan, one_torch_thread):
    estimator = GaugeClassifier(random_state=0).fit_dataset(gauge_scan)
    interpretation = estimator.interpret()
    assert abs(estimator.plaquette_correlation_) >= 0.99
    assert abs(estimator.magnetization_correlation_) <= 0.3
    assert estimator.link_magnetization_.mean() < 0.15  # every link ±1 with equal odds: |m| ~ 1/sqrt(2 L^2)
    assert estimator.held_out_accuracy_ >= 0.95
    # Higher output = ground-state class = lower plaquette energy.
    assert estimator.plaquette_correlation_ < 0 and estimator.plaquette_fit_[0] < 0
    assert interpretation.found and all(v.passed for v in interpretation.verdicts)
    assert interpretation.values["plaquette_correlation"] == estimator.plaquette_correlation_


def test_an_untrained_network_is_not_trusted_and_says_why(gauge_scan, one_torch_thread):
    interpretation = GaugeClassifier(epochs=1, channels=1, hidden=1, random_state=0).fit_dataset(gauge_scan).interpret()
    assert not interpretation.found
    assert interpretation.summary.startswith("not trusted")
    assert any("plaquette energy" in reason for reason in interpretation.reasons)


def test_a_gauge_transformation_leaves_every_plaquette_unchanged():
    torch = pytest.importorskip("torch")
    from physlens.data.lattice.gauge import plaquette_products

    links = np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 2, 6, 6)).astype(np.float32)
    moved = _gauge_transform(torch.from_numpy(links), torch.Generator().manual_seed(0)).numpy()
    assert np.array_equal(plaquette_products(moved), plaquette_products(links))
    assert not np.array_equal(moved, links)


def test_site_spins_and_bad_links_are_refused_by_name(small_data):
    ising = small_data("configurations")[0]
    assert "gauge links" in GaugeClassifier.applicable_to(ising)
    links = np.ones((8, 2, 4, 4))
    links[3, 1, 2, 0] = 0
    with pytest.raises(DataError, match=r"row 3 has link value 0"):
        GaugeClassifier().fit(links, np.linspace(0, 3, 8))
    with pytest.raises(DataError, match=r"temperature row 0 is -1"):
        GaugeClassifier().fit(np.ones((8, 2, 4, 4)), np.r_[-1.0, np.linspace(0, 3, 7)])
    with pytest.raises(DataError, match=r"both ends"):
        GaugeClassifier().fit(np.ones((8, 2, 4, 4)), np.zeros(8))
