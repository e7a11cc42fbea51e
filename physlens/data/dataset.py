"""The vocabulary of data: Variable, Truth, Dataset.

Loaders and simulators both return a :class:`Dataset`: named arrays sharing their
first axis (samples), the variables with their units and roles, the ground truth when
it is known, and provenance (simulator, parameters, seed, file)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from physlens.errors import DataError, ParameterError
from physlens.units import Dimension, parse_unit

ROLES = ("input", "target", "time", "state", "trajectory", "label", "parameter")
# What a dataset holds; methods declare which kind they consume (see methods.base).
KINDS = ("table", "trajectories", "configurations", "spin_samples", "particles", "series", "events", "jets", "fields",
         "constituent_jets", "modular_arithmetic")


@dataclass(frozen=True)
class Variable:
    """A named quantity with a unit string (parsed by :mod:`physlens.units`) and a role."""

    name: str
    unit: str = ""
    role: str = "input"
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise DataError(f"variable name must be non-empty text, got {self.name!r}")
        if self.role not in ROLES:
            raise DataError(f"variable {self.name!r} has role {self.role!r}; valid roles: {', '.join(ROLES)}")
        parse_unit(self.unit, column=self.name)  # fail early on a bad unit

    @property
    def dimension(self) -> Dimension:
        return parse_unit(self.unit, column=self.name)


@dataclass(frozen=True)
class Truth:
    """What is known to be right about a dataset. Simulators always fill it.

    ``equations`` maps a target or state name to the sympy right-hand side;
    ``parameters`` holds true physical parameters; the other fields hold the kinds of
    truth other methods are scored against.
    """

    equations: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    couplings: Any = None
    fields: Any = None
    critical_temperature: float | None = None
    conserved: Mapping[str, Any] = field(default_factory=dict)
    notes: str = ""


def _freeze(array: Any, name: str) -> np.ndarray:
    values = np.asarray(array)
    if values.dtype == object:
        raise DataError(f"column {name!r} holds Python objects; numeric arrays only")
    values = values.copy()
    values.setflags(write=False)
    return values


@dataclass(frozen=True, eq=False)
class Dataset:
    """Named arrays sharing a first (sample) axis, their variables, truth and provenance."""

    arrays: Mapping[str, np.ndarray]
    variables: tuple[Variable, ...] = ()
    truth: Truth | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)
    name: str = "dataset"
    kind: str = "table"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(f"dataset kind {self.kind!r} is unknown; valid kinds: {', '.join(KINDS)}")
        frozen = {str(k): _freeze(v, str(k)) for k, v in self.arrays.items()}
        if not frozen:
            raise DataError("a dataset needs at least one array")
        lengths = {k: v.shape[0] if v.ndim else None for k, v in frozen.items()}
        if None in lengths.values():
            scalar = next(k for k, v in lengths.items() if v is None)
            raise DataError(f"array {scalar!r} is a scalar; every array needs a first (sample) axis")
        if len(set(lengths.values())) > 1:
            raise DataError(f"arrays have different numbers of samples: {lengths}")
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise DataError(f"duplicate variable names: {', '.join(dup)}")
        missing = [n for n in names if n not in frozen]
        if missing:
            raise DataError(f"variables without data: {', '.join(missing)}; arrays: {', '.join(frozen)}")
        object.__setattr__(self, "arrays", MappingProxyType(frozen))
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    # -- access --------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return next(iter(self.arrays.values())).shape[0]

    def __len__(self) -> int:
        return self.n_samples

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise DataError(f"no variable {name!r}; variables: {', '.join(v.name for v in self.variables)}")

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            raise DataError(f"no column {name!r}; columns: {', '.join(self.arrays)}")
        return self.arrays[name]

    def names(self, role: str) -> list[str]:
        return [v.name for v in self.variables if v.role == role]

    @property
    def input_names(self) -> list[str]:
        return self.names("input")

    @property
    def target_name(self) -> str:
        targets = self.names("target")
        if len(targets) != 1:
            raise DataError(f"dataset {self.name!r} has {len(targets)} targets; exactly one is needed here")
        return targets[0]

    @property
    def X(self) -> np.ndarray:
        """Input columns stacked as a float matrix (n_samples, n_inputs)."""
        return np.column_stack([np.asarray(self.arrays[n], dtype=float) for n in self.input_names])

    @property
    def y(self) -> np.ndarray:
        """The target column as a writable float copy (some engines refuse read-only arrays)."""
        return np.array(self.arrays[self.target_name], dtype=float)

    def units(self, names: list[str] | None = None) -> list[str]:
        names = names if names is not None else [v.name for v in self.variables]
        return [self.variable(n).unit for n in names]

    def known_units(self, names: list[str]) -> list[str] | None:
        """The units of ``names`` when the table states units at all (an empty unit beside
        stated ones is dimensionless, like an angle in a Feynman table), else None."""
        units = self.units(names)
        return units if any(units) else None

    # -- derived datasets ------------------------------------------------------------
    def with_arrays(self, arrays: Mapping[str, np.ndarray], **provenance: Any) -> "Dataset":
        merged = dict(self.arrays)
        merged.update(arrays)
        return replace(self, arrays=merged, provenance={**self.provenance, **provenance})

    def subset(self, rows: np.ndarray) -> "Dataset":
        return replace(self, arrays={k: v[rows] for k, v in self.arrays.items()})

    def fingerprint(self) -> str:
        """A content hash: same arrays, variables and name give the same fingerprint."""
        digest = hashlib.sha256()
        for key in sorted(self.arrays):
            array = np.ascontiguousarray(self.arrays[key])
            digest.update(key.encode())
            digest.update(str(array.dtype).encode() + str(array.shape).encode())
            digest.update(array.tobytes())
        digest.update(json.dumps([(v.name, v.unit, v.role) for v in self.variables]).encode())
        return digest.hexdigest()[:16]

    def __repr__(self) -> str:
        cols = ", ".join(f"{v.name} [{v.unit or '1'}] ({v.role})" for v in self.variables)
        return f"Dataset({self.name!r}, n={self.n_samples}, {cols})"


def add_noise(values: np.ndarray, level: float, rng: np.random.Generator, *, axis: int | None = None) -> np.ndarray:
    """Gaussian noise with std = level x RMS(values) (SRBench's convention).

    With ``axis`` the RMS is taken per slice along the other axes (per state variable
    for trajectories)."""
    if not np.isfinite(level) or level < 0:
        raise ParameterError(f"noise level must be a finite number >= 0, got {level}")
    values = np.asarray(values, dtype=float)
    if level == 0:
        return values.copy()
    rms = np.sqrt(np.mean(values**2, axis=axis, keepdims=axis is not None))
    return values + level * rms * rng.standard_normal(values.shape)
