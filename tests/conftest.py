"""Shared fixtures: small physics datasets with known answers. No global seeding:
every test builds its own numpy Generator."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def one_torch_thread():
    """One torch intra-op thread for small models (restored afterwards): on 2 shared
    cores, two threads oversubscribe and run several times slower."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
