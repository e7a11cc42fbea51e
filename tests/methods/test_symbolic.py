import warnings

import numpy as np
import pytest
import sympy

from physlens.data.feynman import simulate_feynman
from physlens.data.oscillators import simulate_oscillator_accelerations, simulate_oscillator_periods
from physlens.errors import DataError, ParameterError, UnitError
from physlens.methods.base import NotFittedError
from physlens.methods.symbolic import SymbolicRegressor, free_exact_numbers_on_data, refit_constants, snap_on_data
from physlens.expr import parse_expression
from physlens.validate.symbolic import exact_match, predicts, symbolic_equivalence


def exact(method, dataset):
    return symbolic_equivalence(method.equation_, dataset.truth.equations[dataset.target_name]).passed


def test_equation_of_motion_recovered_exactly_with_units():
    dataset = simulate_oscillator_accelerations(10, 10, rng=0)
    method = SymbolicRegressor(budget=5, evaluations=5_000, random_state=0).fit_dataset(dataset)
    assert method.found_
    assert exact(method, dataset)
    assert sympy.simplify(method.equation_ - dataset.truth.equations["a"]) == 0
    interpretation = method.interpret()
    assert interpretation.values["dimensionally_consistent"] is True
    assert "\\frac{k x}{m}" in interpretation.to_latex()


def test_period_recovered_and_amplitude_left_out():
    dataset = simulate_oscillator_periods(30, rng=1)
    method = SymbolicRegressor(budget=5, evaluations=5_000, random_state=0).fit_dataset(dataset)
    assert exact(method, dataset)
    assert sympy.Symbol("A", real=True) not in method.equation_.free_symbols


def test_search_with_a_dimensionless_group_recovers_coulomb():
    # I.12.2 reduces to one dimensionless group (q1/q2): the genetic search runs
    dataset = simulate_feynman("I.12.2", n_samples=400, rng=0)
    method = SymbolicRegressor(budget=20, evaluations=20_000, random_state=0).fit_dataset(dataset)
    assert method.reduction_ is not None and len(method.reduction_["groups"]) == 1
    assert exact(method, dataset), method.equation_


def test_pure_noise_gives_found_false_with_reason(rng):
    X = rng.uniform(1, 5, (300, 2))
    y = rng.normal(size=300)
    method = SymbolicRegressor(budget=4, evaluations=5_000, random_state=0).fit(X, y, names=["u", "v"])
    assert method.found_ is False
    assert any("shuffled target" in reason for reason in method.reasons_)
    assert method.interpret().found is False


def test_same_seed_same_law():
    dataset = simulate_feynman("I.12.2", n_samples=300, rng=2)
    first = SymbolicRegressor(budget=20, evaluations=5_000, random_state=3).fit_dataset(dataset)
    second = SymbolicRegressor(budget=20, evaluations=5_000, random_state=3).fit_dataset(dataset)
    assert sympy.srepr(first.equation_) == sympy.srepr(second.equation_)


def test_a_constant_with_units_is_stated_when_units_cannot_make_the_target(rng):
    # a = C h from a length alone: no product of inputs has units m/s^2, so the law needs a
    # constant with units (issue 28: once refused as inconsistent, now stated as C [1/s^2])
    X = rng.uniform(1, 2, (200, 1))
    y = 9.81 * X[:, 0]
    method = SymbolicRegressor(budget=4, evaluations=5_000, random_state=0).fit(X, y, names=["h"], X_units=["m"], y_units="m/s^2")
    verdict = next(v for v in method.verdicts_ if v.name == "dimensional consistency")
    assert verdict.passed is True
    assert "no product of the inputs has the target's units" in verdict.reason
    assert method.found_ is True
    (constant,) = method.constants_
    assert constant["unit"] == "1/s²"
    assert abs(constant["value"] - 9.81) < 1e-9 and constant["identified_as"] is None


def test_predict_matches_equation():
    dataset = simulate_oscillator_accelerations(6, 10, rng=0)
    method = SymbolicRegressor(budget=4, evaluations=5_000, random_state=0).fit_dataset(dataset)
    np.testing.assert_allclose(method.predict(dataset.X), -dataset["k"] * dataset["x"] / dataset["m"], rtol=1e-9)


def test_pareto_front_is_monotone():
    dataset = simulate_feynman("I.12.2", n_samples=300, rng=2)
    front = SymbolicRegressor(budget=10, evaluations=5_000, random_state=0).fit_dataset(dataset).pareto_
    assert list(front.columns) == ["equation", "complexity", "r2", "dimensionally_consistent"]
    assert front["complexity"].is_monotonic_increasing
    assert front["r2"].is_monotonic_increasing


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"budget": 0}, "budget=0"),
        ({"budget": float("nan")}, "budget=nan"),
        ({"validation_fraction": 0.9}, "validation_fraction=0.9"),
        ({"functions": "sqrt,gamma"}, "functions='sqrt,gamma'.*among abs, acos"),
        ({"random_state": -1}, "random_state=-1"),
    ],
)
def test_bad_parameters_name_the_parameter(parameters, message):
    X, y = np.arange(30.0).reshape(15, 2), np.arange(15.0)
    with pytest.raises(ParameterError, match=message):
        SymbolicRegressor(**parameters).fit(X, y)


def test_bad_data():
    with pytest.raises(DataError, match="at least 10"):
        SymbolicRegressor().fit(np.ones((5, 1)), np.arange(5.0))
    with pytest.raises(DataError, match=r"X row 2, column 1 \('b'\) is NaN; every value must be a finite number"):
        X = np.ones((12, 2))
        X[2, 1] = np.nan
        SymbolicRegressor().fit(X, np.arange(12.0), names=["a", "b"])
    with pytest.raises(UnitError, match="column 'a'"):
        SymbolicRegressor().fit(np.ones((12, 1)), np.arange(12.0), names=["a"], X_units=["bogus"], y_units="m")


def test_interpret_before_fit():
    with pytest.raises(NotFittedError):
        SymbolicRegressor().interpret()


def test_refit_and_snap_constants(rng):
    X = rng.uniform(1, 3, (200, 1))
    y = 2 * np.pi * X[:, 0] ** 2
    expression = parse_expression("6.0*x**2 + 0.01", ["x"])
    refit = refit_constants(expression, ["x"], X, y)
    assert abs(float(refit.coeff(sympy.Symbol("x", real=True) ** 2)) - 2 * np.pi) < 1e-6
    snapped = snap_on_data(refit, ["x"], (X[:100], y[:100]), (X[100:], y[100:]))
    assert snapped == 2 * sympy.pi * sympy.Symbol("x", real=True) ** 2


def test_a_constant_wrong_by_less_than_the_noise_but_more_than_chance_is_not_snapped(rng):
    # a Gaussian's 1/sqrt(2 pi) = 0.3989 at 2% noise: 2/5 is simpler and raises the
    # held-out error by under 5%, but row by row that rise is many standard errors
    x = rng.uniform(-3, 3, 20000)
    clean = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
    y = clean + 0.02 * np.sqrt(np.mean(clean**2)) * rng.normal(size=len(x))
    X = x[:, None]
    fitted = parse_expression("0.39894*exp(-0.5*x**2)", ["x"])
    snapped = snap_on_data(fitted, ["x"], (X[:10000], y[:10000]), (X[10000:], y[10000:]))
    # (not exact_match: SRBench's rule takes 2/5 exp(-x**2/2) as exact, a constant ratio)
    assert sympy.simplify(snapped - parse_expression("exp(-x**2/2)/sqrt(2*pi)", ["x"])) == 0


def _noisy_pole(rng, n=10000):
    """II.11.28's 1 + z/(1 - z/3) = -2 + 9/(3 - z) at 1% noise, z = n*alpha in [0, 1]."""
    z = rng.uniform(0, 1, n) * rng.uniform(0, 1, n)
    clean = -2 + 9 / (3 - z)
    return z[:, None], clean + 0.01 * np.sqrt(np.mean(clean**2)) * rng.normal(size=n)


def test_a_pole_that_enumeration_built_from_pi_is_refitted_and_snapped(rng):
    # enumeration has the leaves 1, 2 and pi: it offers the pole at pi, within the noise
    X, y = _noisy_pole(rng)
    train, valid = (X[:7500], y[:7500]), (X[7500:], y[7500:])
    enumerated = parse_expression("-2.1887 - 10.0125/(z - pi)", ["z"])
    freed = free_exact_numbers_on_data(enumerated, ["z"], train, valid)
    assert not freed.has(sympy.pi)
    snapped = snap_on_data(freed, ["z"], train, valid)
    assert sympy.simplify(snapped - parse_expression("-2 + 9/(3 - z)", ["z"])) == 0


def test_exact_numbers_that_are_right_stay(rng):
    z = rng.uniform(1, 3, 4000)
    clean = 2 * np.pi * z + 1 / (np.pi - z / 2)
    y = clean + 0.01 * np.sqrt(np.mean(clean**2)) * rng.normal(size=len(z))
    X = z[:, None]
    law = parse_expression("2*pi*z + 1/(pi - z/2)", ["z"])
    assert free_exact_numbers_on_data(law, ["z"], (X[:3000], y[:3000]), (X[3000:], y[3000:])) is law


def test_a_constant_snapped_before_polishing_is_refitted(rng):
    # III.19.51's -1/(8 n**2): a slope fitted on rows chosen by their noisy target came
    # out 0.1303 and was snapped to 9/(7 pi**2) before polishing; the refit gives 1/8
    n = rng.uniform(1, 5, 8000)
    scale = rng.uniform(1, 5, 8000) ** 4
    clean = -scale / (8 * n**2)
    y = clean + 0.01 * np.sqrt(np.mean(clean**2)) * rng.normal(size=len(n))
    X, names = np.column_stack([n, scale]), ["n", "s"]
    law = parse_expression("s*(0.00098 - 9/(7*pi**2*n**2))", names)
    freed = free_exact_numbers_on_data(law, names, (X[:6000], y[:6000]), (X[6000:], y[6000:]))
    snapped = snap_on_data(freed, names, (X[:6000], y[:6000]), (X[6000:], y[6000:]))
    assert sympy.simplify(snapped - parse_expression("-s/(8*n**2)", names)) == 0


def _noisy_distance(rng, noise=0.01, n=4000):
    """I.29.16's distance sqrt(x1**2 + x2**2 - 2 x1 x2 cos d) with noise, which reaches 0."""
    x1, x2, d = rng.uniform(1, 5, n), rng.uniform(1, 5, n), rng.uniform(-4, 4, n)
    y = np.sqrt(x1**2 + x2**2 - 2 * x1 * x2 * np.cos(d))
    return np.column_stack([x1, x2, d]), y + noise * np.sqrt(np.mean(y**2)) * rng.normal(size=n)


def test_constants_of_a_noisy_law_at_the_edge_of_its_domain_snap_together(rng):
    # one at a time, a refit moves the constant term below 1 and the square root goes
    # negative where x1 = x2 and d = 0; together the constants snap to the law
    X, y = _noisy_distance(rng)
    names = ["x1", "x2", "d"]
    fitted = parse_expression("1.0003*x2*sqrt(0.9997*(x1/x2 - cos(d))**2 - 0.9968*cos(d)**2 + 0.9976)", names)
    snapped = snap_on_data(fitted, names, (X[:3000], y[:3000]), (X[3000:], y[3000:]))
    assert exact_match(snapped, parse_expression("sqrt(x1**2 + x2**2 - 2*x1*x2*cos(d))", names))


def test_refit_leaves_a_start_outside_the_domain_of_sqrt(rng):
    X, y = _noisy_distance(rng, noise=0.0, n=500)
    names = ["x1", "x2", "d"]
    start = parse_expression("x2*sqrt((x1/x2 - cos(d))**2 - cos(d)**2 + 0.98)", names)  # negative near x1 = x2, d = 0
    assert not np.all(np.isfinite(predicts(start, names, X)))
    refit = refit_constants(start, names, X, y)
    assert np.mean((predicts(refit, names, X) - y) ** 2) < 1e-12 * np.var(y)


def test_a_constant_that_noise_split_in_two_snaps_as_one(rng):
    # II.6.15a's 3/(4 pi) * sqrt(x**2 + y**2): a fit on noisy data writes it as
    # sqrt(c1*x**2 + c2*y**2) with c1 and c2 apart in the fourth digit; neither is a
    # simple number, their common square root 3/(4 pi) is
    x, y = rng.uniform(1, 5, 4000), rng.uniform(1, 5, 4000)
    X = np.column_stack([x, y])
    clean = 3 / (4 * np.pi) * np.sqrt(x**2 + y**2)
    target = clean + 0.01 * np.sqrt(np.mean(clean**2)) * rng.normal(size=len(x))
    names = ["x", "y"]
    c = (3 / (4 * np.pi)) ** 2
    fitted = parse_expression(f"sqrt({c * (1 + 6e-5)!r}*x**2 + {c * (1 - 6e-5)!r}*y**2)", names)
    snapped = snap_on_data(fitted, names, (X[:3000], target[:3000]), (X[3000:], target[3000:]))
    assert exact_match(snapped, parse_expression("3*sqrt(x**2 + y**2)/(4*pi)", names), snap=False)


def test_relativistic_energy_recovered_from_noisy_data():
    # I.48.2 E = m c**2/sqrt(1 - v**2/c**2) at 1% noise: short approximants of the Lorentz
    # factor (1/cos, exp of 1/cos) fit within the noise; the law, with constants 1.001 and
    # 1.003 as fitted, is judged as it would be snapped, and wins
    dataset = simulate_feynman("I.48.2", n_samples=6000, noise=0.01, rng=0)
    method = SymbolicRegressor(budget=20, evaluations=20_000, random_state=0).fit_dataset(dataset)
    assert exact(method, dataset)


def test_a_rational_law_with_a_pole_recovered_from_noisy_data():
    # II.11.28 at 1% noise: approximants (exp of a sum, a log of cos) fit within the noise;
    # enumeration's pole at pi, refitted, becomes the pole at 3 and wins
    # (on the clock: under an evaluation budget enumeration stops at 7 nodes, and an
    # approximant within the noise, 7/9 exp(z + cos(sin z)/4), wins instead)
    dataset = simulate_feynman("II.11.28", n_samples=10000, noise=0.01, rng=0)
    method = SymbolicRegressor(budget=20, random_state=0).fit_dataset(dataset)
    assert exact(method, dataset)


def test_a_complex_law_is_not_refitted_to_its_real_part(rng):
    # 1.5*x*(-1)**(1/3) is complex on every row; its real part 0.75*x would match y = x
    # after c -> 2, but a complex law is no law: the refit must leave it alone
    X = rng.uniform(1, 5, (200, 1))
    y = X[:, 0]
    x = sympy.Symbol("x", real=True)
    start = sympy.Float(1.5) * x * sympy.Integer(-1) ** sympy.Rational(1, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in a user's run: no warning filter turned into an error
        refit = refit_constants(start, ["x"], X, y)
    assert [float(f) for f in refit.atoms(sympy.Float)] == [1.5]
    assert np.all(np.isnan(predicts(refit, ["x"], X)))
