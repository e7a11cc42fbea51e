import numpy as np
import sympy
import pytest

from physlens.errors import ExpressionError
from physlens.expr import (parse_expression, real_values, simple_numbers, snap_constants, to_function, to_latex, to_mathml,
                           to_text)


def sym(name):
    return sympy.Symbol(name, real=True)


def test_parses_physics_expression():
    expression = parse_expression("2*pi*sqrt(m/k)", ["m", "k"])
    assert expression == 2 * sympy.pi * sympy.sqrt(sym("m") / sym("k"))


def test_caret_is_power_with_power_precedence():
    h, lam = sym("h"), sym("lambda")
    assert parse_expression("h/(2*pi*lambda)^2", ["h", "lambda"]) == h / (2 * sympy.pi * lam) ** 2
    assert parse_expression("-x^2", ["x"]) == -sym("x") ** 2


def test_keyword_named_variable():
    assert parse_expression("lambda*2", ["lambda"]) == 2 * sym("lambda")


def test_round_trip_text():
    expression = parse_expression("q1*q2/(4*pi*epsilon*r**2)", ["q1", "q2", "epsilon", "r"])
    assert parse_expression(to_text(expression), ["q1", "q2", "epsilon", "r"]) == expression
    assert "\\frac" in to_latex(expression)
    assert to_mathml(expression).startswith("<math")


HOSTILE = [
    "__import__('os').system('x')",
    "x.__class__",
    "x.__class__.__bases__[0].__subclasses__()",
    "(lambda: 1)()",
    "lambda x: x",
    "x[0]",
    "[x for x in ()]",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('import os')",
    "getattr(x, 'real')",
    "__builtins__",
    "x if x else x",
    "'text'",
    "x; import os",
    "exp(x, y=1)",
    "{x: 1}",
    "x == 1",
    "True",
    "1e400000000",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_refused(text):
    with pytest.raises(ExpressionError):
        parse_expression(text, ["x"])


def test_unknown_name_lists_valid_variables():
    with pytest.raises(ExpressionError, match=r"unknown name 'y'.*valid variables: x"):
        parse_expression("x + y", ["x"])


def test_ten_megabyte_string_is_refused_quickly():
    with pytest.raises(ExpressionError, match="characters long"):
        parse_expression("x+" * 5_000_000 + "x", ["x"])


def test_deep_nesting_is_refused():
    with pytest.raises(ExpressionError):
        parse_expression("(" * 1000 + "x" + ")" * 1000, ["x"])
    with pytest.raises(ExpressionError):
        parse_expression("-" * 5000 + "x", ["x"])


def test_huge_exponent_is_refused():
    with pytest.raises(ExpressionError, match="exponent"):
        parse_expression("x**100000", ["x"])


def test_simple_numbers_find_closed_forms():
    assert simple_numbers(0.0795774715459477)[0] == 1 / (4 * sympy.pi)
    assert simple_numbers(0.3989422804014327)[0] == 1 / sympy.sqrt(2 * sympy.pi)
    assert simple_numbers(-0.5)[0] == sympy.Rational(-1, 2)


def test_snap_constants_drops_tiny_and_rounds():
    x = sym("x")
    snapped = snap_constants(sympy.Float(1e-9) + sympy.Float(6.2831853071) * x)
    assert snapped == 2 * sympy.pi * x


def test_as_expression_takes_sympy_and_numbers_but_never_text():
    from physlens.expr import as_expression

    x = sym("x")
    assert as_expression(2 * x) == 2 * x
    assert as_expression(3) == sympy.Integer(3)
    assert as_expression(0.5) == sympy.Float(0.5)
    with pytest.raises(ExpressionError, match="parse_expression"):
        as_expression("__import__('os').system('x')")


def test_simple_numbers_count_the_bits_of_a_fraction():
    # pi**2 (II.24.17) is simpler than 79/8, the nearest fraction with denominator <= 12
    assert simple_numbers(-9.87)[1] == -sympy.pi**2
    # 3/(4 pi), 0.01% away, comes before 1/4, fewer bits but 5% away
    assert simple_numbers(0.2387)[1] == 3 / (4 * sympy.pi)


def test_complex_values_of_a_law_are_not_read_as_their_real_part():
    x = sympy.Symbol("x", real=True)
    columns = np.array([[1.0], [2.0], [4.0]])
    # sympy keeps (-1)**(1/3) as the principal (complex) cube root; numpy evaluates it so
    complex_law = x * sympy.Integer(-1) ** sympy.Rational(1, 3)
    assert np.all(np.isnan(real_values(to_function(complex_law, ["x"])(*columns.T), 3)))
    # a real law passes unchanged, a constant is broadcast, round-off imaginary parts go
    assert np.allclose(real_values(to_function(x**2, ["x"])(*columns.T), 3), [1, 4, 16])
    assert np.allclose(real_values(2.5, 3), [2.5, 2.5, 2.5])
    assert np.allclose(real_values(np.array([1 + 1e-17j, 2 + 0j]), 2), [1, 2])
