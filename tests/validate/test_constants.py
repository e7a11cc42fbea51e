"""Constants that carry units: where a law needs them, and CODATA identification."""

import math

import numpy as np
import scipy.constants as codata
import sympy

from physlens.units import DIMENSIONLESS, SOLAR_MASS_PARAMETER, parse_unit, parse_unit_with_factor
from physlens.validate.constants import constants_with_units, identify_constant, unit_terms


def test_kepler_constant_in_au_and_years_is_named():
    dimension, factor = parse_unit_with_factor("yr/au^(3/2)")
    found, how = identify_constant(0.99947 * factor, 0.00034 * factor, dimension)
    assert found is not None and found.text == "2π/√(G·M_sun)"
    assert math.isclose(found.value, 2 * math.pi / math.sqrt(SOLAR_MASS_PARAMETER), rel_tol=1e-12)
    assert "searched" in how and found.chance < 0.05


def test_coulomb_constant_and_single_constants_are_named_in_si():
    k_e = 1 / (4 * math.pi * codata.epsilon_0)
    assert identify_constant(k_e * (1 + 3e-5), 1e-4 * k_e, parse_unit("V*m/C"))[0].text == "1/(4π·ε0)"
    assert identify_constant(codata.k, 1e-4 * codata.k, parse_unit("J/K"))[0].text == "k_B"
    assert identify_constant(-codata.k, 1e-4 * codata.k, parse_unit("J/K"))[0].text == "-k_B"
    assert identify_constant(codata.sigma, 1e-4 * codata.sigma, parse_unit("W/(m^2*K^4)"))[0].text == "σ"


def test_a_constant_that_matches_nothing_is_not_named():
    found, how = identify_constant(1.2345e-3, 1e-7, parse_unit("m/s"))
    assert found is None and "matches no product" in how
    # the same value as k_B in other units matches nothing either: units must agree
    assert identify_constant(codata.k, 1e-4 * codata.k, parse_unit("m/s"))[0] is None


def test_look_elsewhere_guard_refuses_loose_matches():
    # 1/(4 pi eps0) known to only 1%: products of its units as simple lie that close by chance
    k_e = 1 / (4 * math.pi * codata.epsilon_0)
    found, how = identify_constant(k_e, 1e-2 * k_e, parse_unit("V*m/C"))
    assert found is None and "by chance" in how


def test_random_constants_are_rarely_named():
    rng = np.random.default_rng(0)
    named = sum(identify_constant(v, 1e-5 * v, parse_unit("m/s"))[0] is not None for v in 10 ** rng.uniform(-12, 12, 100))
    assert named <= 2


def test_dimensionless_constants_are_not_matched_here():
    assert identify_constant(0.5, 1e-6, DIMENSIONLESS)[0] is None


def test_unit_terms_give_each_part_the_units_its_constant_needs():
    a, T = sympy.symbols("a T", positive=True)
    dims = {"a": parse_unit("m")}
    target = parse_unit("s")
    terms = unit_terms(a ** sympy.Rational(3, 2), dims, target)
    assert len(terms) == 1 and terms[0].dimension == parse_unit("s/m^(3/2)")
    assert constants_with_units(a ** sympy.Rational(3, 2), dims, target) == 1
    assert constants_with_units(2.0 * a**2 + a, dims, target) == 2  # two parts, two constants
    assert constants_with_units(sympy.sin(a), dims, target) is None  # no constant outside repairs sin(length)
    assert constants_with_units(a, {"a": parse_unit("s")}, target) == 0
    assert constants_with_units(a, None, None) is None
    # Rayleigh-Jeans with its first correction, as the search writes it: nu**2*(a*T - b*nu)
    nu, temperature = sympy.symbols("nu T", positive=True)
    law = nu**2 * (3.07e-40 * temperature - 7.37e-51 * nu)
    assert constants_with_units(law, {"nu": parse_unit("Hz"), "T": parse_unit("K")}, parse_unit("W/(m^2*Hz)")) == 2
