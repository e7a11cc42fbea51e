"""Benchmark: Kolmogorov-Arnold network (in-house) vs physlens symbolic regression on the
Feynman equations the KAN paper used (Liu et al. 2024, Table 2; its II.11.7 is not in
our copy of the Feynman table, so 26 equations).

Same rows (simulate_feynman, noise 0) for both, in one run; exactness by SRBench's rule
(physlens.validate.symbolic.exact_match). The KAN paper fitted dimensionless versions
of these laws; here the raw Feynman table is used, as for every other physlens method.

    python benchmarks/kan.py [--equations I.6.2 ...] [--rows 1000] [--steps 800] [--sr-budget 20]
"""

from __future__ import annotations

import argparse
import time


from physlens.bench.records import figure, load_average, markdown_table, write_record
from physlens.data.feynman import simulate_feynman
from physlens.methods.kan import KolmogorovArnoldNetwork
from physlens.validate.symbolic import exact_match

KAN_PAPER_SUBSET = [
    "I.6.2", "I.6.2b", "I.9.18", "I.12.11", "I.13.12", "I.15.3x", "I.16.6", "I.18.4", "I.26.2", "I.27.6",
    "I.29.16", "I.30.3", "I.30.5", "I.37.4", "I.40.1", "I.44.4", "I.50.26", "II.2.42", "II.6.15a",
    "II.11.27", "II.35.18", "II.36.38", "II.38.3", "III.9.52", "III.10.19", "III.17.37",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--equations", nargs="*", default=KAN_PAPER_SUBSET)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--sr-budget", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", default="auto", help='"auto" (shapes tried simplest first) or hidden widths, e.g. 1 or 2,2')
    args = parser.parse_args()
    load_before = load_average()
    rows = []
    kan_exact = sr_exact = 0
    for identifier in args.equations:
        data = simulate_feynman(identifier, n_samples=args.rows, rng=args.seed)
        truth = data.truth.equations[data.target_name]
        start = time.perf_counter()
        width = args.width if args.width == "auto" else tuple(int(w) for w in args.width.split(",") if w)
        kan = KolmogorovArnoldNetwork(width=width, steps=args.steps, random_state=args.seed).fit_dataset(data)
        kan_seconds = time.perf_counter() - start
        kan_ok = exact_match(kan.equation_, truth)
        sr_text, sr_ok, sr_seconds = "(not run)", False, 0.0
        if args.sr_budget > 0:
            from physlens.methods.symbolic import SymbolicRegressor

            start = time.perf_counter()
            regressor = SymbolicRegressor(budget=args.sr_budget, random_state=args.seed).fit_dataset(data)
            sr_seconds = time.perf_counter() - start
            sr_text = str(regressor.equation_)
            sr_ok = exact_match(regressor.equation_, truth)
        kan_exact += kan_ok
        sr_exact += sr_ok
        kan_text = str(kan.equation_)
        kan_text = kan_text if len(kan_text) < 160 else kan_text[:157] + "..."
        rows.append({"equation": identifier, "truth": f"`{truth}`", "KAN shape": str([len(data.input_names), *kan.width_, 1]),
                     "KAN formula": f"`{kan_text}`", "KAN R2": kan.r2_, "KAN exact": bool(kan_ok), "KAN s": kan_seconds,
                     "SR formula": f"`{sr_text}`", "SR exact": bool(sr_ok), "SR s": sr_seconds, "seed": args.seed})
        print(markdown_table(rows[-1:], floatfmt=".5g"), flush=True)
    summary = f"exact: KAN {kan_exact}/{len(args.equations)}, physlens SR {sr_exact}/{len(args.equations)}"
    notes = (
        f"In-house KAN (Gaussian-RBF edges, {args.steps} Adam steps with L1 1e-3, prune at 3% of the layer's most active edge, "
        f"LBFGS, snap layer by layer to the simplest a*f(b*x+c)+d with R2 >= 0.999 and retrain, swap near-miss snaps, "
        f"constants refitted and snapped; width {args.width}: "
        f"{'hidden widths (), (1,), (2,) tried in turn, first exact fit kept, no per-equation shape' if args.width == 'auto' else 'the same shape for every equation'}) "
        f"vs physlens SymbolicRegressor ({args.sr_budget:g} s), "
        f"{args.rows} noise-free rows per equation."
    )
    print(notes + "\n\n" + markdown_table(rows, floatfmt=".5g") + "\n\n" + summary)
    count = max(len(args.equations), 1)
    headline = [figure("exact recoveries, KAN", 100.0 * kan_exact / count, peer="physlens SymbolicRegressor" if args.sr_budget > 0 else None,
                       peer_value=100.0 * sr_exact / count if args.sr_budget > 0 else None, unit="%")]
    write_record("kan", "KAN vs symbolic regression on the KAN paper's Feynman subset (issue 6)", rows=rows, headline=headline,
                 seeds=[args.seed], load_before=load_before, notes=notes)


if __name__ == "__main__":
    main()
