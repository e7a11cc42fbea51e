"""Observables of lattice configurations on hand-built configurations with known values."""

import math

import numpy as np
import pytest

from physlens.data import observables as ob
from physlens.errors import DataError


def test_ising_ordered_antiferromagnetic_and_striped_configurations():
    up = np.ones((1, 4, 4), dtype=np.int8)
    neel = np.where(np.indices((4, 4)).sum(axis=0) % 2, -1, 1)[None].astype(np.int8)
    # Stripes constant along lattice axis 0, alternating along axis 1.
    stripes = np.tile(np.array([1, -1, 1, -1], dtype=np.int8), (4, 1))[None]
    assert ob.magnetization(up)[0] == 1.0 and ob.magnetization(neel)[0] == 0.0
    assert ob.energy_per_site(up, "ising")[0] == -2.0 and ob.energy_per_site(neel, "ising")[0] == 2.0
    np.testing.assert_array_equal(ob.nearest_neighbour_correlations(stripes, "ising"), [[1.0, -1.0]])
    # Anisotropic couplings weight each axis: -(Jx * 1 + Jy * (-1)) with (Jx, Jy) = (1, 0.5).
    assert ob.energy_per_site(stripes, "ising_aniso")[0] == pytest.approx(-0.5)
    assert ob.energy_per_site(up[0], "ising")[0] == -2.0  # a single configuration is a batch of one
    cube = np.ones((2, 4, 4, 4), dtype=np.int8)
    assert ob.energy_per_site(cube, "ising3d").tolist() == [-3.0, -3.0]


def test_potts_order_parameter_and_energy():
    q = 5
    ordered = np.full((1, 5, 5), 3, dtype=np.int8)
    # Each row takes one state, all q states equally often: no order, no bond along axis 0 equal.
    rows = np.repeat(np.arange(5), 5).reshape(1, 5, 5).astype(np.int8)
    assert ob.potts_order_parameter(ordered, q)[0] == pytest.approx(1.0)
    assert ob.potts_order_parameter(rows, q)[0] == pytest.approx(0.0, abs=1e-12)
    assert ob.order_parameter(ordered, "potts5")[0] == pytest.approx(1.0)
    assert ob.energy_per_site(ordered, "potts5")[0] == -2.0
    np.testing.assert_array_equal(ob.nearest_neighbour_correlations(rows, "potts5"), [[0.0, 1.0]])


def test_xy_energy_vortices_and_helicity_modulus():
    uniform = np.full((3, 8, 8), 1.3)
    assert ob.energy_per_site(uniform, "xy") == pytest.approx(-2.0)
    assert ob.xy_magnetization(uniform) == pytest.approx(1.0)
    assert ob.vortex_density(uniform).tolist() == [0.0, 0.0, 0.0]
    # A uniform state is perfectly stiff: Υ = 1 at any T.
    assert ob.helicity_modulus(uniform, 0.5) == pytest.approx(1.0)
    # A twist 2π/L along axis 1: Υ_1 = cos(2π/L) - N sin²(2π/L) / T, Υ_0 = 1.
    L, t = 8, 0.7
    twisted = np.tile(2 * math.pi * np.arange(L) / L, (L, 1))[None]
    expected = (1 + math.cos(2 * math.pi / L) - L * L * math.sin(2 * math.pi / L) ** 2 / t) / 2
    assert ob.helicity_modulus(twisted, t) == pytest.approx(expected)
    # Independent uniform angles: a plaquette carries a vortex or antivortex with probability 1/3.
    random_angles = np.random.default_rng(0).uniform(0, 2 * math.pi, size=(200, 16, 16))
    assert ob.vortex_density(random_angles).mean() == pytest.approx(1 / 3, abs=0.01)
    values, stiffness = ob.helicity_modulus_scan(np.concatenate([uniform, uniform]), np.array([0.5, 0.5, 0.5, 1.0, 1.0, 1.0]))
    assert values.tolist() == [0.5, 1.0] and stiffness == pytest.approx([1.0, 1.0])


def test_gauge_plaquettes_of_a_flipped_link():
    links = np.ones((1, 2, 4, 4), dtype=np.int8)
    assert ob.plaquette_energy(links)[0] == -1.0
    links[0, 0, 1, 2] = -1  # the axis-0 link at (1, 2) borders plaquettes (1, 2) and (1, 1)
    products = ob.plaquette_products(links)[0]
    assert sorted(zip(*np.nonzero(products == -1))) == [(1, 1), (1, 2)]
    assert ob.energy_per_site(links, "gauge")[0] == pytest.approx(-(16 - 4) / 16)
    assert ob.order_parameter(links, "gauge")[0] == pytest.approx(-12 / 16)


def test_bad_shapes_are_named():
    with pytest.raises(DataError, match="configs"):
        ob.energy_per_site(np.ones((3, 4, 4)), "gauge")
    with pytest.raises(DataError, match="configs"):
        ob.energy_per_site(np.ones((2, 4, 6)), "ising")
    with pytest.raises(DataError, match="plaquette"):
        ob.nearest_neighbour_correlations(np.ones((2, 2, 4, 4)), "gauge")
    with pytest.raises(DataError, match="temperature"):
        ob.helicity_modulus_scan(np.zeros((3, 4, 4)), np.ones(2))
    with pytest.raises(DataError, match="temperature"):
        ob.helicity_modulus(np.zeros((3, 4, 4)), 0.0)
