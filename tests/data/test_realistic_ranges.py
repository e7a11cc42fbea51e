import numpy as np
import pytest
import sympy

from physlens.data.feynman import feynman_equation, feynman_equations
from physlens.data.realistic_ranges import (CONSTANTS, DOMAINS, RANGES, constant_names, realistic_inputs, realistic_range,
                                            realistic_truth, sample_inputs, simulate_realistic)
from physlens.errors import DataError
from physlens.units import parse_unit


def test_every_variable_of_every_equation_has_a_range_with_a_reason():
    for identifier in feynman_equations():
        for name in realistic_inputs(identifier):
            spec = realistic_range(identifier, name)
            assert spec.reason.strip(), (identifier, name)
            assert spec.low < spec.high and spec.scale in ("log", "linear")
            assert spec.scale == "linear" or spec.low > 0, (identifier, name)


def test_every_row_of_the_table_names_a_real_variable_and_says_why():
    names = {(k, n) for k, e in feynman_equations().items() for n in e.names}
    for where, name, low, high, scale, signed, reason in RANGES:
        assert reason.strip()
        assert (where, name) in names if where != "*" else any(n == name for _, n in names), (where, name)
    assert all(reason.strip() for _, reason in DOMAINS.values())


def test_universal_constants_are_folded_in_at_their_codata_values():
    assert constant_names("I.12.2") == ["epsilon"]
    assert realistic_inputs("I.12.2") == ["q1", "q2", "r"]
    truth = realistic_truth("I.12.2")
    assert {s.name for s in truth.free_symbols} == {"q1", "q2", "r"}
    q1, q2, r = sympy.symbols("q1 q2 r", real=True)
    coulomb = float((truth * r**2 / (q1 * q2)).simplify())
    assert coulomb == pytest.approx(1 / (4 * np.pi * CONSTANTS["epsilon"][0]), rel=1e-12)
    # the diode's q is the elementary charge: a constant, not a column
    assert "q" not in realistic_inputs("III.14.14")


def test_sampler_is_deterministic_per_seed_and_keeps_signs_and_ranges():
    first, again, other = (sample_inputs("I.8.14", 500, seed) for seed in (3, 3, 4))
    assert all(np.array_equal(first[n], again[n]) for n in first)
    assert not np.array_equal(first["x1"], other["x1"])
    assert (first["x1"] < 0).any() and (first["x1"] > 0).any()  # coordinates take either sign
    assert np.all((np.abs(first["x1"]) >= 1e-3) & (np.abs(first["x1"]) <= 1e3))
    masses = sample_inputs("I.10.7", 500, 0)["m_0"]
    assert np.all(masses > 0) and np.log10(masses.max() / masses.min()) > 2  # decades, log-uniform


def test_rows_outside_the_laws_domain_are_drawn_again():
    rows = sample_inputs("I.6.2", 300, 1)
    assert np.all(np.abs(rows["theta"] / rows["sigma"]) <= 5)
    waveguide = simulate_realistic("II.24.17", n_samples=300, rng=0)
    assert np.all(np.isfinite(waveguide.y))


def test_irrelevant_columns_copy_the_units_of_real_inputs_and_play_no_part():
    dataset = simulate_realistic("I.12.2", n_samples=200, irrelevant=3, rng=5)
    extras = dataset.provenance["irrelevant_columns"]
    assert sorted(extras) == ["aux1", "aux2", "aux3"]
    equation = feynman_equation("I.12.2")
    for extra, model in extras.items():
        assert parse_unit(dataset.variable(extra).unit) == parse_unit(equation.units[model])
    assert not {s.name for s in dataset.truth.equations["F"].free_symbols} & set(extras)
    with pytest.raises(DataError, match="0 to 3"):
        simulate_realistic("I.12.2", n_samples=10, irrelevant=4)


def test_same_seed_same_table_and_noise_is_relative_to_rms():
    a = simulate_realistic("II.3.24", n_samples=400, noise=0.01, rng=7)
    b = simulate_realistic("II.3.24", n_samples=400, noise=0.01, rng=7)
    assert np.array_equal(a.y, b.y)
    clean = simulate_realistic("II.3.24", n_samples=400, noise=0.0, rng=7).y
    assert np.std(a.y - clean) == pytest.approx(0.01 * np.sqrt(np.mean(clean**2)), rel=0.2)
