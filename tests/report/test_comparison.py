"""The comparison: methods meet datasets through the registry, each pair is scored
against truth and stored at once, reruns skip finished pairs, exports hold every pair."""

from __future__ import annotations

import re

import pytest
import sympy

from physlens.bench.store import ResultsStore
from physlens.compare.export import to_latex, to_markdown
from physlens.compare.run import plan, run_compare
from physlens.errors import ParameterError
from physlens.expr import symbols_for
from physlens.methods import base
from physlens.methods.base import Interpretation, Method, Taxonomy

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SUBSET = dict(methods=["symbolic", "mean_field", "pseudo_likelihood"], datasets=["oscillator-accelerations", "ising-couplings"])


class _Interval(Method):
    """A stand-in method of kind 'events' that reports the true interval (or raises)."""

    taxonomy = Taxonomy(origin="intrinsic", mechanism="functional", scope="global", aim="verifying", level="high")
    consumes = "events"
    interpretation_kind = "invariant"

    def __init__(self, *, fail: bool = False):
        self.fail = fail

    def fit_dataset(self, dataset):
        if self.fail:
            raise RuntimeError("diverged")
        self.names_ = dataset.input_names
        return self

    def interpret(self):
        s = symbols_for(self.names_)
        return Interpretation(kind="invariant", method=self.method_name, taxonomy=self.taxonomy, found=True,
                              expressions={"I1": s["t"] ** 2 - s["x"] ** 2 - s["y"] ** 2 - s["z"] ** 2})


@pytest.fixture
def fake_registry(monkeypatch):
    """A private copy of the registry, so registering a test method leaks nowhere."""
    base.available_methods()  # every real method registered before the copy is taken
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    base.register("test-interval")(_Interval)


def test_a_registered_method_meets_only_datasets_of_its_kind(fake_registry):
    tasks, refused = plan(quick=True, seed=0, methods=["test-interval"])
    assert [(t.dataset, t.method) for t in tasks] == [("boosted-events", "test-interval")]
    assert refused == []


def test_applicability_turns_down_datasets_of_the_right_kind_with_a_reason():
    tasks, refused = plan(quick=True, seed=0, methods=["graph_network", "neighbour_attention"],
                          datasets=["spring-particles", "vicsek-agents"])
    assert [(t.dataset, t.method) for t in tasks] == [("spring-particles", "graph_network"), ("vicsek-agents", "neighbour_attention")]
    assert {(r.dataset, r.method) for r in refused} == {("spring-particles", "neighbour_attention"), ("vicsek-agents", "graph_network")}
    assert all("next_velocities" in r.reason or "accelerations" in r.reason for r in refused)


def test_bad_selections_name_what_is_valid():
    with pytest.raises(ParameterError, match="unknown method 'nope'; valid: .*symbolic"):
        plan(quick=True, methods=["nope"])
    with pytest.raises(ParameterError, match="unknown dataset 'nope'; valid: .*toy-jets"):
        plan(quick=True, datasets=["nope"])
    with pytest.raises(ParameterError, match="no method"):
        plan(quick=True, methods=["symbolic"], datasets=["toy-jets"])
    with pytest.raises(ParameterError, match="symbolic_gradients on oscillator-accelerations: .*fits from arrays only"):
        plan(quick=True, methods=["symbolic_gradients"], datasets=["oscillator-accelerations"])


def test_an_error_is_recorded_with_where_it_happened_and_the_run_goes_on(fake_registry, tmp_path):
    tasks, _ = plan(quick=True, seed=0, methods=["test-interval"])
    failing = [type(t)(t.dataset, t.method, t.seed, t.quick, {"fail": True}) for t in tasks]
    with ResultsStore(tmp_path / "s.sqlite") as store:
        pairs = run_compare(failing + tasks, store)
    broken, fine = pairs
    assert broken["status"] == "error" and broken["found"] is None
    assert re.search(r"fit: RuntimeError: diverged at .*test_comparison\.py:\d+", broken["error"])
    assert fine["status"] == "ok" and fine["truth_passed"] == fine["truth_total"] >= 1
    assert fine["truth"][0]["name"] == "recovers s2"


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        path = tmp_path_factory.mktemp("compare") / "compare.sqlite"
        tasks, _ = plan(quick=True, seed=0, **SUBSET)
        with ResultsStore(path) as store:
            pairs = run_compare(tasks, store)
        return path, tasks, pairs
    finally:
        torch.set_num_threads(before)


def test_the_matrix_scores_each_pair_against_truth(compared):
    _, tasks, pairs = compared
    assert [(p["dataset"], p["method"]) for p in pairs] == [(t.dataset, t.method) for t in tasks]
    by_method = {p["method"]: p for p in pairs}
    law = by_method["symbolic"]
    assert law["status"] == "ok" and law["found"] is True
    assert law["expressions"] == {"a": "-k*x/m"} and "<math" in law["mathml"][0]
    assert law["truth"][0]["name"] == "exact recovery" and law["truth"][0]["passed"] is True
    for name in ("mean_field", "pseudo_likelihood"):
        scores = {v["name"]: v["score"] for v in by_method[name]["truth"]}
        assert 0 < scores["coupling error"] < 0.5 and scores["edge recovery AUC"] > 0.99
    # pseudo-likelihood is the better estimator of the two on the same samples
    errors = {n: by_method[n]["truth"][0]["score"] for n in ("mean_field", "pseudo_likelihood")}
    assert errors["pseudo_likelihood"] < errors["mean_field"]


def test_a_rerun_with_the_same_store_skips_finished_pairs(compared):
    path, tasks, pairs = compared
    events = []
    with ResultsStore(path) as store:
        count = store.count()
        again = run_compare(tasks, store, progress=lambda task, event: events.append(event))
        assert store.count() == count
    assert events == ["skipped"] * len(tasks)
    assert again == pairs


def test_a_rerun_runs_only_the_missing_pairs(compared, tmp_path):
    _, tasks, _ = compared
    cheap = [t for t in tasks if t.dataset == "ising-couplings"]
    events = []
    with ResultsStore(tmp_path / "partial.sqlite") as store:
        run_compare(cheap[:1], store)
        run_compare(cheap, store, progress=lambda task, event: events.append((task.method, event)))
        assert store.count() == len(cheap)
    assert events[0] == (cheap[0].method, "skipped") and events[1:] == [(cheap[1].method, "start"), (cheap[1].method, "done")]


def test_markdown_and_latex_hold_every_pair(compared):
    _, _, pairs = compared
    markdown, latex = to_markdown(pairs), to_latex(pairs)
    table_rows = [line for line in markdown.splitlines() if line.startswith("| ")][1:]
    assert len(table_rows) == len(pairs)
    for pair, row in zip(pairs, table_rows):
        assert row.startswith(f"| {pair['dataset']} | {pair['method']} |")
    assert r"$a = - \frac{k x}{m}$" in markdown
    body = latex.split(r"\midrule")[1].split(r"\bottomrule")[0].strip().splitlines()
    assert len(body) == len(pairs)
    for pair, row in zip(pairs, body):
        assert row.startswith(f"{pair['dataset']} & {pair['method'].replace('_', chr(92) + '_')} &") and row.endswith(r"\\")
    assert r"\begin{tabular}" in latex and r"\end{tabular}" in latex
    assert sympy.latex(sympy.Symbol("x")) in latex
