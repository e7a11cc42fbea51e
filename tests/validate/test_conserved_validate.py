import numpy as np

from physlens.expr import parse_expression
from physlens.validate.conserved import count_verdict, independent_subset, noise_share, state_noise, within_share


def test_state_noise_reads_white_noise_on_a_smooth_orbit():
    rng = np.random.default_rng(0)
    t = np.tile(np.linspace(0, 10, 2000), 3)
    trajectory = np.repeat(np.arange(3), 2000)
    states = np.column_stack([np.cos(t), np.sin(t)]) + rng.normal(0, [0.01, 0.001], (6000, 2))
    assert np.allclose(state_noise(states, trajectory), [0.01, 0.001], rtol=0.1)


def test_within_share_and_noise_share_known_answers():
    values = np.array([1.0, 1.0, 3.0, 3.0])
    assert within_share(values, np.array([0, 0, 1, 1])) == 0
    assert within_share(values, np.array([0, 1, 0, 1])) == 1
    names = ["x", "p"]
    states = np.random.default_rng(1).normal(size=(500, 2))
    # g = x: noise sigma on x gives sigma^2 / var(x)
    assert abs(noise_share(parse_expression("x", names), names, states, np.array([0.1, 0.0])) - 0.01 / states[:, 0].var()) < 1e-12


def test_independent_subset_drops_functions_of_the_others():
    names = ["x", "y", "px", "py"]
    expressions = [parse_expression(e, names) for e in ("px**2 + x**2", "py**2 + y**2", "x*y + px*py", "x*py - y*px", "px**2 + x**2 + py**2 + y**2")]
    points = np.random.default_rng(2).normal(size=(100, 4))
    assert independent_subset(expressions, names, points) == [0, 1, 2]
    assert count_verdict(3, 3).passed and not count_verdict(2, 3).passed
