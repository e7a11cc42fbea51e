"""Monte Carlo simulators of classical lattice models, with their ground truth.

Models (see :mod:`physlens.data.lattice.models`): 2D Ising (isotropic and anisotropic),
2D q-state Potts, 2D XY, the 2D Z2 lattice gauge theory and the 3D Ising model.
Samplers: :mod:`.discrete` (Ising/Potts, checkerboard Metropolis + Wolff), :mod:`.xy`
(Metropolis + Wolff reflection clusters), :mod:`.gauge` (Metropolis + exact gauge
moves); :func:`simulate_lattice` runs any of them into a Dataset.
"""

from physlens.data.lattice.discrete import LatticeSampler
from physlens.data.lattice.gauge import GaugeSampler
from physlens.data.lattice.models import (
    ISING3D_TC,
    ISING_TC,
    MODELS,
    POTTS3_TC,
    TRANSITION_ORDERS,
    XY_BKT_TEMPERATURE,
    LatticeModel,
    anisotropic_ising_critical_temperature,
    lattice_model,
    potts_critical_temperature,
    potts_model,
)
from physlens.data.lattice.simulate import exact_mean_plaquette, simulate_lattice, simulate_sizes
from physlens.data.lattice.xy import XYSampler

__all__ = [
    "GaugeSampler", "ISING3D_TC", "ISING_TC", "LatticeModel", "LatticeSampler", "MODELS", "POTTS3_TC", "TRANSITION_ORDERS",
    "XYSampler", "XY_BKT_TEMPERATURE", "anisotropic_ising_critical_temperature", "exact_mean_plaquette", "lattice_model",
    "potts_critical_temperature", "potts_model", "simulate_lattice", "simulate_sizes",
]
