"""The Feynman benchmark: every (equation, method, noise, seed) is one record in the
results store; an interrupted run resumes where it stopped; tables are built from
records, never from reruns (SRBench's discipline)."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from physlens.bench.engines import EVALUATION_ENGINES, engine
from physlens.bench.parallel import map_tasks
from physlens.bench.store import Result, ResultsStore
from physlens.data.feynman import feynman_equations, simulate_feynman
from physlens.errors import ParameterError
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


@dataclass(frozen=True)
class FeynmanRun:
    """One record to produce: an equation (or negative control) x method x noise x seed.
    Plain data, so it travels to Dask workers; the worker simulates its own dataset."""

    identifier: str
    method: str
    noise: float
    seed: int
    budget: float
    n_samples: int
    threads: int | None = None  # per engine; None: all cores (one run at a time)
    evaluations: int | None = None  # a search bounded by work, not the clock; None: by the budget

    @property
    def parameters(self) -> dict:
        # evaluations only when set, so the run keys of stores written before it existed still match
        evaluations = {} if self.evaluations is None else {"evaluations": self.evaluations}
        return {"budget": self.budget, "n_samples": self.n_samples, **evaluations}

    @property
    def run_key(self) -> str:
        return Result(f"feynman:{self.identifier}", "", self.method, self.parameters, self.seed, self.noise, None, {}, []).run_key

    @property
    def label(self) -> str:
        return _label(self.identifier, self.method, self.noise, self.seed)


def _label(identifier: str, method: str, noise: float, seed: int) -> str:
    return f"{identifier} {method} noise={noise:g} seed={seed}"


def plan_feynman(
    *,
    equations: Iterable[str] | None = None,
    noises: Iterable[float] = (0.0,),
    seeds: Iterable[int] = (0,),
    methods: Iterable[str] = ("physlens", "operon"),
    budget: float = 60.0,
    n_samples: int = 10_000,
    threads: int | None = None,
    evaluations: int | None = None,
) -> list[FeynmanRun]:
    """Every (equation, noise, seed, method) run, in that order; unknown names fail here,
    before any work. ``evaluations`` bounds each search by that many model evaluations
    (the same work on any machine) instead of by ``budget`` seconds."""
    equations = list(equations) if equations else list(feynman_equations())
    known = set(feynman_equations()) | set(CONTROLS)
    unknown = [e for e in equations if e not in known]
    if unknown:
        raise ParameterError(f"unknown equation {unknown[0]!r}; valid: Feynman ids such as I.6.2a, or {', '.join(CONTROLS)}")
    methods = list(methods)
    for name in methods:
        engine(name)
        if evaluations is not None and name not in EVALUATION_ENGINES:
            raise ParameterError(f"method {name!r} has no evaluation budget; with evaluations use {', '.join(EVALUATION_ENGINES)}")
    return [FeynmanRun(identifier, method, noise, seed, budget, n_samples, threads, evaluations)
            for identifier in equations for noise in noises for seed in seeds for method in methods]


def execute_run(run: FeynmanRun) -> Result:
    """Simulate the run's dataset and fit its engine (on whichever worker calls this)."""
    rows = run.n_samples + TEST_ROWS
    if run.identifier in CONTROLS:
        dataset = simulate_control(run.identifier, n_samples=rows, rng=run.seed)
    else:
        dataset = simulate_feynman(run.identifier, n_samples=rows, noise=run.noise, rng=run.seed)
    return _run_one(dataset, run.identifier, run.method, run.parameters, run.seed, run.noise, run.budget, run.n_samples,
                    run.threads, run.evaluations)


def record_runs(
    store: ResultsStore,
    runs: Sequence[FeynmanRun],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    on_record: Callable[[Result], None] | None = None,
    execute: Callable[[FeynmanRun], Result] = execute_run,
) -> int:
    """Run each of ``runs`` (in this process, on a local Dask cluster of ``workers``
    processes, or on the cluster at ``scheduler``) and write each record the moment it
    arrives; only this process touches the store. Returns how many were written.
    ``execute`` turns one run into its record (another benchmark passes its own)."""
    written = 0
    with contextlib.closing(map_tasks(execute, runs, workers=workers, scheduler=scheduler)) as finished:
        for done in finished:
            result = dataclasses.replace(done.result, worker=done.worker)
            store.record(result)
            written += 1
            if on_record:
                on_record(result)
    return written


def describe(result: Result) -> str:
    """One line for a finished record: which run, and what came of it."""
    identifier = result.task.split(":", 1)[1]
    outcome = "error" if result.metrics.get("error") else "exact" if result.metrics.get("exact") else "not exact"
    if identifier in CONTROLS:
        outcome = "law claimed" if result.found is not False else "no law claimed"
    return f"{_label(identifier, result.method, result.noise, result.seed)}: {outcome} ({result.timings.get('total', 0.0):.1f} s)"


def run_feynman(
    store: ResultsStore,
    *,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = True,
    **plan,
) -> int:
    """Run what the store does not hold yet of the runs ``plan_feynman(**plan)`` lists
    (equations, noises, seeds, methods, budget, n_samples, threads, evaluations); returns how many records
    were written. ``progress`` gets one line per finished record. With several local
    workers each engine gets one thread unless ``threads`` says otherwise."""
    plan.setdefault("threads", 1 if workers > 1 else None)
    pending = store.pending(plan_feynman(**plan), resume=resume)
    return record_runs(store, pending, workers=workers, scheduler=scheduler,
                       on_record=(lambda result: progress(describe(result))) if progress else None)


def _run_one(dataset, identifier, method, parameters, seed, noise, budget, n_samples, threads=None, evaluations=None) -> Result:
    names = dataset.input_names
    X, y = dataset.X, dataset.y
    train, test = slice(0, n_samples), slice(n_samples, None)
    truth = dataset.truth.equations.get(dataset.target_name)
    units = dataset.known_units([*names, dataset.target_name])
    units, y_unit = (units[:-1], units[-1]) if units else (None, None)
    start = time.perf_counter()
    error = None
    try:
        expression, extra = engine(method)(X[train], y[train], names, units, y_unit, budget, seed, threads, evaluations=evaluations)
    except MemoryError:
        raise
    except Exception as failure:  # a peer crashing is a recorded outcome, not a harness bug
        expression, extra, error = None, {}, f"{type(failure).__name__}: {failure}"
    seconds = time.perf_counter() - start
    metrics: dict = {"exact": False, "r2_test": None, "complexity": None, "error": error, "threads": threads or os.cpu_count()}
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


def miss_reason(identifier: str, noise: float, seed: int, found: str | None, *, n_samples: int = 10_000) -> str:
    """Why a run missed its law, judged as physlens selects laws: by the description
    length n log(mse) + (complexity + fitted constants) log(n) on the validation rows
    of that run (its data regenerated from identifier, noise and seed, and split as a
    physlens fit with that seed splits it):

    - ``search``: the law scores better than the answer, so it would have won the
      selection had it reached it in that form: the search never offered it, or the
      polishing before the selection (snapping, simplification) lost it;
    - ``data``: the answer scores no worse than the law on these rows (it fits them as
      well, or the noise hides what the law's extra terms buy); the data do not single
      the law out, so selection by error and size cannot pick it.

    Each reason is followed by both scores and both mean squared errors."""
    from physlens.expr import count_complexity, parse_expression
    from physlens.methods.symbolic import Candidate, SymbolicRegressor, validation_split

    if found is None:
        return "no answer (the engine failed)"
    dataset = simulate_feynman(identifier, n_samples=n_samples + TEST_ROWS, noise=noise, rng=seed)
    names = dataset.input_names
    _, rows = validation_split(n_samples, SymbolicRegressor().validation_fraction, np.random.default_rng(seed))
    X, y = dataset.X[rows], dataset.y[rows]
    truth = dataset.truth.equations[dataset.target_name]
    answer = parse_expression(found, names)
    variance = float(np.var(y))
    scores = []
    for law in (truth, answer):
        values = np.asarray(predicts(law, names, X), dtype=float)
        mse = float(np.mean((values - y) ** 2)) if np.all(np.isfinite(values)) else math.inf
        scores.append((Candidate(law, count_complexity(law), math.nan, mse, None, "").description_length(len(rows), variance), mse))
    (law_score, law_mse), (answer_score, answer_mse) = scores
    kind = "search" if law_score < answer_score else "data"
    return (f"{kind}: description length law {law_score:.0f} vs answer {answer_score:.0f}; "
            f"mse law {law_mse:.3g} vs answer {answer_mse:.3g}")


# the leaderboard's columns in markdown: noise levels as given (".1f" would print 0.01 as 0.0)
SUMMARY_FLOATFMT = ("", "g", "g", ".1f", ".1f", ".1f")


def leaderboard(store: ResultsStore, *, task_prefix: str = "feynman:", reasons: bool = False):
    """(summary DataFrame per method and noise, misses DataFrame) from stored records.
    With ``reasons`` the misses of physlens (and its ablations) get a ``reason`` column
    (:func:`miss_reason`; it regenerates each run's data, about a second per miss)."""
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
            "n_samples": row["parameters"].get("n_samples", 10_000),
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
    if reasons:
        misses = misses.assign(reason=[
            miss_reason(r.equation, r.noise, r.seed, None if isinstance(r.error, str) and r.error else r.equation_found,
                        n_samples=int(r.n_samples))
            if r.method.startswith("physlens") else "" for r in misses.itertuples()])
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


def record_rows(store: ResultsStore, runs: Sequence[FeynmanRun]) -> list[dict]:
    """The benchmark-record rows of ``runs`` (one per equation x method x noise x seed, as
    stored): task, method, seed, noise, found, exact, r2, seconds, expression."""
    keys = {run.run_key for run in runs}
    return [{"task": row["task"].split(":", 1)[1], "method": row["method"], "seed": row["seed"], "noise": row["noise"],
             "found": None if row["found"] is None else bool(row["found"]), "exact": bool(row["metrics"].get("exact")),
             "r2": row["metrics"].get("r2_test"), "seconds": row["timings"].get("total"),
             "expression": row["interpretation"].get("equation") or row["metrics"].get("error")}
            for row in store.rows() if row["run_key"] in keys]


def exact_share_figures(rows: Sequence[dict]) -> list[dict]:
    """Headline figures of a Feynman run: per noise level, each method's share of the
    equations (controls left out) recovered exactly, beside the best peer library."""
    from physlens.bench.records import method_figures

    laws = [row for row in rows if row["task"] not in CONTROLS]
    methods = list(dict.fromkeys(row["method"] for row in laws))
    peers = [name for name in methods if not name.startswith("physlens")]
    figures = []
    for noise in sorted({row["noise"] for row in laws}):
        figures += method_figures([row for row in laws if row["noise"] == noise], f"exact recovery, noise {noise:g}",
                                  score=lambda row: 100.0 * row["exact"], ours=methods, peers=peers, unit="%")
    return figures
