"""Modular addition read from the inside: the Fourier shares and ring checks on known
answers, and a tiny p run end to end (the full p = 59 run is slow-marked)."""

from __future__ import annotations

import numpy as np
import pytest

from physlens.data.modular import modular_addition_table
from physlens.errors import DataError, ParameterError
from physlens.methods.modular_addition import ModularAdditionCircuit, frequency_shares
from physlens.validate.modular import crossing_step, ring_order_exact, ring_order_fraction


def test_frequency_shares_of_a_pure_fourier_logit():
    p = 11
    a, b = (g.ravel() for g in np.meshgrid(np.arange(p), np.arange(p), indexing="ij"))
    phase = 2 * np.pi * ((a + b)[:, None] - np.arange(p)[None, :]) / p
    logits = 3 * np.cos(2 * phase + 0.4) + np.cos(5 * phase)
    shares, _ = frequency_shares(logits, p)
    np.testing.assert_allclose(shares[[1, 4]], [0.9, 0.1], atol=1e-12)
    assert shares.sum() == pytest.approx(1.0)


def test_ring_order_known_answers():
    p, k = 7, 3
    n = np.arange(p)
    assert ring_order_exact(2 * np.pi * k * n / p % (2 * np.pi), k, p)
    assert ring_order_exact(-2 * np.pi * k * n / p % (2 * np.pi), k, p)
    assert not ring_order_exact(2 * np.pi * n / p, k, p)
    swapped = (2 * np.pi * k * n / p) % (2 * np.pi)
    first, second = np.argsort(swapped)[:2]
    swapped[[first, second]] = swapped[[second, first]]  # two ring neighbours exchanged: 3 of 7 links broken
    assert ring_order_fraction(swapped, k, p) == pytest.approx(4 / 7)


def test_crossing_step_halfway_on_log_scale():
    steps = np.arange(5.0)
    assert crossing_step(steps, np.array([1.0, 4.0, 4.0, 0.25, 0.25])) == 3.0
    assert np.isnan(crossing_step(steps, np.ones(5)))


def test_tiny_modulus_generalises_and_is_read(one_torch_thread):
    model = ModularAdditionCircuit(steps=1000, embedding_dim=32, hidden=64, train_fraction=0.6, log_every=50, random_state=0)
    model.fit_dataset(modular_addition_table(17))
    interpretation = model.interpret()
    assert model.modulus_ == 17
    assert model.test_accuracy_ > 0.5  # chance is 1/17; a tiny table groks only partly
    assert 1 <= len(model.key_frequencies_) <= 6
    assert set(model.history_) >= {"restricted_loss", "excluded_loss", "test_loss"}
    assert {v.name for v in interpretation.verdicts} >= {"ring ordering", "logits explained by key frequencies"}


def test_bad_input_names_the_row():
    table = modular_addition_table(7)
    c = table["c"].copy()
    c[3] = (c[3] + 1) % 7
    with pytest.raises(DataError, match="row 3"):
        ModularAdditionCircuit(steps=1).fit(np.column_stack([table["a"], table["b"]]), c)
    with pytest.raises(ParameterError, match="prime"):
        modular_addition_table(8)


@pytest.mark.slow
def test_full_run_p59_groks_and_dates_the_transition(one_torch_thread):
    model = ModularAdditionCircuit(random_state=0).fit_dataset(modular_addition_table(59))
    assert model.test_accuracy_ >= 0.99
    assert model.restricted_step_ <= model.test_loss_step_
