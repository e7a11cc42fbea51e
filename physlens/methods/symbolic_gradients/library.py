"""The library of terms symbolic gradients searches over: monomials up to a degree, extra
terms, and logs of positive variables, with their values and Jacobians."""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import sympy

from physlens.errors import ParameterError
from physlens.expr import parse_expression, symbols_for


class TermLibrary:
    """Monomials of degree 1..max_degree plus extra terms and logs of the variables named
    in ``log_variables``, with values and Jacobians."""

    def __init__(self, names: Sequence[str], max_degree: int, extra_terms: Sequence[str], log_variables: Sequence[str] = ()):
        self.names = list(names)
        symbols = symbols_for(self.names)
        self.symbols = [symbols[n] for n in self.names]
        d = len(self.names)
        self.exponents: list[tuple[int, ...]] = []
        for degree in range(1, max_degree + 1):
            for combo in itertools.combinations_with_replacement(range(d), degree):
                powers = [0] * d
                for index in combo:
                    powers[index] += 1
                self.exponents.append(tuple(powers))
        self.expressions: list[sympy.Expr] = [sympy.Mul(*[s**p for s, p in zip(self.symbols, e)]) for e in self.exponents]
        self.degrees = [sum(e) for e in self.exponents]
        self.extra = [parse_expression(text, self.names) for text in extra_terms]
        for text, expression in zip(extra_terms, self.extra):
            if not expression.free_symbols:
                raise ParameterError(f"SymbolicGradients: extra term {text!r} has no variable; gradients of constants vanish")
        self.logs = [sympy.log(symbols[n]) for n in log_variables]
        self.extra += self.logs
        self.expressions += self.extra
        # an extra term counts as degree 1, so it joins the search at the first level
        self.degrees += [1] * len(self.extra)
        self._extra_value = [sympy.lambdify(self.symbols, e, "numpy") for e in self.extra]
        self._extra_grad = [[sympy.lambdify(self.symbols, sympy.diff(e, s), "numpy") for s in self.symbols] for e in self.extra]

    def __len__(self) -> int:
        return len(self.expressions)

    def closed_form(self, coefficients: Sequence[sympy.Expr], terms: Sequence[int]) -> sympy.Expr:
        """sum c_k phi_k; a sum of logs only is returned as the power law prod x^c it is a
        monotone map of, with the smallest integer exponents when the c are rational."""
        expressions = [self.expressions[t] for t in terms]
        if not all(e in self.logs for e in expressions):
            return sympy.Add(*[c * e for c, e in zip(coefficients, expressions)])
        exponents = list(coefficients)
        if all(c.is_Rational for c in exponents):
            exponents = [c * sympy.ilcm(*[sympy.Rational(c).q for c in exponents]) for c in exponents]
        return sympy.Mul(*[e.args[0] ** c for c, e in zip(exponents, expressions)])

    def values(self, X: np.ndarray) -> np.ndarray:
        exponents = np.array(self.exponents, dtype=float).reshape(-1, X.shape[1])
        monomials = np.prod(X[:, None, :] ** exponents[None], axis=2)
        extra = [np.broadcast_to(f(*X.T), (X.shape[0],)) for f in self._extra_value]
        return np.column_stack([monomials] + extra) if extra else monomials

    def jacobian(self, X: np.ndarray) -> np.ndarray:
        """(n, d, K): derivative of every term with respect to every variable."""
        n, d = X.shape
        exponents = np.array(self.exponents, dtype=int).reshape(-1, d)
        jac = np.zeros((n, d, len(self)))
        for j in range(d):
            lowered = exponents.copy()
            lowered[:, j] -= 1
            has = exponents[:, j] > 0
            powered = np.prod(np.where(lowered[None] >= 0, X[:, None, :] ** np.maximum(lowered, 0)[None], 1.0), axis=2)
            jac[:, j, : len(exponents)] = np.where(has[None], exponents[:, j][None] * powered, 0.0)
        for k, grads in enumerate(self._extra_grad):
            for j, g in enumerate(grads):
                jac[:, j, len(exponents) + k] = np.broadcast_to(g(*X.T), (n,))
        return jac
