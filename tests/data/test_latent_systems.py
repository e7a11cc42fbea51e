"""Latent-parameter systems: observations follow the stated laws, truth is filled."""

import numpy as np
import pytest

from physlens.data.latent_systems import GRAVITY, damped_oscillator, oscillator_position, projectile
from physlens.errors import ParameterError


def test_oscillator_follows_damped_law():
    ds = damped_oscillator(20, seed=1)
    times = ds.truth.parameters["times"]
    k, b = ds["k"], ds["b"]
    assert ds["observation"].shape == (20, 50) and ds.kind == "series"
    np.testing.assert_allclose(ds["observation"][:, 0], 1.0)  # x(0) = A cos(phi) = 1
    omega = np.sqrt(k - b**2 / 4)
    expected = np.exp(-b[:, None] * times / 2) * np.cos(omega[:, None] * times)
    np.testing.assert_allclose(ds["observation"], expected, rtol=1e-12)
    assert ds["question"].shape == ds["answer"].shape == (20, 10, 1)  # 10 questions per sample
    np.testing.assert_allclose(ds["answer"][..., 0], oscillator_position(ds["question"][..., 0], k[:, None], b[:, None]))
    assert ds["question"].min() >= 0 and ds["question"].max() <= 10  # beyond the observed 5 s
    assert 5 <= k.min() and k.max() <= 10 and 0.5 <= b.min() and b.max() <= 1
    assert ds.names("parameter") == ["k", "b"]
    assert ds.truth.parameters["latent_dimension"] == 2


def test_projectile_follows_ballistic_law():
    ds = projectile(10, n_questions=3, seed=2)
    v, a = ds["v0"][:, None], ds["theta"][:, None]
    t = ds["question"][..., 0]
    assert ds["question"].shape == (10, 3, 1) and ds["answer"].shape == (10, 3, 2)
    np.testing.assert_allclose(ds["answer"][..., 0], v * np.cos(a) * t)
    np.testing.assert_allclose(ds["answer"][..., 1], v * np.sin(a) * t - GRAVITY * t**2 / 2)
    assert ds["observation"].shape == (10, 50)
    np.testing.assert_allclose(ds["observation"][:, 0], 0.0)


def test_same_seed_same_data():
    np.testing.assert_array_equal(damped_oscillator(5, seed=3)["k"], damped_oscillator(5, seed=3)["k"])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: damped_oscillator(1), "n_samples"),
        (lambda: damped_oscillator(10, spring_range=(5, 1)), "spring_range"),
        (lambda: damped_oscillator(10, spring_range=(0.01, 0.02), damping_range=(1, 2)), "overdamped"),
        (lambda: projectile(10, angle_range=(0.2, 2.0)), "angle_range"),
        (lambda: damped_oscillator(10, n_questions=0), "n_questions"),
    ],
)
def test_bad_parameters_are_named(call, message):
    with pytest.raises(ParameterError, match=message):
        call()
