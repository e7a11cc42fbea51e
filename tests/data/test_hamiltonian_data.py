import numpy as np
import pytest

from physlens.data.hamiltonian import SYSTEMS, hamiltonian_trajectories, integrate, vector_field
from physlens.errors import ParameterError
from physlens.expr import symbols_for, to_function


@pytest.mark.parametrize("system", SYSTEMS)
def test_energy_is_conserved_and_derivatives_are_hamilton_equations(system, rng):
    data = hamiltonian_trajectories(system, 4, 20, duration=3.0, rng=rng)
    q, p = data.truth.parameters["coordinates"], data.truth.parameters["momenta"]
    names = q + p
    states = np.column_stack([data[n] for n in names])
    energy = np.broadcast_to(to_function(data.truth.equations["H"], names)(*states.T), (data.n_samples,))
    for trajectory in range(4):
        values = energy[data["trajectory"] == trajectory]
        assert np.ptp(values) < 1e-7 * max(1.0, abs(values).max())
    # dq/dt = dH/dp and dp/dt = -dH/dq, from the sympy Hamiltonian
    import sympy

    s = symbols_for(names)
    for coordinate, momentum in zip(q, p):
        dq = to_function(sympy.diff(data.truth.equations["H"], s[momentum]), names)(*states.T)
        dp = to_function(-sympy.diff(data.truth.equations["H"], s[coordinate]), names)(*states.T)
        np.testing.assert_allclose(data[f"d_{coordinate}"], dq, atol=1e-10)
        np.testing.assert_allclose(data[f"d_{momentum}"], dp, atol=1e-10)


def test_rk4_mass_spring_matches_the_exact_solution():
    path = integrate(vector_field("mass_spring"), np.array([[1.0, 0.0]]), 0.01, 628)
    t = 6.28
    np.testing.assert_allclose(path[-1, 0], [np.cos(t), -np.sin(t)], atol=1e-8)


def test_bad_parameters_are_named():
    with pytest.raises(ParameterError, match="valid systems"):
        hamiltonian_trajectories("three_body")
    with pytest.raises(ParameterError, match="samples_per_trajectory"):
        hamiltonian_trajectories("pendulum", 3, 1)
    with pytest.raises(ParameterError, match="duration"):
        hamiltonian_trajectories("pendulum", 3, 5, duration=-1.0)
