"""Tasks of a comparison, the function that runs one, and the local loop that runs them
all into the results store.

A task is one (dataset, method) pair, small and picklable: it names its suite dataset
and registered method, so :func:`run_task` can run anywhere (this process, or a Dask
worker) and rebuild the dataset from its seed. :func:`run_compare` skips every task the
store already holds, so a rerun resumes; reports are built from stored records only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from physlens.bench.store import Result, ResultsStore
from physlens.compare.suite import SUITE, build_dataset, method_parameters, suite_names
from physlens.errors import ParameterError

TASK_PREFIX = "compare:"


@dataclass(frozen=True)
class CompareTask:
    """One (dataset, method) pair with the hyperparameters the method runs with."""

    dataset: str
    method: str
    seed: int
    quick: bool
    parameters: dict[str, Any] = field(default_factory=dict, hash=False)

    def probe(self) -> Result:
        """An empty Result with this task's run key (for ``ResultsStore.has``)."""
        return Result(TASK_PREFIX + self.dataset, "", self.method, {**self.parameters, "quick": self.quick}, self.seed, None, None, {}, [])

    @property
    def run_key(self) -> str:
        return self.probe().run_key


@dataclass(frozen=True)
class NotApplicable:
    """A method of the dataset's kind that cannot take this dataset, and why."""

    dataset: str
    method: str
    reason: str


def _first(data):
    return data[0] if isinstance(data, (list, tuple)) else data


def plan(*, quick: bool = False, seed: int = 0, methods: Iterable[str] | None = None,
         datasets: Iterable[str] | None = None) -> tuple[list[CompareTask], list[NotApplicable]]:
    """Every (dataset, method) pair the registry matches: the method consumes the
    dataset's kind and its ``applicable_to`` accepts the dataset. Also returns the
    pairs of matching kind that a method turned down, with its reason."""
    from physlens.methods.base import available_methods

    registry = available_methods()
    chosen = list(dict.fromkeys(methods)) if methods else list(registry)
    unknown = [m for m in chosen if m not in registry]
    if unknown:
        raise ParameterError(f"--methods: unknown method {unknown[0]!r}; valid: {', '.join(registry)}")
    tasks, refused = [], []
    for name in suite_names(list(datasets) if datasets else None, quick=quick):
        consumers = [m for m in chosen if registry[m].consumes == SUITE[name].kind]
        if not consumers:
            continue
        data = build_dataset(name, quick, seed)
        for method in consumers:
            cls = registry[method]
            reason = cls.applicable_to(_first(data))
            if reason is not None:
                refused.append(NotApplicable(name, method, reason))
                continue
            tasks.append(CompareTask(name, method, seed, quick, method_parameters(method, cls, quick=quick, seed=seed)))
    if not tasks:
        why = f" ({refused[0].method} on {refused[0].dataset}: {refused[0].reason})" if refused else ""
        raise ParameterError(f"no method in --methods can take a dataset in --datasets{why}; `physlens methods` lists what each consumes")
    return tasks, refused


def _fingerprint(data) -> str:
    if isinstance(data, (list, tuple)):
        return hashlib.sha256("".join(d.fingerprint() for d in data).encode()).hexdigest()[:16]
    return data.fingerprint()


def _error_text(stage: str, error: BaseException) -> str:
    """The error with where it was raised (the innermost frame outside installed
    libraries), so a harness bug is not read as a method's failure."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "site-packages" not in f.filename]
    where = ""
    if frames:
        name = frames[-1].filename
        name = "physlens/" + name.rsplit("/physlens/", 1)[1] if "/physlens/" in name else name
        where = f" at {name}:{frames[-1].lineno}"
    return f"{stage}: {type(error).__name__}: {error}{where}"


def run_task(task: CompareTask) -> Result:
    """Fit, interpret and score one pair; returns its record (not yet stored). An error
    raised by the method, or while scoring it, is recorded in the result."""
    import torch  # noqa: F401  (before the clock starts: most methods train with it)

    from physlens.compare.scoring import score
    from physlens.methods.base import available_methods
    from physlens.report.equations import equations_latex, equations_mathml, equations_text
    from physlens.methods._torch import torch_threads

    cls = available_methods()[task.method]
    data = build_dataset(task.dataset, task.quick, task.seed)
    timings: dict[str, float] = {}
    interpretation, truth, error, stage = None, [], None, "fit"
    start = time.perf_counter()
    try:
        with torch_threads(1):
            method = cls(**task.parameters).fit_dataset(data)
            timings["fit"] = time.perf_counter() - start
            stage = "interpret"
            interpretation = method.interpret()
            timings["interpret"] = time.perf_counter() - start - timings["fit"]
            stage = "score"
            truth = score(method, interpretation, data)
    except MemoryError:
        raise
    except Exception as failure:  # recorded with its stage and location; the run goes on
        error = _error_text(stage, failure)
    timings["total"] = time.perf_counter() - start
    described = {}
    if interpretation is not None:
        described = interpretation.to_dict()
        # shown with the digits the data support; "expressions" keeps every digit
        printed = {"kind": interpretation.kind, "uncertainty": interpretation.values.get("uncertainty")}
        equations = interpretation.expressions
        # without equations, the summary's headline (its first two clauses)
        described["text"] = (equations_text(equations, **printed) or "; ".join(interpretation.summary.split("; ")[:2]))
        described["latex_block"] = equations_latex(equations, **printed, inline=True) if equations else ""
        described["mathml"] = [equations_mathml(equations, **printed)] if equations else []
    return Result(
        task=TASK_PREFIX + task.dataset,
        dataset_fingerprint=_fingerprint(data),
        method=task.method,
        parameters={**task.parameters, "quick": task.quick},
        seed=task.seed,
        noise=None,
        found=None if interpretation is None else bool(interpretation.found),
        interpretation=described,
        verdicts=list(described.get("verdicts", [])),
        metrics={
            "status": "error" if error else "ok",
            "error": error,
            "dataset": task.dataset,
            "kind": SUITE[task.dataset].kind,
            "interpretation_kind": cls.interpretation_kind,
            "taxonomy": cls.taxonomy.to_dict(),
            "truth": [v.to_dict() for v in truth],
        },
        timings=timings,
    )


def run_compare(tasks: list[CompareTask], store: ResultsStore,
                progress: Callable[[CompareTask, str], None] | None = None, *,
                workers: int = 1, scheduler: str | None = None) -> list[dict[str, Any]]:
    """Run each task the store does not hold yet, recording each result as soon as it
    finishes; returns the pairs of every task (finished now or before) from the store.
    ``progress(task, event)`` hears "start", "done" and "skipped". With ``workers`` > 1
    or a ``scheduler`` address the tasks run on Dask (:func:`physlens.bench.parallel.map_tasks`);
    this process stays the only writer of the store."""
    import contextlib

    from physlens.bench.parallel import map_tasks

    pending = []
    for task in tasks:
        if store.has(task.run_key):
            if progress:
                progress(task, "skipped")
        else:
            pending.append(task)
    local = workers == 1 and scheduler is None
    if progress and not local:
        for task in pending:
            progress(task, "start")
    with contextlib.closing(map_tasks(_announced(run_task, progress) if local else run_task, pending,
                                      workers=workers, scheduler=scheduler)) as finished:
        for done in finished:
            store.record(dataclasses.replace(done.result, worker=done.worker))
            if progress:
                progress(done.task, "done")
    return stored_pairs(tasks, store)


def _announced(function: Callable[[CompareTask], Result], progress) -> Callable[[CompareTask], Result]:
    """In this process, tell ``progress`` when each task starts."""
    if progress is None:
        return function

    def run(task: CompareTask) -> Result:
        progress(task, "start")
        return function(task)

    return run


def stored_pairs(tasks: list[CompareTask], store: ResultsStore) -> list[dict[str, Any]]:
    """One flat record per task, in task order, from the store (the latest row of each)."""
    pairs = []
    for task in tasks:
        key = task.run_key
        rows = [r for r in store.rows(task=TASK_PREFIX + task.dataset, method=task.method) if r["run_key"] == key]
        if rows:
            pairs.append(pair_record(rows[-1]))
    return pairs


def pair_record(row: dict[str, Any]) -> dict[str, Any]:
    """The fields a report shows for one stored pair."""
    metrics, interpretation = row["metrics"], row["interpretation"]
    truth = metrics.get("truth", [])
    judged = [v for v in truth if v["passed"] is not None]
    return {
        "dataset": metrics["dataset"],
        "kind": metrics["kind"],
        "method": row["method"],
        "taxonomy": metrics["taxonomy"],
        "interpretation_kind": metrics["interpretation_kind"],
        "status": metrics["status"],
        "error": metrics.get("error"),
        "found": None if row["found"] is None else bool(row["found"]),
        "recovered": interpretation.get("text", ""),
        "summary": interpretation.get("summary", ""),
        "expressions": interpretation.get("expressions", {}),
        "latex": interpretation.get("latex_block", ""),
        "mathml": interpretation.get("mathml", []),
        "truth": truth,
        "truth_passed": sum(1 for v in judged if v["passed"]),
        "truth_total": len(judged),
        "verdicts": row["verdicts"],
        "verdicts_passed": sum(1 for v in row["verdicts"] if v["passed"]),
        "verdicts_total": sum(1 for v in row["verdicts"] if v["passed"] is not None),
        "reasons": interpretation.get("reasons", []),
        "seconds": row["timings"].get("total"),
        "seed": row["seed"],
        "parameters": row["parameters"],
    }
