import numpy as np
import pytest
import sympy

from physlens.errors import DataError, ExpressionError, ParameterError
from physlens.expr import symbols_for
from physlens.methods.symbolic_gradients import SymbolicGradients
from physlens.validate.invariants import gradient_field, invariant_matches


def _gradients_of(expressions, names, X):
    return np.stack([gradient_field(e, names, X) for e in expressions], axis=2)


def test_recovers_interval_from_gradients_of_a_monotone_map(rng):
    names = ["t", "x", "y", "z"]
    s = symbols_for(names)
    interval = s["t"] ** 2 - s["x"] ** 2 - s["y"] ** 2 - s["z"] ** 2
    X = rng.uniform(-1, 1, (300, 4))
    # f = tanh(s^2 / 2): the gradient is parallel to grad s^2 but not equal to it
    gradients = _gradients_of([sympy.tanh(interval / 2)], names, X)[:, :, 0]
    gradients = gradients * (1 + 0.01 * rng.standard_normal(gradients.shape))
    model = SymbolicGradients(max_degree=2).fit(X, gradients, names)
    assert len(model.invariants_) == 1
    assert all(v.passed for v in invariant_matches(model.invariants_, {"s2": interval}, names, X[:50]))
    interpretation = model.interpret()
    assert interpretation.found and interpretation.kind == "invariant"


def test_two_outputs_span_two_invariants_with_an_extra_term(rng):
    names = ["x", "y", "px", "py"]
    s = symbols_for(names)
    energy = (s["px"] ** 2 + s["py"] ** 2) / 2 - 1 / sympy.sqrt(s["x"] ** 2 + s["y"] ** 2)
    angular = s["x"] * s["py"] - s["y"] * s["px"]
    X = rng.uniform(0.5, 1.5, (400, 4)) * rng.choice([-1, 1], (400, 4))
    # the network's two latents mix the invariants nonlinearly
    latents = [sympy.atan(energy + angular), energy - angular**3]
    gradients = _gradients_of(latents, names, X)
    model = SymbolicGradients(max_degree=2, extra_terms=["1/sqrt(x**2 + y**2)"]).fit(X, gradients, names)
    verdicts = invariant_matches(model.invariants_, {"E": energy, "L": angular}, names, X[:50])
    assert all(v.passed for v in verdicts), [v.reason for v in verdicts]


def _noisy(gradients, X, rng, level):
    """Gradients with noise of ``level`` x their norm, isotropic in standardised inputs
    (a network trained on standardised inputs errs like that)."""
    scale = X.std(axis=0).reshape((-1,) + (1,) * (gradients.ndim - 2))
    norms = np.linalg.norm(gradients * scale, axis=1, keepdims=True)
    return gradients + level * norms * rng.standard_normal(gradients.shape) / np.sqrt(gradients.shape[1]) / scale


def test_determinant_and_trace_from_three_mixed_latents(rng):
    from physlens.data.invariants import MATRIX_NAMES, similar_matrices

    data = similar_matrices(100, 5, rng=rng)
    trace, minors, det = (data.truth.conserved[k] for k in ("trace", "minors", "det"))
    # latents mix the invariants nonlinearly; the determinant is never alone in one
    latents = [sympy.tanh(trace / 2) + det, minors - trace**2 / 3, det + trace * minors / 5]
    gradients = _noisy(_gradients_of(latents, MATRIX_NAMES, data.X), data.X, rng, 0.01)
    model = SymbolicGradients(max_degree=3, random_state=0).fit(data.X, gradients, MATRIX_NAMES)
    verdicts = {v.name: v for v in invariant_matches(model.invariants_, data.truth.conserved, MATRIX_NAMES, data.X[:50])}
    assert all(v.passed for v in verdicts.values()), [v.reason for v in verdicts.values()]
    # the determinant itself, not det + trace/3 or another mixture with known invariants
    assert "equals det" in verdicts["recovers det"].reason and "equals trace" in verdicts["recovers trace"].reason
    assert len(model.invariants_) == 3


def test_power_law_from_log_terms(rng):
    names = ["pt1", "pt2", "dr12"]
    s = symbols_for(names)
    X = np.column_stack([rng.uniform(60, 300, 600), rng.uniform(10, 150, 600), rng.uniform(0.1, 0.8, 600)])
    mass = sympy.sqrt(s["pt1"] * s["pt2"]) * s["dr12"]
    # a tagger's logit: a saturating function of the mass, with 2% gradient error
    gradients = _noisy(gradient_field(sympy.tanh((mass - 40) / 20), names, X), X, rng, 0.02)
    model = SymbolicGradients(max_degree=4, log_terms=True, max_invariants=1, random_state=0).fit(X, gradients, names)
    assert model.invariants_ == [s["pt1"] * s["pt2"] * s["dr12"] ** 2]
    assert model.log_variables_ == names and model.residuals_[0] < 0.01
    # logs only of variables positive on every sample
    shifted = X - np.array([0.0, 0.0, 0.5])
    assert SymbolicGradients(max_degree=1, log_terms=True).fit(shifted, gradients, names).log_variables_ == ["pt1", "pt2"]


def test_nothing_found_for_a_gradient_outside_the_library(rng):
    X = rng.uniform(0.5, 2.0, (200, 2))
    s = symbols_for(["a", "b"])
    gradients = gradient_field(sympy.sin(3 * s["a"]) * sympy.exp(s["b"]), ["a", "b"], X)
    model = SymbolicGradients(max_degree=2, tolerance=0.001).fit(X, gradients, ["a", "b"])
    interpretation = model.interpret()
    assert model.invariants_ == [] and not interpretation.found and interpretation.reasons


def test_same_seed_same_result(rng):
    X = rng.uniform(-1, 1, (3000, 2))
    gradients = np.column_stack([2 * X[:, 0], 2 * X[:, 1]])
    a = SymbolicGradients(max_samples=500, random_state=4).fit(X, gradients, ["u", "v"])
    b = SymbolicGradients(max_samples=500, random_state=4).fit(X, gradients, ["u", "v"])
    assert a.invariants_ == b.invariants_ and a.residuals_ == b.residuals_


@pytest.mark.parametrize(
    "kwargs, X, gradients, error, match",
    [
        ({"max_degree": 0}, np.ones((20, 2)), np.ones((20, 2)), ParameterError, "max_degree"),
        ({"tolerance": 2.0}, np.ones((20, 2)), np.ones((20, 2)), ParameterError, "tolerance"),
        ({}, np.ones((20, 2)), np.ones((20, 3)), DataError, "gradients must have shape"),
        ({}, np.ones(20), np.ones(20), DataError, "2-D"),
        ({}, np.vstack([np.ones((19, 2)), [[np.nan, 1.0]]]), np.ones((20, 2)), DataError, "row 19"),
        ({"extra_terms": ["__import__('os')"]}, np.ones((20, 2)), np.ones((20, 2)), ExpressionError, "not allowed"),
    ],
)
def test_bad_input_is_named(kwargs, X, gradients, error, match):
    with pytest.raises(error, match=match):
        SymbolicGradients(**kwargs).fit(X, gradients, ["a", "b"])
