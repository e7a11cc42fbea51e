"""Feature libraries: the candidate terms of each right-hand side, on pysindy's
``PolynomialLibrary`` and ``FourierLibrary`` plus terms the user writes as expressions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import sympy

from physlens.errors import ExpressionError, ParameterError


def builtin_terms(degree: int, trig: bool, states: Sequence[str], symbols: Mapping[str, sympy.Symbol]
                  ) -> list[tuple[str, sympy.Expr]]:
    """[(kind, term)] in pysindy's column order: monomials up to ``degree`` ("poly"), then
    sin and cos of each state ("trig")."""
    import pysindy as ps

    probe = np.zeros((2, len(states)))
    polynomial = ps.PolynomialLibrary(degree=degree, include_bias=True).fit(probe)
    terms: list[tuple[str, sympy.Expr]] = []
    syms = [symbols[s] for s in states]
    for powers in polynomial.powers_:
        terms.append(("poly", sympy.Mul(*[sym**int(p) for sym, p in zip(syms, powers)])))
    if trig:
        for sym in syms:  # FourierLibrary's order: sin(x0), cos(x0), sin(x1), ...
            terms += [("trig", sympy.sin(sym)), ("trig", sympy.cos(sym))]
    return terms


def candidate_terms(degree: int, trig: bool, texts: Sequence[str], states: Sequence[str],
                    symbols: Mapping[str, sympy.Symbol]) -> list[sympy.Expr]:
    """The built-in terms, then the user's ``texts`` parsed in the state names."""
    return [term for _, term in builtin_terms(degree, trig, states, symbols)] + user_terms(texts, states)


def user_terms(texts: Sequence[str], variables: Sequence[str]) -> list[sympy.Expr]:
    """The user's extra terms parsed (restricted parser) in the variable names."""
    from physlens.expr import parse_expression

    terms = []
    for text in texts:
        try:
            terms.append(parse_expression(text, list(variables)))
        except ExpressionError as error:
            raise ParameterError(f"terms: {text!r} is not a valid term in {', '.join(variables)}: {error}") from None
    return terms


@dataclass(frozen=True)
class TermLibrary:
    """The library a model was fitted on: its terms in the state names."""

    states: tuple[str, ...]
    degree: int
    trig: bool
    terms: tuple[sympy.Expr, ...]

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """Library matrix at states X: pysindy computes the polynomial and Fourier parts."""
        import pysindy as ps

        from physlens.expr import real_values, to_function

        states = list(self.states)
        poly = np.asarray(ps.PolynomialLibrary(degree=self.degree, include_bias=True).fit_transform(X))
        builtin = builtin_terms(self.degree, self.trig, states, {s: sympy.Symbol(s, real=True) for s in states})
        lookup = {sympy.srepr(t): j for j, (kind, t) in enumerate(builtin) if kind == "poly"}
        trig = np.asarray(ps.FourierLibrary(n_frequencies=1).fit_transform(X)) if self.trig else None
        trig_lookup = {sympy.srepr(t): j - len(lookup) for j, (kind, t) in enumerate(builtin) if kind == "trig"}
        columns = []
        for term in self.terms:
            key = sympy.srepr(term)
            if key in lookup:
                columns.append(poly[:, lookup[key]])
            elif trig is not None and key in trig_lookup:
                columns.append(trig[:, trig_lookup[key]])
            else:
                with np.errstate(all="ignore"):
                    columns.append(real_values(to_function(term, states)(*X.T), len(X)))
        return np.column_stack(columns)

    def batched(self) -> Callable[[np.ndarray], np.ndarray]:
        """Library at states of any leading shape (..., n_states) -> (..., n_terms), one
        compiled numpy function (fast inside an integrator)."""
        from physlens.expr import to_function

        function = to_function(list(self.terms), list(self.states))
        n_terms = len(self.terms)

        def library(Y: np.ndarray) -> np.ndarray:
            out = np.empty(Y.shape[:-1] + (n_terms,))
            with np.errstate(all="ignore"):
                for j, value in enumerate(function(*np.moveaxis(Y, -1, 0))):
                    out[..., j] = value  # constants broadcast
            return out

        return library

    def expression(self, coefficients: np.ndarray) -> sympy.Expr:
        """sum_j c_j term_j over the nonzero coefficients."""
        return sympy.Add(*[sympy.Float(float(c)) * t for c, t in zip(coefficients, self.terms) if c != 0])
