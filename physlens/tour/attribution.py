"""Tour: SHAP, integrated gradients and permutation importance of a jet classifier whose
label depends on the jet mass only; the mass must rank first and local attributions
must add up to the prediction."""

from __future__ import annotations

import numpy as np

from physlens.report.section import Figure, Section

TITLE = "Attributions of a jet tagger: does every method point at the jet mass?"
ORDER = 70


def _importance_figure(table) -> Figure:
    from physlens.report.plots import new_figure, to_svg

    figure = new_figure(7.0, 3.2)
    axes = figure.subplots(1, 3)
    for ax, method in zip(axes, ("shap", "integrated_gradients", "permutation")):
        values = table[method].to_numpy()
        ax.barh(table["feature"], values / max(np.abs(values).max(), 1e-300))
        ax.set_title(method.replace("_", " "), fontsize=9)
        ax.invert_yaxis()
    return Figure("Global importance per method, normalised to the largest (the label depends on the mass alone).", to_svg(figure))


def run(quick: bool, seed: int) -> Section:
    from physlens.data.jets import OBSERVABLES, PRONG_VARIABLES, toy_jets
    from physlens.methods.attribution import ClassifierAttributions
    from physlens.validate.invariants import invariant_matches
    from physlens.validate.verdict import against_truth

    rng = np.random.default_rng(seed)
    jets = toy_jets(2000 if quick else 10000, rng=rng)
    X = np.column_stack([jets[n] for n in OBSERVABLES])
    tagger = ClassifierAttributions(
        steps=400 if quick else 1500, hidden=(32, 32) if quick else (64, 64), n_explain=40 if quick else 300, n_background=40 if quick else 100,
        permutation_repeats=3 if quick else 5, expected="mass", random_state=seed,
    ).fit(X, jets["label"], list(OBSERVABLES))
    interpretation = tagger.interpret()
    interpretations = [interpretation]
    values = {"top": interpretation.values["top"], "completeness": interpretation.values["completeness"], "test_accuracy": tagger.test_accuracy_}
    passed = all(v.passed for v in interpretation.verdicts)
    if not quick:
        prongs = np.column_stack([jets[n] for n in PRONG_VARIABLES])
        reader = ClassifierAttributions(steps=2000, n_explain=40, symbolic_degree=4, random_state=seed).fit(prongs, jets["label"], list(PRONG_VARIABLES))
        closed = reader.interpret()
        if reader.closed_form_ is not None:
            closed.verdicts += against_truth(invariant_matches(reader.closed_form_.invariants_, {"mass": jets.truth.equations["mass"]}, list(PRONG_VARIABLES), prongs[:200]))
        interpretations.append(closed)
        values["closed_form"] = [str(e) for e in (reader.closed_form_.invariants_ if reader.closed_form_ else [])]
    text = (
        f"{jets.n_samples} toy two-prong jets; the label is signal with probability sigmoid((m - 40 GeV) / 4 GeV), "
        "so the jet mass m is the only informative observable (pt, width and the others are correlated with it). "
        "An MLP tagger is trained on six observables, then explained three ways: exact Shapley values of its logit "
        "(shap), integrated gradients from the background mean (captum), and the rise in held-out log-loss when a "
        "feature is shuffled."
        + ("" if quick else " A second tagger sees only the prong kinematics (pt1, pt2, dr12); symbolic gradients of its logit should give m^2 = pt1 pt2 dr12^2 in closed form.")
    )
    return Section("attribution", TITLE, text, passed, interpretations, [_importance_figure(interpretation.table)], values, [interpretation.table])
