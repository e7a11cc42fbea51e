import pytest

from physlens.bench import engines
from physlens.bench.realistic import (execute_realistic, headline_figures, irrelevant_count, plan_realistic, realistic_rows,
                                      run_realistic, score_run, summary_table)
from physlens.bench.store import ResultsStore
from physlens.data.realistic_ranges import realistic_inputs, simulate_realistic
from physlens.errors import ParameterError
from physlens.expr import parse_expression


def test_plan_runs_a_unit_blind_peer_once_and_controls_without_units():
    runs = plan_realistic(equations=["I.12.2"], methods=["physlens", "operon"], noises=[0.0], budget=1, n_samples=100)
    kinds = {(r.identifier, r.method, r.mode, r.variant) for r in runs}
    assert ("I.12.2", "physlens", "units", "extra") in kinds and ("I.12.2", "physlens", "no-units", "plain") in kinds
    assert {r.mode for r in runs if r.method == "operon"} == {"no-units"}
    assert {(r.mode, r.variant) for r in runs if r.identifier.startswith("control")} == {("no-units", "plain")}
    assert len(runs) == 2 * 2 + 2 + 2 * 2  # physlens 2 modes x 2 variants, operon 2 variants, 2 controls x 2 methods
    with pytest.raises(ParameterError, match="modes must be among"):
        plan_realistic(equations=["I.12.2"], modes=["si"])
    with pytest.raises(ParameterError, match="unknown equation"):
        plan_realistic(equations=["I.99"])


def test_irrelevant_count_is_one_to_three_and_fixed_by_equation_and_seed():
    counts = {irrelevant_count(f"I.{k}", "extra", 0) for k in range(40)}
    assert counts == {1, 2, 3}
    assert irrelevant_count("I.12.2", "extra", 3) == irrelevant_count("I.12.2", "extra", 3)
    assert irrelevant_count("I.12.2", "plain", 3) == 0


def test_scores_on_fresh_rows():
    dataset = simulate_realistic("I.12.2", n_samples=300, irrelevant=1, rng=0)
    names, truth = dataset.input_names, dataset.truth.equations["F"]
    right = score_run(truth, truth, names, dataset.X, dataset.y, ["aux1"], True, [])
    assert right["strict_exact"] and right["readable"] and right["operation_ratio"] == 1.0 and right["wrong_claim"] is False
    wrong = score_run(truth * parse_expression("aux1", names) / 1e-3, truth, names, dataset.X, dataset.y, ["aux1"], True, [])
    assert not wrong["strict_exact"] and wrong["wrong_claim"] and wrong["uses_irrelevant"] == ["aux1"]
    stated = score_run(2 * truth, truth, names, dataset.X, dataset.y, [], True, ["limit of the law"])
    assert stated["wrong_claim"] is False


def test_records_scored_from_a_stand_in_engine(tmp_path, monkeypatch):
    # an engine that answers the true law (on the unit-carrying columns it is given) and claims it
    def oracle(X, y, names, X_units, y_units, budget, seed, threads=None, evaluations=None):
        from physlens.data.realistic_ranges import realistic_truth

        return realistic_truth("I.12.2"), {"found": True, "units_given": X_units is not None}

    monkeypatch.setitem(engines.ENGINES, "oracle", oracle)
    with ResultsStore(tmp_path / "r.sqlite") as store:
        plan = dict(equations=["I.12.2"], methods=["oracle"], noises=[0.0], controls=False, budget=1, n_samples=200)
        assert run_realistic(store, **plan) == 2  # a non-physlens engine: no-units mode, two variants
        rows = realistic_rows(store, plan_realistic(**plan))
    assert all(r["strict_exact"] and r["wrong_claim"] is False and not r["uses_irrelevant"] for r in rows)
    table = summary_table(rows)
    assert [t["strict_exact_pct"] for t in table] == [100.0, 100.0]
    assert headline_figures(rows)[-1]["value"] == 0  # no physlens rows: no irrelevant-column laws
    result = execute_realistic(plan_realistic(**plan)[1])
    assert result.metrics["irrelevant_columns"] and result.metrics["units_given"] is False
    assert realistic_inputs("I.12.2") == ["q1", "q2", "r"]
