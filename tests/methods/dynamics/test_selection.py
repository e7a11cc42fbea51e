"""Support selection: STLSQ, the Pareto front and the bootstrap ensemble on a known sparse system."""

from __future__ import annotations

import numpy as np
import sympy

from physlens.methods.dynamics.selection import compress, ensemble_inclusion, pareto_thresholds, stlsq


def _sparse_system(seed=0):
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((400, 6))
    B = np.column_stack([2 * G[:, 0] - 3 * G[:, 2], 0.5 * G[:, 4]]) + 0.01 * rng.standard_normal((400, 2))
    G, B = G / np.sqrt(np.mean(G**2, axis=0)), B / np.sqrt(np.mean(B**2, axis=0))
    return G, B, np.arange(400) // 80


def test_compressed_least_squares_equals_the_full_one():
    G, B, _ = _sparse_system()
    R, QB = compress(G, B)
    assert np.allclose(np.linalg.lstsq(R, QB, rcond=None)[0], np.linalg.lstsq(G, B, rcond=None)[0])
    assert np.array_equal(stlsq(R, QB, 0.1) != 0, stlsq(G, B, 0.1) != 0)


def test_pareto_front_picks_the_true_support_and_the_ensemble_agrees():
    G, B, groups = _sparse_system()
    terms = sympy.symbols("a b c d e f")
    thresholds, fronts, candidates = pareto_thresholds(G, B, groups, terms)
    chosen = [front[front["chosen"]].iloc[0]["terms"] for front in fronts]
    assert chosen == ["a, c", "e"]
    inclusion = ensemble_inclusion(G, B, thresholds, candidates, 10, 0.0, np.random.default_rng(0))
    assert np.array_equal(inclusion >= 0.6, np.array([[1, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0]], bool))
    fixed = ensemble_inclusion(G, B, thresholds, None, 10, 0.0, np.random.default_rng(0))
    assert np.array_equal(fixed >= 0.6, inclusion >= 0.6)
