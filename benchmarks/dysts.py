"""Benchmark (issue 27): governing equations of the dysts database of published chaotic
flows, physlens vs pysindy, same data, same run.

Flows: every autonomous dysts flow of dimension <= 4 whose right-hand side is a
polynomial of degree <= 5, its truth read from the flow's own rhs
(physlens/data/dysts_flows.py: monomial regression near the attractor, kept only at
round-off); and the other flows of dimension <= 4, where no polynomial truth exists,
scored by whether the found model's rhs matches the flow's (relative RMS < 5 % at points
near the attractor) and by wrong claims (found=true without that match).
Data: dysts' own integrator (LSODA, rtol = atol = 1e-9), 100 points per period, 3
trajectories of --points samples from points on the attractor; noise = level x RMS of
each state (1 % and 10 %).
Methods:
  physlens  SparseDynamics as a user calls it (no degree given: its default library)
  sindy     pysindy defaults: PolynomialLibrary of the TRUE degree, STLSQ, finite differences
  weak      pysindy's weak form: WeakPDELibrary(PolynomialLibrary(true degree), K=1000, p=4), STLSQ
Scores: exact support (for physlens only when it also says found=true; "exact candidate"
counts its refused ones too); largest relative coefficient error (a missing term counts
1); found (physlens only); a wrong claim = found=true with a wrong support. Every miss is
listed with its reason (physlens: its failing verdicts or the missing/extra terms).

    .venv/bin/python benchmarks/dysts.py --workers 2                     # the full run
    .venv/bin/python benchmarks/dysts.py --flows Lorenz,Rossler --noise 0.01 --no-record
    .venv/bin/python benchmarks/dysts.py --limit 5 --no-nonpolynomial --no-record
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sympy

ROOT = Path(__file__).resolve().parent.parent
# this script's folder first on the path would make `import dysts` import this file
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

from physlens.bench.parallel import map_tasks  # noqa: E402
from physlens.bench.records import load_average, method_figures, write_record  # noqa: E402
from physlens.bench.store import Result, ResultsStore  # noqa: E402
from physlens.data import dysts_flows  # noqa: E402
from physlens.expr import parse_expression  # noqa: E402
from physlens.validate.dynamics import coefficient_error, support_recovery  # noqa: E402

METHODS = ("physlens", "sindy", "weak")
COEFFICIENT_TARGET = 0.05
MATCH_TOLERANCE = 0.05  # non-polynomial flows: relative RMS of (model rhs - flow rhs) near the attractor


def _pysindy_equations(model, states: list[str]) -> dict:
    """{state: right-hand side} of a fitted pysindy model (zero coefficients drop out)."""
    terms = sympy.Matrix([parse_expression(n.replace(" ", "*"), states) for n in model.get_feature_names()])
    right_hand_sides = sympy.Matrix(np.asarray(model.coefficients(), float).tolist()) * terms
    return dict(zip(states, right_hand_sides))


def _fit_peer(method: str, times, states_list, degree: int, states: list[str]) -> dict:
    import pysindy as ps

    poly = ps.PolynomialLibrary(degree=degree, include_bias=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sindy":
            model = ps.SINDy(feature_library=poly)
            model.fit(list(states_list), t=list(times), feature_names=states)
        else:
            library = ps.WeakPDELibrary(function_library=poly, spatiotemporal_grid=times[0], K=1000, p=4)
            model = ps.SINDy(feature_library=library, optimizer=ps.STLSQ(threshold=0.1))
            model.fit(list(states_list), t=float(times[0][1] - times[0][0]), feature_names=states)
    return _pysindy_equations(model, states)


def _rhs_match(name: str, equations: dict, dimension: int) -> float:
    """Relative RMS of (model rhs - flow rhs) at points near the attractor."""
    model = dysts_flows.flow(name)
    points = dysts_flows._attractor_points(name, dimension, 300, np.random.default_rng(1))
    symbols = sympy.symbols(f"x0:{dimension}", real=True)
    with np.errstate(all="ignore"):
        truth = np.array([np.asarray(model.rhs(x, 0.0), float).reshape(-1) for x in points])
        found = np.column_stack([np.broadcast_to(np.asarray(sympy.lambdify(symbols, equations.get(f"x{i}", 0))(*points.T),
                                                            float), (len(points),)) for i in range(dimension)])
    scale = np.sqrt(np.mean(truth**2, axis=0))
    error = np.sqrt(np.mean((found - truth) ** 2, axis=0)) / np.where(scale > 0, scale, 1.0)
    return float(np.max(error)) if np.all(np.isfinite(error)) else float("inf")


def run_task(task: tuple) -> list[dict]:
    """All methods on one (flow, noise, seed): the same trajectories for each."""
    from physlens.methods.dynamics import SparseDynamics

    name, noise, seed, n_points = task
    truth = dysts_flows.polynomial_truth(name)
    times, values = dysts_flows.trajectories(name, n_points=n_points, noise=noise, seed=seed)
    states = [f"x{i}" for i in range(truth.dimension)]
    rows = []
    for method in METHODS:
        if method != "physlens" and truth.equations is None:
            continue  # the peers are given the true degree, which only a polynomial flow has
        row = {"flow": name, "noise": noise, "seed": seed, "method": method, "polynomial": truth.equations is not None,
               "degree": truth.degree, "found": None, "exact": False, "exact_candidate": False, "coef_error": 1.0, "rhs_error": None,
               "wrong_claim": False, "reason": "", "seconds": 0.0, "verdicts": []}
        start = time.perf_counter()
        try:
            if method == "physlens":
                trajectory = np.repeat(np.arange(len(times)), [len(t) for t in times])
                model = SparseDynamics(random_state=seed).fit(np.vstack(values), np.concatenate(times),
                                                              trajectory=trajectory, state_names=states)
                interpretation = model.interpret()
                equations, row["found"] = model.equations_, bool(interpretation.found)
                row["verdicts"] = [v.to_dict() for v in interpretation.verdicts]
                row["reason"] = "; ".join(interpretation.reasons)
            else:
                equations = _fit_peer(method, times, values, truth.degree, states)
        except Exception as error:  # a peer's own failure is its miss; harness bugs surface in the reason text
            row["reason"] = f"{type(error).__name__}: {error}"
            row["seconds"] = time.perf_counter() - start
            rows.append(row)
            continue
        row["seconds"] = time.perf_counter() - start
        if truth.equations is not None:
            support = support_recovery(equations, truth.equations)
            row["exact_candidate"] = bool(support["exact"])
            # physlens counts only what it claims: an exact candidate refused (found=false) is a miss
            row["exact"] = bool(support["exact"]) and row["found"] is not False
            row["coef_error"] = float(coefficient_error(equations, truth.equations))
            if not support["exact"]:
                row["reason"] = ("missing " + ", ".join(support["missing"]) + "; extra " + ", ".join(support["extra"])
                                 + ("; " + row["reason"] if row["reason"] else ""))
        else:
            row["rhs_error"] = _rhs_match(name, equations, truth.dimension)
            row["exact_candidate"] = bool(row["rhs_error"] < MATCH_TOLERANCE)
            row["exact"] = row["exact_candidate"] and row["found"] is not False
        row["wrong_claim"] = bool(row["found"] and not row["exact_candidate"])
        row["equations"] = {s: sympy.sstr(e) for s, e in equations.items()}
        rows.append(row)
    return rows


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    table = []
    for (polynomial, noise, method), group in rows.groupby(["polynomial", "noise", "method"]):
        good = group["exact"] & (group["coef_error"] <= COEFFICIENT_TARGET)
        table.append({"flows": "polynomial" if polynomial else "non-polynomial", "noise": noise, "method": method,
                      "runs": len(group), "exact %": 100 * group["exact"].mean(),
                      "exact candidate %": 100 * group["exact_candidate"].mean(),
                      "exact & coef <= 5 % %": 100 * good.mean() if polynomial else float("nan"),
                      "found %": 100 * group["found"].astype(float).mean() if method == "physlens" else float("nan"),
                      "wrong claims": int(group["wrong_claim"].sum()),
                      "median coef error": float(group.loc[group["exact"], "coef_error"].median()) if polynomial else float("nan"),
                      "mean s": float(group["seconds"].mean())})
    return pd.DataFrame(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--noise", default="0.01,0.1", help="comma-separated noise levels (fraction of each state's RMS)")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--points", type=int, default=1000, help="samples per trajectory (100 per period)")
    parser.add_argument("--flows", default=None, help="comma-separated dysts flow names (default: all of dimension <= 4)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N flows (alphabetical), for a quick run")
    parser.add_argument("--no-nonpolynomial", action="store_true", help="skip the flows without a polynomial truth")
    parser.add_argument("--workers", type=int, default=1, help="local Dask processes (physlens.bench.parallel)")
    parser.add_argument("--store", default=None, help="results store (SQLite); rerun with the same store to resume")
    parser.add_argument("--no-record", action="store_true", help="do not write a benchmark record")
    args = parser.parse_args()
    load_before = load_average()
    names = [n.strip() for n in args.flows.split(",")] if args.flows else dysts_flows.flow_names()
    if args.no_nonpolynomial:
        names = [n for n in names if dysts_flows.polynomial_truth(n).equations is not None]
    if args.limit:
        names = names[: args.limit]
    noises = [float(v) for v in args.noise.split(",")]
    tasks = [(name, noise, seed, args.points) for name in names for noise in noises for seed in range(args.seeds)]
    store_path = args.store or str(Path(tempfile.mkdtemp()) / "dysts.sqlite")
    started = time.perf_counter()
    with ResultsStore(store_path) as store:
        done = {(r["task"], r["noise"], r["seed"]) for r in store.rows()}
        pending = [t for t in tasks if (f"dysts:{t[0]}", t[1], t[2]) not in done]
        with contextlib.closing(map_tasks(run_task, pending, workers=args.workers)) as finished:
            for item in finished:
                for row in item.result:
                    store.record(Result(task=f"dysts:{row['flow']}", dataset_fingerprint=f"{row['flow']}:{row['noise']}:{row['seed']}",
                                        method=row["method"], parameters={"points": args.points}, seed=row["seed"],
                                        noise=row["noise"], found=row["found"], interpretation={"equations": row.get("equations")},
                                        verdicts=row["verdicts"], metrics={k: row[k] for k in ("exact", "exact_candidate", "coef_error", "rhs_error",
                                        "wrong_claim", "polynomial", "degree", "reason")}, timings={"seconds": row["seconds"]},
                                        worker=item.worker))
                print(f"{item.task[0]} noise {item.task[1]}: " + ", ".join(
                    f"{r['method']} {'exact' if r['exact'] else 'miss'}" for r in item.result), flush=True)
        wanted = {(f"dysts:{n}", v, s) for n, v, s, _ in tasks}
        rows = [{"flow": r["task"].split(":", 1)[1], "method": r["method"], "noise": r["noise"], "seed": r["seed"],
                 "found": r["found"], "seconds": r["timings"].get("seconds", 0.0), **r["metrics"]}
                for r in store.rows() if (r["task"], r["noise"], r["seed"]) in wanted]
    elapsed = time.perf_counter() - started
    frame = pd.DataFrame(rows)
    table = summary(frame)
    misses = frame[~frame["exact"] | frame["wrong_claim"]].sort_values(["polynomial", "noise", "flow", "method"])
    print(table.to_markdown(index=False, floatfmt=".3g"))
    for noise in noises:
        poly = frame[(frame["noise"] == noise) & frame["polynomial"]]
        share = {m: poly.loc[poly["method"] == m, "exact"].mean() for m in METHODS}
        print(f"noise {noise}: physlens / weak form exact-support ratio "
              f"{share['physlens'] / share['weak'] if share['weak'] else float('inf'):.2f}; physlens / sindy "
              f"{share['physlens'] / share['sindy'] if share['sindy'] else float('inf'):.2f}")
    print("\nMisses:\n" + misses[["flow", "noise", "seed", "method", "found", "coef_error", "reason"]]
          .to_markdown(index=False, floatfmt=".3g"))
    print(f"total {elapsed:.0f} s for {len(pending)} tasks on {args.workers} worker(s)")
    if args.no_record:
        return
    records = frame.to_dict("records")
    headline = (method_figures([r for r in records if r["polynomial"]], "exact support share, polynomial flows",
                               score=lambda r: 100.0 * r["exact"], ours=["physlens"], peers=["sindy", "weak"], unit="%")
                + method_figures([r for r in records if r["polynomial"]], "mean largest coefficient error", direction="lower",
                                 score=lambda r: r["coef_error"], ours=["physlens"], peers=["sindy", "weak"]))
    write_record("dysts", "Governing equations of the dysts flows, physlens vs pysindy", rows=records, headline=headline,
                 seeds=list(range(args.seeds)), load_before=load_before,
                 notes=f"Flows ({len(names)}): {', '.join(names)}. {args.points} samples per trajectory, 3 trajectories, "
                       f"100 per period, noise levels {noises}. Peers get the true degree; physlens its defaults. "
                       f"Total {elapsed:.0f} s on {args.workers} worker(s); store {store_path}.",
                 tables={"summary": table.to_dict("records"), "misses": misses.to_dict("records")})


if __name__ == "__main__":
    main()
