"""SparseDynamics recovers known ODEs from noisy trajectories and says when it cannot."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from physlens.data.trajectories import simulate, simulate_noise
from physlens.errors import DataError, ParameterError, UnitError
from physlens.methods.base import available_methods
from physlens.methods.dynamics import SparseDynamics, estimate_noise
from physlens.validate.dynamics import coefficient_error, support_recovery, terms_of


@pytest.fixture(scope="module")
def damped():
    data = simulate("damped_oscillator", n_trajectories=4, noise=0.02, rng=11)
    model = SparseDynamics(random_state=0, n_models=30).fit_dataset(data)
    return data, model


def test_registered_with_taxonomy():
    assert available_methods()["dynamics"] is SparseDynamics
    assert SparseDynamics.taxonomy.to_dict() == {
        "origin": "intrinsic", "mechanism": "functional", "scope": "global", "aim": "discovering", "level": "high"}
    assert SparseDynamics.consumes == "trajectories"


def test_damped_oscillator_recovered_from_noisy_trajectories(damped):
    data, model = damped
    assert model.derivative_ == "weak"  # 2 % noise is measurable
    assert support_recovery(model.equations_, data.truth.equations)["exact"]
    assert coefficient_error(model.equations_, data.truth.equations) < 0.02
    result = model.interpret()
    assert result.found and result.kind == "dynamics"
    assert result.values["coefficients_from"] == "output error" and model.refined_
    assert all(v.passed is not False for v in result.verdicts), [v for v in result.verdicts if v.passed is False]
    inclusion = model.inclusion()
    assert inclusion["x: v"] >= 0.95 and inclusion["v: x"] >= 0.95
    assert inclusion["v: v"] >= 0.75  # the small damping term is the least stable (measured 0.81)
    spurious = [p for k, p in inclusion.items() if k not in ("x: v", "v: x", "v: v")]
    assert max(spurious, default=0.0) < model.inclusion_threshold
    assert result.values["noise"]["x"] == pytest.approx(0.02, rel=0.3)


def test_coefficients_carry_units(damped):
    _, model = damped
    units = model.coefficient_units()
    assert units["x"] == {"v": "dimensionless"}
    assert units["v"] == {"x": "s^-2", "v": "s^-1"}


def test_same_seed_same_result():
    data = simulate("harmonic", n_trajectories=3, noise=0.02, rng=5)
    a = SparseDynamics(random_state=3, n_models=10).fit_dataset(data)
    b = SparseDynamics(random_state=3, n_models=10).fit_dataset(data)
    assert np.array_equal(a.coef_, b.coef_)
    assert np.array_equal(a.inclusion_probabilities_, b.inclusion_probabilities_)


def test_clean_data_uses_pointwise_derivatives_and_is_exact():
    data = simulate("harmonic", n_trajectories=3, rng=2)
    model = SparseDynamics(random_state=0, n_models=10).fit_dataset(data)
    assert model.derivative_ == "smoothed"
    assert support_recovery(model.equations_, data.truth.equations)["exact"]
    assert coefficient_error(model.equations_, data.truth.equations) < 1e-3


def test_pendulum_units_exclude_dimensional_trig_and_energy_is_checked():
    data = simulate("pendulum", n_trajectories=4, noise=0.01, rng=3)
    model = SparseDynamics(degree=1, trig=True, random_state=0, n_models=20,
                           invariants={"energy": "omega**2/2 - 9.81*cos(theta)"}).fit_dataset(data)
    assert "sin(omega)" in model.excluded_terms_ and "cos(omega)" in model.excluded_terms_
    assert support_recovery(model.equations_, data.truth.equations)["exact"]
    energy = next(v for v in model.interpret().verdicts if v.name == "conserved energy")
    assert energy.passed


def test_pure_noise_finds_nothing():
    data = simulate_noise(n_trajectories=4, n_samples=800, rng=9)
    result = SparseDynamics(random_state=0, n_models=20).fit_dataset(data).interpret()
    assert not result.found
    assert result.reasons


def test_system_outside_the_library_is_not_reported_as_found():
    # Kepler's inverse-square force is not in a polynomial library
    data = simulate("kepler", n_trajectories=3, t_end=8.0, noise=0.01, rng=4)
    model = SparseDynamics(degree=2, random_state=0, n_models=10).fit_dataset(data)
    result = model.interpret()
    low = [p for k, p in model.inclusion().items() if k.startswith(("vx:", "vy:"))]
    assert (not result.found) or max(low) < 0.6


def test_estimate_noise_known_answer():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 10, 5000)
    assert estimate_noise(np.sin(t) + 0.05 * rng.standard_normal(t.size)) == pytest.approx(0.05, rel=0.05)


def _arrays():
    data = simulate("harmonic", n_trajectories=1, t_end=2.0, rng=0)
    return np.column_stack([data["x"], data["v"]]), np.asarray(data["t"])


def test_bad_input_gets_clear_errors():
    X, t = _arrays()
    unsorted = t.copy()
    unsorted[[10, 11]] = unsorted[[11, 10]]
    with pytest.raises(DataError, match="row 12 .* goes backwards"):
        SparseDynamics().fit(X, unsorted, state_names=["x", "v"])
    repeated = t.copy()
    repeated[20] = repeated[19]
    with pytest.raises(DataError, match="row 21 .* repeats row 20"):
        SparseDynamics().fit(X, repeated, state_names=["x", "v"])
    with_nan = X.copy()
    with_nan[5, 1] = np.nan
    with pytest.raises(DataError, match="column 'v' row 6 is NaN"):
        SparseDynamics().fit(with_nan, t, state_names=["x", "v"])
    ids = np.zeros(len(t))
    ids[-1] = 7
    with pytest.raises(DataError, match="trajectory 7.0 has 1 sample"):
        SparseDynamics().fit(X, t, trajectory=ids, state_names=["x", "v"])
    with pytest.raises(UnitError, match="time column 't' has none"):
        SparseDynamics().fit(X, t, state_names=["x", "v"], X_units=["m", "m/s"])
    with pytest.raises(UnitError, match="mismatched units"):
        SparseDynamics().fit(X, t, state_names=["x", "v"], X_units=["m"], t_unit="s")
    with pytest.raises(UnitError, match="adds quantities of different dimensions"):
        SparseDynamics(terms=("x + v",)).fit(X, t, state_names=["x", "v"], X_units=["m", "m/s"], t_unit="s")


@pytest.mark.parametrize("parameter, value", [("degree", -1), ("derivative", "spline"), ("threshold", 2.0),
                                              ("n_models", 1), ("inclusion_threshold", 0.0), ("random_state", -3),
                                              ("terms", "x**2")])
def test_bad_parameters_name_the_parameter(parameter, value):
    X, t = _arrays()
    with pytest.raises(ParameterError, match=f"parameter {parameter}="):
        SparseDynamics(**{parameter: value}).fit(X, t, state_names=["x", "v"])


def test_unknown_name_in_a_term_is_refused():
    X, t = _arrays()
    with pytest.raises(ParameterError, match="terms: 'q\\*x'"):
        SparseDynamics(terms=("q*x",)).fit(X, t, state_names=["x", "v"])


def test_interpretation_round_trips_through_text(damped):
    from physlens.expr import parse_expression

    _, model = damped
    for state, rhs in model.equations_.items():
        parsed = terms_of(parse_expression(sympy.sstr(rhs), ["x", "v"]))
        original = terms_of(rhs)
        assert parsed.keys() == original.keys()
        assert all(parsed[k] == pytest.approx(original[k], rel=1e-12) for k in parsed)
    X = np.array([[0.5, -0.2]])
    expected = [float(model.equations_[s].subs({sympy.Symbol("x", real=True): 0.5, sympy.Symbol("v", real=True): -0.2}))
                for s in ("x", "v")]
    assert np.allclose(model.predict(X)[0], expected)


# -- output-error refit (multiple shooting) -------------------------------------------

def _damped_arrays(noise, seed, t_end=12.0):
    data = simulate("damped_oscillator", n_trajectories=1, t_end=t_end, noise=noise, rng=seed)
    X = np.column_stack([data["x"], data["v"]])
    t = np.asarray(data["t"])
    sigma = np.array([estimate_noise(X[:, 0]), estimate_noise(X[:, 1])])
    return data, t, X, sigma


def _linear_and_square(Y):
    # library x, v, x**2 at states of any leading shape
    return np.stack([Y[..., 0], Y[..., 1], Y[..., 0] ** 2], axis=-1)


def _identity(x):
    return x


def test_output_error_refit_recovers_coefficients_from_a_poor_start():
    from physlens.methods.dynamics.refit import output_error_refit

    data, t, X, sigma = _damped_arrays(0.05, 1)
    truth = np.array([[0.0, 1.0, 0.0], [-4.0, -0.2, 0.0]])  # x' = v, v' = -omega^2 x - gamma v
    start = truth * np.array([[1, 1.1, 1], [0.9, 1.5, 1]])  # 10-50 % off
    refined = output_error_refit([(t, X)], _linear_and_square, start, sigma, _identity, test_support=False)
    assert refined is not None
    assert np.array_equal(refined != 0, truth != 0)
    relative = np.abs(refined - truth)[truth != 0] / np.abs(truth[truth != 0])
    assert relative.max() < 0.02, refined  # 5 % noise, 1200 samples: the damping within 2 %


def test_output_error_support_tests_add_a_missing_term_and_drop_a_spurious_one():
    from physlens.methods.dynamics.refit import output_error_refit

    truth = np.array([[0.0, 1.0, 0.0], [-4.0, -0.2, 0.0]])
    missing = truth.copy()
    missing[1, 1] = 0.0  # the damping term left out
    # 20 % noise: the undamped model still fits to within MISFIT x sigma^2, so the score test runs
    data, t, X, sigma = _damped_arrays(0.2, 2)
    refined = output_error_refit([(t, X)], _linear_and_square, missing, sigma, _identity)
    assert np.array_equal(refined != 0, truth != 0), refined
    # 5 % noise: the undamped model misses the data by far more than the noise; no support
    # tests then (they would only chase the misfit), the support stays as given
    data, t, X, sigma = _damped_arrays(0.05, 2)
    refined = output_error_refit([(t, X)], _linear_and_square, missing, sigma, _identity)
    assert np.array_equal(refined != 0, missing != 0), refined
    spurious = truth.copy()
    spurious[0, 2] = 0.01  # x' = v + 0.01 x^2: not in the truth
    refined = output_error_refit([(t, X)], _linear_and_square, spurious, sigma, _identity)
    assert np.array_equal(refined != 0, truth != 0), refined


def test_refit_improves_on_the_weak_form_and_can_be_switched_off():
    data = simulate("lotka_volterra", n_trajectories=3, noise=0.1, rng=7)
    on = SparseDynamics(random_state=0, n_models=10).fit_dataset(data)
    off = SparseDynamics(random_state=0, n_models=10, refine=False).fit_dataset(data)
    assert on.refined_ and not off.refined_
    assert support_recovery(on.equations_, data.truth.equations)["exact"]
    assert coefficient_error(on.equations_, data.truth.equations) < coefficient_error(off.equations_, data.truth.equations)
