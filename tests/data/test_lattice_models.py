"""The lattice models beyond Ising and Potts-3, each against a known limit at small size:
exact 4x4 enumeration (Ising-type) and transfer matrices (Potts), high/low-T limits, the XY
spin-wave energy and helicity-modulus jump, the gauge theory's exact plaquette average."""

import itertools
import math

import numpy as np
import pytest

from physlens.data import observables as ob
from physlens.data.lattice import (
    ISING_TC, MODELS, LatticeSampler, XYSampler, anisotropic_ising_critical_temperature, exact_mean_plaquette, lattice_model,
    simulate_lattice,
)
from physlens.errors import ParameterError


def ising_4x4_exact(temperature, couplings):
    """Boltzmann averages of e, |m| and the per-axis correlators over all 2^16 states."""
    codes = np.arange(2**16)
    spins = (((codes[:, None] >> np.arange(16)) & 1) * 2 - 1).astype(np.int8).reshape(-1, 4, 4)
    correlators = ob.nearest_neighbour_correlations(spins, "ising")
    energy = -correlators @ np.asarray(couplings)
    weight = np.exp(-(energy - energy.min()) * 16 / temperature)
    weight /= weight.sum()
    return weight @ energy, weight @ ob.magnetization(spins), weight @ correlators


def potts_4x4_energy(q, temperature):
    """<H>/N of the q-state Potts model on the 4x4 torus from its row transfer matrix."""
    rows = np.array(list(itertools.product(range(q), repeat=4)))
    intra = (rows == np.roll(rows, -1, axis=1)).sum(axis=1)
    inter = (rows[:, None, :] == rows[None, :, :]).sum(axis=2)

    def log_z(beta):
        exponent = beta * (intra[:, None] / 2 + intra[None, :] / 2 + inter)
        square = np.linalg.matrix_power(np.exp(exponent - exponent.max()), 2)
        return 4 * exponent.max() + math.log(np.sum(square * square.T))  # Tr T^4

    beta, h = 1.0 / temperature, 1e-5
    return -(log_z(beta + h) - log_z(beta - h)) / (2 * h) / 16


def test_critical_temperatures_and_truth_of_each_model():
    tc = MODELS["ising_aniso"].critical_temperature
    assert tc == pytest.approx(1.6410, abs=1e-4)
    assert math.sinh(2 * 1.0 / tc) * math.sinh(2 * 0.5 / tc) == pytest.approx(1.0, abs=1e-12)
    assert anisotropic_ising_critical_temperature(1.0, 1.0) == pytest.approx(ISING_TC, abs=1e-12)
    assert MODELS["potts4"].critical_temperature == pytest.approx(1 / math.log(3))
    assert MODELS["potts5"].critical_temperature == pytest.approx(1 / math.log(1 + math.sqrt(5)))
    assert MODELS["xy"].critical_temperature == pytest.approx(0.8929)
    assert MODELS["ising3d"].critical_temperature == pytest.approx(4.5115, abs=1e-4)
    assert MODELS["gauge"].critical_temperature is None
    orders = {name: spec.transition_order for name, spec in MODELS.items()}
    assert orders == {"ising": "continuous", "ising_aniso": "continuous", "potts3": "continuous", "potts4": "continuous",
                      "potts5": "first", "xy": "bkt", "gauge": "none", "ising3d": "continuous"}
    truth = simulate_lattice("potts5", 4, [0.8], samples_per_temperature=2, chains=2, thermalization=1).truth
    assert truth.parameters["transition_order"] == "first" and truth.parameters["q"] == 5
    assert truth.parameters["order_parameter"] == "|Σ e^{2πiσ/q}|/N"
    assert truth.parameters["correlation_length_at_tc"] > 1000 and "not yet bimodal" in truth.notes
    xy = simulate_lattice("xy", 4, [0.8], samples_per_temperature=2, chains=2, thermalization=1).truth
    assert xy.parameters["helicity_jump"] == pytest.approx(2 * 0.8929 / math.pi)


@pytest.mark.parametrize("model, temperature", [("ising", 2.5), ("ising_aniso", 1.2), ("ising_aniso", 1.64), ("ising_aniso", 3.0)])
def test_ising_types_match_exact_4x4_enumeration(model, temperature):
    couplings = lattice_model(model).couplings
    energy, magnetization, correlators = ising_4x4_exact(temperature, couplings)
    configs = simulate_lattice(model, 4, [temperature], samples_per_temperature=8192, chains=256, thermalization=20, interval=1, seed=1)["configs"]
    assert ob.energy_per_site(configs, model).mean() == pytest.approx(energy, abs=0.03)
    assert ob.magnetization(configs).mean() == pytest.approx(magnetization, abs=0.03)
    # Per axis: the strong (x, lattice axis 0) bonds are the more correlated ones.
    np.testing.assert_allclose(ob.nearest_neighbour_correlations(configs, model).mean(axis=0), correlators, atol=0.025)
    swendsen_wang = simulate_lattice(model, 4, [temperature], samples_per_temperature=8192, chains=256, thermalization=20, interval=1,
                                     cluster="swendsen-wang", seed=2)["configs"]
    assert ob.energy_per_site(swendsen_wang, model).mean() == pytest.approx(energy, abs=0.03)


@pytest.mark.parametrize("q", [3, 4, 5])
def test_potts_energy_matches_transfer_matrix_at_tc(q):
    tc = 1 / math.log(1 + math.sqrt(q))
    configs = simulate_lattice(f"potts{q}", 4, [tc], samples_per_temperature=8192, chains=256, thermalization=20, interval=1, seed=2)["configs"]
    assert set(np.unique(configs)) == set(range(q))
    assert ob.energy_per_site(configs, f"potts{q}").mean() == pytest.approx(potts_4x4_energy(q, tc), abs=0.03)


@pytest.mark.parametrize("model, temperature", [("ising_aniso", 1.64), ("potts5", 0.85)])
def test_metropolis_wolff_and_swendsen_wang_each_alone_keep_the_boltzmann_distribution(model, temperature):
    spec = lattice_model(model)
    exact = ising_4x4_exact(temperature, spec.couplings)[0] if spec.q == 2 else potts_4x4_energy(spec.q, temperature)
    for update in ("metropolis_sweep", "wolff_update", "swendsen_wang_update"):
        sampler = LatticeSampler(spec, 4, np.full(128, temperature), np.random.default_rng(3))
        energies = []
        for step in range(300):
            getattr(sampler, update)()
            if step >= 50:
                energies.append(ob.energy_per_site(sampler.states(), spec))
        # Standard error ~0.007 (energy bimodal at the first-order T_c of q = 5).
        assert np.mean(energies) == pytest.approx(exact, abs=0.03), update


@pytest.mark.parametrize("model", ["ising_aniso", "potts4", "potts5", "ising3d"])
def test_ordered_at_low_and_disordered_at_high_temperature(model):
    spec = lattice_model(model)
    low, high = 0.4 * spec.critical_temperature, 20 * spec.critical_temperature
    ds = simulate_lattice(model, 6, [low, high], samples_per_temperature=128, chains=16, thermalization=30, seed=4)
    assert ds["configs"].shape[1:] == (6,) * spec.dimension
    order = ob.order_parameter(ds["configs"], model)
    energy = ob.energy_per_site(ds["configs"], model)
    cold, hot = ds["temperature"] == low, ds["temperature"] == high
    assert order[cold].mean() > 0.97
    assert order[hot].mean() < 0.25
    # Infinite T: uncorrelated bonds, <σσ'> = 0 for Ising, <δ> = 1/q for Potts.
    infinite_t = -sum(spec.couplings) / spec.q if spec.states[0] == 0 else 0.0
    assert energy[cold].mean() < -0.95 * sum(spec.couplings)
    assert energy[hot].mean() == pytest.approx(infinite_t, abs=0.1)


def test_ising3d_high_temperature_series_and_shapes():
    # Leading high-T term on the cubic lattice: e = -3 tanh(1/T) + O(tanh^3).
    ds = simulate_lattice("ising3d", 6, [20.0], samples_per_temperature=512, chains=32, thermalization=20, seed=5)
    assert ds["configs"].shape == (512, 6, 6, 6) and ds.truth.parameters["dimension"] == 3
    # Standard error ~0.005 (216 sites, 512 samples).
    assert ob.energy_per_site(ds["configs"], "ising3d").mean() == pytest.approx(-3 * math.tanh(1 / 20), abs=0.02)


def test_xy_spin_wave_energy_and_no_vortices_at_low_temperature():
    ds = simulate_lattice("xy", 8, [0.1, 0.2], samples_per_temperature=128, chains=16, thermalization=50, interval=1, seed=6)
    angles, temperature = ds["configs"], ds["temperature"]
    assert angles.dtype == np.float64 and angles.min() >= 0 and angles.max() < 2 * math.pi
    for t in (0.1, 0.2):
        # Spin waves: each of the two bonds per site holds T/4 (equipartition).
        assert ob.energy_per_site(angles[temperature == t], "xy").mean() == pytest.approx(-2 + t / 2, abs=0.01)
        assert ob.vortex_density(angles[temperature == t]).mean() == 0.0


def test_xy_helicity_modulus_crosses_the_universal_jump_line_near_tbkt():
    # Υ falls from ~1 to ~0; at L = 8 it crosses 2T/π a little above T_BKT = 0.893.
    temperatures = np.linspace(0.6, 1.3, 8)
    ds = simulate_lattice("xy", 8, temperatures, samples_per_temperature=128, chains=16, thermalization=60, interval=1, seed=7)
    values, stiffness = ob.helicity_modulus_scan(ds["configs"], ds["temperature"])
    above = stiffness > 2 * values / math.pi
    assert above[0] and not above[-1]
    crossing = values[np.argmin(above)]
    assert 0.85 <= crossing <= 1.1
    assert ob.vortex_density(ds["configs"][ds["temperature"] == values[-1]]).mean() > 0.01


def test_xy_metropolis_wolff_and_swendsen_wang_alone_agree():
    energies = {}
    for update in ("metropolis_sweep", "wolff_update", "swendsen_wang_update"):
        sampler = XYSampler(8, np.full(128, 1.0), np.random.default_rng(8))
        trace = []
        for step in range(250):
            getattr(sampler, update)()
            if step >= 50:
                trace.append(ob.energy_per_site(sampler.states(), "xy").mean())
        energies[update] = np.mean(trace)
    assert energies["metropolis_sweep"] == pytest.approx(energies["wolff_update"], abs=0.02)
    assert energies["metropolis_sweep"] == pytest.approx(energies["swendsen_wang_update"], abs=0.02)


def test_gauge_ground_states_and_exact_plaquette_average():
    temperatures = [0.0, 0.5, 1.0, 2.0]
    ds = simulate_lattice("gauge", 8, temperatures, samples_per_temperature=256, chains=32, thermalization=20, interval=1, seed=9)
    links, temperature = ds["configs"], ds["temperature"]
    assert links.shape == (1024, 2, 8, 8) and set(np.unique(links)) == {-1, 1}
    ground = links[temperature == 0]
    assert np.all(ob.plaquette_products(ground) == 1)
    # Random gauge transformations: the links themselves carry no order.
    assert abs(ground.mean()) < 0.02 and len({c.tobytes() for c in ground}) == len(ground)
    # Both holonomy sectors of a non-contractible loop (the product of links along row 0).
    holonomy = ground[:, 1, 0, :].prod(axis=1)
    assert set(holonomy) == {-1, 1}
    for t in temperatures[1:]:
        mean_plaquette = ob.plaquette_products(links[temperature == t]).mean()
        assert mean_plaquette == pytest.approx(exact_mean_plaquette(t, 8), abs=0.02)
        assert ds.truth.parameters["mean_plaquette"][t] == exact_mean_plaquette(t, 8)
    assert exact_mean_plaquette(1.0, 8) == pytest.approx(math.tanh(1.0), abs=1e-6)
    assert ds.truth.critical_temperature is None and ds.truth.parameters["transition_order"] == "none"


def test_couplings_model_names_and_bad_input():
    ds = simulate_lattice("ising_aniso", 4, [2.0], samples_per_temperature=2, chains=2, thermalization=1, couplings=(1.0, 1.0))
    assert ds.truth.critical_temperature == pytest.approx(ISING_TC)
    assert ds.truth.parameters["couplings"] == {"Jx": 1.0, "Jy": 1.0}
    assert lattice_model("potts7").critical_temperature == pytest.approx(1 / math.log(1 + math.sqrt(7)))
    for kwargs, message in [
        ({"model": "ising", "couplings": (1.0, 0.5)}, "couplings"),
        ({"model": "ising_aniso", "couplings": (1.0, -0.5)}, "couplings"),
        ({"model": "potts1"}, "q=1"),
        ({"model": "potts99"}, "q=99"),
        ({"model": "ising", "temperatures": [0.0]}, "temperatures"),
        ({"model": "gauge", "temperatures": [-1.0]}, "temperatures"),
        ({"model": "ising", "cluster": "metropolis"}, "cluster"),
    ]:
        with pytest.raises(ParameterError, match=message):
            simulate_lattice(**{"size": 4, "temperatures": [1.0], **kwargs})


@pytest.mark.parametrize("model", ["ising_aniso", "potts5", "xy", "gauge", "ising3d"])
def test_same_seed_same_configurations(model):
    a, b = (simulate_lattice(model, 4, [0.5, 2.0], samples_per_temperature=4, chains=2, thermalization=3, seed=12) for _ in range(2))
    np.testing.assert_array_equal(a["configs"], b["configs"])
