"""Known-answer tests of term_dimension / admissible_terms (library terms with units)."""

from __future__ import annotations

import pytest
import sympy

from physlens.errors import UnitError
from physlens.units import DIMENSIONLESS, parse_unit
from physlens.validate.dimensions import admissible_terms, expression_dimension, term_dimension

x, v, theta = sympy.symbols("x v theta", real=True)
DIMS = {"x": parse_unit("m"), "v": parse_unit("m/s"), "theta": DIMENSIONLESS}


def test_products_and_powers_carry_dimensions():
    assert term_dimension(x * v, DIMS) == parse_unit("m^2/s")
    assert term_dimension(x**2 / v, DIMS) == parse_unit("m*s")
    assert term_dimension(x**1.5, DIMS) == parse_unit("m^1.5")
    assert term_dimension(sympy.Integer(1), DIMS) == DIMENSIONLESS
    assert term_dimension(sympy.Abs(v) * v, DIMS) == parse_unit("m^2/s^2")


def test_functions_of_dimensional_quantities_are_inadmissible():
    assert term_dimension(sympy.sin(x), DIMS) is None
    assert term_dimension(sympy.cos(theta), DIMS) == DIMENSIONLESS
    assert term_dimension(theta**x, DIMS) is None
    assert term_dimension(sympy.exp(x) + x, DIMS) is None  # inadmissible before unlike


def test_a_sum_of_unlike_dimensions_is_a_unit_error_for_terms_and_none_for_laws():
    with pytest.raises(UnitError, match="adds quantities of different dimensions"):
        term_dimension(x + v, DIMS)
    assert expression_dimension(x + v, DIMS) is None


def test_admissible_terms_splits_the_library():
    terms = [sympy.Integer(1), x, sympy.sin(x), v * sympy.cos(theta), sympy.cos(v)]
    kept, dimensions, excluded = admissible_terms(terms, DIMS)
    assert kept == [0, 1, 3]
    assert dimensions == [DIMENSIONLESS, parse_unit("m"), parse_unit("m/s")]
    assert excluded == [sympy.sin(x), sympy.cos(v)]
