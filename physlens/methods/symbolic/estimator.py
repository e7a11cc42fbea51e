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
import time
from typing import Callable, ClassVar

import numpy as np
import sympy
from sklearn.base import RegressorMixin

from physlens.errors import DataError
from physlens.methods.base import (
    FLAG_RULE,
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    column_names,
    fraction,
    optional,
    positive_int,
    positive_number,
    register,
    rng_from,
    seed_from,
)
from physlens.methods.symbolic.claims import claim_verdicts, fresh_rows
from physlens.methods.symbolic.laws import evaluate, validation_split
from physlens.methods.symbolic.readable import readable_law
from physlens.methods.symbolic.search import SearchSettings, dimensional_reduction, search_laws
from physlens.methods.symbolic.structure import differences_for_symmetries
from physlens.methods.symbolic.unit_constants import choose_law, consistent_with_constants, constant_text, stated_constants
from physlens.units import parse_unit
from physlens.validate.dimensions import dimensional_consistency
from physlens.validate.fit import heldout_accuracy, null_test, r2_score
from physlens.validate.verdict import Verdict, all_blocking_passed

FUNCTIONS = "sqrt,exp,log,sin,cos"
RAW_SHARE = 0.5  # of the time left, at least, for a search with constants carrying units when no dimensionless law fits
KNOWN_FUNCTIONS = ("abs", "acos", "asin", "atan", "cbrt", "cos", "exp", "log", "sin", "sqrt", "square", "tan", "tanh")


def _known_functions(text) -> bool:
    """A comma-separated list of KNOWN_FUNCTIONS (empty items are ignored)."""
    return isinstance(text, str) and all(f.strip() in KNOWN_FUNCTIONS for f in text.split(",") if f)


@register("symbolic")
class SymbolicRegressor(RegressorMixin, Method):
    """Find a closed-form law y = f(x) from a table, with units when they are known.

    Genetic programming with tuned constants (Operon; Burlacu, Kronberger & Kommenda,
    GECCO 2020) over an accuracy/complexity Pareto front, around it what AI Feynman
    (Udrescu & Tegmark, Sci. Adv. 2020) showed physics buys: reduction by dimensional
    analysis (Buckingham Pi), exhaustive enumeration of short laws, separability,
    translational symmetry, and constants snapped to simple numbers on held-out data.
    A null test on a shuffled target and a black-box noise floor decide whether a law
    was found at all.

    Parameters
    ----------
    budget : float, default 30.0
        Wall-clock seconds for the whole fit (search, null test, checks).
    evaluations : int or None, default None
        If given (at least 1000), the search is limited by this many model evaluations
        instead of time, and runs on one thread, so the same seed gives the same law.
    use_units : bool, default True
        Reduce by dimensional analysis and demand consistency when units are known.
    use_structure : bool, default True
        Probe a smooth surrogate for translational symmetry (inputs that enter only as
        a difference x_i - x_j) and search on the differences; needs a budget of at
        least 20 s.
    use_enumeration : bool, default True
        Enumerate short expressions of the (reduced) inputs exhaustively, single and
        two-term laws, before the genetic search.
    use_separability : bool, default True
        Test additive and multiplicative separability on a smooth additive model and
        enumerate the parts alone.
    run_null_test : bool, default True
        Run the same search on a shuffled target, for as long as the search ran, to
        decide ``found_``.
    max_length : int, default 30
        The largest expression tree the genetic search may build (5 to 200).
    validation_fraction : float, default 0.25
        Rows held out for selection and checks (0.05 to 0.5).
    n_threads : int or None, default None
        Search threads (None: all cores; one under an evaluation budget).
    functions : str, default "sqrt,exp,log,sin,cos"
        Comma-separated unary functions the genetic search may use.
    random_state : None, int, numpy RandomState or Generator, default None
        Seed of every random choice (the validation split first); an int gives the same
        law on every run under an evaluation budget.

    Attributes
    ----------
    equation_ : sympy.Expr
        The chosen law, in the user's variable names.
    r2_test_ : float
        Its R2 on the validation rows.
    complexity_ : int
        Its number of nodes.
    found_ : bool
        Whether the law survived every check (``reasons_`` says why not).
    verdicts_ : list of Verdict
        Held-out accuracy against the noise floor, null test, dimensional consistency.
    reasons_ : list of str
        The reasons of the failed verdicts.
    candidates_ : list of Candidate
        Every polished candidate, by complexity; ``pareto_`` is their front.
    r2_surrogate_ : float
        Held-out R2 of a black-box surrogate: the noise floor.
    r2_null_ : float
        Best held-out R2 of the search on a shuffled target (with ``run_null_test``).
    reduction_ : dict or None
        The dimensional reduction: scale exponents and the dimensionless groups.
    symmetries_ : list of dict
        Translational symmetries found and searched on as differences.
    names_ : list of str
        Input names.
    dimensions_, target_dimension_ : dict of Dimension, Dimension (None without units)
        The inputs' and the target's dimensions.
    target_name_ : str
        The target's name (set by ``fit_dataset``).
    n_features_in_ : int
        Number of input columns seen in fit (scikit-learn's convention).
    timings_ : dict
        Seconds spent in each stage.
    budget_kind_ : str
        How the search was bounded: model evaluations (reproducible) or wall-clock seconds.
    units_ : dict or None
        The unit texts given: {"inputs": {name: unit}, "target": unit}.
    constants_ : list of dict
        The law's constants that carry units, each {name, value, uncertainty, unit,
        identified_as, identification}: refitted with their standard uncertainty, named
        where they match CODATA constants (:func:`physlens.validate.constants.identify_constant`).
    law_with_constants_ : str or None
        The law written with those constants as symbols (``C*a**(3/2)``).
    irrelevant_columns_ : list of str
        Input columns the law leaves out (the "relevant columns" verdict says how judged).
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

    parameter_rules: ClassVar[dict] = {
        "budget": (positive_number, "a number of seconds > 0"),
        "evaluations": (optional(lambda v: positive_int(v) and v >= 1000), "None or an integer >= 1000"),
        "max_length": (lambda v: positive_int(v) and 5 <= v <= 200, "an integer from 5 to 200"),
        "validation_fraction": (lambda v: fraction(v) and 0.05 <= v <= 0.5, "a fraction from 0.05 to 0.5"),
        "n_threads": (optional(positive_int), "None or an integer >= 1"),
        "functions": (_known_functions, "comma-separated function names among " + ", ".join(KNOWN_FUNCTIONS)),
        **{name: FLAG_RULE for name in ("use_units", "use_structure", "use_enumeration", "use_separability", "run_null_test")},
        "random_state": SEED_RULE,
    }

    # -- validation --------------------------------------------------------------------
    @staticmethod
    def _check_data(X, y, names, X_units, y_units):
        if not type(X).__module__.startswith("scipy.sparse"):  # sparse input is refused by as_samples
            X = np.asarray(X)
            X = X[:, None] if X.ndim == 1 else X  # one input column, as physicists often pass it
        shape = np.shape(X)
        names = column_names("SymbolicRegressor", names, shape[1]) if len(shape) == 2 else None
        X = as_samples("", "X", X, names=names, min_rows=10)
        y = as_samples("", "y", y, ndim=1, n_rows=X.shape[0])
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
        self._validate_parameters()
        X, y, names, dims, target_dim = self._check_data(X, y, names, X_units, y_units)
        X_user, names_user, dims_user = X, names, dims
        start = time.perf_counter()
        deadline = start + float(self.budget)
        rng = rng_from(self.random_state)
        report = progress or (lambda stage: None)
        n = len(y)
        train_rows, valid_rows = validation_split(n, self.validation_fraction, rng)
        # streams the search and the null search share (an int random_state is its own seed)
        stream_seed = seed_from(self.random_state)
        # rows the search never sees, at the extremes of each input and at random: a claim must hold there too
        held, extremes = fresh_rows(X, np.random.default_rng([stream_seed, 1]))
        train_rows, valid_rows, fresh = train_rows[~held[train_rows]], valid_rows[~held[valid_rows]], np.flatnonzero(held)
        self.names_ = names
        self.n_features_in_ = X.shape[1]
        self.dimensions_ = dims
        self.target_dimension_ = target_dim
        self.units_ = None if dims is None else {"inputs": dict(zip(names, X_units)), "target": y_units}
        self.timings_ = {}

        self.symmetries_ = []
        if self.use_structure and X.shape[1] >= 2 and self.budget >= 20:
            report("probing symmetries")
            X, names, dims, back, self.symmetries_ = differences_for_symmetries(X, y, names, dims, rng)
        else:
            back = {}
        self.timings_["structure"] = time.perf_counter() - start
        reduction = dimensional_reduction(X, y, names, dims, target_dim) if self.use_units and dims is not None else None
        self.reduction_ = reduction
        report("estimating the noise floor")
        accuracy_check = self._surrogate_check(X, y, train_rows, valid_rows, rng)
        self.timings_["noise floor"] = time.perf_counter() - start
        report("searching")
        t0 = time.perf_counter()
        search_share = 0.75 if self.run_null_test else 0.95
        settings = SearchSettings(
            budget=float(self.budget), evaluations=self.evaluations, use_enumeration=self.use_enumeration,
            use_separability=self.use_separability, functions=self.functions, max_length=self.max_length,
            n_threads=self.n_threads, noise_floor=max(0.0, 1.0 - self.r2_surrogate_), target_dimension=target_dim,
            stream_seed=stream_seed,
        )
        candidates = search_laws(X, y, names, dims, reduction, train_rows, valid_rows, rng, t0 + search_share * (deadline - t0),
                                 "search", settings)
        if reduction is not None and not any(accuracy_check(c.r2).passed for c in candidates):
            # no dimensionless law fits within the noise: search the inputs themselves, where
            # a fitted constant may carry the units the law needs (k_B in m*B/(k_B*T))
            report("searching with constants that carry units")
            raw_end = max(t0 + search_share * (deadline - t0), time.perf_counter() + RAW_SHARE * (deadline - time.perf_counter()))
            candidates += search_laws(X, y, names, dims, None, train_rows, valid_rows, rng, raw_end, "search", settings)
        self.timings_["search"] = time.perf_counter() - t0

        report("checking")
        best = choose_law(candidates, names, X, y, train_rows, valid_rows, dims, target_dim)
        if back:  # express every law in the user's variables again
            for candidate in candidates:
                candidate.expression = candidate.expression.xreplace(back)
            names, X, dims = names_user, X_user, dims_user
        self.candidates_ = sorted(candidates, key=lambda c: (c.complexity, -c.r2))
        self.equation_ = best.expression = readable_law(best.expression, names, X, (X[train_rows], y[train_rows]), (X[valid_rows], y[valid_rows]))
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
            null_reduction = dimensional_reduction(X, shuffled, names, dims, target_dim) if reduction else None
            null_candidates = search_laws(X, shuffled, names, dims, null_reduction, train_rows, valid_rows, rng, null_deadline,
                                          "null", settings)
            self.r2_null_ = max((c.r2 for c in null_candidates), default=-math.inf)
            verdicts.append(null_test(best.r2, self.r2_null_))
            self.timings_["null test"] = time.perf_counter() - t0
        verdicts.append(dimensional_consistency(best.expression, dims, target_dim))
        self.constants_, self.law_with_constants_ = [], None
        if dims is not None:  # stated from every row: the claim is checked below on the fresh ones
            self.constants_, law = stated_constants(
                best.expression, names, X, y, dims, target_dim, self.units_["inputs"], self.units_["target"])
            if law is not None:  # the law predicts with the constants it states
                self.law_with_constants_ = sympy.sstr(law)
                self.equation_ = law.xreplace({sympy.Symbol(c["name"]): sympy.Float(c["value"], 17) for c in self.constants_})
        if self.constants_ and verdicts[-1].passed is False:
            verdicts[-1] = consistent_with_constants(self.constants_, unreachable=reduction is None)
        elif dims is not None and reduction is None and self.use_units:
            verdicts[-1] = Verdict(
                verdicts[-1].name, verdicts[-1].passed, verdicts[-1].score,
                verdicts[-1].reason + "; no product of the inputs has the target's units, so a constant with "
                "units (or a missing input) is needed",
            )
        claims, self.irrelevant_columns_ = claim_verdicts(
            self.equation_, names, X, y, {"fresh": fresh, "train": train_rows, "valid": valid_rows}, extremes,
            self.r2_surrogate_, best.mse, dims, self.constants_)
        verdicts.extend(claims)
        self.verdicts_ = verdicts
        self.found_ = all_blocking_passed(verdicts)
        self.reasons_ = [v.reason for v in verdicts if v.passed is False]
        self.timings_["total"] = time.perf_counter() - start
        self.budget_kind_ = (
            f"{self.evaluations} evaluations per search (reproducible)" if self.evaluations
            else f"{self.budget:g} s wall clock (the search's length depends on machine speed)"
        )
        return self

    def fit_dataset(self, dataset, progress=None):
        """Fit inputs -> target of a table Dataset, with its units (its truth, if any, is
        scored elsewhere: :func:`physlens.compare.scoring.score_equation`)."""
        names = dataset.input_names
        units = dataset.known_units([*names, dataset.target_name])
        units, y_units = (units[:-1], units[-1]) if units else (None, None)
        self.fit(dataset.X, dataset.y, names=names, X_units=units, y_units=y_units, progress=progress)
        self.target_name_ = dataset.target_name
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

    # -- results -------------------------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        self._check_is_fitted("equation_")
        if not type(X).__module__.startswith("scipy.sparse"):  # sparse input is refused by _check_features
            X = np.asarray(X)
            X = X[:, None] if X.ndim == 1 and self.n_features_in_ == 1 else X  # one input column, as fit takes it
        return evaluate(self.equation_, self.names_, self._check_features(X))

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
        if self.constants_:
            summary += f"; {target} = {self.law_with_constants_}, " + ", ".join(constant_text(c) for c in self.constants_)
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
                "constants": [{**c, "dimension": str(c["dimension"])} for c in self.constants_],
                "law_with_constants": self.law_with_constants_,
                "irrelevant_columns": list(self.irrelevant_columns_),
            },
            table=self.pareto_,
            verdicts=list(self.verdicts_),
            reasons=list(self.reasons_),
        )
