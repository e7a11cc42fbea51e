"""The dysts flows' truth read from their own right-hand sides (known answers: the
published Lorenz, Rossler and Sprott B equations) and their trajectories."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

pytest.importorskip("dysts")

from physlens.data import dysts_flows  # noqa: E402
from physlens.errors import ParameterError  # noqa: E402
from physlens.validate.dynamics import coefficient_error, support_recovery  # noqa: E402

x0, x1, x2 = sympy.symbols("x0:3", real=True)


@pytest.mark.parametrize("name, equations", [
    ("Lorenz", {"x0": -10 * x0 + 10 * x1, "x1": 28 * x0 - x1 - x0 * x2, "x2": x0 * x1 - 2.667 * x2}),
    ("Rossler", {"x0": -x1 - x2, "x1": x0 + 0.2 * x1, "x2": 0.2 + x0 * x2 - 5.7 * x2}),
    ("SprottB", {"x0": x1 * x2, "x1": x0 - x1, "x2": 1 - x0 * x1}),
])
def test_polynomial_truth_is_the_published_equations(name, equations):
    model = dysts_flows.flow(name)
    truth = dysts_flows.polynomial_truth(name)
    assert truth.degree == 2 and truth.residual < dysts_flows.ROUND_OFF
    # the parameters as dysts holds them (Rossler's and Sprott B's names vary by paper)
    assert support_recovery(truth.equations, equations)["exact"], (model.params, truth.equations)
    assert coefficient_error(truth.equations, equations) < 1e-9


def test_a_non_polynomial_flow_has_no_polynomial_truth():
    truth = dysts_flows.polynomial_truth("Thomas")  # sin(x) terms
    assert truth.equations is None and truth.degree is None and truth.residual > 1e-3


def test_flow_names_are_autonomous_and_low_dimensional():
    names = dysts_flows.flow_names()
    assert "Lorenz" in names and "Lorenz96" in names and len(names) > 80
    assert all(len(np.atleast_1d(dysts_flows.flow(n).ic)) <= 4 for n in names[:5])


def test_trajectories_have_the_requested_noise_and_sampling():
    clean_t, clean = dysts_flows.trajectories("Lorenz", n_trajectories=2, n_points=300, seed=3)
    noisy_t, noisy = dysts_flows.trajectories("Lorenz", n_trajectories=2, n_points=300, noise=0.1, seed=3)
    assert len(clean) == 2 and clean[0].shape == (300, 3)
    period = dysts_flows.flow("Lorenz").period
    assert np.allclose(np.diff(clean_t[0]), period / 100, rtol=0.01)  # 100 points per period
    ratio = np.std(noisy[0] - clean[0], axis=0) / np.sqrt(np.mean(clean[0] ** 2, axis=0))
    assert np.allclose(ratio, 0.1, rtol=0.2)
    with pytest.raises(ParameterError, match="noise"):
        dysts_flows.trajectories("Lorenz", noise=-1)
    with pytest.raises(ParameterError, match="no dysts flow"):
        dysts_flows.flow("NotAFlow")
