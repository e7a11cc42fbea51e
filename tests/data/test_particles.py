"""Particle and agent simulators against hand-computed forces and alignments."""

import numpy as np
import pytest
import sympy

from physlens.data.particles import force_law, pair_forces, simulate_agents, simulate_particles
from physlens.errors import ParameterError
from physlens.expr import to_function

TWO = np.array([[[0.0, 0.0], [2.0, 0.0]]])


def test_spring_and_gravity_by_hand():
    masses = np.array([[1.0, 2.0]])
    charges = np.array([[1.0, -1.0]])
    # spring k = 2, L = 1 at r = 2: pulls particle 0 towards 1 with |F| = 2
    assert np.allclose(pair_forces("spring", TWO, masses, charges)[0, 0, 1], [2.0, 0.0])
    # gravity G = 1: |F| = m0 m1 / r^2 = 0.5, attractive
    assert np.allclose(pair_forces("gravity", TWO, masses, charges)[0, 0, 1], [0.5, 0.0])
    # opposite charges attract: |F| = 1 / 4
    assert np.allclose(pair_forces("charge", TWO, masses, charges)[0, 0, 1], [0.25, 0.0])


@pytest.mark.parametrize("force", ["spring", "gravity", "charge"])
def test_truth_law_matches_simulated_forces_and_newton(force):
    data = simulate_particles(force, 4, 50, seed=0)
    assert data.kind == "particles"
    F = data.truth.parameters["pair_forces"]
    assert np.allclose(F, -F.transpose(0, 2, 1, 3))  # Newton's third law
    assert np.allclose(data["accelerations"], F.sum(axis=2) / data["masses"][..., None])
    law = data.truth.equations["F_x"]
    x, m, q = data["positions"], data["masses"], data["charges"]
    i, j = 0, 2
    d = x[:, i] - x[:, j]
    columns = [d[:, 0], d[:, 1], np.linalg.norm(d, axis=1), m[:, i], m[:, j], q[:, i], q[:, j]]
    names = ["dx", "dy", "r", "m_i", "m_j", "q_i", "q_j"]
    values = np.broadcast_to(to_function(law, names)(*columns), (50,))
    assert np.allclose(values, F[:, i, j, 0])
    assert np.linalg.norm(d, axis=1).min() >= 0.5


def test_force_law_is_sympy():
    assert isinstance(force_law("gravity"), sympy.Expr)
    with pytest.raises(ParameterError, match="force="):
        force_law("magnetic")


def test_agents_align_with_neighbours_inside_the_radius():
    data = simulate_agents(10, 20, radius=1.0, box=5.0, noise=0.0, seed=0)
    x, v, after = data["positions"], data["velocities"], data["next_velocities"]
    for s in range(3):
        for i in range(10):
            d = x[s] - x[s, i]
            d -= 5.0 * np.round(d / 5.0)
            near = np.linalg.norm(d, axis=1) < 1.0
            direction = v[s, near].sum(axis=0)
            expected = 0.5 * direction / np.linalg.norm(direction)
            assert np.allclose(after[s, i], expected)
    assert data.truth.parameters["radius"] == 1.0


def test_bad_parameters():
    with pytest.raises(ParameterError, match="radius"):
        simulate_agents(10, 5, radius=3.0, box=5.0)
    with pytest.raises(ParameterError, match="n_particles"):
        simulate_particles("spring", 1, 10)
