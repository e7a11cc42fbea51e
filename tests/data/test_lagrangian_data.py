import numpy as np
import pytest

from physlens.data.conserved import SYSTEMS as CONSERVED_SYSTEMS, conserved_trajectories
from physlens.data.lagrangian import SYSTEMS, lagrangian_trajectories, true_energy
from physlens.errors import ParameterError
from physlens.expr import to_function


@pytest.mark.parametrize("system", SYSTEMS)
def test_lagrangian_trajectories_conserve_the_true_energy(system):
    data = lagrangian_trajectories(system, 3, 50, duration=20.0, rng=np.random.default_rng(0))
    names = list(data.truth.parameters["coordinates"]) + list(data.truth.parameters["velocities"])
    energy = true_energy(system)(np.column_stack([data[n] for n in names])).reshape(3, 50)
    assert np.abs(energy - energy[:, :1]).max() < 1e-5
    assert data.kind == "trajectories" and {f"d_{n}" for n in names} <= set(data.arrays)
    if system == "relativistic":
        assert np.abs(data["v"]).max() < 1


@pytest.mark.parametrize("system", CONSERVED_SYSTEMS)
def test_every_true_conserved_quantity_is_constant_along_each_trajectory(system):
    data = conserved_trajectories(system, 3, 40, duration=5.0, rng=np.random.default_rng(0))
    names = data.names("state")
    states = np.column_stack([data[n] for n in names])
    assert data.truth.parameters["n_conserved"] == len(data.truth.conserved)
    for name, expression in data.truth.conserved.items():
        values = np.broadcast_to(to_function(expression, names)(*states.T), (len(states),)).reshape(3, 40)
        assert np.abs(values - values[:, :1]).max() < 1e-7 * max(1.0, np.abs(values).max()), name


def test_unknown_system_and_bad_sizes_are_refused():
    with pytest.raises(ParameterError, match="valid systems"):
        lagrangian_trajectories("spring")
    with pytest.raises(ParameterError, match="n_trajectories"):
        conserved_trajectories("kepler_2d", 0)
