"""The genetic-programming backend: Operon (Burlacu, Kronberger & Kommenda 2020), a C++
engine with tuned constants over an accuracy/length Pareto front, imported lazily."""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import sympy

from physlens.expr import parse_expression


def operon_laws(Z: np.ndarray, target: np.ndarray, z_names: list[str], rng: np.random.Generator, deadline: float, *,
                functions: str, max_length: int, evaluations: int | None, n_threads: int | None) -> list[sympy.Expr]:
    """The Pareto front of a genetic search (Operon) for target = f(Z), as sympy laws in
    ``z_names``. Bounded by ``evaluations`` (one thread, reproducible) when given, else
    by the clock until ``deadline``."""
    from pyoperon.sklearn import SymbolicRegressor as Operon

    seconds = max(1, int(deadline - time.perf_counter()))
    reproducible = evaluations is not None
    threads = 1 if reproducible else (n_threads or os.cpu_count() or 1)
    engine = Operon(
        allowed_symbols="add,sub,mul,div,constant,variable," + ",".join(f.strip() for f in functions.split(",") if f.strip()),
        objectives=["r2", "length"],
        optimizer_iterations=10,
        model_selection_criterion="mean_squared_error",
        max_length=int(max_length),
        population_size=500,
        pool_size=500,
        generations=10**6,
        max_evaluations=int(evaluations) if reproducible else 10**12,
        max_time=10**6 if reproducible else seconds,
        n_threads=threads,
        random_state=int(rng.integers(2**31)),
    )
    with np.errstate(all="ignore"):
        engine.fit(Z, target)
    expressions = []
    for model in engine.pareto_front_:
        with warnings.catch_warnings():  # a constant model is a legitimate candidate
            warnings.filterwarnings("ignore", message="Model contains no variables")
            text = engine.get_model_string(model["tree"], 17, z_names)
        try:
            expressions.append(parse_expression(text, z_names))
        except Exception:  # an engine string our parser refuses is skipped, not trusted
            continue
    return expressions
