"""Benchmark: a jet tagger mapped onto energy-flow polynomials (issue 30, part 3).
Constituent jets (physlens.data.efp_jets) labelled through one EFP (the one-edge graph,
the normalised mass) and, in two more datasets, through two (one edge and the triangle:
their product, and the ratio C2 = e3 / e2^2).
On the same trained Energy Flow Network tagger, in one run:
  efp_decision_ordering   physlens: greedy fewest EFPs (d <= 5, beta = 2) matching the tagger's decision ordering
  logistic_all_efps       the peer: sklearn LogisticRegression on all the log EFPs, trained on the labels
Targets: the generating EFP ranked first (and both generating EFPs on top of the ranking); DO >= 0.95 with <= 3 EFPs.
    python benchmarks/efp.py [--jets 2000] [--max-degree 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from physlens.bench.records import figure, load_average, markdown_table, write_record
from physlens.data.efp_jets import MASS_GRAPH, TRIANGLE_GRAPH, efp_jets
from physlens.methods.efp import EFPDecisionOrdering, efp_basis
from physlens.validate.efp import decision_ordering, generating_graphs_verdicts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jets", type=int, default=2000)
    parser.add_argument("--max-degree", type=int, default=5)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    load_before = load_average()
    rows = []
    cases = (("one EFP (mass)", (MASS_GRAPH,), None), ("two EFPs (mass x triangle)", (MASS_GRAPH, TRIANGLE_GRAPH), None),
             ("two EFPs (C2 = triangle / mass^2)", (MASS_GRAPH, TRIANGLE_GRAPH), (-2, 1)))
    for label, graphs, powers in cases:
        jets = efp_jets(args.jets, graphs=graphs, powers=powers, rng=np.random.default_rng(args.seed))
        start = time.perf_counter()
        model = EFPDecisionOrdering(max_degree=args.max_degree, steps=args.steps, random_state=args.seed).fit_dataset(jets)
        seconds = time.perf_counter() - start
        first, chosen = generating_graphs_verdicts(model.ranking_, jets.truth.parameters["graphs"])
        # the peer on the same EFPs, split and tagger
        from sklearn.linear_model import LogisticRegression

        values, _ = efp_basis(jets["constituents"], args.max_degree, 2.0)
        features = np.log(np.maximum(values, 1e-300))
        order = np.random.default_rng(args.seed).permutation(len(features))
        n_test = int(round(0.3 * len(features)))
        test, train = order[:n_test], order[n_test:]
        scale = features[train].std(axis=0)
        features = (features - features[train].mean(axis=0)) / np.where(scale > 0, scale, 1.0)
        y = jets["label"]
        start = time.perf_counter()
        peer = LogisticRegression(max_iter=2000).fit(features[train], y[train])
        peer_seconds = time.perf_counter() - start
        tagger = model.decision_function(jets["constituents"])
        peer_do = decision_ordering(peer.decision_function(features[test]), tagger[test], y[test])
        rows.append({"dataset": label, "seed": args.seed, "chosen": str([list(g) for g in model.graphs_]), "ranking": str([list(g) for g in model.ranking_]),
                     "ranking_do": str([round(v, 4) for v in model.ranking_ordering_]), "do_physlens": model.ordering_[-1],
                     "n_efps": len(model.graphs_), "generating_first": bool(first.passed), "generating_on_top": bool(chosen.passed),
                     "do_peer_all_efps": peer_do, "n_efps_peer": features.shape[1], "tagger_auc": model.test_auc_,
                     "seconds": seconds, "peer_seconds": peer_seconds})
        print(rows[-1], flush=True)
    print(markdown_table(rows, floatfmt=".3g"))
    headline = [figure(f"decision ordering with the tagger, {r['dataset']}", r["do_physlens"], peer="logistic regression on all EFPs",
                       peer_value=r["do_peer_all_efps"], target=">= 0.95 with <= 3 EFPs") for r in rows]
    headline += [figure(f"generating EFP ranked first, {r['dataset']}", "yes" if r["generating_first"] else "no", target="yes") for r in rows]
    notes = (f"{args.jets} jets per dataset, EFN tagger ({args.steps} full-batch Adam steps), EFPs d <= {args.max_degree}, beta = 2, "
             "connected graphs; DO over held-out (signal, background) pairs.")
    write_record("efp", "A jet tagger mapped onto energy-flow polynomials (issue 30)", rows=rows, headline=headline, seeds=[args.seed],
                 load_before=load_before, notes=notes)


if __name__ == "__main__":
    main()
