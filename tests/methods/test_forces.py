"""Graph network + symbolic regression and neighbour attention, scored against the true
pair forces and interaction radius."""

import numpy as np
import pytest

from physlens.data.particles import simulate_agents, simulate_particles
from physlens.errors import DataError, ParameterError
from physlens.methods.forces import GraphNetwork, NeighbourAttention, refit_on_accelerations
from physlens.expr import parse_expression
from physlens.validate.couplings import linear_r2, relative_error
from physlens.validate.symbolic import symbolic_equivalence


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _off_diagonal(values):
    N = values.shape[1]
    return values[:, ~np.eye(N, dtype=bool)]


def test_graph_network_messages_are_linear_in_the_true_force():
    data = simulate_particles("spring", 3, 400, seed=0)
    model = GraphNetwork(steps=400, hidden=64, sr_budget=2.0, sr_edges=300, random_state=0).fit_dataset(data)
    messages = _off_diagonal(model.messages(data["positions"], data["masses"], data["charges"]))
    true_forces = _off_diagonal(data.truth.parameters["pair_forces"])
    for k in range(messages.shape[-1]):
        assert linear_r2(true_forces.reshape(-1, 2), messages[..., k].ravel()) >= 0.9
    interpretation = model.interpret()
    assert interpretation.kind == "force_law" and "F_x" in interpretation.expressions
    assert model.newton_third_law_error_ < 0.3


def test_refit_on_accelerations_pins_constants_of_the_right_form():
    data = simulate_particles("gravity", 4, 200, seed=1)
    model = GraphNetwork()
    features, names, _ = model._edge_features(data["positions"], data["masses"], data["charges"])
    rough = parse_expression("-0.9967*dx*m_i*m_j/r**3 - 0.0052 + 0.0109/r", names)
    assert not symbolic_equivalence(rough, data.truth.equations["F_x"]).passed
    refitted, r2 = refit_on_accelerations(rough, names, features, data["accelerations"], data["masses"])
    assert r2 > 1 - 1e-9
    assert symbolic_equivalence(refitted, data.truth.equations["F_x"]).passed


@pytest.mark.slow
@pytest.mark.parametrize("force", ["spring", "gravity"])
def test_graph_network_recovers_the_force_law_exactly(force):
    data = simulate_particles(force, 4, 2000, seed=0)
    model = GraphNetwork(sr_budget=20.0, random_state=0).fit_dataset(data)
    assert symbolic_equivalence(model.equation_, data.truth.equations["F_x"]).passed


def test_neighbour_attention_finds_the_radius():
    data = simulate_agents(30, 120, radius=1.0, box=5.0, noise=0.05, seed=0)
    model = NeighbourAttention(steps=400, random_state=0).fit_dataset(data)
    assert relative_error(model.radius_, 1.0) < 0.1
    interpretation = model.interpret()
    assert interpretation.found
    assert interpretation.arrays["relative_weight"][0] == pytest.approx(1.0)


def test_bad_particle_input_is_named():
    data = simulate_particles("spring", 3, 20, seed=0)
    positions = np.array(data["positions"])
    positions[4, 1, 0] = np.nan
    with pytest.raises(DataError, match=r"positions sample \(row\) 4, particle 1 is not finite"):
        GraphNetwork(steps=1).fit(positions, data["accelerations"])
    with pytest.raises(DataError, match="accelerations has 19 samples"):
        GraphNetwork(steps=1).fit(data["positions"], data["accelerations"][:19])
    masses = np.array(data["masses"])
    masses[2, 0] = -1.0
    with pytest.raises(DataError, match=r"masses sample \(row\) 2, particle 0 .* must be > 0"):
        GraphNetwork(steps=1).fit(data["positions"], data["accelerations"], masses=masses)
    with pytest.raises(ParameterError, match="steps"):
        GraphNetwork(steps=0).fit(data["positions"], data["accelerations"])
    agents = simulate_agents(5, 4, seed=0)
    velocities = np.array(agents["velocities"])
    velocities[0, 0] = 0.0
    with pytest.raises(DataError, match=r"velocities sample \(row\) 0, agent 0 is zero"):
        NeighbourAttention(steps=1).fit(agents["positions"], velocities, agents["next_velocities"])
