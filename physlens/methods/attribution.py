"""Attributions, local and global, for a trained classifier; checked against the known
observable the label depends on.

- SHAP values (Lundberg & Lee 2017) of the classifier's logit, computed exactly over
  all feature coalitions (``shap.ExactExplainer`` with an independent masker), so they
  sum to f(x) - E_background[f] by construction;
- integrated gradients (Sundararajan et al. 2017, captum) from the background mean,
  whose sum approaches f(x) - f(baseline) as the path integral converges;
- permutation importance (Breiman 2001): the rise in held-out log-loss when one feature
  is shuffled.

Optionally (``symbolic_degree``) the classifier's logit is read in closed form with
symbolic gradients (:mod:`physlens.methods.symbolic_gradients`): the label depends on
the observable only, so the logit's gradient is parallel to the observable's. Besides
polynomials up to that degree, power laws of the positive features are tried (log
terms), the usual form of kinematic observables such as m^2 = pt1 pt2 dr12^2.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    binary_labels,
    column_names,
    optional,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods._torch import Standardized, make_mlp, network_gradients, torch_generator, torch_threads
from physlens.methods.symbolic_gradients import SymbolicGradients
from physlens.validate.attribution import completeness_error, completeness_verdict, global_importance, ranking, ranks_first
from physlens.validate.verdict import Verdict, all_blocking_passed

__all__ = ["ClassifierAttributions"]

ATTRIBUTION_METHODS = ("shap", "integrated_gradients", "permutation")


@register("attributions")
class ClassifierAttributions(Method):
    """Train an MLP classifier, then attribute its logit to the input features with
    SHAP, integrated gradients and permutation importance.

    ``fit(X, y, names)``; learned: ``network_`` (raw inputs -> logit), ``shap_values_``,
    ``integrated_gradients_`` (local, rows of ``explained_``), ``importance_`` (global,
    per method), ``completeness_`` (relative errors), ``test_accuracy_``, and with
    ``symbolic_degree`` set, ``closed_form_`` (symbolic gradients of the logit).

    Parameters
    ----------
    hidden : list of int, default (64, 64)
        Hidden widths of the SiLU MLP classifier.
    steps : int, default 2000
        Full-batch Adam steps (cosine schedule).
    learning_rate : float, default 3e-3
        Adam's initial learning rate.
    n_explain : int, default 200
        Held-out rows whose predictions are attributed.
    n_background : int, default 100
        Training rows forming SHAP's background.
    ig_steps : int, default 64
        Gauss-Legendre points of the integrated-gradients path integral.
    permutation_repeats : int, default 5
        Shuffles per feature for permutation importance.
    test_fraction : float, default 0.25
        Fraction of rows held out.
    expected : str or None, default None
        The observable the user expects to rank first; adds a check per method.
    symbolic_degree : int or None, default None
        Degree of the symbolic-gradient reading of the logit (None: not read).
    random_state : None, int or numpy Generator, default None
        Seed of the split, the weights, the samples explained and the shuffles.

    Attributes
    ----------
    network_ : Standardized
        Raw inputs -> logit.
    names_ : list of str
        Feature names.
    shap_values_, integrated_gradients_ : ndarray
        Local attributions of the rows of ``explained_``.
    explained_ : ndarray
        The held-out rows explained.
    importance_ : dict
        Method -> feature -> global importance.
    completeness_ : dict
        Relative completeness error of SHAP and integrated gradients.
    test_accuracy_, test_log_loss_ : float
        Held-out accuracy and log-loss.
    closed_form_ : SymbolicGradients or None
        The logit read in closed form, with ``symbolic_degree``.
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="local", aim="verifying", level="high")
    consumes = "jets"
    interpretation_kind = "attribution"
    parameter_rules = {
        "hidden": (lambda v: len(v) >= 1 and all(positive_int(h) for h in v), "a non-empty list of layer widths >= 1"),
        **{name: (positive_int, "an integer >= 1") for name in ("steps", "n_explain", "ig_steps", "permutation_repeats")},
        "n_background": (lambda v: positive_int(v) and v >= 2, "an integer >= 2"),
        "learning_rate": (positive_number, "a number > 0"),
        "test_fraction": (lambda v: positive_number(v) and 0.05 <= v <= 0.5, "a fraction in [0.05, 0.5]"),
        "symbolic_degree": (optional(lambda v: positive_int(v) and v <= 6), "None or an integer from 1 to 6"),
        "expected": (optional(lambda v: isinstance(v, str)), "None or the name of the feature expected to matter most"),
        "random_state": SEED_RULE,
    }

    def __init__(
        self,
        *,
        hidden: Sequence[int] = (64, 64),
        steps: int = 2000,
        learning_rate: float = 3e-3,
        n_explain: int = 200,
        n_background: int = 100,
        ig_steps: int = 64,
        permutation_repeats: int = 5,
        test_fraction: float = 0.25,
        expected: str | None = None,
        symbolic_degree: int | None = None,
        random_state: int | None = None,
    ):
        self.hidden = hidden
        self.steps = steps
        self.learning_rate = learning_rate
        self.n_explain = n_explain
        self.n_background = n_background
        self.ig_steps = ig_steps
        self.permutation_repeats = permutation_repeats
        self.test_fraction = test_fraction
        self.expected = expected
        self.symbolic_degree = symbolic_degree
        self.random_state = random_state

    def _check_data(self, X, y, names):
        owner = type(self).__name__
        X = as_samples(owner, "X", X)
        if X.shape[1] < 2:
            raise DataError(f"{owner}: X must have at least 2 feature columns, got shape {X.shape}")
        y = binary_labels(owner, y, X.shape[0])
        if X.shape[0] < 50:
            raise DataError(f"{owner}: {X.shape[0]} rows; at least 50 are needed")
        names = column_names(owner, names, X.shape[1])
        if self.expected is not None and self.expected not in names:
            raise DataError(f"{owner}: expected observable {self.expected!r} is not a feature; features: {', '.join(names)}")
        return X, y, names

    def fit_dataset(self, dataset) -> "ClassifierAttributions":
        labels = dataset.names("label")
        if not labels:
            raise DataError(f"dataset {dataset.name!r} has no label column")
        self.fit(dataset.X, dataset[labels[0]], names=dataset.input_names)
        return self

    def fit(self, X, y, names: Sequence[str] | None = None) -> "ClassifierAttributions":
        self._validate_parameters()
        X, y, names = self._check_data(X, y, names)
        with torch_threads(1):
            return self._fit(X, y, names)

    def _fit(self, X, y, names) -> "ClassifierAttributions":
        import torch

        rng = rng_from(self.random_state)
        generator = torch_generator(int(rng.integers(2**62)))
        order = rng.permutation(X.shape[0])
        n_test = int(round(self.test_fraction * X.shape[0]))
        test, train = order[:n_test], order[n_test:]
        mean, scale = X[train].mean(axis=0), X[train].std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        module = make_mlp([X.shape[1], *self.hidden, 1], "silu", generator)
        network = Standardized(module, mean, scale)
        inputs = torch.tensor(X[train], dtype=torch.float64)
        targets = torch.tensor(y[train], dtype=torch.float64)
        optimizer = torch.optim.Adam(module.parameters(), lr=self.learning_rate, weight_decay=1e-5)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.steps)
        loss_function = torch.nn.BCEWithLogitsLoss()
        for _ in range(self.steps):
            loss = loss_function(network(inputs)[:, 0], targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        self.network_ = network
        self.names_ = names

        def logit(values: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return network(torch.tensor(np.asarray(values, dtype=float), dtype=torch.float64))[:, 0].numpy()

        test_logit = logit(X[test])
        self.test_accuracy_ = float(np.mean((test_logit > 0) == (y[test] == 1)))
        self.test_log_loss_ = float(np.mean(np.logaddexp(0, test_logit) - y[test] * test_logit))
        background = X[train][rng.choice(len(train), min(self.n_background, len(train)), replace=False)]
        explained = X[test][rng.choice(len(test), min(self.n_explain, len(test)), replace=False)]
        self.explained_ = explained
        outputs = logit(explained)

        # SHAP: exact Shapley values over all coalitions against the background sample
        import warnings

        with warnings.catch_warnings():
            # shap 0.51 calls a colormap method matplotlib has scheduled for deprecation
            # while importing its plotting module; nothing a user can act on
            warnings.filterwarnings("ignore", message="The set_(bad|over|under) function", category=PendingDeprecationWarning)
            import shap

        explainer = shap.ExactExplainer(logit, shap.maskers.Independent(background, max_samples=len(background)))
        explanation = explainer(explained, silent=True)
        self.shap_values_ = np.asarray(explanation.values)
        shap_base = np.asarray(explanation.base_values, dtype=float)
        # integrated gradients from the background mean
        from captum.attr import IntegratedGradients

        baseline = background.mean(axis=0, keepdims=True)
        ig = IntegratedGradients(lambda t: network(t)[:, 0])
        attributions = ig.attribute(
            torch.tensor(explained, dtype=torch.float64),
            baselines=torch.tensor(baseline, dtype=torch.float64),
            n_steps=self.ig_steps,
            method="gausslegendre",
        )
        self.integrated_gradients_ = attributions.detach().numpy()
        ig_reference = float(logit(baseline)[0])
        self.completeness_ = {
            "shap": completeness_error(self.shap_values_, outputs, shap_base),
            "integrated_gradients": completeness_error(self.integrated_gradients_, outputs, ig_reference),
        }
        # permutation importance on held-out rows: rise in log-loss
        reference_loss = self.test_log_loss_
        rise = np.zeros(X.shape[1])
        for j in range(X.shape[1]):
            for _ in range(self.permutation_repeats):
                shuffled = X[test].copy()
                shuffled[:, j] = shuffled[rng.permutation(len(test)), j]
                z = logit(shuffled)
                rise[j] += np.mean(np.logaddexp(0, z) - y[test] * z) - reference_loss
        rise /= self.permutation_repeats
        self.importance_ = {
            "shap": dict(zip(names, global_importance(self.shap_values_))),
            "integrated_gradients": dict(zip(names, global_importance(self.integrated_gradients_))),
            "permutation": dict(zip(names, rise)),
        }
        self.closed_form_ = None
        if self.symbolic_degree is not None:
            # where the tagger saturates its gradient carries little information about the
            # observable; read it where the decision is open (|logit| < 4) when possible
            open_rows = train[np.abs(logit(X[train])) < 4.0]
            pool = open_rows if len(open_rows) >= 200 else train
            rows = X[pool][rng.choice(len(pool), min(2000, len(pool)), replace=False)]
            self.closed_form_ = SymbolicGradients(max_degree=self.symbolic_degree, log_terms=True, max_invariants=1, random_state=self.random_state).fit(
                rows, network_gradients(network, rows), names
            )
        return self

    def decision_function(self, X) -> np.ndarray:
        """The classifier's logit."""
        import torch

        self._check_is_fitted("network_")
        with torch.no_grad():
            return self.network_(torch.tensor(np.asarray(X, dtype=float), dtype=torch.float64))[:, 0].numpy()

    def interpret(self) -> Interpretation:
        import pandas as pd

        self._check_is_fitted("importance_")
        verdicts: list[Verdict] = []
        if self.expected is not None:
            verdicts += [ranks_first(self.importance_[m], self.expected, m) for m in ATTRIBUTION_METHODS]
        verdicts += [completeness_verdict(self.completeness_[m], m) for m in ("shap", "integrated_gradients")]
        expressions = {}
        if self.closed_form_ is not None:
            expressions = {"observable": e for e in self.closed_form_.invariants_[:1]}
            verdicts += self.closed_form_.interpret().verdicts
        table = pd.DataFrame({m: [self.importance_[m][n] for n in self.names_] for m in ATTRIBUTION_METHODS}, index=self.names_)
        table.index.name = "feature"
        tops = {m: ranking(self.importance_[m])[0] for m in ATTRIBUTION_METHODS}
        agreed = len(set(tops.values())) == 1
        found = all_blocking_passed(verdicts)
        reasons = [f"{v.name}: {v.reason}" for v in verdicts if v.passed is False]
        return Interpretation(
            kind="attribution",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=(f"every attribution method ranks {tops['shap']} first" if agreed else f"top features disagree: {tops}")
            + f"; held-out accuracy {self.test_accuracy_:.3f}",
            expressions=expressions,
            values={"top": tops, "completeness": dict(self.completeness_), "test_accuracy": self.test_accuracy_, "test_log_loss": self.test_log_loss_},
            table=table.reset_index(),
            verdicts=verdicts,
            reasons=reasons,
        )
