import numpy as np
import pytest

from physlens.data.oscillators import measured_period, simulate_oscillator_accelerations, simulate_oscillator_periods
from physlens.errors import ParameterError


def test_accelerations_match_equation_of_motion():
    dataset = simulate_oscillator_accelerations(6, 10, rng=1)
    expected = -dataset["k"] * dataset["x"] / dataset["m"]
    np.testing.assert_allclose(dataset["a"], expected, atol=1e-6 * np.abs(expected).max())
    assert dataset.variable("a").unit == "m/s^2"
    assert str(dataset.truth.equations["a"]) == "-k*x/m"


def test_periods_measured_from_trajectories_match_truth():
    dataset = simulate_oscillator_periods(8, rng=2)
    np.testing.assert_allclose(dataset["T"], 2 * np.pi * np.sqrt(dataset["m"] / dataset["k"]), rtol=1e-6)


def test_measured_period_of_a_sine():
    t = np.linspace(0, 10, 10_001)
    assert measured_period(t, np.sin(2 * np.pi * t / 2.5)) == pytest.approx(2.5, rel=1e-6)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="n_oscillators"):
        simulate_oscillator_periods(1)
    with pytest.raises(ParameterError, match="noise"):
        simulate_oscillator_accelerations(5, noise=-1)
