import numpy as np
import pytest

from physlens.compare.scoring import score
from physlens.data.lagrangian import lagrangian_trajectories, vector_field
from physlens.errors import DataError
from physlens.methods.lagrangian import LagrangianNN
from physlens.methods.lagrangian.reading import lagrangian_from_motion
from physlens.validate.lagrangian import lagrangian_equivalence


def _truth_names(data):
    return list(data.truth.parameters["coordinates"]), list(data.truth.parameters["velocities"])


def test_lnn_learns_the_pendulum_and_its_closed_form_matches_the_true_lagrangian():
    data = lagrangian_trajectories("pendulum", 10, 20, rng=np.random.default_rng(0))
    model = LagrangianNN(hidden=(32, 32), steps=300, polish_steps=100, random_state=0).fit_dataset(data)
    assert model.acceleration_error_ < 0.02
    model.closed_form(2, ["cos(q)"])
    coordinates, velocities = _truth_names(data)
    alpha, residual = lagrangian_equivalence(model.equation_, data.truth.equations["L"], coordinates, velocities, model.training_states_)
    assert residual < 1e-3 and alpha != 0, (model.equation_, residual)
    interpretation = model.interpret()
    assert interpretation.found, interpretation.reasons
    # the energy v dL/dv - L it conserves is the true energy up to scale and offset
    verdicts = {v.name: v for v in score(model, interpretation, data)}
    assert verdicts["learned energy matches true energy"].passed, verdicts["learned energy matches true energy"].reason
    assert verdicts["closed-form L matches true L"].passed, verdicts["closed-form L matches true L"].reason


@pytest.mark.parametrize("system, extra", [("relativistic", ["sqrt(1 - v**2)"]), ("double_pendulum", ["cos(q1)", "cos(q2)", "v1*v2*cos(q1 - q2)"])])
def test_the_equations_of_motion_reading_recovers_l_from_exact_accelerations(system, extra):
    data = lagrangian_trajectories(system, 6, 30, rng=np.random.default_rng(2))
    coordinates, velocities = _truth_names(data)
    states = np.column_stack([data[n] for n in coordinates + velocities])
    accelerations = vector_field(system)(states)[:, len(coordinates):]
    found, residual = lagrangian_from_motion(states, accelerations, coordinates + velocities, 2, extra)
    _, equivalence = lagrangian_equivalence(found, data.truth.equations["L"], coordinates, velocities, states)
    assert equivalence < 1e-8, found
    # q1 v2 + q2 v1 = d(q1 q2)/dt and other total derivatives never appear
    assert "q1*v2" not in str(found) and "q*v" not in str(found)


def test_bad_shapes_are_refused_by_name():
    data = lagrangian_trajectories("pendulum", 2, 10)
    states = np.column_stack([data["q"], data["v"]])
    with pytest.raises(DataError, match="even number of columns"):
        LagrangianNN(steps=1).fit(states[:, :1], data["d_v"][:, None])
    with pytest.raises(DataError, match="one column per coordinate"):
        LagrangianNN(steps=1).fit(states, states)
    assert "acceleration columns" in LagrangianNN.applicable_to(lagrangian_trajectories("pendulum", 2, 10).__class__(
        {k: v for k, v in data.arrays.items() if k != "d_v"}, tuple(v for v in data.variables if v.name != "d_v"), kind="trajectories"))
