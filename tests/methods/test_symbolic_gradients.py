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
