"""A fitted latent model's units scored against a dataset's true physical parameters.

The estimator (:mod:`physlens.methods.latent`) only learns which latent units are
active; how they relate to the true parameters (parameter R^2, mutual information, the
parameter each unit names, a closed form of each unit in the parameters) is scoring
against truth, computed here from the dataset at scoring time and shown by compare,
the tour and benchmarks/latent.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from physlens.methods.base import Interpretation, rng_from, seed_from
from physlens.validate.latent import (
    active_units_verdict,
    best_matches,
    closed_form_verdict,
    one_parameter_per_unit_verdict,
    parameter_r2,
    parameter_recovery_verdict,
    parameter_relations,
    readable_closed_form,
)
from physlens.validate.verdict import Verdict, against_truth

MONOTONE_R2 = 0.9  # below this a unit mixes parameters: "monotone in k" would overstate it

__all__ = ["LatentParameterScores", "latent_closed_forms", "score_latent_parameters", "true_parameters"]


@dataclass
class LatentParameterScores:
    """How a latent model's active units relate to the true parameters."""

    relations: Any  # pandas DataFrame: unit, parameter, kl, monotone_r2, mutual_information
    parameter_r2: dict[str, float]
    best_match: dict[str, dict]
    expected_latents: int | None = None
    closed_forms: dict[str, Any] = field(default_factory=dict)
    closed_form_r2: dict[str, float] = field(default_factory=dict)
    n_active: int = 0

    def verdicts(self) -> list[Verdict]:
        verdicts = []
        if self.expected_latents is not None:
            verdicts.append(active_units_verdict(self.n_active, int(self.expected_latents)))
        if self.parameter_r2:
            verdicts.append(parameter_recovery_verdict(self.parameter_r2))
        verdicts += [closed_form_verdict(unit, self.closed_forms[unit], r2) for unit, r2 in self.closed_form_r2.items()]
        if self.best_match:
            verdicts.append(one_parameter_per_unit_verdict(self.best_match))
        return verdicts

    def readable_forms(self) -> dict[str, Any]:
        """The closed forms short enough to read that reach the R^2 their verdict states."""
        return {u: e for u, e in self.closed_forms.items() if readable_closed_form(e, self.closed_form_r2.get(u, -np.inf))}

    def describe(self, unit: str) -> str:
        """How a unit reads: its short closed form, else "monotone in k" with Spearman's rho."""
        from physlens.report.equations import equation_text

        form = self.readable_forms().get(unit)
        if form is not None:
            return f"{equation_text(unit, form)} (R2 {self.closed_form_r2[unit]:.4f})"
        best = self.best_match[unit]
        numbers = f"Spearman rho {best['rank_correlation']:+.3f}, monotone R2 {best['monotone_r2']:.3f}"
        if best["monotone_r2"] >= MONOTONE_R2:
            return f"{unit} is a monotone function of {best['parameter']} ({numbers})"
        return f"{unit} is no monotone function of one parameter; nearest {best['parameter']} ({numbers})"

    def annotate(self, interpretation: Interpretation) -> Interpretation:
        """``interpretation`` with these scores added for display: verdicts against the truth
        (informative: the method's ``found`` is its own), values, the relations table, the
        short closed forms, and how each unit reads in the summary."""
        interpretation.verdicts += against_truth(self.verdicts())
        interpretation.values.update(parameter_r2=self.parameter_r2, best_match=self.best_match, closed_form_r2=self.closed_form_r2)
        interpretation.expressions.update(self.readable_forms())
        interpretation.table = self.relations
        if self.best_match:
            interpretation.summary += "; " + "; ".join(self.describe(u) for u in self.best_match)
        return interpretation


def true_parameters(dataset) -> dict[str, np.ndarray]:
    """The dataset's true physical parameters per sample (its columns of role "parameter")."""
    return {name: np.asarray(dataset[name], dtype=float).ravel() for name in dataset.names("parameter")}


def latent_closed_forms(method, parameters: dict[str, np.ndarray], budget: float) -> tuple[dict, dict]:
    """Each active unit of a fitted latent model as a closed-form function of the true
    parameters (symbolic regression, ``budget`` seconds per unit): (forms, R^2 of each)."""
    from physlens.methods.symbolic import SymbolicRegressor

    names = list(parameters)
    X = np.column_stack([parameters[n] for n in names])
    seed = seed_from(method.random_state)
    rows = rng_from(seed).choice(len(X), size=min(len(X), 2000), replace=False)
    forms, r2 = {}, {}
    for unit in method.active_units_:
        z = method.latent_mean_[:, unit]
        regressor = SymbolicRegressor(budget=float(budget), random_state=seed).fit(X[rows], z[rows], names=names)
        forms[f"z{unit}"] = regressor.equation_
        r2[f"z{unit}"] = float(1.0 - np.sum((z - regressor.predict(X)) ** 2) / np.sum((z - z.mean()) ** 2))
    return forms, r2


def score_latent_parameters(method, dataset, *, symbolic_budget: float | None = None) -> LatentParameterScores:
    """Scores of a fitted latent model against ``dataset``'s true parameters: for every
    active unit and parameter the monotone R^2 and mutual information, for every parameter
    the R^2 with which the active units together determine it, the number of active units
    vs the system's free parameters, and (``symbolic_budget`` seconds per unit, default the
    method's) each active unit in closed form."""
    method._check_is_fitted("active_units_")
    parameters = true_parameters(dataset)
    truth = dataset.truth
    expected = None if truth is None else truth.parameters.get(method.expected_units_key)
    relations = parameter_relations(method.latent_mean_, method.active_units_, method.kl_per_unit_, parameters,
                                    random_state=seed_from(method.random_state))
    active = method.latent_mean_[:, method.active_units_]
    scores = LatentParameterScores(
        relations=relations,
        parameter_r2={name: parameter_r2(active, values) for name, values in parameters.items()},
        best_match=best_matches(relations) if len(relations) else {},
        expected_latents=expected,
        n_active=len(method.active_units_),
    )
    budget = method.symbolic_budget if symbolic_budget is None else symbolic_budget
    if parameters and budget > 0 and method.active_units_:
        scores.closed_forms, scores.closed_form_r2 = latent_closed_forms(method, parameters, budget)
    return scores
