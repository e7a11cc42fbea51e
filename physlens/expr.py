"""Safe expression text <-> sympy.

User-supplied text is never ``eval``ed (and never passed to ``sympify``, which
evaluates Python). Text is parsed by Python's ``ast`` module, which only builds a
syntax tree, and the tree is walked with a whitelist: numbers, the allowed variable
names, ``+ - * / ** ^``, unary minus and calls of whitelisted functions. Everything
else (attributes, subscripts, lambdas, keywords, dunder names...) is refused.
"""

from __future__ import annotations

import ast
import io
import math
import keyword
import tokenize
from typing import Iterable, Mapping

import numpy as np
import sympy

from physlens.errors import ExpressionError

MAX_EXPRESSION_LENGTH = 20_000
MAX_DEPTH = 200
MAX_DIGITS = 1000  # exact numbers beyond this take seconds to build and cannot be printed

FUNCTIONS: Mapping[str, object] = {
    "sqrt": sympy.sqrt,
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "abs": sympy.Abs,
    "Abs": sympy.Abs,
    "cbrt": sympy.cbrt,
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
}
CONSTANTS: Mapping[str, sympy.Expr] = {"pi": sympy.pi, "E": sympy.E}

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_OPERATOR_TEXT = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~", ast.Not: "not",
}
_REFUSED = {
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "indexing (a[i])", ast.Lambda: "a lambda",
    ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension", ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "assignment (:=)", ast.Starred: "a starred argument", ast.JoinedStr: "an f-string",
}
_ALLOWED_SYNTAX = "numbers, variables, + - * / ** ^, parentheses and one-argument functions"


def _digits(number: sympy.Rational) -> int:
    """Decimal digits of the larger of numerator and denominator (0 for 0)."""
    return max(abs(int(number.p)).bit_length(), int(number.q).bit_length()) * 30103 // 100000


def _check_power_size(base: sympy.Expr, exponent: sympy.Expr) -> None:
    """Refuse an exact power whose result would have more than MAX_DIGITS digits, before
    sympy spends minutes building it (e.g. ``((10**30)**1000)**1000``)."""
    if base.is_Rational and exponent.is_Number and base not in (0, 1, -1):
        estimate = abs(float(exponent)) * max(_digits(base), 1)
        if estimate > MAX_DIGITS:
            raise ExpressionError(
                f"a {_digits(base) + 1}-digit number to the power {sympy.sstr(exponent)[:20]} would have about "
                f"{estimate:.3g} digits; at most {MAX_DIGITS} are allowed"
            )


def _check_size(value: sympy.Expr) -> sympy.Expr:
    if value.is_Rational and _digits(value) > MAX_DIGITS:
        raise ExpressionError(f"a number in the expression has more than {MAX_DIGITS} digits; at most {MAX_DIGITS} are allowed")
    return value


def _normalise_tokens(text: str, names: set[str]) -> tuple[str, dict[str, str]]:
    """Token-level rewrites before ``ast`` parses the text: ``^`` becomes ``**`` (with
    the precedence of a power, which a textual swap after parsing would not give), and
    variables named like Python keywords (``lambda``) get a placeholder."""
    mapping = {n: f"physlens_kw_{n}" for n in names if keyword.iskeyword(n)}
    if "^" not in text and not mapping:
        return text, {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as error:
        raise ExpressionError(f"cannot read expression: {error}") from None
    out = []
    for token in tokens:
        string = token.string
        if token.type == tokenize.NAME:
            string = mapping.get(string, string)
        elif token.type == tokenize.OP and string == "^":
            string = "**"
        out.append((token.type, string))
    return tokenize.untokenize(out), {v: k for k, v in mapping.items()}


def parse_expression(
    text: str,
    variables: Iterable[str] = (),
    *,
    allow_unknown_names: bool = False,
) -> sympy.Expr:
    """Parse expression text into sympy using only the given variable names.

    ``allow_unknown_names`` admits any plain identifier as a symbol (used to read
    equations from trusted tables such as the Feynman database); dunder names are
    refused either way.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be text, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is {len(text):,} characters long; at most {MAX_EXPRESSION_LENGTH:,} are allowed")
    if not text.strip():
        raise ExpressionError("expression is empty")
    names = set(variables)
    source, placeholders = _normalise_tokens(text.strip(), names)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"cannot parse expression {text[:80]!r}: {error.msg}; allowed: {_ALLOWED_SYNTAX}") from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise ExpressionError(f"cannot parse expression {text[:80]!r}: {type(error).__name__}") from None
    symbols = {n: sympy.Symbol(n, real=True) for n in names}

    def build(node: ast.AST, depth: int) -> sympy.Expr:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Expression):
            return build(node.body, depth + 1)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ExpressionError(f"only numbers are allowed as constants, not {type(value).__name__} {value!r:.40}")
            if isinstance(value, int) and abs(value) > 10**30:
                raise ExpressionError("integer constant too large")
            if isinstance(value, float) and not math.isfinite(value):
                raise ExpressionError(f"number {value} is not finite")
            return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)
        if isinstance(node, ast.Name):
            name = placeholders.get(node.id, node.id)
            if name.startswith("__") or "__" in name:
                raise ExpressionError(f"name {name!r} is not allowed")
            if name in symbols:
                return symbols[name]
            if name in CONSTANTS:
                return CONSTANTS[name]
            if allow_unknown_names:
                symbols[name] = sympy.Symbol(name, real=True)
                return symbols[name]
            valid = ", ".join(sorted(names)) or "(none)"
            raise ExpressionError(f"unknown name {name!r} in expression; valid variables: {valid}; constants: pi, E")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = build(node.left, depth + 1), build(node.right, depth + 1)
            if isinstance(node.op, ast.Pow):
                if right.is_Number and abs(float(right)) > 1000:
                    raise ExpressionError("exponent larger than 1000 is not allowed")
                _check_power_size(left, right)
            return _check_size(_BINARY[type(node.op)](left, right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = build(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError(
                    f"only plain function names can be called, not {_REFUSED.get(type(node.func), type(node.func).__name__)}; "
                    f"allowed functions: {', '.join(sorted(FUNCTIONS))}"
                )
            if node.func.id not in FUNCTIONS:
                raise ExpressionError(f"function {node.func.id!r} is not allowed; allowed: {', '.join(sorted(FUNCTIONS))}")
            if node.keywords or len(node.args) != 1:
                raise ExpressionError(f"function {node.func.id!r} takes exactly one positional argument")
            return FUNCTIONS[node.func.id](build(node.args[0], depth + 1))
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            shown = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"operator {shown!r} is not allowed; allowed: {_ALLOWED_SYNTAX}")
        shown = _REFUSED.get(type(node), type(node).__name__)
        raise ExpressionError(f"{shown} is not allowed in an expression; allowed: {_ALLOWED_SYNTAX}")

    try:
        result = build(tree, 0)
    except RecursionError:
        raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(result, sympy.Expr):
        raise ExpressionError("expression does not evaluate to a mathematical expression")
    return result


def to_text(expression: sympy.Expr) -> str:
    """Plain text that :func:`parse_expression` reads back to the same expression."""
    return sympy.sstr(expression, order="none")


def to_latex(expression: sympy.Expr) -> str:
    return sympy.latex(expression)


def to_mathml(expression: sympy.Expr) -> str:
    """Presentation MathML wrapped in a ``<math>`` element, for HTML reports."""
    body = sympy.mathml(expression, printer="presentation")
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">{body}</math>'


def symbols_for(names: Iterable[str]) -> dict[str, sympy.Symbol]:
    """The sympy symbols physlens uses for variable names (real-valued)."""
    return {n: sympy.Symbol(n, real=True) for n in names}


def count_complexity(expression: sympy.Expr) -> int:
    """Number of nodes in the expression tree (SRBench's model size)."""
    return int(sympy.count_ops(expression, visual=False)) + len(list(sympy.preorder_traversal(expression))) // 2 + 1


def has_undefined_constant(expression: sympy.Expr) -> bool:
    """True when the expression holds zoo (a division by zero), nan, +-oo or I: it has no
    real value anywhere, and lambdify cannot print some of these."""
    return expression.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I)


def to_function(expression: sympy.Expr, names: Iterable[str]):
    """A numpy function of the named columns. The expression was built by this module
    from whitelisted parts, so lambdify only ever sees sympy objects, never user text."""
    names = list(names)
    syms = [sympy.Symbol(n, real=True) for n in names]
    return sympy.lambdify(syms, expression, modules="numpy")


def real_values(values, rows: int) -> np.ndarray:
    """Values of a law on ``rows`` rows as real floats. A complex value whose imaginary
    part is more than round-off (sympy keeps ``(-1)**(1/3)`` as a complex root, and
    lambdify evaluates it so) is no value of a real law: it becomes NaN, not its real
    part. Constants are broadcast to every row."""
    values = np.asarray(values) * np.ones(rows)
    if np.iscomplexobj(values):
        imaginary = np.abs(values.imag) > 1e-9 * np.maximum(np.abs(values.real), 1e-300)
        values = np.where(imaginary, np.nan, values.real)
    return values.astype(float)


def simple_numbers(value: float, *, max_denominator: int = 12, exact_first: bool = True) -> list[sympy.Expr]:
    """Simple closed forms near ``value``, simplest first: 0, p/q, p/q*pi, p/q*sqrt(2)...

    For each named constant the nearest multiple p/q of it (q up to ``max_denominator``)
    is offered, and the nearest whole multiple (and for plain numbers the nearest
    halves, thirds and quarters): 9 for a fitted 9.048, which 109/12 is nearer.
    Numbers within 1e-6 of ``value`` come first (unless not ``exact_first``: a constant
    fitted to noisy data is not known to 1e-6, and 85/(9*pi) = 3.0062626 for a fitted
    3.00626 is chance), then 0, then the rest by the bits to
    write them down: log2(1 + |p|) + log2(q), plus two to four for a named constant
    (pi and 1/pi two; pi**2, sqrt(2) three; 1/pi**2, sqrt(pi), sqrt(3), e four) and
    five for a root such as 1/sqrt(2*pi), plus log2 of their distance from ``value`` in
    steps of 0.1% (so 1 comes before pi/3 for 1.03, and pi**2 before 79/8 or 10 for
    9.87). Used to snap fitted constants; the caller decides on data whether a snap is
    kept.
    """
    import math
    from fractions import Fraction

    if not math.isfinite(value):
        return []
    candidates: dict[sympy.Expr, float] = {sympy.Integer(0): 0.0}

    def bits(ratio: Fraction, extra: float) -> float:
        return math.log2(1 + abs(ratio.numerator)) + math.log2(ratio.denominator) + extra

    # (number, its value, bits to name it): the commoner in physics the cheaper
    bases = [(sympy.Integer(1), 1.0, 0.0), (sympy.pi, math.pi, 2.0), (1 / sympy.pi, 1 / math.pi, 2.0), (sympy.pi**2, math.pi**2, 3.0),
             (sympy.sqrt(2), math.sqrt(2), 3.0), (1 / sympy.pi**2, 1 / math.pi**2, 4.0), (sympy.sqrt(sympy.pi), math.sqrt(math.pi), 4.0),
             (sympy.sqrt(3), math.sqrt(3), 4.0), (sympy.E, math.e, 4.0)]
    for symbol, numeric, named in bases:
        coarse = (1, 2, 3, 4) if named == 0 else (1,)
        for ratio in [Fraction(value / numeric).limit_denominator(max_denominator),
                      *(Fraction(round(value / numeric * q), q) for q in coarse if q <= max_denominator)]:
            if ratio != 0 and abs(ratio.numerator) <= 1000:
                candidates.setdefault(sympy.Rational(ratio.numerator, ratio.denominator) * symbol, bits(ratio, named))
    for power in (1, -1):  # square roots such as 1/sqrt(2*pi)
        ratio = Fraction(value**2 / math.pi**power).limit_denominator(max_denominator)
        if ratio != 0 and abs(ratio.numerator) <= 1000:
            candidate = sympy.Integer(1 if value > 0 else -1) * sympy.sqrt(sympy.Rational(ratio.numerator, ratio.denominator) * sympy.pi**power)
            candidates.setdefault(candidate, bits(ratio, 5.0))
    # the nearly exact first, then 0, then the rest by the bits to write them down and
    # to write how far they are from the value (in steps of 0.1%)
    def distance(c: sympy.Expr) -> float:
        return abs(float(c) - value) / max(abs(value), 1e-300)
    return sorted(candidates, key=lambda c: (exact_first and distance(c) > 1e-6, c != 0, candidates[c] + max(0.0, math.log2(max(distance(c), 1e-300) / 1e-3)),
                                             count_complexity(c)))


def snap_constants(expression: sympy.Expr, *, rel_tol: float = 1e-4, abs_tol: float = 1e-4, tries: int | None = None,
                   exact_first: bool = True) -> sympy.Expr:
    """Replace each float by the simplest close number (|c| < abs_tol -> 0, else p/q or
    p/q*pi within rel_tol), among the first ``tries`` of :func:`simple_numbers` (all by
    default; ``exact_first`` as there). This is the SRBench-style rounding used when
    scoring exactness; the search snaps on held-out data instead, starting from this
    rounding."""
    replacements = {}
    for number in expression.atoms(sympy.Float):
        value = float(number)
        if abs(value) < abs_tol:
            replacements[number] = sympy.Integer(0)
            continue
        for candidate in simple_numbers(value, exact_first=exact_first)[:tries]:
            if candidate != 0 and abs(float(candidate) - value) <= rel_tol * abs(value):
                replacements[number] = candidate
                break
    return expression.xreplace(replacements) if replacements else expression


def as_expression(value) -> sympy.Expr:
    """A sympy expression from a sympy object or a plain number, never from text (text
    must go through :func:`parse_expression`; ``sympify`` would evaluate it as Python)."""
    import numbers

    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return sympy.Float(float(value))
    raise ExpressionError(
        f"expected a sympy expression or a number, got {type(value).__name__}; parse text with parse_expression"
    )
