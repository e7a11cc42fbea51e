import numpy as np
import sympy

from physlens.expr import parse_expression
from physlens.validate.realistic import columns_used, drop_negligible_offset, operation_count, operation_ratio, readable, strict_exact, wrong_claim

NAMES = ["q", "r"]
ROWS = np.column_stack([np.geomspace(1e-9, 1e-5, 50), np.geomspace(1e-3, 1e2, 50)])


def test_strict_exact_needs_the_constant_within_1e_3_on_every_row():
    truth = parse_expression("8987551792.3*q/r", NAMES)
    assert strict_exact(parse_expression("8987551792.3*q/r", NAMES), truth, NAMES, ROWS)
    assert strict_exact(parse_expression("8990000000*q/r", NAMES), truth, NAMES, ROWS)  # 2.7e-4 off
    assert not strict_exact(parse_expression("9.0e9*q/r", NAMES), truth, NAMES, ROWS)  # 1.4e-3 off
    assert not strict_exact(parse_expression("q/r", NAMES), truth, NAMES, ROWS)  # right form, wrong constant
    # right inside the sampled range but not at its edge
    assert not strict_exact(parse_expression("8987551792.3*q/r + 1e6*q", NAMES), truth, NAMES, ROWS)


def test_columns_used_wrong_claims_and_readability():
    law = parse_expression("q*aux1/r", ["q", "r", "aux1"])
    assert columns_used(law, ["aux1", "aux2"]) == ["aux1"]
    assert wrong_claim(True, False) and not wrong_claim(True, True) and not wrong_claim(False, False)
    assert not wrong_claim(True, False, limit_stated=True)
    reference = parse_expression("2*pi*sqrt(I/(m*g*d))", ["I", "m", "g", "d"])
    unreadable = parse_expression("2*pi*I**(1/4)*(I/(d**2*m))**(1/4)/(sqrt(g)*m**(1/4))", ["I", "m", "g", "d"])
    assert operation_count(reference) == 7
    assert operation_ratio(reference, reference) == 1.0 and readable(reference, reference)
    assert operation_ratio(unreadable, reference) > 2 and not readable(unreadable, reference)
    assert operation_ratio(sympy.Integer(1), sympy.Integer(1)) == 0.0


def test_a_negligible_additive_constant_is_dropped_before_scoring():
    law = parse_expression("-1.1e-6 + 0.49999988*k*x**2", ["k", "x"])
    assert drop_negligible_offset(law, 100.0) == parse_expression("0.49999988*k*x**2", ["k", "x"])
    assert drop_negligible_offset(law, 0.1) == law  # 1.1e-6 is 1e-5 of a target of RMS 0.1: kept
    assert drop_negligible_offset(parse_expression("1e-9 + x", ["x"]), 1.0) == parse_expression("x", ["x"])
