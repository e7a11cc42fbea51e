import json
import subprocess
import sys

import pytest
import sympy

from physlens.bench.engines import _gplearn_to_sympy
from physlens.bench.feynman import leaderboard, miss_reason, negative_controls, plan_feynman, run_feynman
from physlens.bench.store import ResultsStore
from physlens.errors import ParameterError, StoreError


def test_run_records_one_row_per_run_and_resumes(tmp_path):
    with ResultsStore(tmp_path / "b.sqlite") as store:
        # bounded by model evaluations, not by the clock: the same work however busy the machine
        plan = dict(equations=["I.12.2"], methods=["physlens", "operon"], budget=60, evaluations=5000, n_samples=300)
        written = run_feynman(store, **plan)
        assert written == 2
        assert run_feynman(store, **plan) == 0
        summary, misses = leaderboard(store)
    physlens = summary[summary["method"] == "physlens"].iloc[0]
    assert physlens["runs"] == 1 and physlens["exact_pct"] == 100.0
    assert set(summary["method"]) == {"physlens", "operon"}
    assert set(misses["method"]) <= {"operon"}


def test_negative_control_noise_is_not_claimed(tmp_path):
    with ResultsStore(tmp_path / "b.sqlite") as store:
        run_feynman(store, equations=["control-noise"], methods=["physlens"], budget=4, n_samples=400)
        controls = negative_controls(store)
    assert list(controls["claimed_law"]) == [False]


def test_unknown_names_fail_before_work(tmp_path):
    with ResultsStore(tmp_path / "b.sqlite") as store:
        with pytest.raises(ParameterError, match="unknown method 'pysr'"):
            run_feynman(store, equations=["I.12.2"], methods=["pysr"])
        with pytest.raises(ParameterError, match="unknown equation 'I.99'"):
            run_feynman(store, equations=["I.99"], methods=["physlens"])
        assert store.count() == 0


def test_a_store_holding_part_of_the_run_is_refused_unless_resuming(tmp_path):
    runs = plan_feynman(equations=["I.14.4", "I.25.13"], methods=["physlens"], budget=1, n_samples=200)
    assert [run.identifier for run in runs] == ["I.14.4", "I.25.13"]
    with ResultsStore(tmp_path / "b.sqlite") as store:
        assert store.pending(runs, resume=False) == runs  # nothing stored yet: no error
        run_feynman(store, equations=["I.14.4"], methods=["physlens"], budget=1, n_samples=200)
        record = next(store.rows())
        assert record["run_key"] == runs[0].run_key and record["worker"]["address"] == "local"
        assert store.pending(runs, resume=True) == runs[1:]
        with pytest.raises(StoreError, match=r"holds 1 of the 2 requested runs .*I\.14\.4.*add --resume to run only the 1 missing"):
            store.pending(runs, resume=False)
        with pytest.raises(StoreError, match="add --resume"):
            run_feynman(store, equations=["I.14.4", "I.25.13"], methods=["physlens"], budget=1, n_samples=200, resume=False)
        assert store.count() == 1


def test_gplearn_program_conversion():
    from gplearn.functions import _function_map

    x0, x1 = sympy.symbols("x0 x1", real=True)
    program = [_function_map["add"], _function_map["mul"], 0, 1, 2.5]
    assert _gplearn_to_sympy(program, [x0, x1]) == x0 * x1 + 2.5
    assert _gplearn_to_sympy([_function_map["sqrt"], 1], [x0, x1]) == sympy.sqrt(sympy.Abs(x1))
    # a program that is a single terminal (seen on I.12.4 and four more equations)
    assert _gplearn_to_sympy([1], [x0, x1]) == x1
    assert _gplearn_to_sympy([0.5], [x0, x1]) == sympy.Float(0.5)


def test_bench_cli_table(tmp_path):
    store = tmp_path / "b.sqlite"
    env = {"PHYSLENS_HOME": str(tmp_path), "PATH": "", "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-m", "physlens", "bench", "feynman", "--equations", "I.12.2", "--methods", "physlens",
                          "--budget", "3", "--samples", "300", "--noise", "0", "--noise", "0.01", "--store", str(store)],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    table = subprocess.run([sys.executable, "-m", "physlens", "bench", "table", "--store", str(store), "--markdown"],
                           capture_output=True, text=True, env=env)
    assert table.returncode == 0, table.stderr
    rows = [line.split("|")[1:4] for line in table.stdout.splitlines() if line.startswith("| physlens")]
    # each noise level on its own row, printed as given (not rounded to 0.0)
    assert [(noise.strip(), runs.strip()) for _, noise, runs in rows[:2]] == [("0", "1"), ("0.01", "1")]
    assert "100.0" in table.stdout


def test_a_miss_is_explained_by_the_selection_score():
    # I.12.1: F = mu*Nn. A scaled copy fits noise-free data worse than the law at the same
    # size, so the law would have won the selection: the search lost it.
    assert miss_reason("I.12.1", 0.0, 0, "1.01*mu*Nn", n_samples=500).startswith("search:")
    # the law itself scores no better than itself: nothing in the data singles it out
    assert miss_reason("I.12.1", 0.1, 0, "mu*Nn", n_samples=500).startswith("data:")
    # padded with a term the noise hides, the answer fits as well but is longer: the law wins on size
    assert miss_reason("I.12.1", 0.1, 0, "mu*Nn + 1e-9*mu", n_samples=500).startswith("search:")
    assert miss_reason("I.12.1", 0.0, 0, None) == "no answer (the engine failed)"


def test_leaderboard_gives_physlens_misses_their_reason(tmp_path):
    from physlens.bench.store import Result

    def miss(method):
        return Result(task="feynman:I.12.1", dataset_fingerprint="-", method=method, parameters={"budget": 1, "n_samples": 500},
                      seed=0, noise=0.0, found=True, interpretation={"equation": "1.01*mu*Nn", "truth": "mu*Nn"}, verdicts=[],
                      metrics={"exact": False, "r2_test": 0.9999, "error": None}, timings={"total": 1.0})

    with ResultsStore(tmp_path / "b.sqlite") as store:
        store.record(miss("physlens"))
        store.record(miss("gplearn"))
        _, plain = leaderboard(store)
        _, misses = leaderboard(store, reasons=True)
    assert "reason" not in plain.columns
    reasons = dict(zip(misses["method"], misses["reason"]))
    assert reasons["physlens"].startswith("search:") and reasons["gplearn"] == ""
