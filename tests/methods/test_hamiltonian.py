import numpy as np
import pytest

from physlens.compare.scoring import score_hamiltonian
from physlens.data.hamiltonian import hamiltonian_trajectories
from physlens.errors import DataError, ParameterError
from physlens.expr import parse_expression, to_function
from physlens.methods.hamiltonian import HamiltonianNN, PlainDynamicsNN, energy_drift


def test_hnn_learns_the_mass_spring_hamiltonian_and_conserves_it_better_than_a_plain_network():
    data = hamiltonian_trajectories("mass_spring", 10, 30, rng=np.random.default_rng(0))
    hnn = HamiltonianNN(hidden=(32, 32), steps=200, polish_steps=100, random_state=0).fit_dataset(data)
    plain = PlainDynamicsNN(hidden=(32, 32), steps=200, polish_steps=100, random_state=0).fit_dataset(data)
    true_h = to_function(data.truth.equations["H"], ["q", "p"])
    initial = np.array([[0.8, 0.0], [0.0, -0.5]])
    # 20 periods, 100 RK4 steps per period
    hnn.compare_drift(plain, lambda x: true_h(*x.T), initial, 2 * np.pi / 100, 2000, every=10)
    interpretation = hnn.interpret()
    # the truth is scored at compare time, not stored on the estimator
    verdicts = {v.name: v for v in interpretation.verdicts + score_hamiltonian(hnn, interpretation, data)}
    assert verdicts["learned H matches true H"].passed, verdicts["learned H matches true H"].reason
    assert hnn.drift_ * 5 < hnn.baseline_drift_, verdicts["energy drift vs plain network"].reason


def test_lbfgs_polish_takes_the_fit_far_below_adam_alone():
    data = hamiltonian_trajectories("pendulum", 8, 20, rng=np.random.default_rng(1))
    adam = HamiltonianNN(hidden=(16, 16), steps=200, polish_steps=0, random_state=0).fit_dataset(data)
    polished = HamiltonianNN(hidden=(16, 16), steps=200, polish_steps=200, random_state=0).fit_dataset(data)
    assert polished.training_loss_ < adam.training_loss_ / 10, (adam.training_loss_, polished.training_loss_)


def test_two_body_hamiltonian_is_learned_in_relative_coordinates():
    data = hamiltonian_trajectories("two_body", 10, 20, rng=np.random.default_rng(0))
    hnn = HamiltonianNN(hidden=(32, 32), steps=200, polish_steps=300, random_state=0).fit_dataset(data)
    verdicts = {v.name: v for v in score_hamiltonian(hnn, hnn.interpret(), data)}
    assert verdicts["learned H matches true H"].passed, verdicts["learned H matches true H"].reason


def test_invariant_features_make_h_rotation_invariant_and_conserve_angular_momentum():
    data = hamiltonian_trajectories("two_body", 6, 20, rng=np.random.default_rng(0))
    hnn = HamiltonianNN(hidden=(16, 16), steps=100, polish_steps=0, invariant_features=True, random_state=0).fit_dataset(data)
    x = np.random.default_rng(1).normal(size=(50, 4))
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    rotated = np.column_stack([x[:, :2] @ rotation.T, x[:, 2:] @ rotation.T])
    assert np.allclose(hnn.energy(rotated), hnn.energy(x), atol=1e-12)
    # dL/dt = x dpy/dt + py dx/dt - y dpx/dt - px dy/dt vanishes under the learned flow
    v = hnn.vector_field(x)
    assert np.max(np.abs(x[:, 0] * v[:, 3] + x[:, 3] * v[:, 0] - x[:, 1] * v[:, 2] - x[:, 2] * v[:, 1])) < 1e-12
    # the chain rule through the invariants matches finite differences of H_theta
    step = 1e-6
    numeric = np.column_stack([(hnn.energy(x + step * e) - hnn.energy(x - step * e)) / (2 * step) for e in np.eye(4)])
    assert np.allclose(hnn.energy_gradient(x), numeric, atol=1e-6)
    # without the symmetry neither property holds for a network this small
    raw = HamiltonianNN(hidden=(16, 16), steps=100, polish_steps=0, random_state=0).fit_dataset(data)
    assert np.max(np.abs(raw.energy(rotated) - raw.energy(x))) > 1e-3


def test_plain_network_with_invariant_features_sees_states_and_invariants():
    data = hamiltonian_trajectories("two_body", 6, 20, rng=np.random.default_rng(0))
    plain = PlainDynamicsNN(hidden=(8,), steps=20, polish_steps=0, invariant_features=True, random_state=0).fit_dataset(data)
    assert plain.network_.module[0].in_features == 7
    assert plain.vector_field(np.ones((3, 4))).shape == (3, 4)


def test_energy_drift_known_answer():
    path = np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[1.1, 0.0]]])  # H = q^2 + p^2: 1, 1, 1.21
    assert abs(energy_drift(lambda x: x[:, 0] ** 2 + x[:, 1] ** 2, path) - 0.21 / 3) < 1e-12


def test_bad_input_is_named():
    states = np.ones((20, 3))
    with pytest.raises(DataError, match="even number of columns"):
        HamiltonianNN().fit(states, states)
    with pytest.raises(DataError, match="shape"):
        HamiltonianNN().fit(np.ones((20, 2)), np.ones((20, 4)))
    with pytest.raises(ParameterError, match="steps"):
        PlainDynamicsNN(steps=0).fit(np.ones((20, 2)), np.ones((20, 2)))
    with pytest.raises(ParameterError, match="polish_steps"):
        HamiltonianNN(polish_steps=-1).fit(np.ones((20, 2)), np.ones((20, 2)))
    with pytest.raises(ParameterError, match="invariant_features"):
        HamiltonianNN(invariant_features="yes").fit(np.ones((20, 2)), np.ones((20, 2)))
    with pytest.raises(DataError, match="kind 'trajectories'"):
        from physlens.data.invariants import relativistic_events

        HamiltonianNN().fit_dataset(relativistic_events(5, 2))


def test_symmetry_found_from_the_trajectories_is_built_into_the_hnn():
    from physlens.methods.invariants import symmetry_invariants
    from physlens.methods.symbolic_gradients import SymbolicGradients
    from physlens.validate.invariants import gradient_field, span_residual

    data = hamiltonian_trajectories("two_body", 12, 20, rng=np.random.default_rng(0))
    names = ["x", "y", "px", "py"]
    states = np.column_stack([data[n] for n in names])
    conserved = SymbolicGradients(max_degree=2, random_state=0).fit_events(states, data["trajectory"], names).invariants_
    # the angular momentum is the polynomial conserved quantity (the energy holds 1/r)
    assert len(conserved) == 1
    points = states[:50]
    angular_momentum = parse_expression("x*py - y*px", names)
    assert span_residual(gradient_field(conserved[0], names, points), gradient_field(angular_momentum, names, points)) < 1e-8
    features = [str(f) for f in symmetry_invariants(str(conserved[0]), states, names, random_state=0)]
    hnn = HamiltonianNN(hidden=(16, 16), steps=100, polish_steps=0, invariant_features=features, random_state=0).fit_dataset(data)
    x = np.random.default_rng(1).normal(size=(50, 4))
    v = hnn.vector_field(x)
    assert np.max(np.abs(x[:, 0] * v[:, 3] + x[:, 3] * v[:, 0] - x[:, 1] * v[:, 2] - x[:, 2] * v[:, 1])) < 1e-10
    step = 1e-6
    numeric = np.column_stack([(hnn.energy(x + step * e) - hnn.energy(x - step * e)) / (2 * step) for e in np.eye(4)])
    assert np.allclose(hnn.energy_gradient(x), numeric, atol=1e-6)
    with pytest.raises(ParameterError, match="invariant_features"):
        HamiltonianNN(invariant_features=[]).fit(states, states)
