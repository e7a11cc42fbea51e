"""One printer for the equations every family reports, as a physicist writes them.

- the left-hand side of an ODE is the derivative of its state (dx/dt), never the bare state;
- a system of equations is ONE MathML table aligned at "=", so no two lines overlap;
- a fitted coefficient shows the digits its uncertainty supports (two significant digits
  of an uncertainty that starts with 1, else one, as the PDG rounds), and without a known
  uncertainty :data:`DEFAULT_SIGNIFICANT` significant digits; JSON keeps every digit;
- sums are factored and collected where that makes them shorter ((x² + y²)²/4), and
  names such as ``px`` are written with their subscript (p_x).

Uncertainties come as ``{equation name: {term: standard error}}``, the term written as
``sympy.sstr`` of the monomial without its coefficient ("1" for a constant), for example
``{"v": {"x": 0.004, "v": 0.0007}}``; a method that knows them puts them in its
interpretation's ``values["uncertainty"]``.
"""

from __future__ import annotations

import math
import re
from typing import Mapping

import sympy

DEFAULT_SIGNIFICANT = 4
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# a vector component (px, Fx) or an index (x1, z0) is written as a subscript
_SUBSCRIPTED = re.compile(r"^([A-Za-z])([xyz]|\d+)$")
_NUMBER = re.compile(r"^\d+(?:\.\d*)?(?:e-?\d+)?$")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

Uncertainty = Mapping[str, Mapping[str, float]]


def format_number(value: float, uncertainty: float | None = None, *, significant: int = DEFAULT_SIGNIFICANT) -> str:
    """``value`` with the digits ``uncertainty`` supports (or ``significant`` digits when
    it is unknown): 0.2003 for (0.200278, 0.0004); 1.000 for (1.0002, None); 1.23e-5."""
    if not math.isfinite(value):
        return str(value)
    if uncertainty is not None and math.isfinite(uncertainty) and uncertainty > 0:
        exponent = math.floor(math.log10(uncertainty))
        kept = 2 if uncertainty / 10**exponent < 2 else 1
        last_place = exponent - kept + 1
        rounded = round(value, -last_place)
        if rounded == 0:
            return "0"
        # never more digits than the uncertainty supports, nor more than ``significant``
        # (a bootstrap spread on clean data misses the derivative's own bias)
        significant = min(max(math.floor(math.log10(abs(rounded))) - last_place + 1, 1), significant)
        value = rounded
    if value == 0:
        return "0"
    text = f"{abs(value):#.{significant}g}"
    mantissa, _, power = text.partition("e")
    mantissa = ("-" if value < 0 else "") + mantissa.rstrip(".")
    return mantissa + (f"e{int(power)}" if power else "")


def display_symbol(name: str) -> sympy.Symbol:
    """The symbol a physicist writes for a column name: px -> p_x, x1 -> x_1."""
    match = _SUBSCRIPTED.match(name)
    return sympy.Symbol(f"{match.group(1)}_{match.group(2)}" if match else name, real=True)


def _rename(expression: sympy.Expr) -> sympy.Expr:
    with sympy.evaluate(False):  # a pure swap of names: keep tidy's factored form
        return expression.xreplace({s: display_symbol(s.name) for s in expression.free_symbols if isinstance(s, sympy.Symbol)})


def _degree(term: sympy.Expr):
    try:
        return sympy.Poly(term, *sorted(term.free_symbols, key=str)).total_degree() if term.free_symbols else 0
    except sympy.PolynomialError:
        return None


def _factor_group(terms: list[sympy.Expr]) -> sympy.Expr:
    group = sympy.Add(*terms)
    if len(terms) < 2:
        return group
    if group.atoms(sympy.Float):
        return sympy.factor_terms(group)
    factored = sympy.factor(group)
    return factored if len(sympy.sstr(factored)) <= len(sympy.sstr(group)) else group


def tidy(expression: sympy.Expr) -> sympy.Expr:
    """The shortest to read of the expression, its common factors pulled out, and its
    terms of equal degree factored together (x⁴/4 + x²y²/2 + y⁴/4 -> (x² + y²)²/4)."""
    candidates = [expression, sympy.factor_terms(expression)]
    if isinstance(expression, sympy.Add) and len(expression.args) <= 30:
        by_degree: dict = {}
        for term in expression.args:
            by_degree.setdefault(_degree(term), []).append(term)
        if len(by_degree) > 1 or None not in by_degree:
            parts = []
            for terms in by_degree.values():
                group = _factor_group(terms)
                parts.extend(group.args if isinstance(group, sympy.Add) else [group])
            candidates.append(sympy.Add(*parts, evaluate=False))
        if not expression.atoms(sympy.Float):
            candidates.append(sympy.factor(expression))
    return min(candidates, key=lambda e: len(sympy.sstr(e)))  # the first of equal length: the original


def _number_symbol(value: float, uncertainty: float | None, significant: int) -> sympy.Expr:
    text = format_number(abs(value), uncertainty, significant=significant)
    return -sympy.Symbol(text) if value < 0 and text.strip("0.") else sympy.Symbol(text)


def rounded(expression: sympy.Expr, uncertainty: Mapping[str, float] | None = None, *,
            significant: int = DEFAULT_SIGNIFICANT) -> sympy.Expr:
    """The expression with each fitted number as the digits it is known to, for display
    only (numbers become symbols named by their digits, so printing keeps trailing zeros)."""
    uncertainty = uncertainty or {}
    replacements: dict[sympy.Expr, sympy.Expr] = {}
    terms = sympy.Add.make_args(sympy.expand(expression)) if uncertainty else ()
    for term in terms:
        coefficient, monomial = term.as_coeff_Mul()
        sigma = uncertainty.get(sympy.sstr(monomial))
        if isinstance(coefficient, sympy.Float) and coefficient == 0:
            replacements[term] = sympy.Integer(0)  # a fitted zero is no term
        elif isinstance(coefficient, sympy.Float) and sigma is not None:
            replacements[term] = _number_symbol(float(coefficient), sigma, significant) * monomial
    if replacements:
        expression = sympy.Add(*(replacements.get(t, t) for t in terms))
    floats = {f: _number_symbol(float(f), None, significant) if f != 0 else sympy.Integer(0) for f in expression.atoms(sympy.Float)}
    return expression.xreplace(floats) if floats else expression


def _shown(name: str, rhs: sympy.Expr, uncertainty: Uncertainty | None, significant: int) -> sympy.Expr:
    return _rename(rounded(tidy(rhs), (uncertainty or {}).get(name), significant=significant))


def expression_text(expression: sympy.Expr, *, significant: int = DEFAULT_SIGNIFICANT) -> str:
    """An expression alone (a conserved quantity, a closed form) as readable text."""
    return _plain(sympy.sstr(_rename(rounded(tidy(expression), significant=significant))))


def left_text(name: str, kind: str) -> str:
    shown = sympy.sstr(display_symbol(name))
    return f"d{shown}/dt" if kind == "dynamics" else shown


def _plain(text: str) -> str:
    """sympy's text made readable: x**2 -> x², 2*x -> 2·x, pi -> π."""
    text = re.sub(r"\*\*(?:\((-\d+)\)|(\d+))", lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPT), text)
    return re.sub(r"\bpi\b", "π", text.replace("*", "·"))


def equation_text(name: str, rhs: sympy.Expr, *, kind: str = "equation", uncertainty: Uncertainty | None = None,
                  significant: int = DEFAULT_SIGNIFICANT) -> str:
    """One equation as readable text: "dv/dt = -0.2003·v - 3.997·x"."""
    return f"{left_text(name, kind)} = {_plain(sympy.sstr(_shown(name, rhs, uncertainty, significant)))}"


def equations_text(equations: Mapping[str, sympy.Expr], *, kind: str = "equation", uncertainty: Uncertainty | None = None,
                   significant: int = DEFAULT_SIGNIFICANT, separator: str = "; ") -> str:
    return separator.join(equation_text(n, e, kind=kind, uncertainty=uncertainty, significant=significant)
                          for n, e in equations.items())


def _numbers_as_mn(mathml: str) -> str:
    def number(match: re.Match) -> str:
        text = match.group(1)
        if not _NUMBER.match(text):
            return match.group(0)
        mantissa, _, power = text.partition("e")
        if not power:
            return f"<mn>{mantissa}</mn>"
        return f"<mrow><mn>{mantissa}</mn><mo>&#xB7;</mo><msup><mn>10</mn><mn>{power}</mn></msup></mrow>"
    return re.sub(r"<mi>([^<]+)</mi>", number, mathml).replace("<mo>-</mo>", "<mo>&#x2212;</mo>")  # a minus, not a hyphen


def left_mathml(name: str, kind: str) -> str:
    state = sympy.mathml(display_symbol(name), printer="presentation")
    if kind != "dynamics":
        return state
    return ("<mfrac><mrow><mi mathvariant='normal'>d</mi>" + state + "</mrow>"
            "<mrow><mi mathvariant='normal'>d</mi><mi>t</mi></mrow></mfrac>")


def equations_mathml(equations: Mapping[str, sympy.Expr], *, kind: str = "equation", uncertainty: Uncertainty | None = None,
                     significant: int = DEFAULT_SIGNIFICANT) -> str:
    """Every equation in ONE ``<math>`` block: a table aligned at "=" (one row each), so
    the lines of a system never overlap; "" for no equations."""
    if not equations:
        return ""
    rows = []
    for name, rhs in equations.items():
        right = _numbers_as_mn(sympy.mathml(_shown(name, rhs, uncertainty, significant), printer="presentation"))
        rows.append(f"<mtr><mtd style='text-align:right'><mstyle displaystyle='true'>{left_mathml(name, kind)}</mstyle></mtd>"
                    f"<mtd><mo>=</mo></mtd><mtd style='text-align:left'><mstyle displaystyle='true'>{right}</mstyle></mtd></mtr>")
    return f'<math xmlns="{MATHML_NS}" display="block"><mtable>{"".join(rows)}</mtable></math>'


def equations_latex(equations: Mapping[str, sympy.Expr], *, kind: str = "equation", uncertainty: Uncertainty | None = None,
                    significant: int = DEFAULT_SIGNIFICANT, inline: bool = False) -> str:
    """The equations as LaTeX, one aligned line each (``aligned`` environment when several);
    ``inline``: on one line, for a table cell."""
    lines = []
    for name, rhs in equations.items():
        state = sympy.latex(display_symbol(name))
        left = f"\\frac{{d {state}}}{{dt}}" if kind == "dynamics" else state
        right = re.sub(r"(\d+(?:\.\d*)?)e(-?\d+)", r"\1 \\cdot 10^{\2}", sympy.latex(_shown(name, rhs, uncertainty, significant)))
        lines.append(f"{left} &= {right}" if len(equations) > 1 and not inline else f"{left} = {right}")
    if inline:
        return ", \\quad ".join(lines)
    return lines[0] if len(lines) == 1 else "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def equations_json(equations: Mapping[str, sympy.Expr], *, kind: str = "equation",
                   uncertainty: Uncertainty | None = None) -> dict:
    """Full precision for machines: each right-hand side as text parse_expression reads,
    the left-hand side as printed, and the uncertainties when known (else null)."""
    return {name: {"left": left_text(name, kind), "expression": sympy.sstr(rhs),
                   "uncertainty": dict((uncertainty or {}).get(name, {})) or None}
            for name, rhs in equations.items()}
