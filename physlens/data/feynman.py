"""The Feynman Symbolic Regression Database (Udrescu & Tegmark 2020) as datasets with
truth and units.

The table lives in ``shared/data/feynman/`` beside the repository (or wherever
``PHYSLENS_FEYNMAN_DIR`` points). Two known quirks are handled: the number of variables
is counted from the filled ``vN_name`` columns (the ``# variables`` column is wrong for
six rows), and ``mu_drift`` has units s kg^-1 (the table lists s^-1 kg).
Units in the table are exponents over (m, s, kg, K, V); they are turned into unit text
and parsed like any user unit.
"""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable, add_noise
from physlens.errors import DataError
from physlens.expr import parse_expression, real_values, to_function

_UNIT_COLUMNS = (("m", "m"), ("s", "s"), ("kg", "kg"), ("T", "K"), ("V", "V"))
_UNIT_FIXES = {"mu_drift": "s*kg**-1"}


def feynman_dir() -> Path:
    """Folder holding FeynmanEquations.csv and units.csv."""
    env = os.environ.get("PHYSLENS_FEYNMAN_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [parent / "shared" / "data" / "feynman" for parent in here.parents]
    candidates += [parent.parent / "shared" / "data" / "feynman" for parent in [Path.cwd(), *Path.cwd().parents]]
    for candidate in candidates:
        if (candidate / "FeynmanEquations.csv").exists():
            return candidate
    raise DataError("Feynman tables not found; set PHYSLENS_FEYNMAN_DIR to the folder holding FeynmanEquations.csv")


@dataclass(frozen=True)
class FeynmanEquation:
    identifier: str  # e.g. "I.6.2a"
    number: int
    output: str
    formula: str
    variables: tuple[tuple[str, float, float], ...]  # (name, low, high)
    units: dict  # name -> unit text

    @property
    def names(self) -> list[str]:
        return [v[0] for v in self.variables]

    @property
    def truth_expression(self) -> sympy.Expr:
        return parse_expression(self.formula, self.names)


def _unit_text(row: dict) -> str:
    parts = []
    for column, symbol in _UNIT_COLUMNS:
        exponent = int(float(row[column] or 0))
        if exponent:
            parts.append(f"{symbol}**{exponent}" if exponent != 1 else symbol)
    return "*".join(parts)


@functools.lru_cache(maxsize=2)
def _tables(folder: str) -> dict[str, FeynmanEquation]:
    base = Path(folder)
    with (base / "units.csv").open(encoding="utf-8-sig") as handle:
        units = {r["Variable"]: _unit_text(r) for r in csv.DictReader(handle) if r.get("Variable")}
    units.update(_UNIT_FIXES)
    equations = {}
    with (base / "FeynmanEquations.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if not row.get("Filename"):
                continue
            variables = []
            for i in range(1, 11):
                name = (row.get(f"v{i}_name") or "").strip()
                if name:
                    variables.append((name, float(row[f"v{i}_low"]), float(row[f"v{i}_high"])))
            output = row["Output"].strip()
            names = [v[0] for v in variables] + [output]
            equations[row["Filename"]] = FeynmanEquation(
                identifier=row["Filename"],
                number=int(row["Number"]),
                output=output,
                formula=row["Formula"].strip(),
                variables=tuple(variables),
                units={n: units[n] for n in names},
            )
    return equations


def feynman_equations() -> dict[str, FeynmanEquation]:
    """All 100 equations keyed by identifier (``I.6.2a``...)."""
    return dict(_tables(str(feynman_dir())))


def feynman_equation(identifier: str) -> FeynmanEquation:
    table = feynman_equations()
    if identifier not in table:
        close = [k for k in table if k.startswith(identifier.split(".")[0] + ".")][:8]
        raise DataError(f"unknown Feynman equation {identifier!r}; for example: {', '.join(close or list(table)[:8])}")
    return table[identifier]


def simulate_feynman(
    identifier: str,
    *,
    n_samples: int = 10_000,
    noise: float = 0.0,
    rng: np.random.Generator | int | None = 0,
) -> Dataset:
    """Rows sampled uniformly in the table's ranges; target = formula + Gaussian noise
    with std = noise x RMS(target). Truth holds the formula; units are attached."""
    equation = feynman_equation(identifier)
    return sample_law(equation.output, equation.variables, equation.units, equation.truth_expression,
                      n_samples=n_samples, noise=noise, rng=rng, simulator="feynman", identifier=identifier)


def sample_law(
    output: str,
    variables: tuple[tuple[str, float, float], ...],
    units: dict,
    truth: sympy.Expr,
    *,
    n_samples: int,
    noise: float,
    rng: np.random.Generator | int | None,
    simulator: str,
    identifier: str,
) -> Dataset:
    """A table of a law output = truth(inputs): each input (name, low, high) sampled
    uniformly in its range, the target with Gaussian noise of std = noise x RMS(target),
    units from ``units`` (name -> unit text), the truth attached. Shared by the Feynman
    table and the held-out laws (:mod:`physlens.data.heldout_laws`)."""
    rng = np.random.default_rng(rng)
    names = [name for name, _, _ in variables]
    columns = {name: rng.uniform(low, high, n_samples) for name, low, high in variables}
    clean = real_values(to_function(truth, names)(*columns.values()), n_samples)
    columns[output] = add_noise(clean, noise, rng)
    roles = [Variable(n, units[n], "input") for n in names]
    roles.append(Variable(output, units[output], "target"))
    return Dataset(
        columns,
        tuple(roles),
        truth=Truth(equations={output: truth}),
        provenance={"simulator": simulator, "equation": identifier, "noise": noise, "n_samples": n_samples},
        name=f"{simulator} {identifier}",
    )
