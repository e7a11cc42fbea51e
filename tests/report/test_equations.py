"""The one equation printer: derivatives, one aligned table, honest digits, short forms."""

import sympy

from physlens.report.equations import (
    equation_text,
    equations_json,
    equations_latex,
    equations_mathml,
    format_number,
    tidy,
)

x, v, px, py, y = sympy.symbols("x v px py y", real=True)
OSCILLATOR = {"x": sympy.Float(1.00020048821177) * v,
              "v": -sympy.Float(0.200277844170361) * v - sympy.Float(3.99745631716417) * x}


def test_numbers_keep_the_digits_their_uncertainty_supports():
    assert format_number(0.200277844, 0.0004) == "0.2003"
    assert format_number(3.99745631, 0.012) == "3.997"  # an uncertainty starting with 1 keeps two digits
    assert format_number(3.99745631, 0.03) == "4.00"
    assert format_number(1234.5, 170) == "1.23e3"  # no trailing zeros that look like digits
    assert format_number(-2.54, 0.3) == "-2.5"
    assert format_number(1.00020048821177) == "1.000"  # unknown uncertainty: four significant digits
    assert format_number(1.2345e-7) == "1.235e-7"


def test_a_system_is_one_aligned_table_with_derivatives_on_the_left():
    mathml = equations_mathml(OSCILLATOR, kind="dynamics")
    assert mathml.count("<math") == 1 and mathml.count("<mtr>") == 2
    assert "<mfrac><mrow><mi mathvariant='normal'>d</mi><mi>x</mi></mrow>" in mathml
    assert "<mn>1.000</mn>" in mathml and "<mn>0.2003</mn>" in mathml and "3.99745" not in mathml
    assert equation_text("v", OSCILLATOR["v"], kind="dynamics") == "dv/dt = -0.2003·v - 3.997·x"
    assert equations_latex(OSCILLATOR, kind="dynamics").startswith("\\begin{aligned}\\frac{d x}{dt} &= 1.000 v")


def test_uncertainty_sets_the_digits_and_json_keeps_every_digit():
    uncertainty = {"v": {"x": 0.03, "v": 0.0004}}
    assert equation_text("v", OSCILLATOR["v"], kind="dynamics", uncertainty=uncertainty) == "dv/dt = -0.2003·v - 4.00·x"
    payload = equations_json(OSCILLATOR, kind="dynamics", uncertainty=uncertainty)
    assert payload["v"]["expression"] == "-0.200277844170361*v - 3.99745631716417*x"
    assert payload["v"]["uncertainty"] == {"x": 0.03, "v": 0.0004} and payload["x"]["uncertainty"] is None
    assert payload["v"]["left"] == "dv/dt"


def test_sums_are_factored_where_that_is_shorter_and_names_subscripted():
    energy = (px**2 + py**2) / 2 + x**4 / 4 + x**2 * y**2 / 2 + y**4 / 4
    assert equation_text("E", sympy.expand(energy)) == "E = (p_x² + p_y²)/2 + (x² + y²)²/4"
    assert equation_text("E", sympy.expand(2 * energy)) == "E = p_x² + p_y² + (x² + y²)²/2"
    assert tidy(x + v) == x + v  # nothing to gain: unchanged
    assert "<msub><mi>p</mi><mi>x</mi></msub>" in equations_mathml({"E": energy})
