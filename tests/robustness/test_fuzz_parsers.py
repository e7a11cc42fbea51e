"""Fuzzing of everything that reads user text or files: the expression parser, the unit
parser and the table loaders. The property is the same everywhere: the input is read,
or a PhyslensError says what is wrong with it - never another exception, never a hang,
never code execution."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from physlens.data.loaders import load_table, read_columns
from physlens.errors import DataError, ExpressionError, PhyslensError, UnitError
from physlens.expr import parse_expression, to_text
from physlens.units import parse_unit, parse_unit_with_factor

PROFILE = settings.get_profile("physlens-robustness")
VARIABLES = ("x", "v", "m", "k")
# a file this suite must never see appear: every injection payload tries to create it
MARKER = Path(tempfile.gettempdir()) / "physlens-robustness-injected"


def one_line(message: str) -> bool:
    return bool(message.strip()) and "\n" not in message and "Traceback" not in message


# -- expression parser -------------------------------------------------------------------

_atoms = st.one_of(
    st.sampled_from(VARIABLES + ("pi", "E", "sin(x)", "sqrt(v)", "exp(-k)")),
    st.integers(-10**40, 10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e308", "1e-400", "0", "0.0", "1_000", "0x1f", "9" * 40]),
)


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**", "^", "//", "%", "@", "<", "and"]), children).map(" ".join),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        st.tuples(st.sampled_from(["sin", "log", "abs", "square", "factorial", "eval", "open", "getattr"]), children).map(lambda t: f"{t[0]}({t[1]})"),
    )


expressions = st.recursive(_atoms, _combine, max_leaves=12)

# text that would do something if it were ever evaluated as Python
INJECTIONS = [
    f"__import__('os').system('touch {MARKER}')",
    f"__import__('pathlib').Path('{MARKER}').touch()",
    f"open('{MARKER}', 'w').write('x')",
    f"exec(\"open('{MARKER}', 'w')\")",
    f"eval(\"open('{MARKER}', 'w')\")",
    "x.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0].__subclasses__()",
    "x.real", "sin.__globals__", "globals()", "vars()", "locals()['x']", "getattr(x, 'y')",
    f"(lambda: __import__('os').system('touch {MARKER}'))()",
    "lambda x: x", "[x for x in range(10**9)]", "{x: x for x in v}", "(x for x in v)", "{x, v}", "[x, v]",
    "x if v else m", "x and v", "x < v", "x := 1", "*x", "f'{x}'", "b'x'", "'x' * 10**9", "x[0]", "x[::-1]",
    "9**9**9", "9**9**9**9", "(10**30)**1000", "((10**30)**1000)**1000", "((2**1000)**1000)**1000",
    "2**10**100", "10**10**10", "x**10**10", "(9**999)**999",
    "(" * 500 + "x" + ")" * 500, "-" * 10_000 + "x", "sin(" * 300 + "x" + ")" * 300, "x" + "+x" * 10_000,
    "x" * 30_000, "1" * 30_000, "\x00", "x\n+ v", "x; import os", "import os", "x = 1", "del x", "yield x",
    "await x", "x.__dict__", "__builtins__", "__x", "x__y", "sqrt(x, v)", "sin(x=1)", "sin(*v)", "print(x)",
]


def _assert_refused_fast(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, VARIABLES)
    assert time.perf_counter() - start < 2.0, f"{text[:60]!r} took {time.perf_counter() - start:.1f} s to refuse"
    assert one_line(str(info.value))


@pytest.mark.parametrize("text", INJECTIONS, ids=lambda t: t[:40])
def test_injection_and_resource_attacks_are_refused_quickly(text, monkeypatch):
    import builtins

    import ast

    calls = []
    for name in ("eval", "exec", "compile"):
        original = getattr(builtins, name)
        monkeypatch.setattr(builtins, name, lambda *a, _name=name, _original=original, **k: calls.append((_name, a, k)) or _original(*a, **k))
    _assert_refused_fast(text)
    # ast.parse compiles to a syntax tree only (the PyCF_ONLY_AST flag); nothing else may run
    executed = [c for c in calls if not (c[0] == "compile" and (c[2].get("flags", c[1][3] if len(c[1]) > 3 else 0) & ast.PyCF_ONLY_AST))]
    assert executed == [], f"parse_expression called {[c[0] for c in executed]}"
    assert not MARKER.exists(), f"{text!r} created {MARKER}: user text was executed"


@PROFILE
@given(expressions)
def test_random_expressions_parse_or_raise_expression_error(text):
    start = time.perf_counter()
    try:
        result = parse_expression(text, VARIABLES)
    except ExpressionError as error:
        assert one_line(str(error))
    else:
        assert isinstance(result, sympy.Expr)
        assert result.free_symbols <= {sympy.Symbol(n, real=True) for n in VARIABLES}
        # what the parser builds it prints, and the printout reads back with the same
        # variables (floats print with 15 digits, so the read-back may differ in the last
        # digit, and 1.7976931348623157e308 may round up past the largest float)
        try:
            again = parse_expression(to_text(result), VARIABLES)
        except ExpressionError as error:
            assert one_line(str(error))
        else:
            assert again.free_symbols == result.free_symbols
    assert time.perf_counter() - start < 5.0
    assert not MARKER.exists()


@PROFILE
@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_expression_error(text):
    try:
        parse_expression(text, VARIABLES)
    except ExpressionError as error:
        assert one_line(str(error))


@PROFILE
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text())))
def test_non_text_expression_is_refused(value):
    with pytest.raises(ExpressionError, match="expression must be text"):
        parse_expression(value, VARIABLES)


def test_allowed_expression_still_parses():
    parsed = parse_expression("-k*x/m + sqrt(v^2) * sin(pi*x)**2", VARIABLES)
    x, v, m, k = sympy.symbols("x v m k", real=True)
    assert sympy.simplify(parsed - (-k * x / m + sympy.Abs(v) * sympy.sin(sympy.pi * x) ** 2)) == 0


# -- unit parser -------------------------------------------------------------------------

_unit_atoms = st.one_of(
    st.sampled_from(["m", "kg", "s", "A", "K", "mol", "cd", "N", "J", "Pa", "eV", "ohm", "Ω", "µm", "km", "h", "degC",
                     "furlongz", "x", "1", "", "dimensionless", "-", "%", "inf", "nan", "lambda", "__class__"]),
    st.integers(-30, 30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
units = st.recursive(
    _unit_atoms,
    lambda children: st.one_of(
        st.tuples(children, st.sampled_from(["*", "/", "^", "**", " ", "+", ",", ".", ":"]), children).map("".join),
        children.map(lambda c: f"({c})"),
    ),
    max_leaves=8,
)

UNIT_ATTACKS = [
    "m^9^9^9", "m**9**9**9", "m**(10**10)", "m^(9^9)", "m**99999999999999999999999", "m**1e308", "m**(1e308)",
    "m" + "*m" * 99, f"__import__('os').system('touch {MARKER}')", "m.__class__", "lambda: m", "m, s", "m; s",
    "[m]", "\x00", "(" * 150 + "m" + ")" * 150, "m" * 500, "1/0", "m/0", "m**nan", "m+s", "m-s",
]


@pytest.mark.parametrize("text", UNIT_ATTACKS, ids=lambda t: t[:40])
def test_unit_attacks_are_refused_quickly(text):
    start = time.perf_counter()
    with pytest.raises(UnitError) as info:
        parse_unit(text, column="speed")
    assert time.perf_counter() - start < 3.0  # the first call loads pint's registry
    assert one_line(str(info.value)) and "'speed'" in str(info.value)
    assert not MARKER.exists()


@PROFILE
@given(st.one_of(units, st.text(max_size=60)))
def test_random_units_parse_or_raise_unit_error(text):
    start = time.perf_counter()
    try:
        dimension, factor = parse_unit_with_factor(text, column="col")
    except UnitError as error:
        message = str(error)
        assert one_line(message) and "'col'" in message
    else:
        assert np.isfinite(factor) and factor != 0
        assert all(abs(e) <= 20 for e in dimension.exponents)
    assert time.perf_counter() - start < 3.0


@pytest.mark.parametrize(
    "text, expected",
    [("m/s^2", "m s^-2"), ("kg*m^2/s^2", "m^2 kg s^-2"), ("s^(-1/2)", "s^-1/2"), ("Ω", "m^2 kg s^-3 A^-2"), ("µm", "m"), ("1/s", "s^-1")],
)
def test_ordinary_units_still_parse(text, expected):
    assert str(parse_unit(text)) == expected


# -- table loaders -----------------------------------------------------------------------

_header_cells = st.one_of(
    st.sampled_from(["x", "v", "t", "a", "x [m]", "v [m/s]", "a [m/s^2]", "k [N/m]", "x [furlongz]", "x [m^9^9^9]",
                     "x [m, s]", "[m]", "x [", "x ]", "", " ", "a b", "1x", "x-y", "lambda", "__import__", "é", "x [m] [s]",
                     "x [[m]]", "\"x\"", "x,y", "x\ny"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
)
_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.sampled_from(["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "abc", "1,5", "1.5.2",
                     "--1", "0x10", "1_000", "\"1\"", "'1'", "TRUE", "None", "null", "1e", "e5", ".", "-", "+", "\t3"]),
    st.text(max_size=5),
)


@st.composite
def text_tables(draw):
    header = draw(st.lists(_header_cells, min_size=1, max_size=4))
    n_rows = draw(st.integers(0, 14))
    rows = [[draw(_cells) for _ in header] for _ in range(n_rows)]
    if draw(st.booleans()) and rows:  # a ragged row
        rows[draw(st.integers(0, len(rows) - 1))].append("1")
    separator = draw(st.sampled_from([",", ",", ";", "\t"]))
    lines = [separator.join(header)] + [separator.join(r) for r in rows]
    ending = draw(st.sampled_from(["\n", "\r\n", ""]))
    return ending.join(lines) + ending, header


def _write(folder: str, name: str, content: bytes | str) -> Path:
    path = Path(folder) / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def _check_load(path: Path, header_names: list[str], target: str | None) -> None:
    """Load with and without a target; a failure must be a PhyslensError naming the
    file or a column; a success must hold finite numbers only."""
    for kwargs in ({}, {"target": target}):
        try:
            dataset = load_table(path, **kwargs)
        except PhyslensError as error:
            message = str(error)
            assert one_line(message), message
            assert str(path) in message or any(n and n.strip() in message for n in header_names), message
        else:
            for name in dataset.arrays:
                assert np.isfinite(dataset[name]).all()


@PROFILE
@given(text_tables(), st.integers(0, 3))
def test_random_text_tables_load_or_raise_data_error(table, target_index):
    text, header = table
    target = header[target_index % len(header)].split("[")[0].strip()
    with tempfile.TemporaryDirectory() as folder:
        _check_load(_write(folder, "table.csv", text), header, target)


@PROFILE
@given(st.binary(max_size=400), st.sampled_from([".csv", ".parquet", ".npz", ".pq"]))
def test_random_bytes_load_or_raise_data_error(content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "data" + suffix, content)
        try:
            read_columns(path)
        except PhyslensError as error:
            assert one_line(str(error)) and str(path) in str(error)


_npz_arrays = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=15).map(lambda v: np.array(v, dtype=float)),
    st.lists(st.integers(-10**6, 10**6), min_size=0, max_size=15).map(lambda v: np.array(v, dtype=np.int64)),
    st.lists(st.booleans(), max_size=15).map(np.array),
    st.lists(st.text(max_size=3), min_size=1, max_size=15).map(np.array),
    st.lists(st.complex_numbers(allow_nan=False), min_size=1, max_size=15).map(np.array),
    st.integers(1, 12).map(lambda n: np.arange(n * 2, dtype=float).reshape(n, 2)),
    st.floats(allow_nan=False).map(np.array),  # a 0-d array
    st.just(np.zeros(12, dtype=[("a", float), ("b", int)])),
    st.just(np.array([None, 1.0, "x"], dtype=object)),
    st.just(np.array(["2024-01-01"] * 12, dtype="datetime64[D]")),
)


@PROFILE
@given(st.dictionaries(st.sampled_from(["x", "v", "a", "t", "x [m]", "1x", "arr_0", "__class__", "é"]), _npz_arrays, max_size=4))
def test_random_npz_contents_load_or_raise_data_error(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # object arrays are pickled here; the loader must refuse them
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "data.npz", buffer.getvalue())
        _check_load(path, list(arrays), next(iter(arrays), "x"))


def test_good_tables_still_load(tmp_path):
    rows = "\n".join(f"{i},{i * 2.5},{-i}" for i in range(1, 13))
    path = _write(str(tmp_path), "good.csv", "x [m],v [m/s],a\n" + rows + "\n")
    dataset = load_table(path, target="a")
    assert dataset.target_name == "a" and dataset.variable("v").unit == "m/s"
    with pytest.raises(DataError, match=r"column 'v' row 2 \(line 3\) holds 'abc'"):
        load_table(_write(str(tmp_path), "bad.csv", "x,v,a\n" + rows.replace("5.0,", "abc,", 1)), target="a")
