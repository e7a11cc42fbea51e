"""Physical dimensions: unit strings -> exponent vectors over the SI base dimensions,
dimension arithmetic, and Buckingham-Pi groups.

Unit text is parsed by pint's own tokenizer (no ``eval``); only the dimension and the
factor to SI are kept, so ``cm`` and ``m`` share a dimension but not a factor.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

from physlens.errors import UnitError

BASE_DIMENSIONS = ("length", "mass", "time", "current", "temperature", "substance", "luminosity")
BASE_SYMBOLS = ("m", "kg", "s", "A", "K", "mol", "cd")
MAX_UNIT_TEXT = 200
MAX_UNIT_EXPONENT = 20  # m^20 is already beyond any physical unit; larger ones are typos or attacks
_UNIT_PUNCTUATION = set(" */^().+-_%°")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# an exponent: a number, a parenthesised group without parentheses inside, or a name
_EXPONENT = re.compile(rf"(?:\*\*|\^)\s*(?P<operand>\([^()]*\)|{_NUMBER}|[^\W\d]\w*)?")


@dataclass(frozen=True)
class Dimension:
    """Exponents over the seven SI base dimensions (length, mass, time, ...)."""

    exponents: tuple[Fraction, ...] = (Fraction(0),) * len(BASE_DIMENSIONS)

    @classmethod
    def from_mapping(cls, powers: Mapping[str, float | Fraction]) -> "Dimension":
        values = [Fraction(0)] * len(BASE_DIMENSIONS)
        for key, power in powers.items():
            name = key.strip("[]")
            if name not in BASE_DIMENSIONS:
                raise UnitError(f"dimension {key!r} is not an SI base dimension; valid: {', '.join(BASE_DIMENSIONS)}")
            values[BASE_DIMENSIONS.index(name)] = Fraction(power).limit_denominator(1000)
        return cls(tuple(values))

    @property
    def is_dimensionless(self) -> bool:
        return all(e == 0 for e in self.exponents)

    def __mul__(self, other: "Dimension") -> "Dimension":
        return Dimension(tuple(a + b for a, b in zip(self.exponents, other.exponents)))

    def __truediv__(self, other: "Dimension") -> "Dimension":
        return Dimension(tuple(a - b for a, b in zip(self.exponents, other.exponents)))

    def __pow__(self, power: int | float | Fraction) -> "Dimension":
        p = Fraction(power).limit_denominator(1000)
        return Dimension(tuple(e * p for e in self.exponents))

    def __str__(self) -> str:
        parts = []
        for symbol, e in zip(BASE_SYMBOLS, self.exponents):
            if e == 1:
                parts.append(symbol)
            elif e != 0:
                parts.append(f"{symbol}^{e}")
        return " ".join(parts) if parts else "dimensionless"


DIMENSIONLESS = Dimension()


# the IAU 2015 nominal solar mass parameter GM_sun (Resolution B3), exact in m^3/s^2:
# pint knows au and year but not the solar mass, which astronomical tables use
SOLAR_MASS_PARAMETER = 1.3271244e20


@functools.lru_cache(maxsize=1)
def _registry():
    import pint

    registry = pint.UnitRegistry()
    registry.define(f"solar_mass = {SOLAR_MASS_PARAMETER} m**3/s**2 / newtonian_constant_of_gravitation = M_sun")
    return registry


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[Dimension, float]:
    registry = _registry()
    quantity = registry.Quantity(1.0, registry.parse_units(text.replace("^", "**")))
    dimension = Dimension.from_mapping(dict(quantity.dimensionality))
    factor = float(quantity.to_base_units().magnitude)
    return dimension, factor


def parse_unit(text: str | None, *, column: str | None = None) -> Dimension:
    """Dimension of a unit string such as ``m/s**2``, ``kg*m^2``, ``Pa*s``, ``1/s``.

    Empty text, ``1`` and ``dimensionless`` mean dimensionless. An unknown unit raises
    :class:`UnitError` naming the column and the text.
    """
    return parse_unit_with_factor(text, column=column)[0]


def parse_unit_with_factor(text: str | None, *, column: str | None = None) -> tuple[Dimension, float]:
    """(dimension, factor to SI) of a unit string; ``cm`` gives (length, 0.01)."""
    where = f" for column {column!r}" if column else ""
    if text is None:
        return DIMENSIONLESS, 1.0
    if not isinstance(text, str):
        raise UnitError(f"unit{where} must be text, got {type(text).__name__}")
    stripped = text.strip()
    if stripped in ("", "1", "dimensionless", "-"):
        return DIMENSIONLESS, 1.0
    if len(stripped) > MAX_UNIT_TEXT:
        raise UnitError(f"unit{where} is {len(stripped)} characters long; at most {MAX_UNIT_TEXT} are allowed")
    _check_unit_text(stripped, where)
    try:
        dimension, factor = _parse(stripped)
    except UnitError as error:
        raise UnitError(f"unit {stripped!r}{where}: {error}") from None
    except Exception as error:  # pint raises many types (UndefinedUnitError, TokenError, ...)
        kind = type(error).__name__
        raise UnitError(
            f"unknown unit {stripped!r}{where} ({kind}); write SI or common units such as "
            "'m/s**2', 'kg*m^2', 'N', 'Pa*s', '1/s', 'ohm', 'V', or leave empty for dimensionless"
        ) from None
    if not math.isfinite(factor) or factor == 0:
        raise UnitError(f"unit {stripped!r}{where} has no finite, non-zero factor to SI")
    if any(abs(e) > MAX_UNIT_EXPONENT for e in dimension.exponents):
        raise UnitError(f"unit {stripped!r}{where} has dimension {dimension}; exponents beyond +-{MAX_UNIT_EXPONENT} are not allowed")
    return dimension, factor


def _check_unit_text(text: str, where: str) -> None:
    """Refuse text pint would misread or spend minutes on, before it sees it: stray
    characters (``m, s`` would silently become m*s) and powers of powers (``m^9^9^9``
    makes pint compute 9**387420489)."""
    stray = sorted({c for c in text if not (c.isalnum() or c in _UNIT_PUNCTUATION)})
    if stray:
        raise UnitError(
            f"unit {text!r}{where} contains {', '.join(repr(c) for c in stray)}; a unit uses names, numbers, "
            "* / ^ ** and parentheses, e.g. 'kg*m^2/s^2'"
        )
    for match in _EXPONENT.finditer(text):
        operand = match.group("operand")
        rest = text[match.end():].lstrip()
        if operand is None or rest.startswith(("**", "^")) or "*" in operand or "^" in operand:
            raise UnitError(
                f"unit {text!r}{where}: an exponent must be a plain number such as ^2, ^-1 or ^(1/3), not a power or an expression"
            )
        numerator, _, denominator = operand.strip("() ").partition("/")
        try:
            value = abs(float(numerator) / (float(denominator) if denominator else 1.0))
        except (ValueError, ZeroDivisionError):
            continue  # a name or a broken fraction; pint reads or refuses it
        if value > MAX_UNIT_EXPONENT:
            raise UnitError(f"unit {text!r}{where}: exponent {operand} is beyond +-{MAX_UNIT_EXPONENT}")


def _integer_vector(vector: Sequence[Fraction]) -> list[int]:
    denominators = [Fraction(v).denominator for v in vector]
    scale = math.lcm(*denominators) if denominators else 1
    ints = [int(Fraction(v) * scale) for v in vector]
    divisor = math.gcd(*ints) if any(ints) else 1
    ints = [i // divisor for i in ints]
    first = next((i for i in ints if i != 0), 0)
    return [-i for i in ints] if first < 0 else ints


def pi_groups(dimensions: Mapping[str, Dimension]) -> list[dict[str, int]]:
    """Buckingham-Pi: an integer basis of the dimensionless products of the variables.

    Each group maps variable name -> integer exponent; the product of the variables
    raised to those exponents is dimensionless. Variables that are themselves
    dimensionless come out as their own group.
    """
    import sympy

    names = list(dimensions)
    if not names:
        return []
    matrix = sympy.Matrix([[dimensions[n].exponents[i] for n in names] for i in range(len(BASE_DIMENSIONS))])
    groups = []
    for vector in matrix.nullspace():
        ints = _integer_vector([sympy.Rational(v) for v in vector])
        groups.append({n: e for n, e in zip(names, ints) if e != 0})
    return groups


def unit_solution(target: Dimension, dimensions: Mapping[str, Dimension]) -> dict[str, Fraction] | None:
    """Exponents p with prod(x_i ** p_i) having the target's dimension, or None.

    Among the many solutions (any Pi-group may be multiplied in), the one with the
    free exponents set to zero is returned, which keeps the product short.
    """
    import sympy

    names = list(dimensions)
    if target.is_dimensionless:
        return {}
    if not names:
        return None
    matrix = sympy.Matrix([[dimensions[n].exponents[i] for n in names] for i in range(len(BASE_DIMENSIONS))])
    rhs = sympy.Matrix([target.exponents[i] for i in range(len(BASE_DIMENSIONS))])
    try:
        solution, params = matrix.gauss_jordan_solve(rhs)
    except ValueError:
        return None
    if params.shape[0]:
        solution = solution.subs({p: 0 for p in params})
    return {n: Fraction(int(sympy.fraction(v)[0]), int(sympy.fraction(v)[1])) for n, v in zip(names, solution) if v != 0}


def unit_text(powers: Mapping[str, Fraction]) -> str:
    """A unit written from unit texts and their powers, as a physicist writes it:
    {"yr": 1, "au": -3/2} gives ``yr/au^(3/2)``; compound units are bracketed."""
    def power(unit: str, exponent: Fraction) -> str:
        shown = f"({unit})" if any(c in unit for c in "*/ ") else unit
        if exponent == 1:
            return shown
        return f"{shown}^{exponent}" if exponent.denominator == 1 else f"{shown}^({exponent})"

    merged: dict[str, Fraction] = {}
    for unit, exponent in powers.items():
        unit = unit.strip()
        if unit not in ("", "1", "dimensionless", "-"):
            merged[unit] = merged.get(unit, Fraction(0)) + Fraction(exponent)
    if not all(re.fullmatch(r"\w+", unit) for unit in merged):  # compound units: let pint cancel them
        registry = _registry()
        product = registry.parse_units("dimensionless")
        for unit, exponent in merged.items():
            product = product * registry.parse_units(unit.replace("^", "**")) ** float(exponent)
        numerator, *denominator = format(product, "~P").split("/")
        return numerator if not denominator else (
            f"{numerator}/{denominator[0]}" if len(denominator) == 1 else f"{numerator}/({'·'.join(denominator)})")
    numerator = [power(u, e) for u, e in merged.items() if e > 0]
    denominator = [power(u, -e) for u, e in merged.items() if e < 0]
    top = "*".join(numerator) or "1"
    if not denominator:
        return top if numerator else "dimensionless"
    bottom = denominator[0] if len(denominator) == 1 else "(" + "*".join(denominator) + ")"
    return f"{top}/{bottom}"
