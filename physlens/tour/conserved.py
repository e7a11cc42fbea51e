"""Tour: how many quantities trajectories conserve, and which, in closed form (AI Poincaré,
Liu & Tegmark 2021), checked against each system's known count."""

from __future__ import annotations

import numpy as np

from physlens.report.section import Section

TITLE = "Counting conserved quantities from trajectories alone: oscillators, Kepler, a chaotic double pendulum, three bodies"
ORDER = 64


def run(quick: bool, seed: int) -> Section:
    import pandas as pd

    from physlens.compare.scoring import score
    from physlens.data.conserved import EXTRA_TERMS, LIBRARY_DEGREE, conserved_trajectories
    from physlens.methods.conserved import ConservedQuantities
    from physlens.report.equations import expression_text
    from physlens.validate.verdict import against_truth

    systems = ["isotropic_2d", "kepler_2d"] if quick else ["oscillator_1d", "isotropic_2d", "anisotropic_2d", "kepler_2d", "double_pendulum", "three_body"]
    sampling = {"double_pendulum": (2000, 50.0)}
    interpretations, rows, values = [], [], {}
    for system in systems:
        samples, duration = sampling.get(system, (150 if quick else 400, None))
        orbits = 10 if quick else (24 if system == "three_body" else 12)  # R x P varies little between orbits: it needs more
        data = conserved_trajectories(system, orbits, samples, duration=duration, rng=np.random.default_rng(seed))
        model = ConservedQuantities(max_degree=LIBRARY_DEGREE[system], extra_terms=EXTRA_TERMS.get(system, []), random_state=seed).fit_dataset(data)
        interpretation = model.interpret()
        interpretation.verdicts += against_truth(score(model, interpretation, data))
        interpretations.append(interpretation)
        expected = data.truth.parameters["n_conserved"]
        rows.append({"system": system, "found": model.n_conserved_, "true": expected,
                     "closed forms": "; ".join(expression_text(e) for e in model.quantities_),
                     "approximate (not counted)": "; ".join(expression_text(e) for e, *_ in model.approximate_) or "-"})
        values[system] = {"count": model.n_conserved_, "true_count": expected, "quantities": [str(e) for e in model.quantities_],
                          "found": interpretation.found}
    right = [r["found"] == r["true"] for r in rows]
    text = (
        "From trajectories alone (states in time order, several orbits), the library combinations constant along every orbit are the "
        "null space of a generalised eigenproblem (the share of each combination's variance that lies along single trajectories); each "
        "candidate counts only if that share is within a margin of what the measured noise gives it, and the count is the size of a "
        "functionally independent subset (rank of the gradients: the isotropic oscillator's E, L and three Fradkin components count as 3). "
        f"Right count on {sum(right)} of {len(rows)} systems"
        + ("" if all(right) else ": " + ", ".join(f"{r['system']} {r['found']} of {r['true']}" for r, ok in zip(rows, right) if not ok))
        + ". The planar three-body problem conserves, besides E, P and L, the centre of mass's angular momentum R×P when the "
        "momentum differs between orbits (benchmarks/conserved.py)."
    )
    passed = all(right) and all(i.found for i in interpretations)
    return Section("conserved", TITLE, text, passed, interpretations, [], values, tables=[pd.DataFrame(rows)])
