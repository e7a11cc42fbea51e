"""Evaluation-bounded Feynman runs (the same work on any machine) and the benchmark-record
rows and headline built from a run."""

import pytest

from physlens.bench.feynman import FeynmanRun, exact_share_figures, plan_feynman, record_rows, record_runs
from physlens.bench.store import ResultsStore
from physlens.errors import ParameterError


def test_run_keys_without_an_evaluation_budget_are_those_of_older_stores():
    run = FeynmanRun("I.12.2", "physlens", 0.0, 0, 60.0, 10_000)
    assert run.parameters == {"budget": 60.0, "n_samples": 10_000}
    assert run.run_key == '["feynman:I.12.2", "physlens", 0, 0.0, {"budget": 60.0, "n_samples": 10000}]'
    bounded = FeynmanRun("I.12.2", "physlens", 0.0, 0, 60.0, 10_000, evaluations=5000)
    assert bounded.parameters["evaluations"] == 5000 and bounded.run_key != run.run_key


def test_an_engine_without_an_evaluation_budget_is_refused_before_work():
    with pytest.raises(ParameterError, match="'gplearn' has no evaluation budget"):
        plan_feynman(equations=["I.12.2"], methods=["gplearn"], evaluations=5000)


def test_an_evaluation_bounded_run_gives_the_same_answer_twice(tmp_path):
    runs = plan_feynman(equations=["I.12.2"], methods=["physlens"], budget=5, n_samples=300, threads=1, evaluations=1000)
    answers = []
    for name in ("first", "second"):
        with ResultsStore(tmp_path / f"{name}.sqlite") as store:
            record_runs(store, runs)
            rows = record_rows(store, runs)
            assert [row["parameters"]["evaluations"] for row in store.rows()] == [1000]
        assert [(row["task"], row["method"], row["seed"], row["noise"]) for row in rows] == [("I.12.2", "physlens", 0, 0.0)]
        answers.append(rows[0]["expression"])
    assert answers[0] == answers[1] and answers[0]


def test_exact_share_figures_put_each_method_beside_the_best_peer_per_noise():
    def row(task, method, exact, noise=0.0):
        return {"task": task, "method": method, "seed": 0, "noise": noise, "exact": exact}

    rows = [row("I.1", "physlens", True), row("I.2", "physlens", True), row("I.1", "operon", True), row("I.2", "operon", False),
            row("I.1", "gplearn", False), row("I.2", "gplearn", False), row("control-noise", "physlens", False),
            row("I.1", "physlens", False, 0.1), row("I.1", "operon", True, 0.1)]
    figures = {(f["measure"], f["peer"]): (f["value"], f["peer_value"], f["ratio"]) for f in exact_share_figures(rows)}
    assert figures[("exact recovery, noise 0: physlens", "operon")] == (100.0, 50.0, 2.0)  # the control is left out
    assert figures[("exact recovery, noise 0: operon", "gplearn")] == (50.0, 0.0, None)
    assert figures[("exact recovery, noise 0.1: physlens", "operon")] == (0.0, 100.0, 0.0)


def test_bench_feynman_command_refuses_an_evaluation_budget_for_gplearn(tmp_path, capsys):
    from physlens.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["bench", "feynman", "--equations", "I.12.2", "--methods", "gplearn", "--evaluations", "1000",
              "--store", str(tmp_path / "b.sqlite")])
    assert exit_.value.code == 2
    assert "'gplearn' has no evaluation budget" in capsys.readouterr().err
