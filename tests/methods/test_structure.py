"""Translational symmetry probed on a surrogate, on Feynman laws with known structure."""

import pytest

from physlens.data.feynman import simulate_feynman
from physlens.methods.symbolic.structure import fit_surrogate, translational_symmetries


def surrogate_of(identifier):
    dataset = simulate_feynman(identifier, n_samples=3000, rng=0)
    dims = {v.name: v.dimension for v in dataset.variables}
    return dataset, dims, fit_surrogate(dataset.X, dataset.y, random_state=0)


def test_distance_has_translational_symmetries():
    dataset, dims, surrogate = surrogate_of("I.8.14")  # d = sqrt((x2-x1)^2 + (y2-y1)^2)
    pairs = {frozenset((a, b)) for a, b, _ in translational_symmetries(surrogate, dataset.input_names, dims)}
    assert pairs == {frozenset(("x1", "x2")), frozenset(("y1", "y2"))}


def test_weighted_mean_has_no_false_structure():
    dataset, dims, surrogate = surrogate_of("I.18.4")  # r = (m1 r1 + m2 r2) / (m1 + m2)
    assert translational_symmetries(surrogate, dataset.input_names, dims) == []


@pytest.mark.slow
def test_engine_searches_on_the_differences():
    # The symmetry is found and the search runs on x1 - x2 and y1 - y2; the exact law
    # sqrt((x2-x1)^2 + (y2-y1)^2) is not yet recovered in 40 s (issue 8 open).
    from physlens.methods.symbolic import SymbolicRegressor

    dataset = simulate_feynman("I.8.14", n_samples=2000, rng=0)
    method = SymbolicRegressor(budget=40, random_state=0).fit_dataset(dataset)
    assert {frozenset(s["variables"]) for s in method.symmetries_} == {frozenset(("x1", "x2")), frozenset(("y1", "y2"))}
    assert next(v.passed for v in method.verdicts_ if v.name == "dimensional consistency")
    names = {str(s) for s in method.equation_.free_symbols}
    assert names <= {"x1", "x2", "y1", "y2"}
