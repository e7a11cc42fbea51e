"""Properties of constant snapping and simplification, over many constants instead of
the few a past benchmark miss happened to produce."""

import numpy as np
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from physlens.expr import snap_constants
from physlens.methods.symbolic import snap_on_data
from physlens.methods.symbolic.simplification import simplify_law
from physlens.validate.symbolic import exact_match

x, y = sympy.symbols("x y", real=True)
# simple numbers p/q and p/q*pi, as laws carry them (3/5, 2*pi, 3/(4*pi))
simple = st.builds(
    lambda p, q, base: sympy.Rational(p, q) * base,
    st.integers(1, 12), st.integers(1, 6), st.sampled_from([sympy.Integer(1), sympy.pi, 1 / sympy.pi]),
)
few = settings(max_examples=25, deadline=None, derandomize=True)


@few
@given(simple, st.floats(-1e-9, 1e-9))
def test_snapping_returns_the_simple_number_a_constant_is_within_round_off_of(number, relative_error):
    fitted = sympy.Float(float(number) * (1 + relative_error), 17) * x
    assert snap_constants(fitted) == number * x


@few
@given(simple, st.floats(-1e-6, 1e-6))
def test_snapping_on_exact_data_recovers_the_simple_constant(number, relative_error):
    # as precise as a fit on exact data is (a constant off by 1e-3 is nearer 22 than 7*pi,
    # and the data cannot refuse the simpler number against so poor a fit)
    rng = np.random.default_rng(0)
    X = rng.uniform(1, 3, (200, 1))
    target = float(number) * X[:, 0] ** 2
    fitted = sympy.Float(float(number) * (1 + relative_error), 17) * x**2
    snapped = snap_on_data(fitted, ["x"], (X[:100], target[:100]), (X[100:], target[100:]))
    assert snapped == number * x**2


@few
@given(st.floats(0.1, 10.0), st.floats(-1e-6, 1e-6), st.floats(-1e-6, 1e-6))
def test_any_product_of_fitted_factors_collapses(outer, error_1, error_2):
    # a fit returns c*m*(c1*k + c2*k*x) with c*c1 and c*c2 one up to round-off: exact
    m, k, x_ = (sympy.Symbol(n, real=True) for n in ("m", "k", "x"))
    inner = 1 / outer
    model = sympy.Float(outer, 17) * m * (sympy.Float(inner * (1 + error_1), 17) * k + sympy.Float(inner * (1 + error_2), 17) * k * x_)
    assert exact_match(model, m * k * (1 + x_))


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.floats(1e-3, 1e3), st.integers(1, 40))
def test_constants_equal_to_round_off_become_one_and_factor(constant, ulps):
    # a fit gives sqrt(c*x**2 + c'*y**2) with c' a few ulps from c (II.6.15a): one
    # constant, so that sqrt(c)*sqrt(x**2 + y**2) is seen
    twin = constant
    for _ in range(ulps):
        twin = float(np.nextafter(twin, np.inf))
    fitted = sympy.sqrt(sympy.Float(constant, 17) * x**2 + sympy.Float(twin, 17) * y**2)
    assert len(fitted.atoms(sympy.Float)) == 2
    assert exact_match(simplify_law(fitted), sympy.sqrt(x**2 + y**2), snap=False)
    assert len(simplify_law(fitted).atoms(sympy.Float)) == 1

