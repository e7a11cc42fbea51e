"""Feature libraries: pysindy's columns and compiled terms agree with the sympy terms."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from physlens.errors import ParameterError
from physlens.expr import symbols_for
from physlens.methods.dynamics.libraries import TermLibrary, candidate_terms


def test_evaluate_batched_and_expression_agree():
    states = ["x", "y"]
    symbols = symbols_for(states)
    terms = candidate_terms(2, True, ["x/(x**2 + y**2)**1.5"], states, symbols)
    assert len(terms) == 6 + 4 + 1  # 1, x, y, x^2, xy, y^2; sin/cos of each; the custom term
    library = TermLibrary(tuple(states), 2, True, tuple(terms))
    X = np.random.default_rng(0).uniform(0.5, 2.0, (50, 2))
    expected = np.column_stack([np.broadcast_to(float(sympy.lambdify(list(symbols.values()), t)(*X.T)), 50)
                                if t.is_Number else sympy.lambdify(list(symbols.values()), t)(*X.T) for t in terms])
    assert np.allclose(library.evaluate(X), expected)
    assert np.allclose(library.batched()(X[None]), expected[None])
    coef = np.zeros(len(terms))
    coef[[1, -1]] = [2.0, -0.5]
    assert sympy.simplify(library.expression(coef) - (2 * symbols["x"] - 0.5 * terms[-1])) == 0


def test_a_term_in_unknown_names_is_refused_naming_it():
    with pytest.raises(ParameterError, match="terms: 'q\\*x'"):
        candidate_terms(1, False, ["q*x"], ["x"], symbols_for(["x"]))
