"""The Feynman benchmark at realistic magnitudes (issue 28): every equation with its
inputs drawn over the decades a physicist meets (:mod:`physlens.data.realistic_ranges`),
universal constants folded in as CODATA numbers, with units given or not, with and
without irrelevant columns. Scored "strict exact" (the law with its constants, within
1e-3 of the truth on every fresh row), with the claims that were wrong, the laws that use
an irrelevant column, and how readably the law is printed. The store, resuming and the
Dask path are the Feynman benchmark's (:mod:`physlens.bench.feynman`)."""

from __future__ import annotations

import math
import os
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from physlens.bench.engines import engine
from physlens.bench.feynman import CONTROLS, TEST_ROWS, record_runs, simulate_control
from physlens.bench.store import Result, ResultsStore
from physlens.errors import ParameterError
from physlens.expr import to_text
from physlens.validate.fit import r2_score
from physlens.validate.realistic import (columns_used, drop_negligible_offset, operation_ratio, readable, strict_exact,
                                        wrong_claim)
from physlens.validate.symbolic import predicts

MODES = ("units", "no-units")
VARIANTS = ("plain", "extra")  # extra: 1 to 3 irrelevant columns
TASK_PREFIX = "realistic:"


def irrelevant_count(identifier: str, variant: str, seed: int) -> int:
    """Irrelevant columns of a run: none for ``plain``; 1 to 3 for ``extra``, fixed by the
    equation and seed (so every method and mode sees the same table)."""
    return 0 if variant == "plain" else 1 + zlib.crc32(f"{identifier}:{seed}".encode()) % 3


@dataclass(frozen=True)
class RealisticRun:
    """One record: equation (or negative control) x method x mode x variant x noise x seed."""

    identifier: str
    method: str
    mode: str
    variant: str
    noise: float
    seed: int
    budget: float
    n_samples: int
    threads: int | None = None

    @property
    def parameters(self) -> dict:
        return {"budget": self.budget, "n_samples": self.n_samples, "mode": self.mode, "variant": self.variant}

    @property
    def run_key(self) -> str:
        return Result(TASK_PREFIX + self.identifier, "", self.method, self.parameters, self.seed, self.noise, None, {}, []).run_key

    @property
    def label(self) -> str:
        return f"{self.identifier} {self.method} {self.mode} {self.variant} noise={self.noise:g} seed={self.seed}"


def plan_realistic(
    *,
    equations: Iterable[str] | None = None,
    noises: Iterable[float] = (0.0,),
    seeds: Iterable[int] = (0,),
    methods: Iterable[str] = ("physlens", "operon"),
    modes: Iterable[str] = MODES,
    variants: Iterable[str] = VARIANTS,
    controls: bool = True,
    budget: float = 60.0,
    n_samples: int = 10_000,
    threads: int | None = None,
) -> list[RealisticRun]:
    """Every run, in order. A peer that ignores units runs once, in the no-units mode
    (the same table); the negative controls have no units and no variant."""
    from physlens.data.feynman import feynman_equations

    known = list(feynman_equations())
    equations = list(equations) if equations else known
    unknown = [e for e in equations if e not in known]
    if unknown:
        raise ParameterError(f"unknown equation {unknown[0]!r}; valid: Feynman ids such as I.6.2a")
    modes, variants, methods = list(modes), list(variants), list(methods)
    for name in methods:
        engine(name)
    for value, valid, what in ((modes, MODES, "mode"), (variants, VARIANTS, "variant")):
        if not value or any(v not in valid for v in value):
            raise ParameterError(f"{what}s must be among {', '.join(valid)}; got {', '.join(value) or 'none'}")
    runs = []
    for identifier in [*equations, *(CONTROLS if controls else ())]:
        for noise in noises:
            for seed in seeds:
                for variant in (variants if identifier not in CONTROLS else ["plain"]):
                    for method in methods:
                        uses_units = method.startswith("physlens") and identifier not in CONTROLS
                        for mode in (modes if uses_units else ["no-units"]):
                            runs.append(RealisticRun(identifier, method, mode, variant, noise, seed, budget, n_samples, threads))
    return runs


def execute_realistic(run: RealisticRun) -> Result:
    """Simulate the run's table (training rows, then fresh rows from the same
    distribution), fit the engine on the training rows and score it on the fresh ones."""
    from physlens.data.realistic_ranges import simulate_realistic

    rows = run.n_samples + TEST_ROWS
    if run.identifier in CONTROLS:
        dataset = simulate_control(run.identifier, n_samples=rows, rng=run.seed)
        extras: dict = {}
    else:
        dataset = simulate_realistic(run.identifier, n_samples=rows, noise=run.noise, rng=run.seed,
                                     irrelevant=irrelevant_count(run.identifier, run.variant, run.seed))
        extras = dataset.provenance["irrelevant_columns"]
    names = dataset.input_names
    X, y = dataset.X, dataset.y
    train, fresh = slice(0, run.n_samples), slice(run.n_samples, None)
    units = dataset.known_units([*names, dataset.target_name]) if run.mode == "units" else None
    units, y_unit = (units[:-1], units[-1]) if units else (None, None)
    truth = dataset.truth.equations.get(dataset.target_name)
    start = time.perf_counter()
    error = None
    try:
        expression, extra = engine(run.method)(X[train], y[train], names, units, y_unit, run.budget, run.seed, run.threads)
    except MemoryError:
        raise
    except Exception as failure:  # a peer crashing is a recorded outcome, not a harness bug
        expression, extra, error = None, {}, f"{type(failure).__name__}: {failure}"
    seconds = time.perf_counter() - start
    metrics = score_run(expression, truth, names, X[fresh], y[fresh], extras, extra.get("found"), extra.get("limits_stated"))
    metrics.update({"error": error, "threads": run.threads or os.cpu_count(), "irrelevant_columns": sorted(extras)})
    metrics.update({k: v for k, v in extra.items() if k not in metrics})
    return Result(
        task=TASK_PREFIX + run.identifier, dataset_fingerprint=dataset.fingerprint(), method=run.method,
        parameters=run.parameters, seed=run.seed, noise=run.noise, found=extra.get("found"),
        interpretation={"equation": to_text(expression) if expression is not None else None,
                        "truth": to_text(truth) if truth is not None else None},
        verdicts=[], metrics=metrics, timings={"total": seconds},
    )


def score_run(expression, truth, names, X_fresh, y_fresh, irrelevant, found, limits) -> dict:
    """The run's scores on fresh rows: strict exactness (after dropping an additive constant
    below 1e-6 of the target's RMS, and as printed), R2 against the noise-free truth,
    irrelevant columns used, readability (on strict-exact laws) and whether a claim was
    wrong. A negative control (no truth) is scored by its claim only."""
    metrics: dict = {"strict_exact": False, "strict_exact_as_printed": False, "r2_test": None, "uses_irrelevant": [], "operation_ratio": None,
                     "readable": None, "wrong_claim": None}
    if expression is None:
        return metrics
    if truth is None:
        metrics["r2_test"] = r2_score(y_fresh, predicts(expression, names, X_fresh))
        metrics["wrong_claim"] = None if found is None else bool(found)
        return metrics
    clean = np.asarray(predicts(truth, names, X_fresh), dtype=float)
    metrics["r2_test"] = r2_score(clean, predicts(expression, names, X_fresh))
    # every method's law is judged without a negligible additive constant (pyoperon's intercept of 1e-6)
    law = drop_negligible_offset(expression, float(np.sqrt(np.nanmean(clean**2))))
    metrics["strict_exact_as_printed"] = strict_exact(expression, truth, names, X_fresh)
    metrics["strict_exact"] = exact = strict_exact(law, truth, names, X_fresh)
    metrics["uses_irrelevant"] = columns_used(expression, irrelevant)
    if exact:
        metrics["operation_ratio"] = operation_ratio(law, truth)
        metrics["readable"] = readable(law, truth)
    if found is not None:
        metrics["wrong_claim"] = wrong_claim(found, exact, bool(limits))
    return metrics


def run_realistic(store: ResultsStore, *, progress: Callable[[str], None] | None = None, workers: int = 1,
                  scheduler: str | None = None, resume: bool = True, **plan) -> int:
    """Run what the store does not hold yet of ``plan_realistic(**plan)``; returns how
    many records were written."""
    plan.setdefault("threads", 1 if workers > 1 else None)
    pending = store.pending(plan_realistic(**plan), resume=resume)

    def describe(result: Result) -> str:
        m = result.metrics
        outcome = "error" if m.get("error") else "strict exact" if m.get("strict_exact") else "not exact"
        if m.get("wrong_claim"):
            outcome += ", WRONG CLAIM"
        if m.get("uses_irrelevant"):
            outcome += f", uses {', '.join(m['uses_irrelevant'])}"
        p = result.parameters
        return (f"{result.task[len(TASK_PREFIX):]} {result.method} {p['mode']} {p['variant']} noise={result.noise:g} "
                f"seed={result.seed}: {outcome} ({result.timings.get('total', 0.0):.1f} s)")

    return record_runs(store, pending, workers=workers, scheduler=scheduler, execute=execute_realistic,
                       on_record=(lambda result: progress(describe(result))) if progress else None)


def realistic_rows(store: ResultsStore, runs: Sequence[RealisticRun] | None = None) -> list[dict]:
    """One flat row per stored record (of ``runs`` only, when given)."""
    keys = None if runs is None else {run.run_key for run in runs}
    rows = []
    for row in store.rows():
        if not row["task"].startswith(TASK_PREFIX) or (keys is not None and row["run_key"] not in keys):
            continue
        m = row["metrics"]
        rows.append({"task": row["task"][len(TASK_PREFIX):], "method": row["method"], "mode": row["parameters"]["mode"],
                     "variant": row["parameters"]["variant"], "seed": row["seed"], "noise": row["noise"],
                     "found": None if row["found"] is None else bool(row["found"]), "strict_exact": bool(m.get("strict_exact")),
                     "as_printed": bool(m.get("strict_exact_as_printed", m.get("strict_exact"))),
                     "r2": m.get("r2_test"), "wrong_claim": m.get("wrong_claim"), "uses_irrelevant": m.get("uses_irrelevant") or [],
                     "operation_ratio": m.get("operation_ratio"), "readable": m.get("readable"),
                     "seconds": row["timings"].get("total"),
                     "expression": row["interpretation"].get("equation") or m.get("error")})
    return rows


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def summary_table(rows: Sequence[dict]) -> list[dict]:
    """Per method, mode, variant and noise (controls left out): runs, strict-exact share,
    strict-exact share as printed (with negligible additive constants), wrong claims, laws
    using an irrelevant column, readable share of the strict-exact laws, and the median
    seconds to a strict-exact law."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["task"] not in CONTROLS:
            groups.setdefault((row["method"], row["mode"], row["variant"], row["noise"]), []).append(row)
    table = []
    for (method, mode, variant, noise), members in sorted(groups.items(), key=lambda item: tuple(map(str, item[0]))):
        exact = [r for r in members if r["strict_exact"]]
        table.append({"method": method, "mode": mode, "variant": variant, "noise": noise, "runs": len(members),
                      "strict_exact_pct": 100.0 * len(exact) / len(members),
                      "as_printed_pct": 100.0 * sum(bool(r["as_printed"]) for r in members) / len(members),
                      "wrong_claims": sum(bool(r["wrong_claim"]) for r in members),
                      "uses_irrelevant": sum(bool(r["uses_irrelevant"]) for r in members),
                      "readable_pct": 100.0 * sum(bool(r["readable"]) for r in exact) / len(exact) if exact else None,
                      "median_seconds_to_exact": _median([r["seconds"] for r in exact])})
    return table


def control_table(rows: Sequence[dict]) -> list[dict]:
    """Claims on the negative controls (a peer's answer is always a claim)."""
    return [{"control": r["task"], "method": r["method"], "noise": r["noise"], "seed": r["seed"],
             "claimed_law": True if r["found"] is None else r["found"], "expression": r["expression"]}
            for r in rows if r["task"] in CONTROLS]


def headline_figures(rows: Sequence[dict]) -> list[dict]:
    """Strict-exact share of each physlens mode beside configured pyoperon on the same
    tables (plain variant), per noise; wrong claims and irrelevant-column laws over all
    runs; readable share and median time to an exact law."""
    from physlens.bench.records import figure

    figures = []
    table = summary_table(rows)
    peers = [t for t in table if not t["method"].startswith("physlens")]
    targets = {("no-units", 0.0): ">= 90 % and >= 2x configured pyoperon", ("units", 0.0): ">= 95 %", ("units", 0.01): ">= 85 %"}
    for entry in table:
        if not entry["method"].startswith("physlens"):
            continue
        rivals = [p for p in peers if p["variant"] == entry["variant"] and p["noise"] == entry["noise"]]
        best = max(rivals, key=lambda p: p["strict_exact_pct"]) if rivals else None
        where = f"{entry['mode']}, {entry['variant']}, noise {entry['noise']:g}"
        figures.append(figure(f"strict exact, {where}: {entry['method']}", entry["strict_exact_pct"],
                              peer=best and best["method"], peer_value=best and best["strict_exact_pct"], unit="%",
                              target=targets.get((entry["mode"], entry["noise"])) if entry["variant"] == "plain" else None))
        figures.append(figure(f"median seconds to a strict-exact law, {where}: {entry['method']}", entry["median_seconds_to_exact"],
                              peer=best and best["method"], peer_value=best and best["median_seconds_to_exact"], unit="s",
                              direction="lower"))
        if entry["readable_pct"] is not None:
            figures.append(figure(f"readable (ops <= 1.2x reference) share of strict-exact laws, {where}: {entry['method']}",
                                  entry["readable_pct"], unit="%", target=">= 95 %"))
    ours = [r for r in rows if r["method"].startswith("physlens")]
    figures.append(figure("wrong claims (found, not the law, no limit stated), all runs incl. controls: physlens",
                          sum(bool(r["wrong_claim"]) for r in ours), unit="runs", target="0", direction="lower"))
    figures.append(figure("laws using an irrelevant column: physlens", sum(bool(r["uses_irrelevant"]) for r in ours),
                          unit="runs", target="0", direction="lower"))
    return [f for f in figures if f["value"] is not None and not (isinstance(f["value"], float) and math.isnan(f["value"]))]
