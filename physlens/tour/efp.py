"""Tour: a constituent-level jet tagger mapped onto energy-flow polynomials; the jets'
label depends on the one-edge EFP (the normalised jet mass), which must be chosen first
and order the tagger's decisions (Faucett, Thaler & Whiteson 2021)."""

from __future__ import annotations

import numpy as np

from physlens.report.section import Section

TITLE = "A jet tagger read in the energy-flow-polynomial basis"
ORDER = 72


def run(quick: bool, seed: int) -> Section:
    from physlens.data.efp_jets import efp_jets
    from physlens.methods.efp import EFPDecisionOrdering
    from physlens.validate.efp import generating_graphs_verdicts
    from physlens.validate.verdict import against_truth

    jets = efp_jets(400 if quick else 3000, rng=np.random.default_rng(seed))
    model = EFPDecisionOrdering(steps=200 if quick else 600, max_degree=3 if quick else 5, n_explain=5 if quick else 20,
                                random_state=seed).fit_dataset(jets)
    interpretation = model.interpret()
    truth_checks = generating_graphs_verdicts(model.ranking_, jets.truth.parameters["graphs"])
    interpretation.verdicts += against_truth(truth_checks)
    passed = interpretation.found and all(v.passed for v in truth_checks)
    text = (
        f"{jets.n_samples} jets of 1 to 3 prongs plus soft radiation, constituents (z, eta, phi); the label is signal with "
        "probability sigmoid of the standardised log of the one-edge EFP, sum_ij z_i z_j dR_ij^2 (the jet mass over pt, squared). "
        "An Energy Flow Network tagger is trained on the constituents; then the fewest connected EFPs "
        f"(up to {model.max_degree} edges) whose linear model orders held-out (signal, background) pairs as the tagger does are "
        "chosen greedily (decision ordering, DO). SHAP and integrated gradients of the same tagger stand beside it: they "
        "attribute the decision to particles' z, eta and phi, one jet at a time, where the EFP map names one global observable."
    )
    values = {"graphs": interpretation.values["graphs"], "decision_ordering": interpretation.values["decision_ordering"],
              "test_auc": model.test_auc_, "attributions": model.attributions_}
    return Section("efp", TITLE, text, passed, [interpretation], [], values, [interpretation.table])
