"""Lattice Monte Carlo against exact results (Onsager's magnetisation, Potts T_c)."""

import math

import numpy as np
import pytest

from physlens.data.lattice import ISING_TC, POTTS3_TC, LatticeSampler, MODELS, potts_critical_temperature, simulate_lattice, simulate_sizes
from physlens.errors import ParameterError


def onsager_magnetization(t):
    return (1.0 - math.sinh(2.0 / t) ** -4) ** 0.125 if t < ISING_TC else 0.0


def test_exact_critical_temperatures():
    assert ISING_TC == pytest.approx(2.269185, abs=1e-6)
    assert POTTS3_TC == pytest.approx(0.994973, abs=1e-6)
    # The q = 2 Potts model is the Ising model with J_potts = 2 J: T_c(Ising) = 2 T_c(q=2 Potts).
    assert 2 * potts_critical_temperature(2) == pytest.approx(ISING_TC)


def test_ising_magnetization_matches_onsager_below_tc():
    ds = simulate_lattice("ising", 16, [1.6, 2.0], samples_per_temperature=64, chains=8, thermalization=40, seed=3)
    configs, temperature = ds["configs"], ds["temperature"]
    assert set(np.unique(configs)) == {-1, 1}
    for t in (1.6, 2.0):
        m = np.abs(configs[temperature == t].mean(axis=(1, 2))).mean()
        assert m == pytest.approx(onsager_magnetization(t), abs=0.02)


def test_ising_energy_at_high_temperature_matches_series():
    # High-temperature expansion: e = -2 t - 4 t^3 (1 - t^2) + O(t^5), t = tanh(1/T).
    ds = simulate_lattice("ising", 16, [10.0], samples_per_temperature=64, chains=8, thermalization=40, seed=4)
    s = ds["configs"].astype(float)
    energy = -(s * np.roll(s, 1, axis=1) + s * np.roll(s, 1, axis=2)).sum(axis=(1, 2)).mean() / 256
    t = math.tanh(0.1)
    assert energy == pytest.approx(-2 * t - 4 * t**3 * (1 - t**2), abs=0.01)


def test_potts_orders_below_and_disorders_above_tc():
    ds = simulate_lattice("potts3", 16, [0.7, 1.5], samples_per_temperature=32, chains=8, thermalization=40, seed=5)
    configs, temperature = ds["configs"], ds["temperature"]
    assert set(np.unique(configs)) == {0, 1, 2}
    clock = np.abs(np.exp(2j * np.pi * configs / 3).mean(axis=(1, 2)))
    assert clock[temperature == 0.7].mean() > 0.9
    assert clock[temperature == 1.5].mean() < 0.2
    assert ds.truth.critical_temperature == pytest.approx(POTTS3_TC)
    assert ds.kind == "configurations"


def test_wolff_update_flips_whole_lattice_at_zero_temperature_limit():
    # At very low T every equal-spin bond is active: the cluster is the whole ordered lattice.
    sampler = LatticeSampler(MODELS["ising"], 8, np.array([0.01, 0.01]), np.random.default_rng(0), hot_start=False)
    sampler.wolff_update()
    assert np.all(sampler.spins == 1)


def test_same_seed_same_configurations_and_sizes_get_own_seeds():
    a = simulate_lattice("ising", 8, [2.0, 2.5], samples_per_temperature=8, chains=2, thermalization=5, seed=11)
    b = simulate_lattice("ising", 8, [2.0, 2.5], samples_per_temperature=8, chains=2, thermalization=5, seed=11)
    np.testing.assert_array_equal(a["configs"], b["configs"])
    sets = simulate_sizes("ising", [8, 12], [2.0, 2.5], samples_per_temperature=4, chains=2, thermalization=2, seed=1)
    assert [d["configs"].shape[1] for d in sets] == [8, 12]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"model": "heisenberg"}, "model"),
        ({"size": 7}, "size"),
        ({"temperatures": [1.0, -2.0]}, "temperatures"),
        ({"chains": 0}, "chains"),
    ],
)
def test_bad_simulation_parameters_are_named(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        simulate_lattice(**{"model": "ising", "size": 8, "temperatures": [2.0], **kwargs})
