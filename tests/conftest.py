"""Shared fixtures: small physics datasets with known answers. No global seeding:
every test builds its own numpy Generator."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
