import numpy as np
import pytest

from physlens.expr import parse_expression
from physlens.units import parse_unit
from physlens.validate.dimensions import dimensional_consistency, expression_dimension
from physlens.validate.fit import heldout_accuracy, null_test, r2_score
from physlens.validate.symbolic import exact_match, symbolic_equivalence

NAMES = ["q1", "q2", "epsilon", "r", "m", "k", "x"]


def expr(text):
    return parse_expression(text, NAMES)


@pytest.mark.parametrize(
    "model, truth, exact",
    [
        ("q1*q2/(4*pi*epsilon*r**2)", "q1*q2*r/(4*pi*epsilon*r**3)", True),
        ("0.0795774715*q1*q2/(epsilon*r**2)", "q1*q2/(4*pi*epsilon*r**2)", True),  # snapped constant
        ("3 + q1*q2/(epsilon*r**2)", "q1*q2/(4*pi*epsilon*r**2)", False),  # neither difference nor ratio constant
        ("3 + q1*q2/(4*pi*epsilon*r**2)", "q1*q2/(4*pi*epsilon*r**2)", True),  # constant difference
        ("2*pi*sqrt(m)/sqrt(k)", "2*pi*sqrt(m/k)", True),
        ("q1*q2/(epsilon*r**3)", "q1*q2/(4*pi*epsilon*r**2)", False),
        ("q1*q2/(4*pi*epsilon*r**2)", "q1*q2/(4*pi*epsilon*r**2)", True),
        ("0*q1", "q1*q2/(4*pi*epsilon*r**2)", False),
        ("q1*q2/(epsilon*r**2) + 1e-3*r", "q1*q2/(4*pi*epsilon*r**2)", False),
    ],
)
def test_srbench_exactness(model, truth, exact):
    assert exact_match(expr(model), expr(truth)) is exact
    assert symbolic_equivalence(expr(model), expr(truth)).passed is exact


def test_dimension_of_expressions():
    dims = {"m": parse_unit("kg"), "k": parse_unit("N/m"), "x": parse_unit("m")}
    assert expression_dimension(expr("-k*x/m"), dims) == parse_unit("m/s^2")
    assert expression_dimension(expr("k + m"), dims) is None
    assert expression_dimension(expr("exp(x)"), dims) is None
    assert expression_dimension(expr("exp(k*x**2/(k*x**2))"), dims) == parse_unit("")
    assert expression_dimension(expr("sqrt(m/k)"), dims) == parse_unit("s")


def test_dimensional_consistency_verdict():
    dims = {"m": parse_unit("kg"), "k": parse_unit("N/m"), "x": parse_unit("m")}
    assert dimensional_consistency(expr("-k*x/m"), dims, parse_unit("m/s^2")).passed is True
    wrong = dimensional_consistency(expr("-k*x"), dims, parse_unit("m/s^2"))
    assert wrong.passed is False and "has dimension" in wrong.reason
    assert dimensional_consistency(expr("x"), None, None).passed is None


def test_r2_known_answers():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert r2_score(y, y) == 1.0
    assert r2_score(y, np.full(4, 2.5)) == 0.0
    assert r2_score(y, np.array([1, 2, np.nan, 4])) == -np.inf
    assert r2_score(y, y[::-1]) == -3.0  # worse than the mean: negative, unbounded below


def test_r2_of_a_constant_target():
    flat = np.full(4, 2.0)
    assert r2_score(flat, flat) == 1.0  # a law that predicts it exactly
    assert r2_score(flat, flat + 0.5) == -np.inf
    assert r2_score(flat, flat + 0.5, constant_target=0.0) == 0.0  # nothing to explain, as latent scores read it
    assert r2_score(flat, np.array([2.0, np.inf, 2.0, 2.0]), constant_target=0.0) == -np.inf


def test_heldout_accuracy_against_noise_floor():
    assert heldout_accuracy(0.999, 0.9995).passed
    assert heldout_accuracy(0.90, 0.999).passed is False
    assert heldout_accuracy(0.95, 0.96).passed  # noisy data: both at the floor


def test_null_test():
    assert null_test(0.99, 0.02).passed
    verdict = null_test(0.01, 0.015)
    assert verdict.passed is False and "shuffled target" in verdict.reason
