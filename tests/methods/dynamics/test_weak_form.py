"""The weak form: normalised test functions, and int phi dx/dt = -int phi' x."""

from __future__ import annotations

import numpy as np

from physlens.methods.dynamics.weak_form import phi_weights, support_width, weak_rows


def test_test_functions_integrate_to_one_on_uneven_sampling():
    t = np.sort(np.random.default_rng(0).uniform(0, 10, 600))
    phis, dphis = phi_weights(t, 60)
    assert len(phis) == len(dphis) > 1
    assert np.allclose([np.sum(w) for _, w in phis], 1.0, rtol=0, atol=1e-12)
    assert phis[-1][0] == len(t) - 60  # the last window ends at the last sample


def test_weak_rows_equal_the_integrated_derivative():
    t = np.linspace(0, 10, 2001)
    x = np.sin(t)[:, None]
    features, target = weak_rows(t, x, np.cos(t)[:, None], 101)  # dx/dt = cos t
    assert np.allclose(features, target, atol=1e-6)


def test_noisier_states_need_wider_test_functions():
    t = np.linspace(0, 20, 2000)
    x = np.column_stack([np.sin(t), np.cos(t)])
    clean = support_width(t, x, np.zeros(2))
    noisy = support_width(t, x, np.array([0.05, 0.05]))
    assert clean == 15  # the narrowest candidate: no noise to average
    assert noisy > clean
