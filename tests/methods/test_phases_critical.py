"""T_c from one lattice size and uncentred scans, the intervals' coverage, found=false for a
scan that misses T_c, the order of the transition and the order parameter in closed form
(issue 29), against exact critical temperatures."""

import numpy as np
import pytest

from physlens.data.lattice import ISING_TC, lattice_model, simulate_lattice
from physlens.methods.phases import PCAPhases
from physlens.methods.phases.closed_form import configuration_features
from physlens.methods.phases.critical import fluctuation_peak, peak_shape
from physlens.methods.phases.order import transition_order

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def scan(model: str, size: int, low: float, high: float, n_t: int, samples: int, seed: int):
    tc = lattice_model(model).critical_temperature
    ds = simulate_lattice(model, size, np.linspace(low * tc, high * tc, n_t), samples_per_temperature=samples, chains=8,
                          thermalization=60, interval=2, seed=seed)
    return ds, tc


# -- known answers ---------------------------------------------------------------------
def test_peak_shape_of_a_known_curve():
    grid = np.linspace(1.0, 3.0, 41)
    chi = 1.0 / (1.0 + ((grid - 2.0) / 0.2) ** 2)  # Lorentzian: half maximum at 2 -+ 0.2
    t_half, t_peak, t_above, problem = peak_shape(grid, chi)
    assert problem is None and t_peak == pytest.approx(2.0, abs=1e-3)
    assert t_half == pytest.approx(1.8, abs=0.01) and t_above == pytest.approx(2.2, abs=0.01)
    # a monotone curve has its "peak" on the edge of the scan: no T_c
    assert "edge of the scan window" in peak_shape(grid, np.exp(-grid))[3]


def test_fluctuation_peak_needs_enough_samples():
    rng = np.random.default_rng(0)
    t = np.repeat(np.linspace(1.0, 2.0, 8), 5)
    estimate = fluctuation_peak(t, rng.random(t.size), 64, rng, 5)
    assert not estimate.found and "too few samples" in estimate.problem


def test_transition_order_reads_a_bimodal_energy_histogram(monkeypatch):
    from physlens.methods.phases import order

    rng = np.random.default_rng(1)
    t = np.repeat(np.linspace(1.0, 2.0, 7), 200)
    # Coexistence at the middle temperature (the specific-heat peak): two energy peaks.
    energy = -1.5 + 0.5 * (t - 1.0) + 0.01 * rng.standard_normal(t.size)
    middle = t == np.unique(t)[3]
    energy[middle] = np.where(rng.random(middle.sum()) < 0.5, -1.35, -1.15) + 0.015 * rng.standard_normal(middle.sum())
    monkeypatch.setattr(order, "bond_energy", lambda configs: energy)  # configurations whose energy is the one above
    first = transition_order(np.zeros((t.size, 4, 4)), t)
    energy[middle] = -1.25 + 0.03 * rng.standard_normal(middle.sum())
    continuous = transition_order(np.zeros((t.size, 4, 4)), t)
    assert first.order == "first order" and "bimodal" in first.reason
    assert continuous.order == "continuous"


def test_configuration_features_of_an_ordered_and_a_checkerboard_lattice():
    up = np.ones((4, 4), dtype=int)
    checker = np.indices((4, 4)).sum(axis=0) % 2 * 2 - 1
    features, legend = configuration_features(np.stack([up, checker]), (-1, 1))
    assert list(legend) == ["M", "C_x", "C_y", "P"]
    np.testing.assert_allclose(features, [[1, 1, 1, 1], [0, -1, -1, 1]])


# -- one size, uncentred scans -----------------------------------------------------------
@pytest.fixture(scope="module")
def uncentred_ising():
    return scan("ising", 16, 0.7, 1.35, 18, 80, seed=11)


def test_one_size_uncentred_scan_brackets_tc(uncentred_ising):
    ds, tc = uncentred_ising
    method = PCAPhases(bootstrap=20, random_state=0).fit_dataset(ds)
    interpretation = method.interpret()
    values = interpretation.values
    assert interpretation.found, interpretation.reasons
    assert values["estimator"]["name"] == "fluctuation peak (one size)" and "one lattice size" in values["estimator"]["why"]
    low, high = values["critical_temperature_interval"]
    assert low <= tc <= high
    # L = 16: the estimate is within 3% (the shift is O(1/L)); the interval states it
    assert abs(method.critical_temperature_ - tc) / tc < 0.03
    assert values["transition_order"] == "continuous"
    # the order parameter in closed form: the magnetisation
    assert values["closed_form"]["matches_known_order_parameter"] and "|Σσ|/N" in values["closed_form"]["text"]
    informative = {v.name for v in interpretation.verdicts if not v.blocking}
    assert informative == {"finite-size scaling", "transition order", "closed form"}


@pytest.mark.parametrize("model, size, window, seed", [
    ("ising_aniso", 16, (0.6, 1.2), 3),
    ("potts3", 16, (0.85, 1.5), 4),
    ("ising", 24, (0.9, 1.6), 5),
])
def test_intervals_cover_tc_on_uncentred_scans(model, size, window, seed):
    ds, tc = scan(model, size, *window, 16, 64, seed)
    values = PCAPhases(bootstrap=10, random_state=seed).fit_dataset(ds).interpret().values
    low, high = values["critical_temperature_interval"]
    assert low <= tc <= high, (model, values["critical_temperature"], low, high, tc)


@pytest.mark.parametrize("window", [(1.2, 1.7), (0.5, 0.85)])
def test_scan_that_misses_tc_is_not_found(window):
    ds, _ = scan("ising", 16, *window, 10, 48, seed=6)
    interpretation = PCAPhases(bootstrap=0, random_state=0).fit_dataset(ds).interpret()
    assert interpretation.found is False and interpretation.values["critical_temperature"] is None
    # the reason says the scan holds no complete fluctuation peak (on its edge, or no fall to half height)
    located = [r for r in interpretation.reasons if r.startswith("critical temperature located")]
    assert located and ("edge of the scan window" in located[0] or "too close to the transition" in located[0]), interpretation.reasons


@pytest.mark.slow
def test_q5_potts_is_first_order_and_q4_is_not():
    orders = {}
    for model in ("potts5", "potts4"):
        ds, tc = scan(model, 32, 0.94, 1.06, 13, 160, seed=1)
        method = PCAPhases(bootstrap=5, random_state=0).fit_dataset(ds)
        values = method.interpret().values
        orders[model] = values["transition_order"]
        low, high = values["critical_temperature_interval"]
        assert low <= tc <= high
    assert orders == {"potts5": "first order", "potts4": "continuous"}


def test_xy_bkt_temperature_from_the_helicity_modulus():
    ds = simulate_lattice("xy", 12, np.linspace(0.6, 1.3, 12), samples_per_temperature=64, chains=8, thermalization=60, interval=2, seed=3)
    interpretation = PCAPhases(bootstrap=10, random_state=0).fit_dataset(ds).interpret()
    values = interpretation.values
    assert interpretation.found and values["estimator"]["name"] == "helicity-modulus crossing (BKT)"
    low, high = values["critical_temperature_interval"]
    assert low <= 0.8929 <= high and abs(values["critical_temperature"] / 0.8929 - 1) < 0.08
    assert values["transition_order"] == "infinite order (BKT)"
    # the linear method learns the finite-size magnetisation, not the vortex density: said so
    assert values["closed_form"]["known_order_parameter"] == "V" and "|Σ e^(iθ)|/N" in values["closed_form"]["text"]


def test_angles_need_states_angle():
    from physlens.errors import DataError

    rng = np.random.default_rng(0)
    t = np.repeat([0.5, 1.0, 1.5], 4)
    with pytest.raises(DataError, match="integers"):
        PCAPhases().fit(rng.random((12, 4, 4)), t)
    assert PCAPhases(bootstrap=0).fit(rng.random((12, 4, 4)) * 6, t, states="angle").states_ == ()
    with pytest.raises(DataError, match="disagree on the dimension"):
        PCAPhases().fit([rng.choice([-1, 1], size=(12, 4, 4)), rng.choice([-1, 1], size=(12, 6, 6, 6))], [t, t])
