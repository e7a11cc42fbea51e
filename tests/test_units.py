from fractions import Fraction

import pytest

from physlens.errors import UnitError
from physlens.units import DIMENSIONLESS, Dimension, parse_unit, parse_unit_with_factor, pi_groups, unit_solution


def dim(**powers):
    return Dimension.from_mapping(powers)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("m/s**2", dim(length=1, time=-2)),
        ("m/s^2", dim(length=1, time=-2)),
        ("kg*m^2", dim(mass=1, length=2)),
        ("N", dim(mass=1, length=1, time=-2)),
        ("Pa*s", dim(mass=1, length=-1, time=-1)),
        ("1/s", dim(time=-1)),
        ("ohm", dim(mass=1, length=2, time=-3, current=-2)),
        ("V", dim(mass=1, length=2, time=-3, current=-1)),
        ("", DIMENSIONLESS),
        ("dimensionless", DIMENSIONLESS),
        ("K", dim(temperature=1)),
    ],
)
def test_parse_unit_gives_si_exponents(text, expected):
    assert parse_unit(text) == expected


def test_scale_factor_kept_apart_from_dimension():
    dimension, factor = parse_unit_with_factor("cm")
    assert dimension == dim(length=1)
    assert factor == pytest.approx(0.01)


def test_unknown_unit_names_column_and_text():
    with pytest.raises(UnitError, match=r"unknown unit 'furlongz' for column 'speed'"):
        parse_unit("furlongz", column="speed")


@pytest.mark.parametrize("text", ["m**", "((", "m/", "__import__('os')", "m" * 500])
def test_malformed_units_raise_unit_error(text):
    with pytest.raises(UnitError):
        parse_unit(text, column="x")


def test_dimension_arithmetic():
    velocity = parse_unit("m/s")
    assert velocity * parse_unit("s") == parse_unit("m")
    assert parse_unit("m") / parse_unit("s") == velocity
    assert velocity**2 == parse_unit("m^2/s^2")
    assert str(parse_unit("N")) == "m kg s^-2"


def test_pi_group_of_harmonic_oscillator():
    dims = {"a": parse_unit("m/s^2"), "x": parse_unit("m"), "k": parse_unit("N/m"), "m": parse_unit("kg")}
    groups = pi_groups(dims)
    assert len(groups) == 1
    group = groups[0]
    # a * m / (k * x) is the only dimensionless product (up to a power)
    assert group == {"a": 1, "x": -1, "k": -1, "m": 1} or group == {"a": -1, "x": 1, "k": 1, "m": -1}


def test_pi_groups_are_integer_and_dimensionless():
    dims = {"r1": parse_unit("m"), "r2": parse_unit("m"), "m1": parse_unit("kg"), "m2": parse_unit("kg"), "theta": DIMENSIONLESS}
    groups = pi_groups(dims)
    assert len(groups) == 3
    for group in groups:
        total = DIMENSIONLESS
        for name, exponent in group.items():
            assert isinstance(exponent, int)
            total = total * dims[name] ** exponent
        assert total.is_dimensionless


def test_unit_solution_builds_target_units():
    dims = {"m": parse_unit("kg"), "k": parse_unit("N/m")}
    solution = unit_solution(parse_unit("s"), dims)
    assert solution == {"m": Fraction(1, 2), "k": Fraction(-1, 2)}
    assert unit_solution(parse_unit("A"), dims) is None
