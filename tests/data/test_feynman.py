import numpy as np
import pytest
import sympy

from physlens.data.feynman import feynman_equation, feynman_equations, simulate_feynman
from physlens.errors import DataError
from physlens.units import parse_unit


def test_all_hundred_equations_load_with_units():
    table = feynman_equations()
    assert len(table) == 100
    for equation in table.values():
        for name in [*equation.names, equation.output]:
            parse_unit(equation.units[name], column=name)


def test_variable_count_comes_from_filled_names_not_the_count_column():
    # the table says 2 variables for I.18.12; three names are filled in
    assert len(feynman_equation("I.18.12").variables) == 3
    assert len(feynman_equation("II.37.1").variables) == 3


def test_mu_drift_unit_quirk_is_fixed():
    equation = next(e for e in feynman_equations().values() if "mu_drift" in e.names)
    assert parse_unit(equation.units["mu_drift"]) == parse_unit("s/kg")


def test_simulated_rows_follow_the_formula_and_ranges():
    dataset = simulate_feynman("I.12.2", n_samples=500, rng=3)
    q1, q2, eps, r = (dataset[n] for n in ("q1", "q2", "epsilon", "r"))
    np.testing.assert_allclose(dataset["F"], q1 * q2 / (4 * np.pi * eps * r**2), rtol=1e-12)
    assert q1.min() >= 1 and q1.max() <= 5
    assert dataset.truth.equations["F"].has(sympy.pi)


def test_noise_is_a_fraction_of_target_rms():
    clean = simulate_feynman("I.12.2", n_samples=20_000, rng=3)
    noisy = simulate_feynman("I.12.2", n_samples=20_000, noise=0.1, rng=3)
    residual = noisy["F"] - clean["F"]
    assert np.std(residual) == pytest.approx(0.1 * np.sqrt(np.mean(clean["F"] ** 2)), rel=0.03)


def test_same_seed_same_data():
    a, b = simulate_feynman("I.6.2a", n_samples=50, rng=7), simulate_feynman("I.6.2a", n_samples=50, rng=7)
    assert a.fingerprint() == b.fingerprint()


def test_unknown_equation():
    with pytest.raises(DataError, match="unknown Feynman equation 'I.99.9'"):
        feynman_equation("I.99.9")


def test_a_dimensionless_column_keeps_the_table_units_known():
    # I.12.11 has an angle (unit ""): its units are still known, "" meaning dimensionless
    dataset = simulate_feynman("I.12.11", n_samples=50, rng=0)
    names = dataset.input_names
    units = dataset.known_units([*names, dataset.target_name])
    assert units is not None and units[names.index("theta")] == ""
    assert parse_unit(units[names.index("theta")]) == parse_unit("")
    assert dataset.known_units(["theta"]) is None  # only empty units: none stated


def test_symbolic_fit_dataset_reduces_by_units_with_an_angle_column():
    from physlens.methods.symbolic import SymbolicRegressor

    dataset = simulate_feynman("I.12.11", n_samples=400, rng=0)
    method = SymbolicRegressor(budget=5, evaluations=2000, random_state=0, run_null_test=False).fit_dataset(dataset)
    assert method.reduction_ is not None  # dimensional analysis ran: q*B*v scale, groups Ef/(B v) and theta
    assert len(method.reduction_["groups"]) == 2
