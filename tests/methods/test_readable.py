"""Issue 28's unreadable laws, each printed as a physicist writes it once the data's
signs are known (the fifth example, 1/(4 pi epsilon_0) named, is CODATA naming)."""

import numpy as np
import sympy

from physlens.expr import parse_expression, symbols_for
from physlens.methods.symbolic.readable import (collapse_numeric_factors, column_signs, merge_radicals, readable_law,
                                                split_constant_exponents)
from physlens.validate.realistic import operation_count

RNG = np.random.default_rng(0)


def _table(names, signs=None, n=200):
    signs = signs or {}
    columns = [RNG.uniform(0.5, 3.0, n) * (RNG.choice([-1, 1], n) if signs.get(name) == "mixed" else 1) for name in names]
    return np.column_stack(columns)


def test_loop_field_on_axis_has_no_abs_where_z_is_positive():
    names = ["I", "R", "mu0", "z"]
    law = readable_law(parse_expression("I*R**2*mu0*Abs(z)/(2*z*(R**2 + z**2)**(3/2))", names), names, _table(names))
    I, R, mu0, z = symbols_for(names).values()
    assert law == I * R**2 * mu0 / (2 * (R**2 + z**2) ** sympy.Rational(3, 2))
    assert not law.has(sympy.Abs)


def test_pendulum_radicals_merge_into_one_root():
    names = ["I", "d", "m", "g"]
    law = readable_law(parse_expression("2*pi*I**(1/4)*(I/(d**2*m))**(1/4)/(sqrt(g)*m**(1/4))", names), names, _table(names))
    assert sympy.sstr(law) == "2*pi*sqrt(I/(d*g*m))"
    assert operation_count(law) == operation_count(parse_expression("2*pi*sqrt(I/(m*g*d))", names))


def test_moment_in_a_field_drops_by_over_abs_by_where_by_is_positive():
    names = ["mom", "Bx", "By", "Bz"]
    X = _table(names, {"Bx": "mixed", "Bz": "mixed"})
    law = readable_law(parse_expression("By*mom*sqrt(Bx**2 + By**2 + Bz**2)/Abs(By)", names), names, X)
    assert sympy.sstr(law) == "mom*sqrt(Bx**2 + By**2 + Bz**2)"


def test_a_column_of_either_sign_keeps_its_abs():
    names = ["mom", "By"]
    law = parse_expression("By*mom/Abs(By)", names)
    assert readable_law(law, names, _table(names, {"By": "mixed"})) == law


def test_gaussian_constant_in_closed_form():
    names = ["x0", "x1"]
    X = np.column_stack([RNG.uniform(-3, 3, 400), RNG.uniform(0.5, 3, 400)])
    x0, x1 = symbols_for(names).values()
    gaussian = sympy.exp(-x0**2 / (2 * x1**2)) / (sympy.sqrt(2 * sympy.pi) * x1)
    # the constant to full precision (an exact fit): closed form without held-out rows
    fitted = float(sympy.exp(sympy.pi / 2) / sympy.sqrt(2 * sympy.pi))
    law = parse_expression(f"{fitted!r}*exp(-x0**2/(2*x1**2) - pi/2)/x1", names)
    assert readable_law(law, names, X) == gaussian
    # the constant as printed (1.9191), on data with 0.1 % noise: held-out rows allow
    # 1/sqrt(2*pi) and refuse the simpler 2/5 (0.27 % off; at 1 % noise they may not)
    y = np.exp(-X[:, 0] ** 2 / (2 * X[:, 1] ** 2)) / (np.sqrt(2 * np.pi) * X[:, 1])
    y = y + 0.001 * np.sqrt(np.mean(y**2)) * RNG.standard_normal(len(y))
    law = parse_expression("1.9191*exp(-x0**2/(2*x1**2) - pi/2)/x1", names)
    assert readable_law(law, names, X, (X[:300], y[:300]), (X[300:], y[300:])) == gaussian


def test_the_parts():
    x, y = symbols_for(["x", "y"]).values()
    assert split_constant_exponents(sympy.exp(x - 2)) == sympy.exp(-2) * sympy.exp(x)
    collapsed = collapse_numeric_factors(sympy.Float(2.0) * sympy.exp(-2) * x)
    assert collapsed.atoms(sympy.Float) and not collapsed.has(sympy.exp)
    assert collapse_numeric_factors(2 * sympy.pi * x) == 2 * sympy.pi * x  # exact numbers stay
    X = np.column_stack([RNG.uniform(1, 2, 50), RNG.uniform(1, 2, 50)])
    assert sympy.sstr(merge_radicals(sympy.sqrt(x) / sympy.sqrt(y), ["x", "y"], X)) == "sqrt(x/y)"
    signs = column_signs(["x", "y"], np.column_stack([np.ones(3), [-1.0, 2.0, 3.0]]))
    assert list(signs) == ["x"] and signs["x"].is_positive
