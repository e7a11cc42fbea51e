import numpy as np
import pytest

from physlens.data.hamiltonian import SYSTEMS, _spec, hamiltonian_trajectories, integrate, orbit_period, vector_field
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


@pytest.mark.parametrize("system", SYSTEMS)
def test_orbit_period_brings_every_state_back(system, rng):
    # one period of RK4 at a per-orbit step returns each start state to itself
    start = _spec(system)[4](rng, 5)
    period = orbit_period(system, start)
    path = integrate(vector_field(system), start, period / 2000, 2000)
    np.testing.assert_allclose(path[-1], start, atol=1e-6)
    # and half a period does not (the period is the shortest return time)
    assert np.abs(path[1000] - start).max() > 0.1


def test_per_state_steps_match_separate_runs():
    field = vector_field("pendulum")
    start = np.array([[0.5, 0.0], [1.0, 0.3]])
    together = integrate(field, start, np.array([0.01, 0.02]), 50, every=10)
    for row, dt in enumerate((0.01, 0.02)):
        np.testing.assert_allclose(together[:, row], integrate(field, start[row : row + 1], dt, 50, every=10)[:, 0], atol=1e-14)


def test_bad_parameters_are_named():
    with pytest.raises(ParameterError, match="valid systems"):
        hamiltonian_trajectories("three_body")
    with pytest.raises(ParameterError, match="samples_per_trajectory"):
        hamiltonian_trajectories("pendulum", 3, 1)
    with pytest.raises(ParameterError, match="duration"):
        hamiltonian_trajectories("pendulum", 3, 5, duration=-1.0)
