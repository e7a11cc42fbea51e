"""Physical dimensions: unit strings -> exponent vectors over the SI base dimensions,
dimension arithmetic, and Buckingham-Pi groups.

Unit text is parsed by pint's own tokenizer (no ``eval``); only the dimension and the
factor to SI are kept, so ``cm`` and ``m`` share a dimension but not a factor.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

from physlens.errors import UnitError

BASE_DIMENSIONS = ("length", "mass", "time", "current", "temperature", "substance", "luminosity")
BASE_SYMBOLS = ("m", "kg", "s", "A", "K", "mol", "cd")
MAX_UNIT_TEXT = 200


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


@functools.lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


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
    return dimension, factor


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
