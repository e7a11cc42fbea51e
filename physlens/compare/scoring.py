"""Scores against a dataset's ground truth, one function per interpretation kind.

Each returns a list of :class:`Verdict` built by the pure checks of
:mod:`physlens.validate`; a verdict with ``passed=None`` says the truth cannot judge this
answer (and why). Scorers see the fitted method too, for answers that are functions
rather than formulas (a learned energy, a black-box vector field).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy

from physlens.methods.base import Interpretation
from physlens.validate.verdict import Verdict

# A critical temperature within 1% of the exact value counts as recovered.
TC_TOLERANCE = 0.01
# An interaction radius within 10% of the true one counts as recovered.
RADIUS_TOLERANCE = 0.1
# Equations count as recovered with the exact terms and coefficients within 5%.
COEFFICIENT_TOLERANCE = 0.05
# A black-box vector field counts as right when it explains the true one with R2 >= 0.99.
MIN_FIELD_R2 = 0.99


def _not_scored(reason: str) -> list[Verdict]:
    return [Verdict("vs truth", None, None, reason)]


def _single(interpretation: Interpretation, name: str):
    if name in interpretation.expressions:
        return interpretation.expressions[name]
    if len(interpretation.expressions) == 1:
        return next(iter(interpretation.expressions.values()))
    return None


def score_equation(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.validate.symbolic import symbolic_equivalence

    target = dataset.target_name
    truth = dataset.truth.equations.get(target) if dataset.truth is not None else None
    if truth is None:
        return _not_scored(f"dataset {dataset.name!r} carries no true equation for {target}")
    found = _single(interpretation, target)
    if found is None:
        return [Verdict("exact recovery", False, 0.0, f"no equation for {target} was recovered")]
    return [symbolic_equivalence(found, truth)]


def true_odes(dataset) -> dict[str, sympy.Expr]:
    """The true right-hand sides d(state)/dt: the dataset's equations when they are
    keyed by its states, else Hamilton's equations from its true H(q, p)."""
    truth = dataset.truth
    if truth is None:
        return {}
    states = dataset.names("state")
    if states and all(s in truth.equations for s in states):
        return {s: truth.equations[s] for s in states}
    if "H" in truth.equations and "coordinates" in truth.parameters:
        from physlens.expr import symbols_for

        coordinates, momenta = list(truth.parameters["coordinates"]), list(truth.parameters["momenta"])
        symbols = symbols_for(coordinates + momenta)
        H = truth.equations["H"]
        odes = {q: sympy.diff(H, symbols[p]) for q, p in zip(coordinates, momenta)}
        odes.update({p: -sympy.diff(H, symbols[q]) for q, p in zip(coordinates, momenta)})
        return odes
    return {}


def score_dynamics(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.expr import to_function
    from physlens.validate.dynamics import coefficient_error, support_recovery
    from physlens.validate.fit import r2_score

    truth = true_odes(dataset)
    if not truth:
        return _not_scored(f"dataset {dataset.name!r} carries no true equations of motion")
    if interpretation.expressions:
        support = support_recovery(interpretation.expressions, truth)
        error = coefficient_error(interpretation.expressions, truth)
        passed = bool(support["exact"] and error <= COEFFICIENT_TOLERANCE)
        terms = "exact terms" if support["exact"] else "; ".join(
            part for part in (
                "missing " + ", ".join(support["missing"]) if support["missing"] else "",
                "extra " + ", ".join(support["extra"]) if support["extra"] else "",
            ) if part
        )
        return [Verdict("equations vs truth", passed, error,
                        f"{terms}; largest coefficient error {error:.2%} (<= {COEFFICIENT_TOLERANCE:.0%} passes)")]
    if hasattr(method, "vector_field"):
        names = list(truth)
        states = np.column_stack([np.asarray(dataset[n], dtype=float) for n in names])
        true_field = np.column_stack([np.broadcast_to(to_function(truth[n], names)(*states.T), (len(states),)) for n in names])
        r2 = r2_score(true_field.ravel(), np.asarray(method.vector_field(states)).ravel())
        return [Verdict("vector field vs truth", bool(r2 >= MIN_FIELD_R2), r2,
                        f"no equations to compare (a black box); its vector field matches the true one with "
                        f"R2 = {r2:.4f} on the data (>= {MIN_FIELD_R2} passes)")]
    return _not_scored("no equations and no vector field to compare with the truth")


def score_latent(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.compare.latent import score_latent_parameters

    verdicts = score_latent_parameters(method, dataset).verdicts()
    return verdicts or _not_scored("the dataset names no true latent parameters")


def score_order_parameter(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.validate.phases import critical_temperature_error

    first = dataset[0] if isinstance(dataset, (list, tuple)) else dataset
    if first.truth is None or first.truth.critical_temperature is None:
        return _not_scored("the dataset carries no critical temperature")
    estimate = interpretation.values.get("critical_temperature")
    return [critical_temperature_error(estimate, first.truth.critical_temperature, tolerance=TC_TOLERANCE)]


def score_couplings(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.validate.couplings import coupling_verdicts

    if dataset.truth is None or dataset.truth.couplings is None:
        return _not_scored("the dataset carries no true couplings")
    edges = [(edge["i"], edge["j"]) for edge in interpretation.values.get("edges", [])]
    return coupling_verdicts(interpretation.arrays["couplings"], dataset.truth.couplings, edges=edges)


def score_invariant(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.validate.invariants import invariant_matches

    if dataset.truth is None or not dataset.truth.conserved:
        return _not_scored("the dataset carries no true invariant")
    names = dataset.input_names or dataset.names("state")  # trajectories carry states, not inputs
    points = np.column_stack([dataset[n] for n in names])[:500]
    return invariant_matches(list(interpretation.expressions.values()), dict(dataset.truth.conserved), names, points)


def score_attribution(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.validate.attribution import ranks_first

    if dataset.truth is not None and "graphs" in dataset.truth.parameters and "ranking" in interpretation.values:
        from physlens.validate.efp import generating_graphs_verdicts

        return generating_graphs_verdicts(interpretation.values["ranking"], dataset.truth.parameters["graphs"])
    expected = dataset.truth.parameters.get("observable") if dataset.truth is not None else None
    if expected is None or interpretation.table is None:
        return _not_scored("the dataset names no informative observable")
    table = interpretation.table.set_index("feature")
    return [ranks_first(table[column].to_dict(), expected, column) for column in table.columns]


def score_hamiltonian(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.expr import to_function
    from physlens.validate.invariants import affine_r2, hamiltonian_verdict
    from physlens.validate.symbolic import symbolic_equivalence

    truth = dataset.truth.equations.get("H") if dataset.truth is not None else None
    if truth is None and dataset.truth is not None and "L" in dataset.truth.equations:
        return score_lagrangian(method, interpretation, dataset)
    if truth is None:
        return _not_scored("the dataset carries no true Hamiltonian")
    states = method.training_states_
    true_values = np.broadcast_to(to_function(truth, method.names_)(*states.T), (len(states),))
    verdicts = [hamiltonian_verdict(affine_r2(method.energy(states), true_values))]
    if "H" in interpretation.expressions:
        verdicts.append(symbolic_equivalence(interpretation.expressions["H"], truth))
    return verdicts


def score_lagrangian(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    """A model of (q, v) trajectories against the true Lagrangian: its conserved energy
    against the true one (up to scale and offset), and its closed-form L up to a scale and
    a total derivative."""
    from physlens.expr import to_function
    from physlens.validate.invariants import affine_r2
    from physlens.validate.lagrangian import lagrangian_equivalence, lagrangian_verdict

    truth = dataset.truth
    states = method.training_states_
    true_energy = np.broadcast_to(to_function(truth.conserved["E"], method.names_)(*states.T), (len(states),))
    r2 = affine_r2(method.energy(states), true_energy)
    verdicts = [Verdict("learned energy matches true energy", bool(r2 >= 0.999), r2,
                        f"the best affine map of the model's conserved quantity explains {100 * r2:.4f}% of the true energy's variance (needs >= 99.9%)")]
    if "L" in interpretation.expressions:
        f = len(truth.parameters["coordinates"])
        alpha, residual = lagrangian_equivalence(interpretation.expressions["L"], truth.equations["L"], method.names_[:f], method.names_[f:], states[:300])
        verdicts.append(lagrangian_verdict(residual, alpha))
    return verdicts


def score_force_law(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    from physlens.validate.couplings import relative_error
    from physlens.validate.symbolic import symbolic_equivalence

    truth = dataset.truth
    if truth is not None and "F_x" in truth.equations:
        found = interpretation.expressions.get("F_x")
        if found is None:
            return [Verdict("exact recovery", False, 0.0, "no pair force law was recovered")]
        return [symbolic_equivalence(found, truth.equations["F_x"])]
    if truth is not None and "radius" in truth.parameters:
        radius = interpretation.values.get("radius")
        if radius is None or not np.isfinite(radius):
            return [Verdict("interaction radius vs truth", False, None, "no finite interaction radius was found")]
        error = relative_error(radius, truth.parameters["radius"])
        return [Verdict("interaction radius vs truth", bool(error <= RADIUS_TOLERANCE), error,
                        f"R = {radius:.4g} vs true {truth.parameters['radius']:.4g}: relative error {error:.2%} "
                        f"(<= {RADIUS_TOLERANCE:.0%} passes)")]
    return _not_scored("the dataset carries neither a pair force law nor an interaction radius")


SCORERS: dict[str, Callable[[Any, Interpretation, Any], list[Verdict]]] = {
    "equation": score_equation,
    "dynamics": score_dynamics,
    "latent": score_latent,
    "order_parameter": score_order_parameter,
    "couplings": score_couplings,
    "invariant": score_invariant,
    "attribution": score_attribution,
    "hamiltonian": score_hamiltonian,
    "force_law": score_force_law,
}


def score(method, interpretation: Interpretation, dataset) -> list[Verdict]:
    """The verdicts of ``interpretation`` against ``dataset``'s truth."""
    return SCORERS[interpretation.kind](method, interpretation, dataset)
