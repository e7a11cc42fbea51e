import numpy as np
import sympy

from physlens.data.lagrangian import SYSTEMS, lagrangian_trajectories, vector_field
from physlens.expr import symbols_for
from physlens.validate.lagrangian import acceleration_verdict, euler_lagrange_accelerations, lagrangian_equivalence, lagrangian_verdict


def test_equivalence_is_up_to_scale_and_total_derivative_and_nothing_more():
    data = lagrangian_trajectories("double_pendulum", 3, 20)
    names = ["q1", "q2", "v1", "v2"]
    s = symbols_for(names)
    truth = data.truth.equations["L"]
    states = np.column_stack([data[n] for n in names])
    # -3 L + d/dt(q1 q2 + sin q1) + 7: equivalent
    same = -3 * truth + s["q1"] * s["v2"] + s["q2"] * s["v1"] + sympy.cos(s["q1"]) * s["v1"] + 7
    alpha, residual = lagrangian_equivalence(same, truth, names[:2], names[2:], states)
    assert abs(alpha + 3) < 1e-12 and residual < 1e-12
    assert lagrangian_verdict(residual, alpha).passed
    # an extra v1^4: different motion
    _, residual = lagrangian_equivalence(truth + s["v1"] ** 4 / 10, truth, names[:2], names[2:], states)
    assert residual > 0.01 and not lagrangian_verdict(residual, 1.0).passed


def test_accelerations_from_each_true_lagrangian_match_the_simulator():
    for system in SYSTEMS:
        data = lagrangian_trajectories(system, 2, 10)
        coordinates, velocities = list(data.truth.parameters["coordinates"]), list(data.truth.parameters["velocities"])
        states = np.column_stack([data[n] for n in coordinates + velocities])
        predicted = euler_lagrange_accelerations(data.truth.equations["L"], coordinates, velocities, states)
        assert np.allclose(predicted, vector_field(system)(states)[:, len(coordinates):], atol=1e-12)
        assert acceleration_verdict(predicted, predicted * 1.01, "x").passed
        assert not acceleration_verdict(predicted, predicted * 1.5, "x").passed


def test_a_lagrangian_without_kinetic_term_gives_no_acceleration_not_an_error():
    q, v = symbols_for(["q", "v"]).values()
    assert np.isnan(euler_lagrange_accelerations(sympy.cos(q), ["q"], ["v"], np.array([[0.1, 0.2]]))).all()
