"""Symbolic regression with physics.

The search is genetic programming with tuned constants (Operon; Burlacu, Kronberger &
Kommenda 2020) over an accuracy/complexity Pareto front. Around it, what AI Feynman
showed physics buys (Udrescu & Tegmark, Sci. Adv. 2020): when units are known the
problem is first reduced by dimensional analysis (Buckingham Pi) so the search only
sees dimensionless groups, and every answer is dimensionally consistent by
construction; candidates are simplified, fitted constants are snapped to simple
numbers (p/q, multiples of pi) where held-out error allows, and the final model is
chosen by held-out error and description length. A null test on a shuffled target
and a black-box noise floor decide whether a law was found at all.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np
import sympy

from physlens.errors import DataError, ParameterError
from physlens.expr import (count_complexity, has_undefined_constant, parse_expression, real_values, simple_numbers, snap_constants,
                           symbols_for, to_function)
from physlens.methods.base import (
    Interpretation,
    Method,
    Taxonomy,
    check_finite_values,
    check_parameter,
    positive_number,
    register,
    seed_or_none,
)
from physlens.methods.enumeration import NOISY, ROUND_OFF, SAMPLE_POINTS, enumerate_expressions, noise_share, rows_clear_of_noise, separable_laws
from physlens.units import Dimension, parse_unit, pi_groups, unit_solution
from physlens.validate.dimensions import dimensional_consistency, expression_dimension
from physlens.validate.fit import heldout_accuracy, null_test, r2_score
from physlens.validate.verdict import Verdict

FUNCTIONS = "sqrt,exp,log,sin,cos"
_SNAP_FLOOR = 1e-10  # relative to var(y): a snap costing less than this is never refused
JOINT_SNAP = 0.01  # relative distance within which all constants are first snapped together
SNAP_TRIES = 5  # simple numbers tried for each constant, simplest first
MAX_ENUMERATED_INPUTS = 3  # exhaustive enumeration of short laws when at most this many inputs remain
ENUMERATION_SHARE = 0.3  # of the search's time
FLOOR_MARGIN = 1.1  # a law whose error is within this factor of the estimated noise leaves only noise
WHITE_RESIDUAL = 0.5  # ... if at least this share of its residual is noise by the same estimate
REPRODUCIBLE_SIZES = {1: 7, 2: 5, 3: 4}  # enumeration depth by number of inputs, under an evaluation budget


@dataclass
class Candidate:
    """One law on the Pareto front, in the data's variable names."""

    expression: sympy.Expr
    complexity: int
    r2: float
    mse: float
    consistent: bool | None
    origin: str

    def description_length(self, n: int, variance: float) -> float:
        """BIC-like score: n log(mse) + (complexity + fitted constants) log(n), with a
        round-off floor. A fitted (floating-point) constant is a parameter and costs
        as much again as its node, so 1 beats 0.99978 unless the data clearly ask for it."""
        fitted = len(self.expression.atoms(sympy.Float))
        return _description_length(n, self.mse, variance, self.complexity + fitted)


def _description_length(n: int, mse: float, variance: float, cost: float) -> float:
    """n log(mse) + cost log(n) on n rows, the mse floored at round-off (relative to
    ``variance``); infinite for a law that cannot be evaluated."""
    if not math.isfinite(mse):
        return math.inf
    return n * math.log(max(mse, ROUND_OFF * variance)) + cost * math.log(n)


def validation_split(n: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, validation rows) of n rows: the selection's held-out share. It is
    the fit's first draw from its generator, so the split of a seeded fit can be rebuilt."""
    order = rng.permutation(n)
    n_valid = max(5, int(round(fraction * n)))
    return order[n_valid:], order[:n_valid]


def _evaluate(expression: sympy.Expr, names: list[str], X: np.ndarray) -> np.ndarray:
    if has_undefined_constant(expression):
        return np.full(X.shape[0], np.nan)
    try:
        with np.errstate(all="ignore"):
            values = real_values(to_function(expression, names)(*X.T), X.shape[0])
    except Exception:  # any expression that numpy cannot evaluate is simply not a law
        return np.full(X.shape[0], np.nan)
    return values


def _mse(values: np.ndarray, y: np.ndarray) -> float:
    if not np.all(np.isfinite(values)):
        return math.inf
    return float(np.mean((values - y) ** 2))


def refit_constants(expression: sympy.Expr, names: list[str], X: np.ndarray, y: np.ndarray) -> sympy.Expr:
    """Least-squares refit of the expression's floating-point constants on (X, y)."""
    from scipy.optimize import least_squares

    floats = sorted(expression.atoms(sympy.Float), key=lambda f: float(f))
    if not floats or len(floats) > 12:
        return expression
    params = sympy.symbols(f"physlens_c0:{len(floats)}")
    template = expression.xreplace(dict(zip(floats, params)))
    # sqrt and log of |u| while fitting: a start where u < 0 on a few rows (a snapped
    # constant moved the law off its domain) is then a smooth problem the fit can leave,
    # not a wall of non-finite values; the caller judges the result on the real law
    lenient = {"sqrt": lambda u: np.sqrt(np.abs(u)), "log": lambda u: np.log(np.abs(u))}
    try:
        f = sympy.lambdify([*symbols_for(names).values(), *params], template, modules=[lenient, "numpy"])
    except Exception:
        return expression
    columns = list(X.T)

    def residual(theta):
        with np.errstate(all="ignore"):
            values = real_values(f(*columns, *theta), len(y))
        values = np.where(np.isfinite(values), values, 1e30)
        return values - y

    start = np.array([float(c) for c in floats])
    try:
        fit = least_squares(residual, start, method="lm", max_nfev=200 * (len(floats) + 1))
    except Exception:
        return expression
    if not np.all(np.isfinite(fit.x)) or np.mean(fit.fun**2) > np.mean(residual(start) ** 2):
        return expression
    return template.xreplace({p: sympy.Float(v, 17) for p, v in zip(params, fit.x)})


def snap_on_data(
    expression: sympy.Expr,
    names: list[str],
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    *,
    tolerance: float = 0.05,
    deadline: float | None = None,
) -> sympy.Expr:
    """Snap constants to simple numbers one at a time, refitting the others, keeping a
    snap only when held-out error grows by less than ``tolerance`` (relative) plus
    round-off, and by no more than chance allows: on noisy data a wrong constant can
    cost less than 5% (2/5 for a Gaussian's 1/sqrt(2*pi) costs 2% at 2% noise), so the
    rise over the unsnapped law, row by row, must also be within three of its standard
    errors.
    Constants that matter least are tried first (zero first of all)."""
    X_valid, y_valid = valid
    floor = _SNAP_FLOOR * float(np.var(y_valid))
    current = expression
    unsnapped = _evaluate(current, names, X_valid)
    current_mse = _mse(unsnapped, y_valid)

    def kept(trial: sympy.Expr) -> tuple[bool, float]:
        """Whether the snapped law ``trial`` is as good as the data can tell, and its error."""
        values = _evaluate(trial, names, X_valid)
        trial_mse = _mse(values, y_valid)
        if not trial_mse <= current_mse * (1 + tolerance) + floor:
            return False, trial_mse
        return not _significantly_worse(values, unsnapped, y_valid, floor), trial_mse
    # the deepest constants first: an exponent or a frequency inside a function is
    # snapped while the outer factors and offsets can still absorb the change (they are
    # refitted), not after they were snapped to fit the unsnapped inner value; at equal
    # depth the smallest first (the likeliest spurious ones). A refit moves the other
    # constants, so each step takes the next constant of the current law not yet tried.
    def order(law: sympy.Expr) -> list[sympy.Float]:
        depth: dict[sympy.Float, int] = {}

        def visit(node: sympy.Basic, level: int) -> None:
            if isinstance(node, sympy.Float):
                depth[node] = max(depth.get(node, 0), level)
            for argument in node.args:
                visit(argument, level + 1)

        visit(law, 0)
        return sorted(depth, key=lambda f: (-depth[f], abs(float(f))))

    # constants within 1% of each other first become one (noise splits a constant that
    # appears twice, as in sqrt(c*x**2 + c*y**2), into two): the law is refitted with one,
    # and a common factor comes out (c*x**2 + c*y**2 is c*(x**2 + y**2)) to be snapped alone
    twins = _twin_constants(current)
    if twins:
        trial = sympy.factor_terms(current.xreplace(twins))
        trial = refit_constants(trial, names, *train)
        accepted, trial_mse = kept(trial)
        if accepted:
            current, current_mse = trial, trial_mse
    # then all at once, each constant to the simplest number within 1% of it: one at a
    # time, with the others refitted, a law at the edge of its domain (a distance whose
    # square reaches 0) leaves it, as the refitted constants drift, where together they
    # keep it. The simplest numbers are tried first, then those nearest the fitted values
    # (on noisy data a fitted 3.00626 is 3, though 85/(9*pi) is within 1e-6 of it; on
    # exact data the data refuse 3 where the constant is 85/(9*pi))
    for exact_first in (False, True):
        trial = snap_constants(current, rel_tol=JOINT_SNAP, abs_tol=JOINT_SNAP**2, tries=SNAP_TRIES, exact_first=exact_first)
        if trial is current:  # nothing was snapped (snap_constants returns its input then)
            continue
        if trial.atoms(sympy.Float):
            trial = refit_constants(trial, names, *train)
        accepted, trial_mse = kept(trial)
        if accepted:
            current, current_mse = trial, trial_mse
            break
    refused: set[sympy.Float] = set()
    for _ in range(4 * len(expression.atoms(sympy.Float))):  # each snap removes a constant
        if deadline is not None and time.perf_counter() > deadline:
            break
        untried = [f for f in order(current) if f not in refused]
        if not untried:
            break
        target = untried[0]
        for candidate in simple_numbers(float(target))[:SNAP_TRIES]:
            trial = current.xreplace({target: candidate})
            if trial.atoms(sympy.Float):
                trial = refit_constants(trial, names, *train)
            accepted, trial_mse = kept(trial)
            if accepted:
                current, current_mse = trial, trial_mse
                break
        else:
            refused.add(target)
    return current


def free_exact_numbers_on_data(
    expression: sympy.Expr,
    names: list[str],
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
) -> sympy.Expr:
    """The law with its exact numbers (pi, 2, 1/3, ...; not exponents, not signs) made
    fitted constants and refitted, when that shortens its description on the held-out
    rows (:meth:`Candidate.description_length`: the better fit must pay for the new
    parameters); else the law as it was. Enumeration builds its constants from the
    leaves 1, 2 and pi, so it offers -2.19 + 10.01/(pi - z) for -2 + 9/(3 - z), within
    the noise and wrong; and a constant snapped on the way (9/(7 pi**2) for a slope of
    0.1303 fitted on rows chosen by their noisy target) is no longer refitted. Freed and
    refitted, the constants are then snapped like any fitted ones."""
    def free(node: sympy.Basic) -> sympy.Basic:
        if isinstance(node, sympy.Pow):
            return sympy.Pow(free(node.base), node.exp)  # an exponent is structure, not a constant
        if isinstance(node, sympy.NumberSymbol) or (node.is_Rational and abs(node) != 1 and node != 0):
            return sympy.Float(node, 17)
        if not node.args:
            return node
        return node.func(*[free(argument) for argument in node.args])

    try:
        freed = free(expression)
    except Exception:  # a node sympy will not rebuild: the law stays as it is
        return expression
    if len(freed.atoms(sympy.Float)) <= len(expression.atoms(sympy.Float)):
        return expression
    freed = refit_constants(freed, names, *train)
    X_valid, y_valid = valid
    variance = float(np.var(y_valid))

    def length(law: sympy.Expr) -> float:
        mse = _mse(_evaluate(law, names, X_valid), y_valid)
        return Candidate(law, count_complexity(law), math.nan, mse, None, "").description_length(len(y_valid), variance)

    return freed if length(freed) < length(expression) else expression


def _significantly_worse(values: np.ndarray, reference: np.ndarray, y: np.ndarray, floor: float, *, z: float = 3.0) -> bool:
    """Whether ``values`` miss ``y`` by more than ``reference`` does, beyond ``floor`` and
    beyond ``z`` standard errors of the mean row-by-row rise in squared error (a paired
    test: the noise both share cancels, so a small bias shows where the mean squared
    errors alone would hide it)."""
    if not np.all(np.isfinite(values)):
        return True
    rise = (values - y) ** 2 - (reference - y) ** 2
    if not np.all(np.isfinite(rise)):  # the reference itself fails on some rows
        return False
    mean = float(np.mean(rise))
    if mean <= floor:
        return False
    return mean > z * float(np.std(rise)) / math.sqrt(len(rise))


def _twin_constants(expression: sympy.Expr) -> dict[sympy.Float, sympy.Float]:
    """Floats within JOINT_SNAP (relative) of a neighbour in value, each mapped to the mean
    of its group; empty when there are none."""
    floats = sorted(expression.atoms(sympy.Float), key=float)
    groups: list[list[sympy.Float]] = []
    for number in floats:
        if groups and abs(float(number) - float(groups[-1][-1])) <= JOINT_SNAP * abs(float(number)):
            groups[-1].append(number)
        else:
            groups.append([number])
    return {number: sympy.Float(np.mean([float(f) for f in group]), 17) for group in groups if len(group) > 1 for number in group}


def power_law_candidates(Z: np.ndarray, target: np.ndarray, names: list[str]) -> list[sympy.Expr]:
    """t = c * prod(z_j ** a_j) by linear regression of log|t| on log|z_j|, with the
    exponents as fitted and snapped to simple fractions. Cheap, and exact for the
    many laws that are monomials once reduced to dimensionless groups."""
    from fractions import Fraction

    if Z.shape[1] == 0 or Z.shape[1] > 10 or np.any(target == 0) or np.any(Z == 0):
        return []
    signs = np.sign(target)
    design = np.column_stack([np.ones(len(target)), np.log(np.abs(Z))])
    with np.errstate(all="ignore"):
        coefficients, *_ = np.linalg.lstsq(design, np.log(np.abs(target)), rcond=None)
    if not np.all(np.isfinite(coefficients)):
        return []
    symbols = list(symbols_for(names).values())
    candidates = []
    for snap in (False, True):
        exponents = [sympy.Rational(Fraction(a).limit_denominator(6)) if snap else sympy.Float(a, 17) for a in coefficients[1:]]
        numeric = np.array([float(a) for a in exponents])
        monomial = np.prod(np.abs(Z) ** numeric, axis=1)
        sign = 1.0 if np.mean(signs) >= 0 else -1.0
        scale = float(np.exp(np.mean(np.log(np.abs(target)) - np.log(monomial))))
        candidates.append(sympy.Float(sign * scale, 17) * sympy.Mul(*[z**a for z, a in zip(symbols, exponents) if a != 0]))
    return candidates


_TRIGONOMETRIC = (sympy.sin, sympy.cos, sympy.tan)


def _simplify(expression: sympy.Expr) -> sympy.Expr:
    """Simplify with guards: very large expressions are left alone, and trigonometric
    functions are held as opaque symbols while the rest is simplified (sympy's
    trigonometric rewriting can run for an hour on a product of a few nested sines)."""
    if sympy.count_ops(expression) > 80:
        return expression
    # constants equal to round-off are one constant (a fit gives c*x**2 + c'*y**2 with
    # c - c' = 1e-17), so that c*(x**2 + y**2) can be factored
    unified: dict[sympy.Float, sympy.Float] = {}
    for number in sorted(expression.atoms(sympy.Float), key=float):
        twin = next((u for u in unified.values() if abs(float(u) - float(number)) <= 1e-12 * abs(float(number))), None)
        unified[number] = twin if twin is not None else number
    expression = expression.xreplace(unified)
    held = {f: sympy.Dummy(f"trig{i}") for i, f in enumerate(sorted(expression.atoms(*_TRIGONOMETRIC), key=sympy.default_sort_key))}
    try:
        simplified = sympy.simplify(expression.xreplace(held)).xreplace({d: f for f, d in held.items()})
    except Exception:
        return expression
    return simplified if count_complexity(simplified) <= count_complexity(expression) else expression


def unfold_roots_on_data(expression: sympy.Expr, names: list[str], X: np.ndarray) -> sympy.Expr:
    """Take roots of squares out of their roots where the data allow: sqrt(a**2 * b) is
    |a| sqrt(b), and |a| is a (or -a) when a keeps one sign on every row of X. So
    t*u*sqrt((1 - x/(t*u))**2 / (1 - u**2/c**2)) becomes (x - t*u)/sqrt(1 - u**2/c**2)
    on data where x > t*u. Kept only when no longer and equal on X to round-off."""
    if sympy.count_ops(expression) > 80 or not expression.has(sympy.Pow):
        return expression
    reference = _evaluate(expression, names, X)

    def signed(e: sympy.Expr) -> dict:
        signs = {}
        for absolute in e.atoms(sympy.Abs):
            inner = _evaluate(absolute.args[0], names, X)
            if np.all(inner > 0):
                signs[absolute] = absolute.args[0]
            elif np.all(inner < 0):
                signs[absolute] = -absolute.args[0]
        return signs

    current = expression
    for _ in range(3):  # each pass may expose another square under a root
        try:
            unfolded = sympy.powdenest(current, force=True)
        except Exception:
            break
        signs = signed(unfolded)
        if not signs:
            break
        current = _simplify(unfolded.xreplace(signs))
        current = current.xreplace(signed(current))  # simplification may write |a| again
    if current == expression or count_complexity(current) > count_complexity(expression):
        return expression
    values = _evaluate(current, names, X)
    scale = float(np.max(np.abs(reference))) if np.all(np.isfinite(reference)) else math.inf
    return current if np.all(np.isfinite(values)) and np.max(np.abs(values - reference)) <= 1e-9 * scale else expression


@register("symbolic")
class SymbolicRegressor(Method):
    """Find a closed-form law y = f(x) from a table, with units when they are known.

    Parameters
    ----------
    budget : wall-clock seconds for the whole fit (search, null test, checks).
    evaluations : if given, the search is limited by this many model evaluations
        instead of time, and runs on one thread, so the same seed gives the same law.
    use_units : reduce by dimensional analysis and demand consistency when units are known.
    use_structure : probe a smooth surrogate for translational symmetry (inputs that
        enter only as a difference x_i - x_j) and search on the differences; needs a
        budget of at least 20 s.
    use_enumeration : enumerate short expressions of the (reduced) inputs exhaustively,
        single and two-term laws, before the genetic search.
    use_separability : test additive and multiplicative separability on a smooth
        additive model and enumerate the parts alone.
    run_null_test : run the same search on a shuffled target, for as long as the search ran,
        to decide ``found``.
    max_length : the largest expression tree the search may build.
    validation_fraction : rows held out for selection and checks.
    n_threads : search threads (default: all cores).
    functions : comma-separated unary functions the search may use.
    random_state : seed.
    """

    taxonomy: ClassVar[Taxonomy] = Taxonomy("intrinsic", "functional", "global", "discovering", "high")
    consumes: ClassVar[str] = "table"
    interpretation_kind: ClassVar[str] = "equation"

    def __init__(
        self,
        *,
        budget: float = 30.0,
        evaluations: int | None = None,
        use_units: bool = True,
        use_structure: bool = True,
        use_enumeration: bool = True,
        use_separability: bool = True,
        run_null_test: bool = True,
        max_length: int = 30,
        validation_fraction: float = 0.25,
        n_threads: int | None = None,
        functions: str = FUNCTIONS,
        random_state: int | None = None,
    ):
        self.budget = budget
        self.evaluations = evaluations
        self.use_units = use_units
        self.use_structure = use_structure
        self.use_enumeration = use_enumeration
        self.use_separability = use_separability
        self.run_null_test = run_null_test
        self.max_length = max_length
        self.validation_fraction = validation_fraction
        self.n_threads = n_threads
        self.functions = functions
        self.random_state = random_state

    # -- validation --------------------------------------------------------------------
    def _check_parameters(self) -> None:
        owner = type(self).__name__
        check_parameter(owner, "budget", self.budget, positive_number, "a number of seconds > 0")
        check_parameter(owner, "evaluations", self.evaluations, lambda v: v is None or (isinstance(v, (int, np.integer)) and v >= 1000), "None or an integer >= 1000")
        check_parameter(owner, "max_length", self.max_length, lambda v: isinstance(v, (int, np.integer)) and 5 <= v <= 200, "an integer from 5 to 200")
        check_parameter(owner, "validation_fraction", self.validation_fraction, lambda v: 0.05 <= v <= 0.5, "a fraction from 0.05 to 0.5")
        check_parameter(owner, "n_threads", self.n_threads, lambda v: v is None or (isinstance(v, (int, np.integer)) and v >= 1), "None or an integer >= 1")
        check_parameter(owner, "random_state", self.random_state, seed_or_none, "None or an integer >= 0")
        allowed = {"sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "square", "cbrt", "abs", "asin", "acos", "atan"}
        unknown = [f for f in str(self.functions).split(",") if f and f.strip() not in allowed]
        if unknown:
            raise ParameterError(f"{owner}: unknown function {unknown[0]!r} in functions; valid: {', '.join(sorted(allowed))}")

    @staticmethod
    def _check_data(X, y, names, X_units, y_units):
        try:
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as error:
            raise DataError(f"X and y must be numeric arrays ({error})") from None
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
            raise DataError(f"X must be (n_samples, n_inputs) and y (n_samples,); got {X.shape} and {y.shape}")
        if X.shape[0] < 10:
            raise DataError(f"{X.shape[0]} rows; at least 10 are needed")
        names = list(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
        if len(names) != X.shape[1]:
            raise DataError(f"{len(names)} names for {X.shape[1]} input columns")
        check_finite_values("", "X", X, names)
        check_finite_values("", "y", y)
        if np.ptp(y) == 0:
            raise DataError("the target is constant; there is nothing to explain")
        dims = None
        if X_units is not None and y_units is not None:
            if len(X_units) != len(names):
                raise DataError(f"{len(X_units)} input units for {len(names)} input columns")
            dims = {n: parse_unit(u, column=n) for n, u in zip(names, X_units)}
            target_dim = parse_unit(y_units, column="target")
        else:
            target_dim = None
        return X, y, names, dims, target_dim

    # -- fitting ------------------------------------------------------------------------
    def fit(self, X, y, *, names=None, X_units=None, y_units=None, progress: Callable[[str], None] | None = None):
        """Search for the law; see the class docstring. Returns self."""
        self._check_parameters()
        X, y, names, dims, target_dim = self._check_data(X, y, names, X_units, y_units)
        X_user, names_user, dims_user = X, names, dims
        start = time.perf_counter()
        deadline = start + float(self.budget)
        rng = np.random.default_rng(self.random_state)
        report = progress or (lambda stage: None)
        n = len(y)
        train_rows, valid_rows = validation_split(n, self.validation_fraction, rng)
        n_valid = len(valid_rows)
        self.names_ = names
        self.dimensions_ = dims
        self.target_dimension_ = target_dim
        self.timings_ = {}

        self.symmetries_ = []
        if self.use_structure and X.shape[1] >= 2 and self.budget >= 20:
            report("probing symmetries")
            X, names, dims, back = self._apply_symmetries(X, y, names, dims, rng)
        else:
            back = {}
        self.timings_["structure"] = time.perf_counter() - start
        reduction = self._reduction(X, y, names, dims, target_dim) if self.use_units and dims is not None else None
        self.reduction_ = reduction
        report("estimating the noise floor")
        accuracy_check = self._surrogate_check(X, y, train_rows, valid_rows, rng)
        self.timings_["noise floor"] = time.perf_counter() - start
        report("searching")
        t0 = time.perf_counter()
        search_share = 0.75 if self.run_null_test else 0.95
        candidates = self._search(X, y, names, dims, reduction, train_rows, valid_rows, rng, t0 + search_share * (deadline - t0), "search")
        self.timings_["search"] = time.perf_counter() - t0

        report("checking")
        variance = float(np.var(y[valid_rows]))
        consistent_any = any(c.consistent for c in candidates)
        pool = [c for c in candidates if c.consistent] if consistent_any else candidates
        best = min(pool, key=lambda c: c.description_length(n_valid, variance))
        if back:  # express every law in the user's variables again
            for candidate in candidates:
                candidate.expression = candidate.expression.xreplace(back)
            names, X, dims = names_user, X_user, dims_user
        self.candidates_ = sorted(candidates, key=lambda c: (c.complexity, -c.r2))
        self.equation_ = best.expression
        self.r2_test_ = best.r2
        self.complexity_ = best.complexity

        verdicts = [accuracy_check(best.r2)]
        if self.run_null_test:
            t0 = time.perf_counter()
            shuffled = y.copy()
            shuffled[train_rows] = y[train_rows][rng.permutation(len(train_rows))]
            shuffled[valid_rows] = y[valid_rows][rng.permutation(len(valid_rows))]
            # the same effort as the search spent (a law found early needs no longer null search)
            null_deadline = max(time.perf_counter() + 1.0,
                                min(deadline - 0.05 * (deadline - start), time.perf_counter() + self.timings_["search"]))
            null_candidates = self._search(X, shuffled, names, dims, self._reduction(X, shuffled, names, dims, target_dim) if reduction else None,
                                           train_rows, valid_rows, rng, null_deadline, "null")
            self.r2_null_ = max((c.r2 for c in null_candidates), default=-math.inf)
            verdicts.append(null_test(best.r2, self.r2_null_))
            self.timings_["null test"] = time.perf_counter() - t0
        verdicts.append(dimensional_consistency(best.expression, dims, target_dim))
        if dims is not None and reduction is None and self.use_units:
            verdicts[-1] = Verdict(
                verdicts[-1].name, verdicts[-1].passed, verdicts[-1].score,
                verdicts[-1].reason + "; no product of the inputs has the target's units, so a constant with "
                "units (or a missing input) is needed",
            )
        self.verdicts_ = verdicts
        self.found_ = all(v.passed is not False for v in verdicts)
        self.reasons_ = [v.reason for v in verdicts if v.passed is False]
        self.timings_["total"] = time.perf_counter() - start
        self.budget_kind_ = (
            f"{self.evaluations} evaluations per search (reproducible)" if self.evaluations
            else f"{self.budget:g} s wall clock (the search's length depends on machine speed)"
        )
        return self

    def fit_dataset(self, dataset, progress=None):
        """Fit inputs -> target of a table Dataset, with its units; score against its truth."""
        names = dataset.input_names
        units = dataset.known_units([*names, dataset.target_name])
        units, y_units = (units[:-1], units[-1]) if units else (None, None)
        self.fit(dataset.X, dataset.y, names=names, X_units=units, y_units=y_units, progress=progress)
        self.target_name_ = dataset.target_name
        if dataset.truth is not None and dataset.target_name in dataset.truth.equations:
            from physlens.validate.symbolic import symbolic_equivalence

            self.verdicts_.append(symbolic_equivalence(self.equation_, dataset.truth.equations[dataset.target_name]))
        return self

    def _surrogate_check(self, X, y, train_rows, valid_rows, rng) -> Callable[[float], Verdict]:
        """Fit a black-box surrogate (its held-out R2 estimates the noise floor) and
        return the held-out accuracy check of a law against it."""
        from sklearn.ensemble import HistGradientBoostingRegressor
        from threadpoolctl import threadpool_limits

        surrogate = HistGradientBoostingRegressor(max_iter=150, random_state=int(rng.integers(2**31)))
        # one OpenMP thread: on a busy machine HGB's thread spin-waits cost 100x
        with threadpool_limits(limits=1, user_api="openmp"):
            surrogate.fit(X[train_rows], y[train_rows])
            self.r2_surrogate_ = r2_score(y[valid_rows], surrogate.predict(X[valid_rows]))
        return lambda r2_law: heldout_accuracy(r2_law, self.r2_surrogate_)

    def _apply_symmetries(self, X, y, names, dims, rng):
        """Replace each translationally symmetric pair (x_i, x_j) by d = x_i - x_j.

        Returns the new inputs, names, dimensions and the map from each new symbol back
        to its difference of user variables."""
        from physlens.methods.structure import fit_surrogate, translational_symmetries

        surrogate_seed = int(rng.integers(2**31))
        if dims is not None and len({dims[n] for n in names}) == len(names):
            return X, names, dims, {}  # only inputs of like units can enter as a difference: none here
        surrogate = fit_surrogate(X, y, random_state=surrogate_seed)
        pairs, used = [], set()
        for a, b, score in translational_symmetries(surrogate, names, dims):
            if a not in used and b not in used:
                pairs.append((a, b, score))
                used |= {a, b}
        self.symmetries_ = [{"kind": "translation", "variables": [a, b], "score": score} for a, b, score in pairs]
        if not pairs:
            return X, names, dims, {}
        symbols = symbols_for(names)
        kept = [n for n in names if n not in used]
        columns = [X[:, names.index(n)] for n in kept]
        new_names = list(kept)
        new_dims = {n: dims[n] for n in kept} if dims is not None else None
        back = {}
        for a, b, _ in pairs:
            difference = f"{a}_minus_{b}"
            while difference in names:
                difference += "_"
            columns.append(X[:, names.index(a)] - X[:, names.index(b)])
            new_names.append(difference)
            if new_dims is not None:
                new_dims[difference] = dims[a]
            back[sympy.Symbol(difference, real=True)] = symbols[a] - symbols[b]
        return np.column_stack(columns), new_names, new_dims, back

    # -- dimensional analysis -------------------------------------------------------------
    @staticmethod
    def _reduction(X, y, names, dims, target_dim):
        """(scale exponents, Pi groups) when y / prod(x^p) depends on dimensionless groups only."""
        scale = unit_solution(target_dim, dims)
        if scale is None:
            return None
        groups = pi_groups(dims)
        # a negative variable under a fractional power enters as |x| (x**(1/2) has no real
        # value); integer powers keep their sign, so a = -k x / m stays one smooth law,
        # unless the target keeps one sign while x changes its own: then y/x would jump
        # at x = 0 where y/|x| is smooth (a distance |x1 - x2| sqrt(1 + ...))
        one_signed = bool(np.all(y > 0) or np.all(y < 0))
        absolute = {k for k, p in scale.items() if (p.denominator != 1 or one_signed) and np.any(X[:, names.index(k)] < 0)}
        with np.errstate(all="ignore"):
            scale_values = np.prod([np.abs(X[:, names.index(k)]) ** float(p) if k in absolute else X[:, names.index(k)] ** float(p)
                                    for k, p in scale.items()], axis=0) if scale else np.ones(len(y))
            features = np.column_stack([np.prod([X[:, names.index(k)] ** float(e) for k, e in g.items()], axis=0) for g in groups]) if groups else np.empty((len(y), 0))
        if not (np.all(np.isfinite(scale_values)) and np.all(scale_values != 0) and np.all(np.isfinite(features))):
            return None
        return {"scale": scale, "groups": groups, "scale_values": scale_values, "features": features, "absolute": absolute}

    def _search(self, X, y, names, dims, reduction, train_rows, valid_rows, rng, deadline, label) -> list[Candidate]:
        symbols = symbols_for(names)
        if reduction is not None:
            scale_expr = sympy.Mul(*[(sympy.Abs(symbols[k]) if k in reduction["absolute"] else symbols[k]) ** sympy.Rational(p.numerator, p.denominator)
                                     for k, p in reduction["scale"].items()])
            group_exprs = [sympy.Mul(*[symbols[k] ** e for k, e in g.items()]) for g in reduction["groups"]]
            Z, target = reduction["features"], y / reduction["scale_values"]
        else:
            scale_expr, group_exprs, Z, target = sympy.Integer(1), [symbols[n] for n in names], X, y
        z_names = [f"z{i}" for i in range(Z.shape[1])]
        raw: list[sympy.Expr] = []
        if Z.shape[1] == 0:
            weights = reduction["scale_values"][train_rows]
            constant = float(np.sum(y[train_rows] * weights) / np.sum(weights**2))
            raw.append(sympy.Float(constant, 17))
        else:
            # fast enumeration first: many laws are power laws of the (reduced) inputs,
            # and most of the rest short expressions of one to three of them
            raw.extend(power_law_candidates(Z[train_rows], target[train_rows], z_names))
            exact = False
            # with an evaluation budget every stage is bounded by size, not by the clock,
            # so the same seed gives the same law on any machine
            reproducible = self.evaluations is not None
            # on noisy data a law that leaves only the noise needs no further search either
            Zt, tt = Z[train_rows], target[train_rows]
            share = noise_share(Zt, tt, np.random.default_rng(0)) if Z.shape[1] <= MAX_ENUMERATED_INPUTS else 0.0
            noise_mse = share * float(np.var(tt))
            noisy = NOISY < share < 0.5  # (a share near 1 is data without signal: searched in full)
            # noise of one size on y is noise of size 1/scale on the reduced target t = y/scale
            weights = reduction["scale_values"][train_rows] ** 2 if noisy and reduction is not None else None

            def at_floor(law: sympy.Expr, rows: np.ndarray | slice) -> bool:
                """Does the law leave only round-off, or only noise, on these training rows?
                Only noise: its error is the noise's, and its residual is no smoother than
                noise (a wrong law's residual is smooth, which is what the estimate of the
                noise also mistakes for noise when the target is steep)."""
                residual = tt[rows] - _evaluate(law, z_names, Zt[rows])
                if not np.all(np.isfinite(residual)):
                    return False
                mse = float(np.mean(residual**2))
                if mse <= ROUND_OFF * float(np.var(tt)):
                    return True
                return noisy and mse <= FLOOR_MARGIN * noise_mse and noise_share(Zt[rows], residual, np.random.default_rng(0)) > WHITE_RESIDUAL

            if self.use_enumeration and Z.shape[1] <= MAX_ENUMERATED_INPUTS:
                enumeration_end = None if reproducible else time.perf_counter() + ENUMERATION_SHARE * max(deadline - time.perf_counter(), 1.0)
                clear = rows_clear_of_noise(tt, share, weights)
                enumerated = enumerate_expressions(Zt[clear], tt[clear], z_names, deadline=enumeration_end, rng=rng,
                                                   max_size=REPRODUCIBLE_SIZES[Z.shape[1]] if reproducible else 9,
                                                   n_points=SAMPLE_POINTS[share > NOISY], noise=share if noisy else 0.0,
                                                   weights=None if weights is None else weights[clear])
                raw.extend(s.expression for s in enumerated)
                exact = any(at_floor(s.expression, clear) for s in enumerated)
            separability_end = None if reproducible else time.perf_counter() + ENUMERATION_SHARE * (deadline - time.perf_counter())
            # an additive spline fit takes about a second: not worth starting with less
            if self.use_separability and not exact and Z.shape[1] >= 2 and (reproducible or separability_end - time.perf_counter() > 1.0):
                noise_floor = max(0.0, 1.0 - getattr(self, "r2_surrogate_", 0.0))
                separated = separable_laws(Zt, tt, z_names, noise_floor=noise_floor,
                                           deadline=separability_end, rng=rng, max_size=REPRODUCIBLE_SIZES[2] if reproducible else 9)
                raw.extend(separated)
                exact = any(at_floor(law, slice(None)) for law in separated)
            if not exact:
                search_end = time.perf_counter() + 0.8 * max(deadline - time.perf_counter(), 1.0)
                raw.extend(self._operon(Zt, tt, z_names, rng, search_end))
        substitution = dict(zip(symbols_for(z_names).values(), group_exprs))
        candidates, seen = [], set()
        train, valid = (X[train_rows], y[train_rows]), (X[valid_rows], y[valid_rows])
        variance = float(np.var(valid[1]))
        prelim = []

        def promise(item) -> float:  # a description length on the validation rows, its constants not yet counted
            law, mse = item
            return _description_length(len(valid_rows), mse, variance, count_complexity(law))

        for expression in raw:
            full = (scale_expr * expression.xreplace(substitution))
            item = (full, _mse(_evaluate(full, names, valid[0]), valid[1]))
            # a law whose constants are within 1% of simple numbers is judged as it would
            # be snapped too (on noisy data 1.0008 - 1.0028*z**2 is 1 - z**2 and no longer)
            snapped = snap_constants(full, rel_tol=JOINT_SNAP, abs_tol=JOINT_SNAP**2, tries=SNAP_TRIES)
            if snapped is not full:
                item = min(item, (snapped, _mse(_evaluate(snapped, names, valid[0]), valid[1])), key=promise)
            # and a law whose exact numbers stand in for other constants (pi for 3) is
            # judged with them refitted, else it ranks below the laws it should beat
            if self.evaluations is not None or time.perf_counter() < deadline:
                freed = free_exact_numbers_on_data(item[0], names, train, valid)
                if freed is not item[0]:
                    item = (freed, _mse(_evaluate(freed, names, valid[0]), valid[1]))
            prelim.append(item)
        # polish only the most promising laws: simplification and snapping cost time
        prelim.sort(key=promise)
        for index, (full, _) in enumerate(prelim):
            # the most promising law is always polished; the others while time remains.
            # The null search only needs accuracies, so it skips polishing.
            if index >= 8 or (index >= 1 and self.evaluations is None and time.perf_counter() > deadline):
                break
            if label == "null":
                polished = full
            else:
                # the leading law is always polished, with at least a tenth of the budget
                polish_deadline = max(deadline, time.perf_counter() + max(1.0, 0.1 * float(self.budget))) if index == 0 else deadline
                if self.evaluations is not None:
                    polish_deadline = None
                polished = _simplify(snap_on_data(_simplify(full), names, train, valid, deadline=polish_deadline))
                polished = unfold_roots_on_data(polished, names, train[0])
            key = sympy.srepr(polished)
            if key in seen:
                continue
            seen.add(key)
            values = _evaluate(polished, names, valid[0])
            consistent = None
            if dims is not None and self.target_dimension_ is not None:
                consistent = expression_dimension(polished, dims) == self.target_dimension_
            candidates.append(Candidate(polished, count_complexity(polished), r2_score(valid[1], values), _mse(values, valid[1]), consistent, label))
        if not candidates:
            candidates.append(Candidate(sympy.Float(float(np.mean(train[1]))), 1, r2_score(valid[1], np.full(len(valid[1]), np.mean(train[1]))), float(np.var(valid[1])), None, label))
        return candidates

    def _operon(self, Z, target, z_names, rng, deadline) -> list[sympy.Expr]:
        from pyoperon.sklearn import SymbolicRegressor as Operon

        seconds = max(1, int(deadline - time.perf_counter()))
        reproducible = self.evaluations is not None
        threads = 1 if reproducible else (self.n_threads or os.cpu_count() or 1)
        engine = Operon(
            allowed_symbols="add,sub,mul,div,constant,variable," + ",".join(f.strip() for f in self.functions.split(",") if f.strip()),
            objectives=["r2", "length"],
            optimizer_iterations=10,
            model_selection_criterion="mean_squared_error",
            max_length=int(self.max_length),
            population_size=500,
            pool_size=500,
            generations=10**6,
            max_evaluations=int(self.evaluations) if reproducible else 10**12,
            max_time=10**6 if reproducible else seconds,
            n_threads=threads,
            random_state=int(rng.integers(2**31)),
        )
        with np.errstate(all="ignore"):
            engine.fit(Z, target)
        expressions = []
        for model in engine.pareto_front_:
            with warnings.catch_warnings():  # a constant model is a legitimate candidate
                warnings.filterwarnings("ignore", message="Model contains no variables")
                text = engine.get_model_string(model["tree"], 17, z_names)
            try:
                expressions.append(parse_expression(text, z_names))
            except Exception:  # an engine string our parser refuses is skipped, not trusted
                continue
        return expressions

    # -- results -------------------------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        self._check_is_fitted("equation_")
        X = np.asarray(X, dtype=float)
        X = X[:, None] if X.ndim == 1 else X
        return _evaluate(self.equation_, self.names_, X)

    @property
    def pareto_(self):
        """The Pareto front (complexity vs held-out R2) as a DataFrame."""
        import pandas as pd

        self._check_is_fitted("candidates_")
        rows, best_r2 = [], -math.inf
        for c in sorted(self.candidates_, key=lambda c: (c.complexity, -c.r2)):
            if c.r2 > best_r2:
                best_r2 = c.r2
                rows.append({"equation": sympy.sstr(c.expression), "complexity": c.complexity, "r2": c.r2,
                             "dimensionally_consistent": c.consistent})
        return pd.DataFrame(rows, columns=["equation", "complexity", "r2", "dimensionally_consistent"])

    def interpret(self) -> Interpretation:
        self._check_is_fitted("equation_")
        target = getattr(self, "target_name_", "y")
        consistent = next((v.passed for v in self.verdicts_ if v.name == "dimensional consistency"), None)
        summary = (
            f"{target} = {sympy.sstr(self.equation_)} (held-out R2 {self.r2_test_:.6f}, complexity {self.complexity_})"
            if self.found_ else f"no law found; best candidate {target} = {sympy.sstr(self.equation_)}"
        )
        return Interpretation(
            kind="equation",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=self.found_,
            summary=summary,
            expressions={target: self.equation_},
            values={
                "r2_test": self.r2_test_,
                "r2_null": getattr(self, "r2_null_", None),
                "r2_surrogate": getattr(self, "r2_surrogate_", None),
                "complexity": self.complexity_,
                "dimensionally_consistent": consistent,
                "dimensional_reduction": None if self.reduction_ is None else {
                    "scale": {k: str(v) for k, v in self.reduction_["scale"].items()},
                    "groups": self.reduction_["groups"],
                },
                "budget": self.budget_kind_,
                "seconds": self.timings_,
            },
            table=self.pareto_,
            verdicts=list(self.verdicts_),
            reasons=list(self.reasons_),
        )
