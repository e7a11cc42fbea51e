"""Constants that carry units: where a law needs them, and which physical constants they
are. A law y = sum_i C_i g_i(x) whose parts g_i are dimensionally consistent needs one
constant with units for each part that lacks the target's units (Kepler's
T = C a^(3/2)); a fitted constant that matches a product of small powers of CODATA
constants (``scipy.constants``), a small rational and a power of pi, within its
uncertainty and in its units, is named (C = 2 pi / sqrt(G M_sun)). Pure functions."""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

import numpy as np
import sympy

from physlens.units import DIMENSIONLESS, SOLAR_MASS_PARAMETER, Dimension, parse_unit
from physlens.validate.dimensions import expression_dimension

# (name as a physicist writes it, scipy.constants key or None, value, SI unit)
_CODATA_KEYS = (
    ("G", "Newtonian constant of gravitation", "m^3/(kg*s^2)"),
    ("c", "speed of light in vacuum", "m/s"),
    ("h", "Planck constant", "J*s"),
    ("ħ", "reduced Planck constant", "J*s"),
    ("k_B", "Boltzmann constant", "J/K"),
    ("e", "elementary charge", "C"),
    ("ε0", "vacuum electric permittivity", "F/m"),
    ("μ0", "vacuum mag. permeability", "N/A^2"),
    ("m_e", "electron mass", "kg"),
    ("m_p", "proton mass", "kg"),
    ("N_A", "Avogadro constant", "1/mol"),
    ("R", "molar gas constant", "J/(mol*K)"),
    ("σ", "Stefan-Boltzmann constant", "W/(m^2*K^4)"),
)
POWERS = tuple(Fraction(k, 2) for k in (-4, -3, -2, -1, 1, 2, 3, 4))  # +-1/2 ... +-2
MAX_FACTORS = 3  # constants in one product
RATIONALS = tuple(sorted({Fraction(p, q) for p in range(1, 5) for q in range(1, 5)}))
PI_POWERS = tuple(Fraction(k, 2) for k in (-4, -2, -1, 0, 1, 2, 4))  # pi^-2 ... pi^2, sqrt(pi)
WITHIN = 2.0  # a match lies within this many standard uncertainties
MAX_CHANCE = 0.05  # refuse a name an unrelated number would get this often by accident


@dataclass(frozen=True)
class PhysicalConstant:
    name: str
    value: float
    relative_uncertainty: float
    dimension: Dimension


CONSTANT_NAMES = (*(name for name, _, _ in _CODATA_KEYS), "M_sun")


def physical_constants() -> list[PhysicalConstant]:
    """The CODATA constants of ``scipy.constants`` searched, and the solar mass (IAU
    nominal GM_sun over CODATA G)."""
    import scipy.constants as codata

    found = []
    for name, key, unit in _CODATA_KEYS:
        value, _, uncertainty = codata.physical_constants[key]
        found.append(PhysicalConstant(name, value, uncertainty / value, parse_unit(unit)))
    g_value, _, g_uncertainty = codata.physical_constants["Newtonian constant of gravitation"]
    found.append(PhysicalConstant("M_sun", SOLAR_MASS_PARAMETER / g_value, g_uncertainty / g_value, parse_unit("kg")))
    return found


@dataclass(frozen=True)
class UnitTerm:
    """One additive part of a law: coefficient * rest, and the dimension the coefficient
    must carry so that the part has the target's units."""

    coefficient: sympy.Expr
    rest: sympy.Expr
    dimension: Dimension

    @property
    def carries_units(self) -> bool:
        return self.dimension != DIMENSIONLESS


def unit_terms(expression: sympy.Expr, dimensions: Mapping[str, Dimension], target: Dimension) -> list[UnitTerm] | None:
    """The law's additive parts, each with the dimension its numeric coefficient must
    carry; None when a part is inconsistent on its own (a sum of unlike dimensions, a
    function of a dimensional argument), which no constant outside it can repair. A
    product over a sum, nu**2*(a*T - b*nu), is judged multiplied out."""
    for form in (expression, sympy.expand_mul(expression)):
        terms = []
        for term in sympy.Add.make_args(form):
            coefficient, rest = term.as_coeff_Mul()
            rest_dimension = expression_dimension(rest, dimensions)
            if rest_dimension is None:
                break
            terms.append(UnitTerm(coefficient, rest, target / rest_dimension))
        else:
            return terms
    return None


def constants_with_units(expression: sympy.Expr, dimensions: Mapping[str, Dimension] | None, target: Dimension | None) -> int | None:
    """How many constants with units the law needs (0: dimensionally consistent as it
    is); None without units, or when no constants outside its parts make it consistent."""
    if dimensions is None or target is None:
        return None
    terms = unit_terms(expression, dimensions, target)
    return None if terms is None else sum(t.carries_units for t in terms)


@dataclass(frozen=True)
class Identification:
    """A constant named as rational * pi^k * prod(constant^power)."""

    text: str
    value: float  # in SI units
    candidates: int  # products of the right units tried
    chance: float  # how often an unrelated number would match one this closely


def identify_constant(value: float, uncertainty: float, dimension: Dimension) -> tuple[Identification | None, str]:
    """The simplest product rational * pi^k * prod(c_i^p_i) (at most MAX_FACTORS CODATA
    constants, powers +-1/2 ... +-2) with the constant's dimension whose value lies
    within WITHIN standard uncertainties of ``value`` (SI), and a sentence on the search.

    Look-elsewhere guard: many products are tried, so a match is only named when fewer
    than MAX_CHANCE matches would be expected by accident among the products at least as
    simple as it: their count within a factor e of the value, times the match window's
    relative width, over the log-width 2 of that neighbourhood."""
    if not (math.isfinite(value) and value != 0 and math.isfinite(uncertainty) and uncertainty > 0):
        return None, "no finite value and uncertainty to match"
    if dimension == DIMENSIONLESS:
        return None, "dimensionless: not matched against products of physical constants"
    table = _product_table()
    goal = np.array([float(e) for e in dimension.exponents])
    rows = np.flatnonzero(np.all(np.abs(table["dimensions"] - goal) < 1e-9, axis=1))
    if not len(rows):
        return None, f"no product of at most {MAX_FACTORS} CODATA constants has the dimension {dimension}"
    prefactors = [(r, k) for r in RATIONALS for k in PI_POWERS]
    prefactor_logs = np.array([math.log(float(r)) + float(k) * math.log(math.pi) for r, k in prefactors])
    prefactor_costs = np.array([_prefactor_cost(r, k) for r, k in prefactors])
    offsets = table["logs"][rows][:, None] + prefactor_logs[None, :] - math.log(abs(value))  # log(candidate/value)
    window = WITHIN * np.hypot(uncertainty / abs(value), table["uncertainties"][rows])[:, None]
    match = np.abs(np.expm1(offsets)) <= window
    near = np.abs(offsets) <= 1.0
    # simplicity, lexicographic: fewer constants, smaller powers, a simpler number in front
    cost = 1e6 * table["counts"][rows][:, None] + 1e3 * table["power_sums"][rows][:, None] + prefactor_costs[None, :]
    searched = f"searched {offsets.size} products with the constant's units ({int(near.sum())} within a factor e of it)"
    if not match.any():
        return None, f"matches no product of CODATA constants within {WITHIN:g} standard uncertainties; {searched}"
    i, j = min(zip(*np.nonzero(match)), key=lambda ij: (cost[ij], abs(offsets[ij])))
    rivals = int(np.sum(near & (cost <= cost[i, j])))
    chance = rivals * WITHIN * uncertainty / abs(value)
    if chance > MAX_CHANCE:
        return None, (f"too uncertain to name: among the {rivals} products as simple as its nearest match, one would "
                      f"match this closely by chance with probability {chance:.2g}; {searched}")
    factors = [(CONSTANT_NAMES[k], Fraction(p).limit_denominator(2))
               for k, p in zip(table["indices"][rows[i]], table["powers"][rows[i]]) if k >= 0]
    rational, pi_power = prefactors[j]
    text = ("-" if value < 0 else "") + _product_text(rational, pi_power, factors)
    matched = math.copysign(math.exp(offsets[i, j]) * abs(value), value)
    return Identification(text, matched, int(offsets.size), chance), (
        f"{text} = {matched:.6g} in SI units; {searched}; chance of an accidental match {chance:.2g}")


@functools.lru_cache(maxsize=1)
def _product_table() -> dict[str, np.ndarray]:
    """Every product of at most MAX_FACTORS distinct constants with powers in POWERS: its
    constants (index, -1 for none), powers, dimension, log value, relative uncertainty."""
    constants = physical_constants()
    exponents = np.array([[float(e) for e in c.dimension.exponents] for c in constants])
    logs = np.log([c.value for c in constants])
    uncertainties = np.array([c.relative_uncertainty for c in constants])
    indices, powers = [], []
    for count in range(1, MAX_FACTORS + 1):
        for chosen in itertools.combinations(range(len(constants)), count):
            for chosen_powers in itertools.product(POWERS, repeat=count):
                indices.append(chosen + (-1,) * (MAX_FACTORS - count))
                powers.append(tuple(float(p) for p in chosen_powers) + (0.0,) * (MAX_FACTORS - count))
    indices, powers = np.array(indices), np.array(powers)
    safe = np.where(indices >= 0, indices, 0)
    weight = np.where(indices >= 0, powers, 0.0)
    return {
        "indices": indices, "powers": powers,
        "dimensions": np.einsum("rk,rkd->rd", weight, exponents[safe]),
        "logs": np.sum(weight * logs[safe], axis=1),
        "uncertainties": np.sqrt(np.sum((weight * uncertainties[safe]) ** 2, axis=1)),
        "counts": np.sum(indices >= 0, axis=1), "power_sums": np.sum(np.abs(weight), axis=1),
    }


def _prefactor_cost(rational: Fraction, pi_power: Fraction) -> int:
    return rational.numerator + rational.denominator + (0 if pi_power == 0 else 1 + 2 * (pi_power.denominator - 1) + abs(pi_power.numerator))


def _product_text(rational: Fraction, pi_power: Fraction, factors: list[tuple[str, Fraction]]) -> str:
    """2π/√(G·M_sun): numerator and denominator, square roots where the power is 1/2."""
    top = [(name, p) for name, p in factors if p > 0]
    bottom = [(name, -p) for name, p in factors if p < 0]
    if pi_power > 0:
        top.insert(0, ("π", pi_power))
    elif pi_power < 0:
        bottom.insert(0, ("π", -pi_power))

    def side(number: int, items: list[tuple[str, Fraction]]) -> str:
        by_power: dict[Fraction, list[str]] = {}
        for name, p in items:
            by_power.setdefault(p, []).append(name)
        parts = [] if number == 1 and items else [str(number)]
        for p, names in sorted(by_power.items()):
            joined = "·".join(names)
            grouped = joined if len(names) == 1 else f"({joined})"
            if p == 1:
                parts.append(joined if not parts else joined)
            elif p == Fraction(1, 2):
                parts.append(f"√({joined})" if len(names) > 1 or len(joined) > 1 else f"√{joined}")
            else:
                parts.append(f"{grouped}^{p}" if p.denominator == 1 else f"{grouped}^({p})")
        return "·".join(parts).replace("2·π", "2π").replace("4·π", "4π")

    numerator = side(rational.numerator, top)
    if not bottom and rational.denominator == 1:
        return numerator
    denominator = side(rational.denominator, bottom)
    if "·" in denominator and not denominator.startswith("√("):
        denominator = f"({denominator})"
    return f"{numerator}/{denominator}"
