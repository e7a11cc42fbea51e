"""Tour: conserved quantities and symmetry invariants read from a Siamese network
(Wetzel et al., PRR 2020) in closed form with symbolic gradients."""

from __future__ import annotations

import numpy as np

from physlens.report.section import Figure, Section

TITLE = "Invariants from Siamese twins: the spacetime interval, a central force's E and L, and a matrix's trace and determinant"
ORDER = 60


def _latent_figure(model, dataset, truth_name: str, caption: str) -> Figure:
    from physlens.expr import to_function
    from physlens.report.plots import new_figure, to_svg

    names = dataset.input_names
    true_values = np.broadcast_to(to_function(dataset.truth.conserved[truth_name], names)(*dataset.X.T), (dataset.n_samples,))
    latents = model.latents_
    figure = new_figure(4.5 * latents.shape[1], 3.2)
    axes = figure.subplots(1, latents.shape[1], squeeze=False)[0]
    for j, ax in enumerate(axes):
        ax.scatter(true_values, latents[:, j], s=3, alpha=0.5)
        ax.set_xlabel(f"true {truth_name}")
        ax.set_ylabel(f"latent {j + 1}")
    return Figure(caption, to_svg(figure))


def _scored(model, dataset):
    """The model's interpretation with its verdicts against the dataset's true invariants
    (scored here, from the dataset: the estimator does not keep the truth)."""
    from physlens.compare.scoring import score_invariant
    from physlens.validate.verdict import against_truth

    interpretation = model.interpret()
    interpretation.verdicts += against_truth(score_invariant(model, interpretation, dataset))
    return interpretation


def run(quick: bool, seed: int) -> Section:
    from physlens.data.invariants import central_potential_trajectories, relativistic_events, similar_matrices
    from physlens.methods.invariants import SiameseInvariants

    rng = np.random.default_rng(seed)
    interpretations, figures, values = [], [], {}
    events = relativistic_events(150 if quick else 200, 10, rng=rng)
    relativity = SiameseInvariants(
        n_invariants=1, max_degree=2, steps=1500 if quick else 3000, hidden=(32, 32) if quick else (64, 64),
        learning_rate=5e-3, batch_events=96, random_state=seed,
    )
    relativity.fit_dataset(events)
    interpretations.append(_scored(relativity, events))
    figures.append(_latent_figure(relativity, events, "s2", "The Siamese network's latent against the true interval s^2: a monotone map, as the symbolic gradient assumes."))
    values["relativity"] = {"found": [str(e) for e in relativity.invariants_], "event_r2": relativity.event_r2_}
    if not quick:
        orbits = central_potential_trajectories(60, 30, rng=rng)
        central = SiameseInvariants(n_invariants=2, max_degree=4, steps=3000, random_state=seed)
        central.fit_dataset(orbits)
        interpretations.append(_scored(central, orbits))
        figures.append(_latent_figure(central, orbits, "E", "Both latents against the true energy (each latent mixes E and L)."))
        values["central_potential"] = {"found": [str(e) for e in central.invariants_], "event_r2": central.event_r2_}
    matrices = similar_matrices(400 if quick else 2000, 5, rng=rng)
    similarity = SiameseInvariants(twin="library", max_degree=3, random_state=seed)
    similarity.fit_dataset(matrices)
    interpretations.append(_scored(similarity, matrices))
    values["similar_matrices"] = {"found": [str(e) for e in similarity.invariants_], "event_r2": similarity.event_r2_}
    # Noether, read from data: what the two-body trajectories conserve, then what the
    # symmetry that quantity generates leaves unchanged (the features of a symmetric HNN)
    from physlens.data.hamiltonian import hamiltonian_trajectories
    from physlens.methods.invariants import symmetry_invariants
    from physlens.methods.symbolic_gradients import SymbolicGradients
    from physlens.report.equations import expression_text

    orbits2 = hamiltonian_trajectories("two_body", 40, 50, rng=rng)
    state_names = ["x", "y", "px", "py"]
    states = np.column_stack([orbits2[n] for n in state_names])
    conserved = SymbolicGradients(max_degree=2, random_state=seed).fit_events(states, orbits2["trajectory"], state_names).invariants_
    generated = [symmetry_invariants(str(c), states, state_names, random_state=seed) for c in conserved]
    values["two_body_symmetry"] = {"conserved": [str(c) for c in conserved], "invariants_of_its_symmetry": [[str(e) for e in g] for g in generated]}
    passed = all(
        v.passed for interpretation in interpretations for v in interpretation.verdicts if v.name.startswith("recovers") or v.name == "no spurious invariant"
    ) and all(i.found for i in interpretations)
    text = (
        "Samples of the same event (one spacetime displacement seen from randomly boosted frames"
        + ("" if quick else "; points along one orbit in the potential V = r^4/4")
        + ") are fed in pairs to twin copies of one network, trained to give them the same latent while latents stay "
        "decorrelated and of unit variance. The latent is some unknown monotone function of the invariant; "
        "symbolic gradients find the sparse closed form whose gradient is parallel to the latent's, and the "
        "result is checked against the true invariant by comparing exact gradients. "
        "For 3x3 matrices under similarity transforms S A S^-1 the network twin learns the trace and the minors but never "
        "the cubic determinant; a twin linear in the monomials up to degree 3 has an invariance loss that is minimised "
        "exactly (a generalised eigenproblem), and it returns trace, a quadratic invariant and the determinant in closed form. "
        "On two-body trajectories (relative coordinates x, y, px, py) the same reading finds the conserved quantity "
        + (", ".join(expression_text(c) for c in conserved) or "(none: the angular momentum was missed)")
        + " (the angular momentum is x·p_y - y·p_x); moving states along the flow it generates (a rotation of q and p together, by Noether) and reading what stays constant gives "
        + "; ".join(", ".join(expression_text(e) for e in g) for g in generated)
        + ": a Hamiltonian network fed only these conserves the angular momentum exactly (benchmarks/hamiltonian.py --discovered-features two_body)."
    )
    return Section("invariants", TITLE, text, passed, interpretations, figures, values)
