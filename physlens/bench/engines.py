"""Symbolic-regression engines the Feynman benchmark compares, each a short adapter:
``fit(X, y, names, X_units, y_units, budget, seed, threads, evaluations=None) -> (sympy expression, extras)``;
``threads`` None means all cores; ``evaluations`` (engines in EVALUATION_ENGINES) bounds the
search by that many model evaluations instead of by the clock, so a seed gives the same
answer on any machine.

physlens runs as a user would run it; the peers are configured as a user who knows
them would (plain pyoperon per FIELD_NOTES: constants tuned, two objectives, selection
by error), plus pyoperon at its defaults and gplearn for reference, plus physlens
ablations with one physics component switched off."""

from __future__ import annotations

import os
import time
import warnings
from typing import Callable

import numpy as np
import sympy

from physlens.errors import ParameterError
from physlens.expr import parse_expression, symbols_for


def _physlens(**options) -> Callable:
    def fit(X, y, names, X_units, y_units, budget, seed, threads=None, evaluations=None):
        from physlens.methods.symbolic import SymbolicRegressor

        method = SymbolicRegressor(budget=budget, evaluations=evaluations, random_state=seed, n_threads=threads, **options)
        method.fit(X, y, names=names, X_units=X_units, y_units=y_units)
        # a stated limit (the data cannot tell the law from it) and the columns judged irrelevant, where the method says
        limits = [v.name for v in method.verdicts_ if "limit" in v.name and v.passed is not False]
        return method.equation_, {"found": method.found_, "r2_test": method.r2_test_, "limits_stated": limits,
                                  "irrelevant_columns": list(getattr(method, "irrelevant_columns_", None) or [])}

    return fit


def _operon(configured: bool) -> Callable:
    def fit(X, y, names, X_units, y_units, budget, seed, threads=None, evaluations=None):
        from pyoperon.sklearn import SymbolicRegressor as Operon

        options = dict(max_time=max(1, int(budget)), random_state=seed, n_threads=threads or os.cpu_count() or 1)
        if configured:
            options.update(
                allowed_symbols="add,sub,mul,div,constant,variable,sqrt,exp,log,sin,cos",
                objectives=["r2", "length"], optimizer_iterations=10,
                model_selection_criterion="mean_squared_error", generations=10**6, max_evaluations=10**12,
            )
        if evaluations is not None:  # bounded by work: one thread and no clock, so a seed gives one answer
            options.update(max_evaluations=int(evaluations), max_time=10**6, generations=10**6, n_threads=1)
        engine = Operon(**options)
        with np.errstate(all="ignore"):
            engine.fit(X, y)
        safe = [f"v{i}" for i in range(len(names))]
        with warnings.catch_warnings():  # a constant model is a legitimate (poor) answer
            warnings.filterwarnings("ignore", message="Model contains no variables")
            text = engine.get_model_string(engine.model_, 17, safe)
        expression = parse_expression(text, safe)
        return expression.xreplace(dict(zip(symbols_for(safe).values(), symbols_for(names).values()))), {}

    return fit


_GPLEARN = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "sqrt": lambda a: sympy.sqrt(sympy.Abs(a)), "log": lambda a: sympy.log(sympy.Abs(a)), "neg": lambda a: -a,
    "inv": lambda a: 1 / a, "sin": sympy.sin, "cos": sympy.cos,
}


def _gplearn_to_sympy(program, symbols):
    """gplearn's prefix program -> sympy (protected operators read as plain ones, as SRBench does)."""
    stack: list[list] = []
    for node in program:
        if hasattr(node, "arity"):
            stack.append([node])
        else:
            value = symbols[node] if isinstance(node, (int, np.integer)) else sympy.Float(node)
            if not stack:  # the whole program is one variable or constant
                return value
            stack[-1].append(value)
        while stack and len(stack[-1]) - 1 == stack[-1][0].arity:
            function, *args = stack.pop()
            result = _GPLEARN[function.name](*args)
            if not stack:
                return result
            stack[-1].append(result)
    return stack[0][0] if stack else sympy.Integer(0)


def _gplearn(X, y, names, X_units, y_units, budget, seed, threads=None, evaluations=None):  # one thread; no evaluation budget
    from gplearn.genetic import SymbolicRegressor as GPlearn

    engine = GPlearn(population_size=1000, generations=1, warm_start=True, random_state=seed,
                     function_set=tuple(_GPLEARN), parsimony_coefficient=0.001, n_jobs=1)
    start = time.perf_counter()
    generations = 0
    # gplearn has no time budget: grow the number of generations until the budget is spent
    while time.perf_counter() - start < budget and generations < 10_000:
        generations += 1
        engine.set_params(generations=generations)
        with np.errstate(all="ignore"):
            engine.fit(X, y)
    return _gplearn_to_sympy(engine._program.program, list(symbols_for(names).values())), {"generations": generations}


ENGINES: dict[str, Callable] = {
    "physlens": _physlens(),
    "physlens-no-units": _physlens(use_units=False),
    "physlens-no-structure": _physlens(use_structure=False),
    "physlens-no-enumeration": _physlens(use_enumeration=False),
    "physlens-no-separability": _physlens(use_separability=False),
    "operon": _operon(configured=True),
    "operon-default": _operon(configured=False),
    "gplearn": _gplearn,
}


# engines that can bound a search by model evaluations instead of the clock
EVALUATION_ENGINES = tuple(name for name in ENGINES if name != "gplearn")


def engine(name: str) -> Callable:
    if name not in ENGINES:
        raise ParameterError(f"unknown method {name!r}; valid: {', '.join(ENGINES)}")
    return ENGINES[name]
