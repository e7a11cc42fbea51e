import numpy as np
import pytest

from physlens.data.invariants import central_potential_trajectories, relativistic_events, similar_matrices
from physlens.errors import ParameterError
from physlens.expr import to_function


def _spread_within_events(dataset, name):
    values = to_function(dataset.truth.conserved[name], dataset.input_names)(*dataset.X.T)
    values = np.broadcast_to(values, (dataset.n_samples,))
    events = dataset["event"]
    within = max(np.ptp(values[events == e]) for e in np.unique(events))
    return within, np.std(values)


@pytest.mark.parametrize(
    "simulate, names",
    [
        (lambda rng: relativistic_events(20, 5, rng=rng), ["s2"]),
        (lambda rng: central_potential_trajectories(8, 6, duration=5.0, rng=rng), ["E", "L"]),
        (lambda rng: similar_matrices(20, 5, rng=rng), ["trace", "minors", "det"]),
    ],
)
def test_true_invariants_are_constant_within_events_and_vary_between(simulate, names, rng):
    dataset = simulate(rng)
    assert dataset.kind == "events"
    assert set(dataset.truth.conserved) == set(names)
    for name in names:
        within, between = _spread_within_events(dataset, name)
        assert within < 1e-7 * max(1.0, between)
        assert between > 0.05


def test_boosts_change_the_coordinates(rng):
    dataset = relativistic_events(10, 4, rng=rng)
    first = dataset.X[dataset["event"] == 0]
    assert np.ptp(first[:, 0]) > 1e-3  # t differs between frames while s^2 does not


def test_same_seed_same_data():
    a = similar_matrices(5, 3, rng=np.random.default_rng(3))
    b = similar_matrices(5, 3, rng=np.random.default_rng(3))
    assert a.fingerprint() == b.fingerprint()


@pytest.mark.parametrize(
    "call, parameter",
    [
        (lambda: relativistic_events(1, 5), "n_events"),
        (lambda: relativistic_events(5, 1), "samples_per_event"),
        (lambda: relativistic_events(5, 5, max_rapidity=-1.0), "max_rapidity"),
        (lambda: central_potential_trajectories(5, 5, duration=1.0, dt=0.5), "dt"),
        (lambda: similar_matrices(5, 5, conditioning=0), "conditioning"),
    ],
)
def test_bad_parameters_are_named(call, parameter):
    with pytest.raises(ParameterError, match=parameter):
        call()
