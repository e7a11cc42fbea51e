"""The estimator contract every method follows, its taxonomy, the registry, and the
:class:`Interpretation` a fitted method returns.

Following scikit-learn: ``__init__`` only stores keyword hyperparameters; ``fit``
validates and learns; learned state ends in ``_``; randomness comes only through
``random_state``. Each method declares its taxonomy (the review's five axes) and the
kind of dataset it consumes, so comparisons match methods to data through the registry.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np
import sympy
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils import check_random_state

from physlens.errors import DataError, ParameterError, PhyslensError
from physlens.validate.verdict import Verdict

AXES = {
    "origin": ("intrinsic", "post-hoc"),
    "mechanism": ("mechanistic", "functional"),
    "scope": ("local", "global"),
    "aim": ("verifying", "discovering"),
    "level": ("low", "high"),
}
INTERPRETATION_KINDS = (
    "equation",
    "dynamics",
    "latent",
    "order_parameter",
    "couplings",
    "invariant",
    "attribution",
    "hamiltonian",
    "force_law",
)


@dataclass(frozen=True)
class Taxonomy:
    """Where a method sits on the review's five axes."""

    origin: str
    mechanism: str
    scope: str
    aim: str
    level: str

    def __post_init__(self) -> None:
        for axis, allowed in AXES.items():
            if getattr(self, axis) not in allowed:
                raise ValueError(f"taxonomy {axis}={getattr(self, axis)!r}; valid: {allowed}")

    def to_dict(self) -> dict[str, str]:
        return {axis: getattr(self, axis) for axis in AXES}

    def __str__(self) -> str:
        return ", ".join(getattr(self, axis) for axis in AXES)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, sympy.Basic):
        return sympy.sstr(value)
    return value


@dataclass
class Interpretation:
    """What a method extracted, in one of :data:`INTERPRETATION_KINDS`, with its verdicts.

    ``expressions`` maps a name (target, state variable, invariant) to a sympy
    expression; ``values`` holds numbers a person reads (R2, T_c...); ``arrays``
    matrices such as couplings; ``table`` a pandas DataFrame such as a Pareto front.
    ``found`` is False when no interpretation survived its checks, and ``reasons``
    then says why.
    """

    kind: str
    method: str
    taxonomy: Taxonomy
    found: bool
    summary: str = ""
    expressions: dict[str, sympy.Expr] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    table: Any = None
    verdicts: list[Verdict] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind not in INTERPRETATION_KINDS:
            raise ValueError(f"interpretation kind {self.kind!r}; valid: {INTERPRETATION_KINDS}")

    def to_sympy(self) -> sympy.Expr | dict[str, sympy.Expr]:
        if len(self.expressions) == 1:
            return next(iter(self.expressions.values()))
        return dict(self.expressions)

    def equations(self) -> dict[str, sympy.Eq]:
        return {name: sympy.Eq(sympy.Symbol(name), rhs) for name, rhs in self.expressions.items()}

    def to_latex(self) -> str:
        return " \\\\ ".join(
            f"{sympy.latex(sympy.Symbol(name))} = {sympy.latex(rhs)}" for name, rhs in self.expressions.items()
        )

    def to_text(self) -> str:
        lines = [f"{name} = {sympy.sstr(rhs)}" for name, rhs in self.expressions.items()]
        return "\n".join(lines) if lines else self.summary

    def to_dict(self) -> dict[str, Any]:
        table = None
        if self.table is not None:
            table = _jsonable(self.table.to_dict(orient="records"))
        return {
            "kind": self.kind,
            "method": self.method,
            "taxonomy": self.taxonomy.to_dict(),
            "found": bool(self.found),
            "summary": self.summary,
            "expressions": {k: sympy.sstr(v) for k, v in self.expressions.items()},
            "latex": {k: sympy.latex(v) for k, v in self.expressions.items()},
            "values": _jsonable(self.values),
            "arrays": _jsonable(self.arrays),
            "table": table,
            "verdicts": [v.to_dict() for v in self.verdicts],
            "reasons": list(self.reasons),
        }

    def _repr_latex_(self) -> str | None:
        return f"$\\displaystyle {self.to_latex()}$" if self.expressions else None

    def _repr_html_(self) -> str:
        import html

        rows = "".join(v.html_row() for v in self.verdicts)
        from physlens.expr import to_mathml

        eqs = "".join(to_mathml(sympy.Eq(sympy.Symbol(k), v)) for k, v in self.expressions.items())
        status = "found" if self.found else "not found: " + "; ".join(self.reasons)
        return (
            f"<div><b>{html.escape(self.method)}</b> ({html.escape(str(self.taxonomy))}): {html.escape(status)}"
            f"{eqs}<table><tr><th>check</th><th>result</th><th>score</th><th>role</th><th>reason</th></tr>{rows}</table></div>"
        )


class NotFittedError(PhyslensError, SklearnNotFittedError):
    """interpret()/predict() called before fit(); also scikit-learn's NotFittedError, so
    code written against scikit-learn catches it."""


class Method(BaseEstimator):
    """Base of every physlens method (a scikit-learn style estimator).

    Subclasses set ``taxonomy`` and ``consumes`` (a dataset kind), implement ``fit``
    and ``interpret``, and ``fit_dataset`` to fit straight from a :class:`Dataset`.
    """

    taxonomy: ClassVar[Taxonomy]
    consumes: ClassVar[str] = "table"
    interpretation_kind: ClassVar[str] = "equation"
    required_arrays: ClassVar[tuple[str, ...]] = ()  # arrays fit_dataset reads, checked by applicable_to
    # name -> (predicate, what is valid): the one table fit() checks through
    # _validate_parameters(); predicates below (positive_int, ...) are shared by all methods.
    parameter_rules: ClassVar[dict[str, tuple[Callable[[Any], bool], str]]] = {}

    def _validate_parameters(self) -> None:
        """Check every hyperparameter against :attr:`parameter_rules` (called first in
        ``fit``); raises a ParameterError naming the parameter and what would be valid."""
        owner = type(self).__name__
        for name, (valid, description) in self.parameter_rules.items():
            check_parameter(owner, name, getattr(self, name), valid, description)

    def fit_dataset(self, dataset) -> "Method":
        raise NotImplementedError(f"{type(self).__name__} does not fit from a Dataset yet")

    @classmethod
    def applicable_to(cls, dataset) -> str | None:
        """None when :meth:`fit_dataset` can take ``dataset``; otherwise why not: the kind,
        that the method fits from a Dataset at all, and the :attr:`required_arrays`. A
        method that needs more of its kind extends it."""
        kind = getattr(dataset, "kind", type(dataset).__name__)
        if kind != cls.consumes:
            return f"{cls.__name__} consumes datasets of kind {cls.consumes!r}, not {kind!r}"
        if cls.fit_dataset is Method.fit_dataset:
            return f"{cls.__name__} fits from arrays only, not from a Dataset"
        missing = [name for name in cls.required_arrays if name not in getattr(dataset, "arrays", {})]
        if missing:
            return (f"{cls.__name__} needs a {cls.consumes!r} dataset with {', '.join(cls.required_arrays)}; "
                    f"{', '.join(missing)} missing (it has {', '.join(getattr(dataset, 'arrays', {}))})")
        return None

    def _check_applicable(self, dataset) -> None:
        """Raise a DataError with the reason when :meth:`applicable_to` turns ``dataset`` down."""
        reason = self.applicable_to(dataset)
        if reason is not None:
            raise DataError(reason)

    def interpret(self) -> Interpretation:
        raise NotImplementedError

    def _check_features(self, X: Any) -> np.ndarray:
        """``X`` for predict: finite samples with the columns fit saw (``n_features_in_``)."""
        owner = type(self).__name__
        X = as_samples(owner, "X", X)
        if X.shape[1] != self.n_features_in_:
            raise DataError(f"X has {X.shape[1]} features, but {owner} is expecting {self.n_features_in_} features as input")
        return X

    def _check_is_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit() first")


def check_parameter(owner: str, name: str, value: Any, valid: Callable[[Any], bool], description: str) -> None:
    """Raise a ParameterError naming the parameter and what would be valid."""
    try:
        ok = bool(valid(value))
    except Exception:
        ok = False
    if not ok:
        raise ParameterError(f"{owner}: parameter {name}={value!r} is invalid; expected {description}")


def as_samples(owner: str, label: str, values: Any, *, ndim: int = 2, n_rows: int | None = None, min_rows: int = 1,
               names: list[str] | None = None) -> np.ndarray:
    """``values`` as a finite float array of ``ndim`` axes, samples first: the input check
    behind the fit of every method that takes plain arrays. Errors (DataError, a ValueError as scikit-learn
    expects) name the array, what is wrong and what would be valid: sparse or complex
    input, text, the wrong number of axes or rows, too few samples, NaN or infinity."""
    prefix = f"{owner}: " if owner else ""
    if values is None:
        raise DataError(f"{prefix}requires {label} to be passed, but the target {label} is None")
    if type(values).__module__.startswith("scipy.sparse"):
        raise DataError(f"{prefix}{label} is a sparse matrix; sparse input is not supported: pass a dense array (.toarray())")
    array = np.asarray(values)
    if array.dtype.kind == "c":
        raise DataError(f"{prefix}{label}: Complex data not supported; pass the real and imaginary parts as separate columns")
    try:
        array = array.astype(float)
    except (TypeError, ValueError) as error:
        raise DataError(f"{prefix}{label} must be a numeric array ({error})") from None
    if array.ndim != ndim:
        axes = "(samples,)" if ndim == 1 else "(samples, columns)" if ndim == 2 else f"{ndim} axes, samples first"
        hint = "; Reshape your data: X.reshape(-1, 1) for one column" if ndim == 2 and array.ndim == 1 else ""
        raise DataError(f"{prefix}{label} must be {ndim}-D {axes}, got shape {array.shape}{hint}")
    if ndim == 2 and array.shape[1] == 0:
        raise DataError(f"{prefix}{label} has 0 feature(s) (shape={array.shape}) while a minimum of 1 is required.")
    if n_rows is not None and array.shape[0] != n_rows:
        raise DataError(f"{prefix}{label} has {array.shape[0]} rows; it needs one per sample ({n_rows})")
    check_finite_values(owner, label, array, names)
    if array.shape[0] < min_rows:
        raise DataError(f"{prefix}{label} has {array.shape[0]} samples (n_samples={array.shape[0]}); at least {min_rows} are needed")
    return array


def column_names(owner: str, names: Any, n_columns: int) -> list[str]:
    """The names of ``n_columns`` columns: ``names`` checked (one per column, distinct), or
    x0, x1, ... when None."""
    names = [f"x{i}" for i in range(n_columns)] if names is None else list(names)
    if len(names) != n_columns:
        raise DataError(f"{owner}: {len(names)} names for {n_columns} columns")
    if len(set(names)) != len(names):
        raise DataError(f"{owner}: duplicate names in {names}; each column needs its own name")
    return names


def binary_labels(owner: str, y: Any, n_rows: int) -> np.ndarray:
    """Class labels for ``n_rows`` samples: each 0 or 1, both classes present."""
    y = as_samples(owner, "y", y, ndim=1, n_rows=n_rows)
    wrong = np.flatnonzero((y != 0) & (y != 1))
    if wrong.size:
        raise DataError(f"{owner}: label in row {int(wrong[0])} is {y[wrong[0]]!r}; labels must be 0 or 1")
    if y.min() == y.max():
        raise DataError(f"{owner}: every label is {int(y[0])}; both classes are needed")
    return y


def check_finite_values(owner: str, label: str, array: np.ndarray, names: list[str] | None = None) -> None:
    """Raise a DataError at the first NaN or infinity of a (samples, ...) array, naming the
    row and column as the array is indexed (from 0) and, given names, the column's name.
    The one check every method's fit uses on arrays a user passes in; tables read from
    files are checked by physlens.data.loaders.check_finite, which counts data rows from 1."""
    values = np.asarray(array, dtype=float)
    flat = values.reshape(values.shape[0], int(np.prod(values.shape[1:]))) if values.ndim > 1 else values.reshape(-1, 1)
    bad = np.argwhere(~np.isfinite(flat))
    if not bad.size:
        return
    row, column = (int(i) for i in bad[0])
    where = f"row {row}"
    if flat.shape[1] > 1:
        where += f", column {column}" + (f" ({names[column]!r})" if names is not None else "")
    what = "NaN" if np.isnan(flat[row, column]) else "infinite"
    prefix = f"{owner}: " if owner else ""
    raise DataError(f"{prefix}{label} {where} is {what}; every value must be a finite number")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def positive_number(value: Any) -> bool:
    return _is_number(value) and value > 0


def nonnegative_number(value: Any) -> bool:
    return _is_number(value) and value >= 0


def fraction(value: Any) -> bool:
    """A number in the open interval (0, 1)."""
    return _is_number(value) and 0 < value < 1


def positive_int(value: Any) -> bool:
    return _is_int(value) and value >= 1


def nonnegative_int(value: Any) -> bool:
    return _is_int(value) and value >= 0


def one_of(*allowed: Any) -> Callable[[Any], bool]:
    return lambda value: any(isinstance(value, type(option)) and value == option for option in allowed)


def optional(valid: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """``valid`` or None."""
    return lambda value: value is None or valid(value)


def seed_or_none(value: Any) -> bool:
    """What ``random_state`` accepts: None, an int >= 0, or a numpy RandomState/Generator."""
    return value is None or (_is_int(value) and value >= 0) or isinstance(value, (np.random.RandomState, np.random.Generator))


FLAG_RULE = (lambda value: isinstance(value, (bool, np.bool_)), "True or False")
SEED_RULE = (seed_or_none, "None, an int >= 0 or a numpy RandomState/Generator")


def rng_from(random_state: Any) -> np.random.Generator:
    """A numpy Generator from ``random_state`` with scikit-learn's semantics: an int gives
    the same stream every time, None draws from numpy's global state (fresh unless the
    user seeded it), a RandomState/Generator instance is drawn from."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if _is_int(random_state):
        return np.random.default_rng(int(random_state))
    return np.random.default_rng(int(check_random_state(random_state).randint(2**31 - 1)))


def seed_from(random_state: Any) -> int:
    """An int seed for a library that takes one (torch, pyoperon): the int itself, else
    drawn as :func:`rng_from` draws."""
    if _is_int(random_state):
        return int(random_state)
    return int(rng_from(random_state).integers(2**31 - 1))


_REGISTRY: dict[str, type[Method]] = {}


def register(name: str) -> Callable[[type[Method]], type[Method]]:
    """Class decorator adding a method to the registry under ``name``."""

    def decorate(cls: type[Method]) -> type[Method]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"method name {name!r} registered twice")
        cls.method_name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def available_methods() -> dict[str, type[Method]]:
    """Every registered method; imports each module of :mod:`physlens.methods` once."""
    # the modules beside this file: the package itself need not be imported from here
    for module in pkgutil.iter_modules([str(Path(__file__).resolve().parent)]):
        if not module.name.startswith("_") and module.name != "base":
            importlib.import_module(f"physlens.methods.{module.name}")
    return dict(sorted(_REGISTRY.items()))
