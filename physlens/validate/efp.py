"""Checks of a tagger read in the energy-flow-polynomial basis (Faucett, Thaler &
Whiteson 2021): the decision-ordering agreement, and, against a generator's truth,
whether the generating graphs were chosen and ranked first. Pure functions."""

from __future__ import annotations

import itertools

import numpy as np

from physlens.validate.verdict import Verdict


def decision_ordering(first: np.ndarray, second: np.ndarray, labels: np.ndarray, *, max_pairs: int = 250_000,
                      rng: np.random.Generator | None = None) -> float:
    """DO: over (signal, background) pairs, the fraction two classifiers order the same
    way (ties count half); all pairs, or ``max_pairs`` drawn at random."""
    signal, background = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    if signal.size == 0 or background.size == 0:
        return float("nan")
    if signal.size * background.size <= max_pairs:
        s, b = (g.ravel() for g in np.meshgrid(signal, background, indexing="ij"))
    else:
        rng = rng if rng is not None else np.random.default_rng(0)
        s, b = rng.choice(signal, max_pairs), rng.choice(background, max_pairs)
    agreement = np.sign(first[s] - first[b]) * np.sign(second[s] - second[b])
    return float(np.mean(np.where(agreement == 0, 0.5, agreement > 0)))


def canonical_graph(edges) -> tuple:
    """A multigraph's edge list, the same for every relabelling of its vertices."""
    vertices = sorted({v for edge in edges for v in edge})
    best = None
    for perm in itertools.permutations(range(len(vertices))):
        relabel = dict(zip(vertices, perm))
        form = tuple(sorted(tuple(sorted((relabel[u], relabel[v]))) for u, v in edges))
        best = form if best is None or form < best else best
    return best


def ordering_verdict(agreement: float, n_efps: int, *, target: float, max_efps: int) -> Verdict:
    passed = bool(np.isfinite(agreement) and agreement >= target and n_efps <= max_efps)
    return Verdict("decision ordering", passed, agreement,
                   f"{n_efps} EFPs order held-out signal/background pairs as the tagger does in {agreement:.3f} of pairs "
                   f"(needs >= {target} with <= {max_efps} EFPs)")


def tagger_verdict(auc: float, *, minimum: float = 0.6) -> Verdict:
    return Verdict("tagger learned", bool(auc >= minimum), auc,
                   f"held-out ROC AUC of the tagger {auc:.3f} (needs >= {minimum}: a tagger at chance has no decisions to map)")


def generating_graphs_verdicts(ranking: list, truth: list) -> list[Verdict]:
    """The first ranked graph is a generating one, and the generating graphs fill the
    first len(truth) places of the ranking."""
    ranked_forms = [canonical_graph(g) for g in ranking]
    truth_forms = {canonical_graph(g) for g in truth}
    first = bool(ranked_forms) and ranked_forms[0] in truth_forms
    leading = ranked_forms[:len(truth_forms)]
    found = [t for t in truth_forms if t in leading]
    return [
        Verdict("generating EFP ranked first", first, None, f"first ranked graph {ranked_forms[:1]}; generating {sorted(truth_forms)}"),
        Verdict("generating EFPs ranked on top", len(found) == len(truth_forms), len(found) / len(truth_forms),
                f"{len(found)} of {len(truth_forms)} generating graphs among the first {len(truth_forms)} of the ranking {ranked_forms}"),
    ]
