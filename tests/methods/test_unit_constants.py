"""Laws whose constants carry units, claims that hold, and extra columns, end to end."""

import numpy as np
import pytest
import scipy.constants as codata

from physlens.data.planets import kepler_constant, load_planets
from physlens.methods.symbolic import SymbolicRegressor
from physlens.methods.symbolic.unit_constants import constant_text


def _verdict(method, name):
    return next(v for v in method.verdicts_ if v.name == name)


@pytest.mark.parametrize("si", [False, True])
def test_kepler_constant_stated_with_unit_uncertainty_and_name(si):
    dataset = load_planets(si=si)
    method = SymbolicRegressor(budget=6, random_state=0).fit_dataset(dataset)
    assert method.found_, method.reasons_
    assert method.law_with_constants_ == "C*a**(3/2)"
    (constant,) = method.constants_
    unit = "s/m^(3/2)" if si else "yr/au^(3/2)"
    assert constant["unit"] == unit
    truth = kepler_constant(*(("m", "s") if si else ("au", "yr")))
    assert abs(constant["value"] / truth - 1) < 1e-3  # the target: 1.000 +- 0.001 yr/au^1.5
    assert 0 < constant["uncertainty"] < 1e-3 * truth
    assert abs(constant["value"] - truth) < 3 * constant["uncertainty"]
    assert constant["identified_as"].startswith("2π/√(G·M_sun) in these units")
    assert _verdict(method, "dimensional consistency").passed is True
    assert constant_text(constant).startswith("C = ")


def test_a_dimensionless_law_needs_no_constant_with_units():
    rng = np.random.default_rng(0)
    x, k, m = rng.uniform(-1, 1, 200), rng.uniform(1, 10, 200), rng.uniform(0.5, 5, 200)
    method = SymbolicRegressor(budget=4, random_state=0).fit(
        np.column_stack([x, k, m]), -k * x / m, names=["x", "k", "m"], X_units=["m", "N/m", "kg"], y_units="m/s^2")
    assert method.found_ and method.constants_ == [] and method.law_with_constants_ is None


def test_an_irrelevant_column_is_left_out_and_named():
    rng = np.random.default_rng(1)
    x, k, m, length = (rng.uniform(1, 5, 300) for _ in range(4))
    method = SymbolicRegressor(budget=5, random_state=0).fit(
        np.column_stack([x, k, m, length]), -k * x / m, names=["x", "k", "m", "L"], X_units=["m", "N/m", "kg", "m"],
        y_units="m/s^2")
    assert method.found_
    assert "L" not in {s.name for s in method.equation_.free_symbols}
    assert method.irrelevant_columns_ == ["L"]
    assert "left out as irrelevant: L" in _verdict(method, "relevant columns").reason
    assert method.interpret().values["irrelevant_columns"] == ["L"]


def test_tanh_in_its_linear_regime_is_found_and_the_regime_said():
    # a paramagnet: M = n mu tanh(mu B / (k_B T)) with mu B / (k_B T) <= 3e-4, k_B folded in
    rng = np.random.default_rng(2)
    n, mu = rng.uniform(1e27, 5e27, 400), rng.uniform(1e-24, 5e-24, 400)
    B, T = rng.uniform(0.01, 0.1, 400), rng.uniform(100, 500, 400)
    M = n * mu * np.tanh(mu * B / (codata.k * T)) * (1 + 1e-4 * rng.normal(size=400))
    method = SymbolicRegressor(budget=8, random_state=0).fit(
        np.column_stack([n, mu, B, T]), M, names=["n", "mu", "B", "T"], X_units=["1/m^3", "A*m^2", "T", "K"], y_units="A/m")
    assert method.found_, method.reasons_
    (constant,) = method.constants_
    assert abs(constant["value"] * codata.k - 1) < 1e-3 and constant["identified_as"].startswith("1/k_B")
    limit = _verdict(method, "limit of law")
    largest = float(np.max(mu * B / (codata.k * T)))
    assert limit.passed is True and "tanh(x) and x" in limit.reason and f"<= {largest:.2g}" in limit.reason


def test_the_classical_limit_of_a_relativistic_law_is_not_claimed():
    # p = m v gamma with v/c <= 0.033 and no noise: m v misses by up to 5.6e-4, far above round-off
    rng = np.random.default_rng(3)
    m, v = rng.uniform(1, 5, 1000), rng.uniform(1e5, 1e7, 1000)
    p = m * v / np.sqrt(1 - v**2 / codata.c**2)
    method = SymbolicRegressor(budget=4, random_state=0).fit(
        np.column_stack([m, v]), p, names=["m", "v"], X_units=["kg", "m/s"], y_units="kg*m/s")
    assert method.found_ is False
    assert _verdict(method, "residual is noise").passed is False
