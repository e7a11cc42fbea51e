"""The Feynman benchmark: every (equation, method, noise, seed) is one record in the
results store; an interrupted run resumes where it stopped; tables are built from
records, never from reruns (SRBench's discipline)."""

from __future__ import annotations

import math
import time
from typing import Callable, Iterable

import numpy as np

from physlens.bench.engines import engine
from physlens.bench.store import Result, ResultsStore
from physlens.data.feynman import feynman_equations, simulate_feynman
from physlens.expr import to_text
from physlens.validate.fit import r2_score
from physlens.validate.symbolic import exact_match, predicts

TEST_ROWS = 2_000
# Negative controls: the honest answer is found = false.
CONTROLS = ("control-noise", "control-nolaw")


def simulate_control(kind: str, *, n_samples: int, rng) -> "Dataset":
    """A pure-noise target, or a smooth target with no compact law (a sum of 30 random
    Fourier features of three inputs). No units: nothing for dimensional analysis to reject."""
    from physlens.data.dataset import Dataset, Truth, Variable

    rng = np.random.default_rng(rng)
    X = rng.uniform(1.0, 5.0, (n_samples, 3))
    if kind == "control-noise":
        y = rng.standard_normal(n_samples)
    elif kind == "control-nolaw":
        weights, phases, amplitudes = rng.normal(0, 1.5, (3, 30)), rng.uniform(0, 2 * np.pi, 30), rng.normal(0, 1, 30)
        y = np.sin(X @ weights + phases) @ amplitudes
    else:
        raise ValueError(kind)
    names = ["u", "v", "w"]
    arrays = {n: X[:, i] for i, n in enumerate(names)} | {"y": y}
    variables = tuple(Variable(n) for n in names) + (Variable("y", role="target"),)
    return Dataset(arrays, variables, truth=Truth(notes="no law"), provenance={"simulator": kind}, name=kind)


def run_feynman(
    store: ResultsStore,
    *,
    equations: Iterable[str] | None = None,
    noises: Iterable[float] = (0.0,),
    seeds: Iterable[int] = (0,),
    methods: Iterable[str] = ("physlens", "operon"),
    budget: float = 60.0,
    n_samples: int = 10_000,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Run what the store does not hold yet; returns how many records were written."""
    equations = list(equations) if equations else list(feynman_equations())
    known = set(feynman_equations()) | set(CONTROLS)
    unknown = [e for e in equations if e not in known]
    if unknown:
        from physlens.errors import ParameterError

        raise ParameterError(f"unknown equation {unknown[0]!r}; valid: Feynman ids such as I.6.2a, or {', '.join(CONTROLS)}")
    methods = list(methods)
    for name in methods:
        engine(name)  # unknown names fail before any work
    written = 0
    for identifier in equations:
        for noise in noises:
            for seed in seeds:
                dataset = None
                for method in methods:
                    parameters = {"budget": budget, "n_samples": n_samples}
                    probe = Result(f"feynman:{identifier}", "", method, parameters, seed, noise, None, {}, [])
                    if store.has(probe):
                        continue
                    if dataset is None and identifier in CONTROLS:
                        dataset = simulate_control(identifier, n_samples=n_samples + TEST_ROWS, rng=seed)
                    elif dataset is None:
                        dataset = simulate_feynman(identifier, n_samples=n_samples + TEST_ROWS, noise=noise, rng=seed)
                    if progress:
                        progress(f"{identifier} noise={noise:g} seed={seed} {method}")
                    store.record(_run_one(dataset, identifier, method, parameters, seed, noise, budget, n_samples))
                    written += 1
    return written


def _run_one(dataset, identifier, method, parameters, seed, noise, budget, n_samples) -> Result:
    names = dataset.input_names
    X, y = dataset.X, dataset.y
    train, test = slice(0, n_samples), slice(n_samples, None)
    truth = dataset.truth.equations.get(dataset.target_name)
    units = dataset.units(names) if all(dataset.units(names)) else None
    y_unit = dataset.variable(dataset.target_name).unit if units else None
    start = time.perf_counter()
    error = None
    try:
        expression, extra = engine(method)(X[train], y[train], names, units, y_unit, budget, seed)
    except MemoryError:
        raise
    except Exception as failure:  # a peer crashing is a recorded outcome, not a harness bug
        expression, extra, error = None, {}, f"{type(failure).__name__}: {failure}"
    seconds = time.perf_counter() - start
    metrics: dict = {"exact": False, "r2_test": None, "complexity": None, "error": error}
    if expression is not None and truth is None:  # negative control: only the claim is scored
        metrics["r2_test"] = r2_score(y[test], predicts(expression, names, X[test]))
        metrics["claimed_law"] = extra.get("found")
    elif expression is not None:
        # test rows are noise-free: the question is whether the law is right
        clean = np.asarray(predicts(truth, names, X[test]), dtype=float)
        metrics["r2_test"] = r2_score(clean, predicts(expression, names, X[test]))
        metrics["exact"] = bool(exact_match(expression, truth))
        from physlens.expr import count_complexity

        metrics["complexity"] = count_complexity(expression)
    metrics.update({k: v for k, v in extra.items() if k not in metrics})
    return Result(
        task=f"feynman:{identifier}", dataset_fingerprint=dataset.fingerprint(), method=method, parameters=parameters,
        seed=seed, noise=noise, found=extra.get("found"),
        interpretation={"equation": to_text(expression) if expression is not None else None,
                        "truth": to_text(truth) if truth is not None else None},
        verdicts=[], metrics=metrics, timings={"total": seconds},
    )


def leaderboard(store: ResultsStore, *, task_prefix: str = "feynman:"):
    """(summary DataFrame per method and noise, misses DataFrame) from stored records."""
    import pandas as pd

    rows = []
    for row in store.rows():
        if not row["task"].startswith(task_prefix):
            continue
        r2 = row["metrics"].get("r2_test")
        rows.append({
            "equation": row["task"][len(task_prefix):], "method": row["method"], "noise": row["noise"], "seed": row["seed"],
            "exact": bool(row["metrics"].get("exact")), "r2_test": r2 if r2 is not None and math.isfinite(r2) else float("-inf"),
            "seconds": row["timings"].get("total"), "equation_found": row["interpretation"].get("equation"),
            "truth": row["interpretation"].get("truth"), "error": row["metrics"].get("error"),
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame, frame
    frame = frame[~frame["equation"].isin(CONTROLS)]
    summary = frame.groupby(["method", "noise"]).agg(
        runs=("exact", "size"), exact_pct=("exact", lambda s: 100 * s.mean()),
        r2_above_0999_pct=("r2_test", lambda s: 100 * (s > 0.999).mean()), median_seconds=("seconds", "median"),
    ).reset_index()
    misses = frame[~frame["exact"]].sort_values(["method", "noise", "equation"])
    return summary, misses


def negative_controls(store: ResultsStore):
    """How often each method claimed a law on a negative control (physlens reports
    ``found``; peers always return a formula, so every peer answer is a claim)."""
    import pandas as pd

    rows = []
    for row in store.rows():
        kind = row["task"].split(":", 1)[1]
        if kind in CONTROLS:
            claimed = row["found"] if row["found"] is not None else True
            rows.append({"control": kind, "method": row["method"], "noise": row["noise"], "seed": row["seed"],
                         "claimed_law": bool(claimed), "r2_test": row["metrics"].get("r2_test"),
                         "equation": row["interpretation"].get("equation")})
    return pd.DataFrame(rows)
