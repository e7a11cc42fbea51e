"""A jet tagger mapped onto energy-flow polynomials (Faucett, Thaler & Whiteson 2021,
"Mapping machine-learned physics into a human-readable space").

An Energy Flow Network tagger (Komiske, Metodiev & Thaler 2019: per-constituent
network Phi(eta, phi), summed with the energy fractions z, then a network F) is trained
on constituents. Its decisions are then matched in the EFP basis (``energyflow``,
connected graphs up to ``max_degree`` edges, theta = dR^beta): greedily, the EFP whose
addition best lets a linear model of the log EFPs (fitted to the tagger's logit on the
training jets) order held-out (signal, background) pairs as the tagger does, until the
decision-ordering agreement DO reaches ``ordering_target`` or ``max_efps`` are chosen.
SHAP (permutation Shapley values) and integrated gradients of the same tagger's logit
over its constituent inputs stand beside it: local attributions to particles, where the
EFP map is one global observable.
"""

from __future__ import annotations

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    binary_labels,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods._torch import make_mlp, torch_generator, torch_threads
from physlens.validate.attribution import completeness_error
from physlens.validate.efp import decision_ordering, ordering_verdict, tagger_verdict
from physlens.validate.verdict import Verdict, all_blocking_passed

__all__ = ["EFPDecisionOrdering", "EnergyFlowNetwork", "efp_basis"]


def efp_basis(constituents: np.ndarray, max_degree: int, beta: float) -> tuple[np.ndarray, list]:
    """EFPs of the connected graphs with <= ``max_degree`` edges for (n, M, 3) jets of
    (z, eta, phi): values (n, n_graphs) and the graphs' edge lists."""
    import energyflow

    basis = energyflow.EFPSet(("d<=", max_degree), ("p==", 1), beta=beta)
    jets = [jet[jet[:, 0] > 0] for jet in constituents]
    values = np.asarray(basis.batch_compute(jets, n_jobs=1), dtype=float)
    graphs = [[tuple(int(v) for v in e) for e in g] for g in basis.graphs()]
    keep = [i for i, g in enumerate(graphs) if g]  # the empty graph is 1 for every jet
    return values[:, keep], [graphs[i] for i in keep]


class EnergyFlowNetwork:
    """logit = F(sum_i z_i Phi(eta_i, phi_i)) on jets flattened to (n, M * 3), so that
    attributions see one feature per constituent input (plain class: it pickles)."""

    def __init__(self, phi, head):
        self.phi, self.head = phi, head

    def parameters(self) -> list:
        return [*self.phi.parameters(), *self.head.parameters()]

    def __call__(self, flat):
        jets = flat.reshape(flat.shape[0], -1, 3)
        return self.head((jets[:, :, :1] * self.phi(jets[:, :, 1:])).sum(dim=1))[:, 0]


@register("efp_decision_ordering")
class EFPDecisionOrdering(Method):
    """Train a constituent-level jet tagger, then find the fewest energy-flow polynomials
    that order its decisions the same way; SHAP and integrated gradients beside it.

    ``fit(constituents, y)`` with constituents (n, M, 3) = (z, eta, phi) per particle.

    Parameters
    ----------
    latent : int, default 16
        Width of the per-particle latent space of the Energy Flow Network.
    hidden : int, default 64
        Width of the hidden layers of Phi and F.
    steps : int, default 600
        Full-batch Adam steps of the tagger.
    learning_rate : float, default 3e-3
        Adam's learning rate.
    max_degree : int, default 5
        Largest number of edges of the EFP graphs searched.
    beta : float, default 2.0
        Angular exponent, theta_ij = dR_ij^beta.
    max_efps : int, default 3
        Most EFPs chosen.
    ordering_target : float, default 0.95
        Decision-ordering agreement at which the search stops.
    n_explain : int, default 20
        Held-out jets attributed by SHAP and integrated gradients (0: skip).
    test_fraction : float, default 0.3
        Fraction of jets held out.
    random_state : None, int or numpy Generator, default None
        Seed of the split, the weights and the attribution samples.

    Attributes
    ----------
    network_ : EnergyFlowNetwork
        The trained tagger (flattened constituents -> logit).
    graphs_ : list
        Edge lists of the chosen EFP graphs, in the order chosen: the fewest reaching the target.
    ranking_ : list
        The greedy ranking continued to ``max_efps`` graphs (``graphs_`` is its prefix).
    ranking_ordering_ : list of float
        DO after each graph of the ranking.
    formulas_ : list of sympy.Expr
        Their sums over constituents.
    ordering_ : list of float
        DO after each choice.
    coefficients_ : ndarray
        Linear weights of the standardised log EFPs (last fit).
    test_auc_ : float
        The tagger's held-out ROC AUC.
    attributions_ : dict
        "shap" / "integrated_gradients" -> share of |attribution| on z, eta, phi; and completeness errors.
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="high")
    consumes = "constituent_jets"
    interpretation_kind = "attribution"
    required_arrays = ("constituents", "label")
    parameter_rules = {
        **{name: (positive_int, "an integer >= 1") for name in ("latent", "hidden", "steps", "max_efps")},
        "learning_rate": (positive_number, "a number > 0"),
        "max_degree": (lambda v: positive_int(v) and v <= 7, "an integer from 1 to 7"),
        "beta": (lambda v: positive_number(v) and v <= 4, "a number in (0, 4]"),
        "ordering_target": (lambda v: positive_number(v) and 0.5 < v <= 1, "a fraction in (0.5, 1]"),
        "n_explain": (lambda v: positive_int(v) or (isinstance(v, int) and not isinstance(v, bool) and v == 0), "an integer >= 0"),
        "test_fraction": (lambda v: positive_number(v) and 0.1 <= v <= 0.5, "a fraction in [0.1, 0.5]"),
        "random_state": SEED_RULE,
    }

    def __init__(self, *, latent: int = 16, hidden: int = 64, steps: int = 600, learning_rate: float = 3e-3, max_degree: int = 5,
                 beta: float = 2.0, max_efps: int = 3, ordering_target: float = 0.95, n_explain: int = 20, test_fraction: float = 0.3,
                 random_state=None):
        self.latent = latent
        self.hidden = hidden
        self.steps = steps
        self.learning_rate = learning_rate
        self.max_degree = max_degree
        self.beta = beta
        self.max_efps = max_efps
        self.ordering_target = ordering_target
        self.n_explain = n_explain
        self.test_fraction = test_fraction
        self.random_state = random_state

    def fit_dataset(self, dataset) -> "EFPDecisionOrdering":
        self._check_applicable(dataset)
        return self.fit(dataset["constituents"], dataset["label"])

    def _check_data(self, constituents, y):
        owner = type(self).__name__
        jets = as_samples(owner, "constituents", constituents, ndim=3, min_rows=20)
        if jets.shape[2] != 3:
            raise DataError(f"{owner}: constituents must be (jets, particles, 3) = (z, eta, phi), got shape {jets.shape}")
        if np.any(jets[:, :, 0] < 0):
            row = int(np.flatnonzero(np.any(jets[:, :, 0] < 0, axis=1))[0])
            raise DataError(f"{owner}: jet {row} has a constituent with negative energy fraction z")
        empty = np.flatnonzero(np.count_nonzero(jets[:, :, 0], axis=1) < 2)
        if empty.size:
            raise DataError(f"{owner}: jet {int(empty[0])} has fewer than 2 constituents with z > 0")
        y = binary_labels(owner, y, jets.shape[0])
        return jets, y

    def fit(self, constituents, y) -> "EFPDecisionOrdering":
        self._validate_parameters()
        jets, y = self._check_data(constituents, y)
        with torch_threads(1):
            return self._fit(jets, y)

    def _tagger(self, generator) -> "EnergyFlowNetwork":
        return EnergyFlowNetwork(make_mlp([2, self.hidden, self.latent], "silu", generator),
                                 make_mlp([self.latent, self.hidden, 1], "silu", generator))

    def _fit(self, jets, y) -> "EFPDecisionOrdering":
        import torch

        rng = rng_from(self.random_state)
        order = rng.permutation(len(jets))
        n_test = int(round(self.test_fraction * len(jets)))
        test, train = order[:n_test], order[n_test:]
        network = self._tagger(torch_generator(int(rng.integers(2**62))))
        flat = torch.tensor(jets.reshape(len(jets), -1), dtype=torch.float64)
        targets = torch.tensor(y, dtype=torch.float64)
        optimizer = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        loss_function = torch.nn.BCEWithLogitsLoss()
        for _ in range(self.steps):
            loss = loss_function(network(flat[train]), targets[train])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            logit = network(flat).numpy()
        self.network_ = network
        self.test_auc_ = decision_ordering(logit[test], y[test].astype(float), y[test])
        values, graphs = efp_basis(jets, self.max_degree, self.beta)
        features = np.log(np.maximum(values, 1e-300))
        features = (features - features[train].mean(axis=0)) / np.maximum(features[train].std(axis=0), 1e-12)
        self._select(features, graphs, logit, y, train, test, rng)
        self.attributions_ = self._attribute(network, flat, train, test, rng) if self.n_explain else {}
        return self

    def _select(self, features, graphs, logit, y, train, test, rng) -> None:
        """Greedy search: add the EFP that most raises the held-out DO of a linear model of
        the log EFPs; ranked up to ``max_efps``, the chosen set is the shortest prefix
        reaching ``ordering_target``."""
        seed = int(rng.integers(2**32))
        ranked: list[int] = []
        orderings, coefficients = [], []
        while len(ranked) < min(self.max_efps, features.shape[1]):
            best = (-1.0, None, None)
            for j in range(features.shape[1]):
                if j in ranked:
                    continue
                design = np.column_stack([np.ones(len(features)), features[:, ranked + [j]]])
                fitted = np.linalg.lstsq(design[train], logit[train], rcond=None)[0]
                agreement = decision_ordering(design[test] @ fitted, logit[test], y[test], rng=np.random.default_rng(seed))
                if agreement > best[0]:
                    best = (agreement, j, fitted)
            ranked.append(best[1])
            orderings.append(best[0])
            coefficients.append(best[2][1:])
        from physlens.data.efp_jets import efp_formula

        reached = [i for i, value in enumerate(orderings) if value >= self.ordering_target]
        n_chosen = reached[0] + 1 if reached else len(ranked)
        self.ranking_ = [graphs[j] for j in ranked]
        self.ranking_ordering_ = orderings
        self.graphs_ = self.ranking_[:n_chosen]
        self.ordering_ = orderings[:n_chosen]
        self.coefficients_ = coefficients[n_chosen - 1]
        self.formulas_ = [efp_formula(g) for g in self.graphs_]

    def _attribute(self, network, flat, train, test, rng) -> dict:
        """Permutation SHAP and integrated gradients of the tagger's logit, summed per input kind."""
        import torch
        import warnings

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The set_(bad|over|under) function", category=PendingDeprecationWarning)
            import shap
        from captum.attr import IntegratedGradients

        explained = flat[test][rng.choice(len(test), min(self.n_explain, len(test)), replace=False)].numpy()
        background = flat[train][rng.choice(len(train), min(20, len(train)), replace=False)].numpy()

        def logit(values):
            with torch.no_grad():
                return network(torch.tensor(np.asarray(values, dtype=float), dtype=torch.float64)).numpy()

        explainer = shap.PermutationExplainer(logit, shap.maskers.Independent(background, max_samples=len(background)),
                                              seed=int(rng.integers(2**31)))
        explanation = explainer(explained, max_evals=2 * explained.shape[1] + 1, silent=True)
        shap_values = np.asarray(explanation.values)
        baseline = background.mean(axis=0, keepdims=True)
        ig = IntegratedGradients(network).attribute(torch.tensor(explained), baselines=torch.tensor(baseline), n_steps=32,
                                                    method="gausslegendre").detach().numpy()
        outputs = logit(explained)
        result = {"completeness": {"shap": completeness_error(shap_values, outputs, np.asarray(explanation.base_values, dtype=float)),
                                   "integrated_gradients": completeness_error(ig, outputs, float(logit(baseline)[0]))}}
        for name, values in (("shap", shap_values), ("integrated_gradients", ig)):
            per_kind = np.abs(values).reshape(len(values), -1, 3).sum(axis=(0, 1))
            result[name] = dict(zip(("z", "eta", "phi"), (per_kind / max(per_kind.sum(), 1e-300)).tolist()))
        return result

    def decision_function(self, constituents) -> np.ndarray:
        """The tagger's logit."""
        import torch

        self._check_is_fitted("network_")
        jets = np.asarray(constituents, dtype=float)
        with torch.no_grad():
            return self.network_(torch.tensor(jets.reshape(len(jets), -1), dtype=torch.float64)).numpy()

    def interpret(self) -> Interpretation:
        import pandas as pd

        self._check_is_fitted("graphs_")
        verdicts: list[Verdict] = [tagger_verdict(self.test_auc_),
                                   ordering_verdict(self.ordering_[-1], len(self.graphs_), target=self.ordering_target, max_efps=self.max_efps)]
        for name, error in self.attributions_.get("completeness", {}).items():
            verdicts.append(Verdict(f"{name} completeness", None if not np.isfinite(error) else bool(error < 0.1), error,
                                    f"relative error of attributions summing to the logit's difference: {error:.3g} (informative: "
                                    "local attributions stand beside the EFP map, they do not decide it)", blocking=False))
        table = pd.DataFrame({"rank": np.arange(1, len(self.graphs_) + 1), "graph": [str(g) for g in self.graphs_],
                              "decision_ordering": self.ordering_})
        found = all_blocking_passed(verdicts)
        return Interpretation(
            kind="attribution",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=(f"{len(self.graphs_)} EFP(s) {[list(g) for g in self.graphs_]} reach decision ordering {self.ordering_[-1]:.3f} "
                     f"with the tagger (held-out AUC {self.test_auc_:.3f})"),
            expressions={f"EFP_{i + 1}": f for i, f in enumerate(self.formulas_)},
            values={"graphs": [[list(e) for e in g] for g in self.graphs_], "decision_ordering": list(self.ordering_),
                    "ranking": [[list(e) for e in g] for g in self.ranking_], "ranking_ordering": list(self.ranking_ordering_),
                    "test_auc": self.test_auc_, "attributions": self.attributions_},
            table=table,
            verdicts=verdicts,
            reasons=[f"{v.name}: {v.reason}" for v in verdicts if v.passed is False and v.blocking],
        )
