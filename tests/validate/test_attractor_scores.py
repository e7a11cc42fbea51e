"""Known answers for the attractor statistics in physlens.validate.dynamics: mean
period, Lyapunov exponent from nearest-neighbour divergence, density and spectrum
distances."""

from __future__ import annotations

import numpy as np
import pytest

from physlens.data.trajectories import simulate
from physlens.validate.dynamics import density_distance, largest_lyapunov, mean_period, spectrum_distance

DT = 0.01


def _sines(frequency: float, n: int = 4000, phase: float = 0.0) -> np.ndarray:
    t = DT * np.arange(n)
    return np.column_stack([np.sin(2 * np.pi * frequency * t + phase), np.cos(2 * np.pi * frequency * t + phase)])


def test_mean_period_of_a_sine_is_its_period():
    assert mean_period([_sines(0.5)], DT) == pytest.approx(2.0, rel=0.02)


def test_a_limit_cycle_has_no_positive_exponent_and_lorenz_has_one():
    assert largest_lyapunov([_sines(0.5)], DT) < 0.05
    data = simulate("lorenz", n_trajectories=2, t_end=40.0, dt=0.01, rng=0)
    ids = np.asarray(data["trajectory"])
    segments = [np.column_stack([np.asarray(data[s])[ids == k] for s in ("x", "y", "z")]) for k in np.unique(ids)]
    # the literature's 0.906; nearest-neighbour divergence on 80 time units is biased low
    assert 0.3 < largest_lyapunov(segments, 0.01) < 1.5


def test_density_distance_is_the_shift_in_standard_deviations():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((20000, 2))
    assert density_distance(data + [1.0, 0.0], data) == pytest.approx(1.0, abs=0.03)
    assert density_distance(rng.standard_normal((20000, 2)), data) < 0.05
    assert density_distance(np.full((10, 2), np.nan), data) == np.inf


def test_spectrum_distance_tells_frequencies_apart_not_phases():
    assert spectrum_distance(_sines(0.5, phase=1.0), _sines(0.5), DT) < 0.02
    assert spectrum_distance(_sines(2.0), _sines(0.5), DT) > 0.9
    assert spectrum_distance(np.full((4000, 2), np.nan), _sines(0.5), DT) == 1.0
