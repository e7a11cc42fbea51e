"""The lattice models physlens simulates, with their exact (or best known) critical points.

Conventions shared by every model (J = k_B = 1):

- lattice axis k is axis k + 1 of ``configs`` (axis 0 is the sample); "x" is lattice
  axis 0, "y" lattice axis 1, "z" lattice axis 2; boundaries are periodic;
- ``couplings`` holds one J per lattice axis in that order;
- discrete spins are stored as the model's ``states`` (+-1 for Ising-type models, 0..q-1
  for Potts), XY spins as angles in [0, 2 pi), gauge links as +-1 with
  ``configs[n, k, i, j]`` the link from site (i, j) to its neighbour along lattice axis k.

Models:

- ``ising``: 2D Ising, T_c = 2 / ln(1 + sqrt 2) (Onsager 1944);
- ``ising_aniso``: 2D Ising with Jx = 1, Jy = 0.5, T_c solving sinh(2 Jx/T) sinh(2 Jy/T) = 1
  (Onsager 1944), ~ 1.6410;
- ``pottsQ`` (``potts3``, ``potts4``, ``potts5`` listed; any q >= 2 accepted): 2D q-state
  Potts, T_c = 1 / ln(1 + sqrt q) (Baxter 1973), continuous for q <= 4, first order above;
- ``xy``: 2D XY model, BKT transition at T ~ 0.8929 (Hasenbusch 2005, J. Phys. A 38 5869);
- ``gauge``: 2D Ising (Z2) lattice gauge theory H = -sum over plaquettes of the product of
  their four links (Wegner 1971); no finite-T transition, <plaquette> = tanh(1/T) in the
  thermodynamic limit; T = 0 gives uniformly drawn ground states (Carrasquilla & Melko,
  Nature Physics 13, 431 (2017));
- ``ising3d``: simple cubic Ising, T_c = 1 / 0.221654626 ~ 4.511523 (Ferrenberg, Xu &
  Landau, Phys. Rev. E 97, 043301 (2018)).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from physlens.errors import ParameterError

ISING_TC = 2.0 / math.log(1.0 + math.sqrt(2.0))
XY_BKT_TEMPERATURE = 0.8929
ISING3D_TC = 1.0 / 0.221654626
ANISOTROPIC_COUPLINGS = (1.0, 0.5)
MAX_POTTS_STATES = 20
# Correlation length at T_c of the first-order 2D Potts models (Buffenoir & Wallon, J. Phys. A
# 26, 3045 (1993)): where it exceeds L, the energy histogram at T_c is not yet bimodal.
POTTS_CORRELATION_LENGTH_AT_TC = {5: 2512.2, 6: 158.9, 7: 48.1, 8: 23.9, 9: 14.9, 10: 10.6}
TRANSITION_ORDERS = ("continuous", "first", "bkt", "none")


def potts_critical_temperature(q: int) -> float:
    """Exact T_c of the 2D ferromagnetic q-state Potts model (J = k_B = 1)."""
    return 1.0 / math.log(1.0 + math.sqrt(q))


def _log_sinh(x: float) -> float:
    # ln sinh x without overflow at small T (large x).
    return x + math.log1p(-math.exp(-2.0 * x)) - math.log(2.0)


def anisotropic_ising_critical_temperature(jx: float, jy: float) -> float:
    """Exact T_c of the 2D Ising model with couplings jx, jy > 0: the root of
    sinh(2 jx / T) sinh(2 jy / T) = 1 (Onsager 1944)."""
    from scipy.optimize import brentq

    if not (jx > 0 and jy > 0 and math.isfinite(jx) and math.isfinite(jy)):
        raise ParameterError(f"couplings=({jx}, {jy}) are invalid; expected two finite numbers > 0")
    scale = jx + jy
    return brentq(lambda t: _log_sinh(2 * jx / t) + _log_sinh(2 * jy / t), 1e-3 * scale, 10 * scale, xtol=1e-13, rtol=1e-15)


POTTS3_TC = potts_critical_temperature(3)


@dataclass(frozen=True)
class LatticeModel:
    """A lattice model: its name, number of states, the values stored in ``configs``,
    its critical point and what is known about its transition.

    ``coupling`` is the engine's Potts-form factor (H = -coupling * J_k * sum delta(s_i, s_j)
    along axis k): 2 for +-1 Ising spins, 1 for Potts. ``spin`` is "discrete", "angle"
    (XY) or "link" (gauge). ``q`` is None where no Potts q applies; ``states`` is empty for
    continuous spins."""

    name: str
    q: int | None
    coupling: float
    states: tuple[int, ...]
    critical_temperature: float | None
    dimension: int = 2
    couplings: tuple[float, ...] = (1.0, 1.0)
    spin: str = "discrete"
    transition_order: str = "continuous"
    order_parameter: str = "|Σσ|/N"
    description: str = ""

    @property
    def site_shape_rank(self) -> int:
        """Axes of one configuration: the lattice axes, plus the link direction for gauge."""
        return self.dimension + (1 if self.spin == "link" else 0)

    def site_shape(self, size: int) -> tuple[int, ...]:
        lattice = (size,) * self.dimension
        return (self.dimension,) + lattice if self.spin == "link" else lattice


def potts_model(q: int) -> LatticeModel:
    """The 2D q-state Potts model (states 0..q-1)."""
    if not isinstance(q, (int, np.integer)) or isinstance(q, bool) or not 2 <= q <= MAX_POTTS_STATES:
        raise ParameterError(f"q={q!r} is invalid; expected an integer from 2 to {MAX_POTTS_STATES}")
    q = int(q)
    return LatticeModel(
        f"potts{q}", q, 1.0, tuple(range(q)), potts_critical_temperature(q),
        transition_order="continuous" if q <= 4 else "first",
        order_parameter="|Σ e^{2πiσ/q}|/N",
        description=f"2D {q}-state Potts model H = -Σ δ(σ_i, σ_j)",
    )


MODELS = {
    "ising": LatticeModel("ising", 2, 2.0, (-1, 1), ISING_TC, description="2D Ising model H = -Σ σ_i σ_j"),
    "ising_aniso": LatticeModel(
        "ising_aniso", 2, 2.0, (-1, 1), anisotropic_ising_critical_temperature(*ANISOTROPIC_COUPLINGS),
        couplings=ANISOTROPIC_COUPLINGS,
        description="2D anisotropic Ising model H = -Jx Σ_x σ_i σ_j - Jy Σ_y σ_i σ_j",
    ),
    "potts3": potts_model(3),
    "potts4": potts_model(4),
    "potts5": potts_model(5),
    "xy": LatticeModel(
        "xy", None, 1.0, (), XY_BKT_TEMPERATURE, spin="angle", transition_order="bkt",
        order_parameter="helicity modulus / vortex density",
        description="2D XY model H = -Σ cos(θ_i - θ_j), θ in [0, 2π)",
    ),
    "gauge": LatticeModel(
        "gauge", None, 1.0, (-1, 1), None, spin="link", transition_order="none",
        order_parameter="plaquette energy -⟨Π_□ σ⟩ (no local order parameter)",
        description="2D Ising lattice gauge theory H = -Σ_□ Π_{links of □} σ",
    ),
    "ising3d": LatticeModel(
        "ising3d", 2, 2.0, (-1, 1), ISING3D_TC, dimension=3, couplings=(1.0, 1.0, 1.0),
        description="3D Ising model on the simple cubic lattice H = -Σ σ_i σ_j",
    ),
}


def lattice_model(name: str, couplings: Sequence[float] | None = None) -> LatticeModel:
    """The model called ``name`` (a key of MODELS or ``potts<q>``), with ``couplings``
    (one J per lattice axis) replacing the default where the model allows it
    (``ising_aniso`` only; T_c is recomputed exactly)."""
    if not isinstance(name, str) or (name not in MODELS and not re.fullmatch(r"potts\d+", name)):
        raise ParameterError(f"model={name!r} is unknown; valid models: {', '.join(MODELS)}, or potts<q> for q = 2..{MAX_POTTS_STATES}")
    spec = MODELS[name] if name in MODELS else potts_model(int(name[5:]))
    if couplings is None:
        return spec
    if name != "ising_aniso":
        raise ParameterError(f"couplings={couplings!r} apply to model 'ising_aniso' only, not {name!r}")
    values = tuple(float(c) for c in np.asarray(couplings, dtype=float).ravel())
    if len(values) != 2 or not all(math.isfinite(c) and c > 0 for c in values):
        raise ParameterError(f"couplings={couplings!r} is invalid; expected (Jx, Jy), two finite numbers > 0")
    return replace(spec, couplings=values, critical_temperature=anisotropic_ising_critical_temperature(*values))
