import numpy as np

from physlens.expr import parse_expression
from physlens.validate.conserved import count_verdict, independent_subset, white_noise_share, within_share


def test_white_noise_share_and_within_share_known_answers():
    rng = np.random.default_rng(0)
    trajectory = np.repeat(np.arange(4), 2000)
    level = np.repeat([1.0, 2.0, 3.0, 4.0], 2000)
    # conserved (one level per trajectory) seen through white noise: the two shares agree
    noisy = level + rng.normal(0, 0.01, 8000)
    assert abs(white_noise_share(noisy, trajectory) / within_share(noisy, trajectory) - 1) < 0.1
    # a slow drift along each trajectory: far more scatter than its 4th differences show
    drifting = level + np.tile(np.linspace(0, 0.05, 2000), 4)
    assert within_share(drifting, trajectory) > 1e3 * white_noise_share(drifting, trajectory)
    values = np.array([1.0, 1.0, 3.0, 3.0])
    assert within_share(values, np.array([0, 0, 1, 1])) == 0
    assert within_share(values, np.array([0, 1, 0, 1])) == 1


def test_independent_subset_drops_functions_of_the_others():
    names = ["x", "y", "px", "py"]
    expressions = [parse_expression(e, names) for e in ("px**2 + x**2", "py**2 + y**2", "x*y + px*py", "x*py - y*px", "px**2 + x**2 + py**2 + y**2")]
    points = np.random.default_rng(2).normal(size=(100, 4))
    assert independent_subset(expressions, names, points) == [0, 1, 2]
    assert count_verdict(3, 3).passed and not count_verdict(2, 3).passed
