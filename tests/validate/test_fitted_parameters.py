"""Known answers for the snapping of fitted nonlinear parameters."""

import pytest
import sympy

from physlens.validate.dynamics import support_recovery
from physlens.validate.fitted_parameters import inner_parameters, snap_parameters

x, y, t = sympy.symbols("x y t", real=True)


def test_inner_parameters_are_arguments_and_denominators():
    expression = 0.5 * x + 2.0 * x * y / (x + 1.1) + 0.3 * sympy.cos(1.2 * t)
    assert sorted(float(v) for v in inner_parameters(expression)) == [1.1, 1.2]


def test_snap_parameters_known_answer():
    truth = {"x": x - x * y / (x + 1.0) + 0.3 * sympy.cos(0.8 * t)}
    found = {"x": 1.01 * x - 0.98 * x * y / (x + sympy.Float(1.05)) + 0.3 * sympy.cos(sympy.Float(0.804) * t)}
    snapped, worst = snap_parameters(found, truth)
    assert worst == pytest.approx(0.05)
    assert support_recovery(snapped, truth)["exact"]
    far = {"x": x + sympy.cos(sympy.Float(2.0) * t)}
    assert snap_parameters(far, truth) == ({"x": far["x"]}, 0.0)
