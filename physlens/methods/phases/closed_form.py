"""The learned order parameter as a formula of the configuration.

Candidate features are physical observables of each configuration (Ising spins s = +-1,
Potts states s = 0..q-1, N sites):

- M = |sum_i s_i| / N (two states) or the clock magnetisation M = |sum_i e^(2 pi i s_i/q)| / N;
- C_x, C_y (C_z) = nearest-neighbour correlators along each axis (<s_i s_j> for two
  states, <delta(s_i, s_j)> for q >= 3);
- planar (XY) spins: M = |sum_i e^(i theta_i)|/N, the vortex density V and C_x, C_y =
  <cos(theta_i - theta_j)>; the known quantity there is V (no local order parameter);
- P = the plaquette product <s_1 s_2 s_3 s_4> over elementary squares (two states) or
  <cos 2 pi (s_1 - s_2 + s_3 - s_4)/q> (q >= 3).

Symbolic regression (physlens :class:`~physlens.methods.symbolic.SymbolicRegressor`, a
small evaluation budget, so reproducible; the observables are
:mod:`physlens.data.observables`) reads the learned order parameter, scaled to a
maximum of 1, as a function of them; the formula is then scored against the known order
parameter of ferromagnetic spin models, M: it matches when M is its only variable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
        """As a physicist writes it: one observable is written out in place, several are
        named in a legend."""
        import re

        used = {name: meaning for name, meaning in self.legend.items() if re.search(rf"\b{name}\b", self.formula)}
        formula = self.formula.replace("*", " ")
        if len(used) == 1:
            (name, meaning), = used.items()
            return "O = " + re.sub(rf"\b{name}\b", meaning, formula)
        return f"O = {formula}" + (" with " + ", ".join(f"{k} = {v}" for k, v in used.items()) if used else "")

    def to_dict(self) -> dict:
        return {"formula": self.formula, "text": self.text(), "legend": self.legend, "r2": self.r2,
                "matches_known_order_parameter": self.matches_known, "known_order_parameter": self.known}


def configuration_features(configs: np.ndarray, states: tuple[int, ...]) -> tuple[np.ndarray, dict]:
    """(n, 2 + d) features M, C_x, C_y[, C_z], P of each configuration (d lattice axes) and
    their legend."""
    from physlens.data.lattice import lattice_model, potts_model
    from physlens.data.observables import magnetization, nearest_neighbour_correlations, potts_order_parameter

    states = tuple(states)
    q = len(states)
    if q == 0:  # planar spins: angles
        from physlens.data.observables import vortex_density, xy_magnetization

        correlators = [np.cos(configs - np.roll(configs, -1, axis=k)).mean(axis=(1, 2)) for k in (1, 2)]
        legend = {"M": "|Σ e^(iθ)|/N", "V": "vortex density", "C_x": "⟨cos(θ_i - θ_i+x)⟩", "C_y": "⟨cos(θ_i - θ_i+y)⟩"}
        return np.column_stack([xy_magnetization(configs), vortex_density(configs), *correlators]), legend
    index = np.searchsorted(np.asarray(sorted(states)), configs)
    dimension = index.ndim - 1
    sites = tuple(range(1, index.ndim))
    axes = "xyz"[:dimension]
    # The first two lattice axes span the plaquette: corners s1 (origin), s2 (+x), s3 (+x+y), s4 (+y).
    corners = [index, np.roll(index, -1, 1), np.roll(np.roll(index, -1, 1), -1, 2), np.roll(index, -1, 2)]
    if q == 2:
        spins = (2 * index - 1).astype(np.int8)
        model = lattice_model("ising3d" if dimension == 3 else "ising")
        order, correlators = magnetization(spins), nearest_neighbour_correlations(spins, model)
        signs = [2.0 * c - 1.0 for c in corners]
        plaquette = (signs[0] * signs[1] * signs[2] * signs[3]).mean(axis=sites)
        legend = {"M": "|Σσ|/N", **{f"C_{a}": f"⟨σ_i σ_i+{a}⟩" for a in axes}, "P": "⟨σσσσ⟩ per plaquette"}
    else:
        order = potts_order_parameter(index, q)
        correlators = nearest_neighbour_correlations(index, potts_model(q)) if dimension == 2 else np.stack(
            [(index == np.roll(index, -1, axis=k)).mean(axis=sites) for k in sites], axis=1)
        plaquette = np.cos(2 * np.pi * (corners[0] - corners[1] + corners[2] - corners[3]) / q).mean(axis=sites)
        legend = {"M": f"|Σ e^(2πiσ/{q})|/N", **{f"C_{a}": f"⟨δ(σ_i, σ_i+{a})⟩" for a in axes},
                  "P": f"⟨cos 2π(σ1 - σ2 + σ3 - σ4)/{q}⟩ per plaquette"}
    return np.column_stack([order, correlators, plaquette]), legend


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
    # Planar spins have no local order parameter: the known quantity is the vortex density.
    known = "V" if not states else KNOWN
    return ClosedForm(sstr(equation), legend, r2, used == {known}, known)


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
