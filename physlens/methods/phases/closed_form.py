"""The learned order parameter as a formula of the configuration.

Candidate features are physical observables of each configuration (Ising spins s = +-1,
Potts states s = 0..q-1, N sites):

- M = |sum_i s_i| / N (two states) or the clock magnetisation M = |sum_i e^(2 pi i s_i/q)| / N;
- C_x, C_y = nearest-neighbour correlators along each axis (<s_i s_j> for two states,
  <delta(s_i, s_j)> for q >= 3);
- P = the plaquette product <s_1 s_2 s_3 s_4> over elementary squares (two states) or
  <cos 2 pi (s_1 - s_2 + s_3 - s_4)/q> (q >= 3).

Symbolic regression (physlens :class:`~physlens.methods.symbolic.SymbolicRegressor`, a
small evaluation budget, so reproducible) reads the learned order parameter, scaled to a
maximum of 1, as a function of them; the formula is then scored against the known order
parameter of ferromagnetic spin models, M: it matches when M is its only variable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from physlens.validate.phases import magnetization

KNOWN = "M"
MAX_ROWS = 600


@dataclass(frozen=True)
class ClosedForm:
    """The formula (sympy text), its legend, its held-out R^2 and whether it matches the
    known order parameter."""

    formula: str
    legend: dict
    r2: float
    matches_known: bool
    known: str

    def text(self) -> str:
        used = {name: meaning for name, meaning in self.legend.items() if name in self.formula}
        return f"O = {self.formula}" + (" with " + ", ".join(f"{k} = {v}" for k, v in used.items()) if used else "")

    def to_dict(self) -> dict:
        return {"formula": self.formula, "text": self.text(), "legend": self.legend, "r2": self.r2,
                "matches_known_order_parameter": self.matches_known, "known_order_parameter": self.known}


def configuration_features(configs: np.ndarray, states: tuple[int, ...]) -> tuple[np.ndarray, dict]:
    """(n, 4) features M, C_x, C_y, P of each configuration and their legend."""
    states = tuple(states)
    q = len(states)
    index = np.searchsorted(np.asarray(sorted(states)), configs)
    neighbours = [np.roll(index, -1, axis=a) for a in (2, 1)]
    if q == 2:
        spin = 2.0 * index - 1.0
        correlators = [(spin * np.roll(spin, -1, axis=a)).mean(axis=(1, 2)) for a in (2, 1)]
        plaquette = (spin * np.roll(spin, -1, 2) * np.roll(spin, -1, 1) * np.roll(np.roll(spin, -1, 1), -1, 2)).mean(axis=(1, 2))
        legend = {"M": "|sum_i s_i|/N", "C_x": "<s_i s_i+x>", "C_y": "<s_i s_i+y>", "P": "<s s s s> per plaquette"}
    else:
        correlators = [(index == n).mean(axis=(1, 2)) for n in neighbours]
        diagonal = np.roll(np.roll(index, -1, 1), -1, 2)
        plaquette = np.cos(2 * np.pi * (index - neighbours[0] + diagonal - neighbours[1]) / q).mean(axis=(1, 2))
        legend = {"M": f"|sum_i exp(2 pi i s_i/{q})|/N", "C_x": "<delta(s_i, s_i+x)>", "C_y": "<delta(s_i, s_i+y)>",
                  "P": f"<cos 2 pi (s1 - s2 + s3 - s4)/{q}> per plaquette"}
    features = np.column_stack([magnetization(configs, states), *correlators, plaquette])
    return features, legend


def closed_form(configs: np.ndarray, states: tuple[int, ...], learned: np.ndarray, seed: int) -> ClosedForm:
    """Symbolic regression of the learned order parameter on the configuration features."""
    from sympy import Float, sstr

    from physlens.methods.symbolic import SymbolicRegressor

    rng = np.random.default_rng(seed)
    rows = np.sort(rng.permutation(len(learned))[:MAX_ROWS])
    features, legend = configuration_features(configs[rows], states)
    target = np.asarray(learned, dtype=float)[rows]
    target = target / max(float(np.max(np.abs(target))), 1e-300)
    names = list(legend)
    if np.ptp(target) == 0:
        return ClosedForm("none", legend, 0.0, False, KNOWN)
    regressor = SymbolicRegressor(budget=5.0, evaluations=2000, use_units=False, use_structure=False, use_separability=False,
                                  use_enumeration=False, run_null_test=False, functions="sqrt", n_threads=1, random_state=seed)
    regressor.fit(features, target, names=names)
    equation, r2 = regressor.equation_, float(regressor.r2_test_)
    # Occam: a straight line in one feature that fits within 1e-3 of R2 is the answer.
    line = _best_line(features, target, names)
    if line is not None and line[1] >= r2 - 1e-3:
        equation, r2 = line
    # Constants to the three digits the fit supports, and below 1e-2 of the scale dropped.
    equation = equation.xreplace({c: (Float(float(c), 3) if abs(float(c)) >= 1e-2 else 0)
                                  for c in equation.atoms() if c.is_number and not c.is_integer})
    used = {str(s) for s in equation.free_symbols}
    return ClosedForm(sstr(equation), legend, r2, used == {KNOWN}, KNOWN)


def _best_line(features: np.ndarray, target: np.ndarray, names: list[str]):
    """(a x + b as sympy, R2) of the feature x that fits ``target`` best by a straight line."""
    import sympy

    best = None
    for j, name in enumerate(names):
        x = features[:, j]
        if np.ptp(x) == 0:
            continue
        slope, intercept = np.polyfit(x, target, 1)
        r2 = 1.0 - np.mean((slope * x + intercept - target) ** 2) / max(np.var(target), 1e-300)
        if best is None or r2 > best[1]:
            best = (sympy.Float(slope) * sympy.Symbol(name) + sympy.Float(intercept), float(r2))
    return best
