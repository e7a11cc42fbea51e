"""Held-out physics laws for developing the symbolic-regression engine.

These laws are the engine-development held-out set: none is in the Feynman table
(``FeynmanEquations.csv``), they are never used for tuning the engine, and they are
never part of the headline benchmark (which is all 100 Feynman equations). Run on them
to see whether a change generalises beyond the table the engine was tuned on; do not
tune on them.

Unlike the Feynman table, each law is sampled in physically realistic ranges with SI
units, and universal constants enter at their CODATA values (``scipy.constants``)
instead of as inputs: a physicist's table of (a, M) -> T does not vary G. A law with
such a constant therefore needs a constant with units, which dimensional analysis
alone cannot supply. The sampling is the Feynman loader's (:func:`.feynman.sample_law`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.constants as codata
import sympy

from physlens.data.dataset import Dataset
from physlens.data.feynman import sample_law
from physlens.errors import DataError
from physlens.expr import parse_expression


@dataclass(frozen=True)
class HeldOutLaw:
    """One law: output = formula(inputs, constants), with each input's sampling range."""

    identifier: str
    description: str
    output: str
    formula: str  # in the inputs' and the constants' names
    variables: tuple[tuple[str, float, float], ...]  # (name, low, high), SI units
    units: dict  # input and output name -> unit text
    constants: dict = field(default_factory=dict)  # name -> (CODATA value, unit text)

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.variables]

    @property
    def symbolic_formula(self) -> sympy.Expr:
        """The formula with the constants as symbols (for checking its units)."""
        return parse_expression(self.formula, [*self.names, *self.constants])

    @property
    def truth_expression(self) -> sympy.Expr:
        """The law in its inputs, each constant replaced by its CODATA value."""
        values = {sympy.Symbol(name, real=True): sympy.Float(value, 17) for name, (value, _) in self.constants.items()}
        return self.symbolic_formula.xreplace(values)


_G = ("G", (codata.G, "m^3/(kg*s^2)"))
_H = ("h", (codata.h, "J*s"))
_C = ("c", (codata.c, "m/s"))
_K_B = ("k_B", (codata.k, "J/K"))
_EPSILON_0 = ("epsilon_0", (codata.epsilon_0, "F/m"))
_E = ("e", (codata.e, "C"))

HELDOUT_LAWS: dict[str, HeldOutLaw] = {law.identifier: law for law in [
    HeldOutLaw("kepler_third_law", "orbital period of a planet", "T", "2*pi*sqrt(a**3/(G*M))",
               (("a", 5e10, 5e11), ("M", 1e30, 4e30)), {"a": "m", "M": "kg", "T": "s"}, dict([_G])),
    HeldOutLaw("stefan_boltzmann", "radiant flux of a grey body", "j", "emissivity*sigma*T**4",
               (("emissivity", 0.1, 1.0), ("T", 300.0, 3000.0)), {"emissivity": "", "T": "K", "j": "W/m^2"},
               {"sigma": (codata.Stefan_Boltzmann, "W/(m^2*K^4)")}),
    HeldOutLaw("planck_wavelength", "spectral radiance per wavelength of a black body", "B",
               "2*h*c**2/(lambda_**5*(exp(h*c/(lambda_*k_B*T)) - 1))",
               (("lambda_", 2e-7, 3e-6), ("T", 2000.0, 8000.0)), {"lambda_": "m", "T": "K", "B": "W/m^3"},
               dict([_H, _C, _K_B])),
    HeldOutLaw("rydberg", "wavenumber of a hydrogen line", "wavenumber", "R_inf*(1/n1**2 - 1/n2**2)",
               (("n1", 1.0, 3.0), ("n2", 4.0, 8.0)), {"n1": "", "n2": "", "wavenumber": "1/m"},
               {"R_inf": (codata.Rydberg, "1/m")}),
    HeldOutLaw("poiseuille", "volume flow through a pipe (Hagen-Poiseuille)", "Q", "pi*r**4*dp/(8*mu*L)",
               (("r", 1e-4, 1e-3), ("dp", 1e2, 1e4), ("mu", 1e-3, 1e-1), ("L", 0.1, 1.0)),
               {"r": "m", "dp": "Pa", "mu": "Pa*s", "L": "m", "Q": "m^3/s"}),
    HeldOutLaw("stokes_drag", "drag on a sphere in creeping flow", "F", "6*pi*mu*r*v",
               (("mu", 1e-3, 1.0), ("r", 1e-6, 1e-4), ("v", 1e-4, 1e-2)), {"mu": "Pa*s", "r": "m", "v": "m/s", "F": "N"}),
    HeldOutLaw("debye_length", "Debye-Hueckel screening length of a 1:1 electrolyte", "lambda_D",
               "sqrt(epsilon_r*epsilon_0*k_B*T/(2*n*e**2))",
               (("epsilon_r", 2.0, 80.0), ("T", 250.0, 400.0), ("n", 1e22, 1e26)),
               {"epsilon_r": "", "T": "K", "n": "1/m^3", "lambda_D": "m"}, dict([_EPSILON_0, _K_B, _E])),
    HeldOutLaw("child_langmuir", "space-charge-limited current density of a vacuum diode", "J",
               "4*epsilon_0/9*sqrt(2*e/m_e)*V**(3/2)/d**2",
               (("V", 10.0, 1e3), ("d", 1e-3, 1e-2)), {"V": "V", "d": "m", "J": "A/m^2"},
               dict([_EPSILON_0, _E, ("m_e", (codata.m_e, "kg"))])),
    HeldOutLaw("langmuir_isotherm", "fractional surface coverage of an adsorbate", "theta", "K*p/(1 + K*p)",
               (("K", 1e-5, 1e-3), ("p", 1e2, 1e5)), {"K": "1/Pa", "p": "Pa", "theta": ""}),
    HeldOutLaw("arrhenius", "rate constant of an activated process", "k_rate", "A*exp(-E_a/(k_B*T))",
               (("A", 1e6, 1e12), ("E_a", 5e-20, 2.4e-19), ("T", 300.0, 800.0)),
               {"A": "1/s", "E_a": "J", "T": "K", "k_rate": "1/s"}, dict([_K_B])),
    HeldOutLaw("michaelis_menten", "rate of an enzyme reaction", "rate", "V_max*S/(K_m + S)",
               (("V_max", 1e-3, 1e-1), ("S", 1e-2, 10.0), ("K_m", 1e-2, 1.0)),
               {"V_max": "kg/(m^3*s)", "S": "kg/m^3", "K_m": "kg/m^3", "rate": "kg/(m^3*s)"}),
    HeldOutLaw("bernoulli_height", "pressure downstream along a streamline, with height", "p2",
               "p1 + rho*(v1**2 - v2**2)/2 + rho*g*(h1 - h2)",
               (("p1", 1e5, 2e5), ("rho", 800.0, 1200.0), ("v1", 0.5, 5.0), ("v2", 0.5, 5.0), ("h1", 0.0, 10.0), ("h2", 0.0, 10.0)),
               {"p1": "Pa", "rho": "kg/m^3", "v1": "m/s", "v2": "m/s", "h1": "m", "h2": "m", "p2": "Pa"},
               {"g": (codata.g, "m/s^2")}),
    HeldOutLaw("malus", "intensity through a polariser (Malus's law)", "I", "I_0*cos(theta)**2",
               (("I_0", 1.0, 1e3), ("theta", 0.0, 1.5)), {"I_0": "W/m^2", "theta": "", "I": "W/m^2"}),
    HeldOutLaw("compton_shift", "wavelength shift of a photon scattered by an electron", "dlambda",
               "h/(m_e*c)*(1 - cos(theta))", (("theta", 0.1, math.pi),), {"theta": "", "dlambda": "m"},
               dict([_H, _C, ("m_e", (codata.m_e, "kg"))])),
    HeldOutLaw("pendulum_period", "small-angle period of a pendulum on other planets", "T", "2*pi*sqrt(L/g)",
               (("L", 0.1, 10.0), ("g", 1.6, 25.0)), {"L": "m", "g": "m/s^2", "T": "s"}),
]}


def heldout_law(identifier: str) -> HeldOutLaw:
    if identifier not in HELDOUT_LAWS:
        raise DataError(f"unknown held-out law {identifier!r}; valid: {', '.join(HELDOUT_LAWS)}")
    return HELDOUT_LAWS[identifier]


def simulate_heldout_law(
    identifier: str,
    *,
    n_samples: int = 10_000,
    noise: float = 0.0,
    rng: np.random.Generator | int | None = 0,
) -> Dataset:
    """Rows sampled uniformly in the law's ranges; target = law + Gaussian noise with
    std = noise x RMS(target). Truth holds the law (constants at their CODATA values);
    units are attached."""
    law = heldout_law(identifier)
    return sample_law(law.output, law.variables, law.units, law.truth_expression,
                      n_samples=n_samples, noise=noise, rng=rng, simulator="heldout", identifier=identifier)
