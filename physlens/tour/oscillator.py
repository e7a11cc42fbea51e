"""The seed's first experiment: symbolic regression recovers a well-understood law
exactly. Harmonic oscillators with varied k, m, amplitude and phase are integrated;
from the measurements alone, with units, physlens recovers the equation of motion
a = -k x / m and the period T = 2 pi sqrt(m/k), and checks both against the truth. Beside
them, a law whose constant carries units: Kepler's third law from a published table of
the planets (a in au, T in years), its constant stated with unit and uncertainty and
named (2 pi / sqrt(G M_sun))."""

from __future__ import annotations

import numpy as np

from physlens.compare.scoring import score_equation
from physlens.data.oscillators import simulate_oscillator_accelerations, simulate_oscillator_periods
from physlens.data.planets import load_planets
from physlens.methods.symbolic import SymbolicRegressor
from physlens.methods.symbolic.unit_constants import constant_text
from physlens.report.plots import new_figure, to_svg
from physlens.report.section import Figure, Section
from physlens.validate.verdict import against_truth

TITLE = "Harmonic oscillator: laws recovered exactly by symbolic regression"
ORDER = 10


def _exact(interpretation) -> bool:
    return any(v.name == "exact recovery" and v.passed for v in interpretation.verdicts)


def _scored(method, dataset):
    """The interpretation with the score against the dataset's true law beside its checks."""
    interpretation = method.interpret()
    interpretation.verdicts.extend(against_truth(score_equation(method, interpretation, dataset)))
    return interpretation


def run(quick: bool, seed: int) -> Section:
    budget = 4.0 if quick else 30.0
    accelerations = simulate_oscillator_accelerations(20 if quick else 50, 20 if quick else 40, rng=seed)
    periods = simulate_oscillator_periods(60 if quick else 200, rng=seed + 1)
    results = []
    for dataset in (accelerations, periods):
        method = SymbolicRegressor(budget=budget, random_state=seed).fit_dataset(dataset)
        results.append((dataset, method, _scored(method, dataset)))

    figure = new_figure(10, 4)
    left, right = figure.subplots(1, 2)
    dataset, method, _ = results[0]
    left.scatter(dataset["a"], method.predict(dataset.X), s=6, alpha=0.6)
    span = [float(dataset["a"].min()), float(dataset["a"].max())]
    left.plot(span, span, color="black", lw=1)
    left.set_xlabel("measured acceleration a [m/s²]")
    left.set_ylabel("recovered law [m/s²]")
    left.set_title("a = -k x / m")
    dataset, method, _ = results[1]
    ratio = np.sqrt(dataset["m"] / dataset["k"])
    order = np.argsort(ratio)
    right.scatter(ratio, dataset["T"], s=8, label="measured period")
    right.plot(ratio[order], method.predict(dataset.X)[order], color="black", lw=1, label="recovered law")
    right.set_xlabel("sqrt(m/k) [s]")
    right.set_ylabel("T [s]")
    right.set_title("T = 2π sqrt(m/k)")
    right.legend()

    exact = [_exact(i) for _, _, i in results]
    planets = load_planets()
    kepler = SymbolicRegressor(budget=budget, random_state=seed).fit_dataset(planets)
    named = [c for c in kepler.constants_ if c["identified_as"]]
    values = {
        "equation_of_motion": {"equation": str(results[0][2].expressions["a"]), "exact": exact[0], "found": results[0][2].found,
                               "r2_test": results[0][2].values["r2_test"]},
        "period": {"equation": str(results[1][2].expressions["T"]), "exact": exact[1], "found": results[1][2].found,
                   "r2_test": results[1][2].values["r2_test"]},
        "budget_seconds_each": budget,
        "kepler": {"law": f"T = {kepler.law_with_constants_}", "found": kepler.found_,
                   "constants": [constant_text(c) for c in kepler.constants_], "named": bool(named)},
    }
    return Section(
        key="oscillator",
        title=TITLE,
        text=(
            f"{accelerations.n_samples} acceleration measurements (five-point finite differences of integrated "
            f"trajectories) and {periods.n_samples} periods (zero crossings of integrated trajectories), each with units. "
            "Dimensional analysis reduces each problem to dimensionless groups before the search; the amplitude A is "
            "offered as an input for the period and must be left out. "
            f"From a published table of the planets' orbits (a in au, T in years): T = {kepler.law_with_constants_}, "
            + "; ".join(constant_text(c) for c in kepler.constants_) + "."
        ),
        passed=all(exact) and all(i.found for _, _, i in results) and kepler.found_ and bool(named),
        interpretations=[*(i for _, _, i in results), kepler.interpret()],
        figures=[Figure("Measured data against the recovered laws.", to_svg(figure))],
        values=values,
    )
