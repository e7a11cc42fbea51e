"""A published table of the planets' orbits: semi-major axis a (au) and sidereal
period T (years) of the eight planets, Ceres and Pluto, as printed in "Orbital Data
for the Planets & Dwarf Planets", Windows to the Universe (National Earth Science
Teachers Association / UCAR),
https://www.windows2universe.org/our_solar_system/planets_orbits_table.html.

Kepler's third law, T = 2 pi sqrt(a^3 / (G M_sun)), holds to the planets' mass over the
Sun's (Jupiter: 1e-3 in T^2). The values are kept as printed: the page gives Mars
a = 1.5273 au, where JPL's mean elements give 1.52366 (digits transposed, 0.35 % off
Kepler's law), the kind of slip a real table carries."""

from __future__ import annotations

import math

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.units import SOLAR_MASS_PARAMETER, parse_unit_with_factor

SOURCE = "https://www.windows2universe.org/our_solar_system/planets_orbits_table.html"
# (body, semi-major axis in au, sidereal period in years), as published
ORBITS = (
    ("Mercury", 0.3871, 0.2408),
    ("Venus", 0.7233, 0.6152),
    ("Earth", 1.000, 1.0),
    ("Mars", 1.5273, 1.8809),
    ("Ceres", 2.76596, 4.599),
    ("Jupiter", 5.2028, 11.862),
    ("Saturn", 9.5388, 29.458),
    ("Uranus", 19.1914, 84.01),
    ("Neptune", 30.0611, 164.79),
    ("Pluto", 39.5294, 248.54),
)


def kepler_constant(a_unit: str = "au", T_unit: str = "yr") -> float:
    """2 pi / sqrt(G M_sun) in T_unit / a_unit^(3/2) (IAU nominal GM_sun)."""
    a_factor, T_factor = parse_unit_with_factor(a_unit)[1], parse_unit_with_factor(T_unit)[1]
    return 2 * math.pi / math.sqrt(SOLAR_MASS_PARAMETER) * a_factor**1.5 / T_factor


def load_planets(*, si: bool = False) -> Dataset:
    """The table as a Dataset: input a, target T, in au and years (or, with ``si``, in m
    and s); its truth is Kepler's third law with the Sun's GM."""
    a_unit, T_unit = ("m", "s") if si else ("au", "yr")
    a = np.array([row[1] for row in ORBITS]) * parse_unit_with_factor("au")[1] / parse_unit_with_factor(a_unit)[1]
    T = np.array([row[2] for row in ORBITS]) * parse_unit_with_factor("yr")[1] / parse_unit_with_factor(T_unit)[1]
    law = sympy.Float(kepler_constant(a_unit, T_unit), 17) * sympy.Symbol("a", real=True) ** sympy.Rational(3, 2)
    return Dataset(
        arrays={"a": a, "T": T},
        variables=(Variable("a", a_unit, "input", "semi-major axis"), Variable("T", T_unit, "target", "sidereal period")),
        truth=Truth(equations={"T": law}, parameters={"kepler_constant": kepler_constant(a_unit, T_unit)},
                    notes="Kepler's third law; the planets' own masses shift T by up to 5e-4 (Jupiter)"),
        provenance={"source": SOURCE, "bodies": [row[0] for row in ORBITS]},
        name="planets",
    )
