"""Kolmogorov-Arnold networks: fit, prune, snap activations to symbolic functions.

Liu et al., "KAN: Kolmogorov-Arnold Networks" (2024). Every edge of the network
carries its own learnable 1-D function phi(x) = w * silu(x) + sum_k c_k B_k(x); nodes
only add. Training is Adam with an L1 penalty on edge activity, then LBFGS (as in the
paper); weak edges are pruned; then, layer by layer as in the paper's auto_symbolic,
each surviving edge is replaced by the simplest function a f(b x + c) + d of a small
library whose R2 on the edge's samples reaches ``snap_r2``, and the rest of the network
is retrained around the snapped edges. Once every edge is symbolic, all affine constants
are trained jointly, so the network *is* the formula; its constants are then snapped to
simple numbers on held-out rows. A product needs a hidden layer (x y = exp(log x + log y)),
so ``width="auto"`` tries a few shapes and keeps the simplest formula that fits.

This is a compact in-house implementation (Gaussian radial basis functions on a fixed
grid instead of B-splines with grid updates, as in "FastKAN"), not pykan: pykan 0.2.8
is not in our environment (it needs PyYAML, undeclared), and on this machine 5 of 10
identically seeded fit -> prune -> auto_symbolic runs crashed (NaN loss, an MKL error,
an UnboundLocalError), see FIELD_NOTES.md. Ours is deterministic given random_state.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import sympy
from sklearn.base import RegressorMixin

from physlens.expr import symbols_for
from physlens.methods._torch import torch_generator, torch_threads
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    column_names,
    nonnegative_int,
    nonnegative_number,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods.kan.edges import SYMPY_OF, choose_edge, edge_candidates
from physlens.methods.kan.network import SplineNetwork, mean_squared_error, set_edge, train_adam, train_lbfgs
from physlens.validate.fit import r2_score
from physlens.validate.symbolic import predicts
from physlens.validate.verdict import Verdict, all_blocking_passed

__all__ = ["AUTO_WIDTHS", "KolmogorovArnoldNetwork"]

AUTO_WIDTHS = ((), (1,), (2,))  # shapes tried by width="auto", simplest first


def _width_ok(value) -> bool:
    if isinstance(value, str):
        return value == "auto"
    try:
        return all(positive_int(w) for w in value)
    except TypeError:
        return False


def _drop_round_off(equation: sympy.Expr, names: list[str], X: np.ndarray, y: np.ndarray) -> sympy.Expr:
    """Set constants at round-off level (a log's shift that should be zero) to zero when
    the formula's R2 stays within round-off of what it was."""
    tiny = {f: sympy.Integer(0) for f in equation.atoms(sympy.Float) if abs(float(f)) < 1e-9}
    if not tiny:
        return equation
    trimmed = equation.xreplace(tiny)
    before = r2_score(y, predicts(equation, names, X))
    return trimmed if r2_score(y, predicts(trimmed, names, X)) >= min(before, 1 - 1e-12) else equation


@register("kan")
class KolmogorovArnoldNetwork(RegressorMixin, Method):
    """KAN regression (Liu et al. 2024) with pruning and symbolic snapping.

    ``fit(X, y, names)``; ``width`` is the list of hidden widths, or ``"auto"`` to try
    the shapes in :data:`AUTO_WIDTHS`, simplest first, stopping at the first whose
    formula fits to round-off (else keeping the most accurate).

    Parameters
    ----------
    width : list of int or "auto", default (4,)
        Hidden layer widths (may be empty), or "auto".
    n_basis : int, default 20
        Radial basis functions per edge spline.
    steps : int, default 1500
        Adam steps before pruning.
    lbfgs_steps : int, default 200
        L-BFGS iterations of each retraining.
    learning_rate : float, default 1e-2
        Adam's learning rate.
    sparsity : float, default 1e-3
        Weight of the L1 penalty on edge activity.
    prune_threshold : float, default 0.03
        Edges less active than this fraction of their layer's most active are pruned.
    snap_r2 : float, default 0.999
        R2 an edge's library function must reach on the edge's samples.
    random_state : None, int or numpy Generator, default None
        Seed of the weights and of the held-out rows the constants are snapped on.

    Attributes
    ----------
    width_ : tuple of int
        The shape kept.
    masks_ : list of ndarray
        Surviving edges per layer.
    edge_functions_ : list of dict
        Layer, ends, function name and R2 of each snapped edge.
    equation_ : sympy.Expr
        The formula in the variables of ``names``, constants refitted and snapped.
    r2_ : float
        R2 of the formula on the data.
    shapes_ : dict
        Shape -> formula R2 for every shape tried.
    n_features_in_ : int
        Number of input columns seen in fit (scikit-learn's convention).
    names_ : list of str
        The variables' names.
    """

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")
    consumes = "table"
    interpretation_kind = "equation"
    parameter_rules = {
        "width": (_width_ok, '"auto" or a list of hidden widths >= 1 (may be empty)'),
        "n_basis": (lambda v: positive_int(v) and v >= 3, "an integer >= 3"),
        "steps": (positive_int, "an integer >= 1"),
        "lbfgs_steps": (nonnegative_int, "an integer >= 0"),
        "learning_rate": (positive_number, "a number > 0"),
        "sparsity": (nonnegative_number, "a number >= 0"),
        "prune_threshold": (lambda v: nonnegative_number(v) and v < 1, "a fraction in [0, 1)"),
        "snap_r2": (lambda v: positive_number(v) and v <= 1, "a number in (0, 1]"),
        "random_state": SEED_RULE,
    }

    def __init__(
        self,
        *,
        width: Sequence[int] | str = (4,),
        n_basis: int = 20,
        steps: int = 1500,
        lbfgs_steps: int = 200,
        learning_rate: float = 1e-2,
        sparsity: float = 1e-3,
        prune_threshold: float = 0.03,
        snap_r2: float = 0.999,
        random_state: int | None = None,
    ):
        self.width = width
        self.n_basis = n_basis
        self.steps = steps
        self.lbfgs_steps = lbfgs_steps
        self.learning_rate = learning_rate
        self.sparsity = sparsity
        self.prune_threshold = prune_threshold
        self.snap_r2 = snap_r2
        self.random_state = random_state

    def _check_data(self, X, y, names):
        owner = type(self).__name__
        X = as_samples(owner, "X", X, min_rows=20)
        y = as_samples(owner, "y", y, ndim=1, n_rows=X.shape[0])
        return X, y, column_names(owner, names, X.shape[1])

    def fit_dataset(self, dataset) -> "KolmogorovArnoldNetwork":
        return self.fit(dataset.X, dataset.y, names=dataset.input_names)

    def fit(self, X, y, names: Sequence[str] | None = None) -> "KolmogorovArnoldNetwork":
        self._validate_parameters()
        X, y, names = self._check_data(X, y, names)
        rng = rng_from(self.random_state)
        widths = AUTO_WIDTHS if isinstance(self.width, str) else (tuple(self.width),)
        seeds = rng.integers(2**62, size=len(widths))
        results = []
        with torch_threads(1):
            for width, seed in zip(widths, seeds):
                results.append(self._fit_shape(width, X, y, names, int(seed)))
                if results[-1]["r2"] >= 1 - 1e-9:
                    break  # shapes are tried simplest first; a larger one cannot do better than exact
        # the simplest formula that fits to round-off, else the most accurate
        from physlens.expr import count_complexity

        exact = [r for r in results if r["r2"] >= 1 - 1e-9]
        if exact:
            chosen = min(exact, key=lambda r: (count_complexity(r["equation"]), len(r["width"])))
        else:
            chosen = max(results, key=lambda r: r["r2"] if np.isfinite(r["r2"]) else -np.inf)
        self.width_ = chosen["width"]
        self.masks_ = chosen["masks"]
        self.edge_functions_ = chosen["edges"]
        self.equation_ = chosen["equation"]
        self.r2_ = chosen["r2"]
        self.shapes_ = {r["width"]: r["r2"] for r in results}
        self.names_ = names
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_shape(self, width, X, y, names, seed):
        import torch

        rng = rng_from(seed)
        generator = torch_generator(int(rng.integers(2**62)))
        low, high = X.min(axis=0), X.max(axis=0)
        middle, half = (low + high) / 2, np.where(high > low, (high - low) / 2, 1.0)
        y_mean, y_scale = y.mean(), y.std() if y.std() > 0 else 1.0
        x = torch.tensor((X - middle) / half, dtype=torch.float64)
        target = torch.tensor((y - y_mean) / y_scale, dtype=torch.float64)
        network = SplineNetwork([X.shape[1], *width, 1], self.n_basis, generator)
        train_adam(network, x, target, self.steps, self.learning_rate, self.sparsity)
        # prune: edges whose activity (std over the data) is small relative to the layer's largest
        _, records = network.forward(x, record=True)
        for layer, (_, edges) in enumerate(records):
            spread = edges.std(axis=0)
            network.masks[layer] &= spread >= self.prune_threshold * spread.max()
        train_lbfgs(network, x, target, self.lbfgs_steps)
        # snap layer by layer, retraining the rest of the network around the snapped edges
        edge_report, alternatives = [], {}
        for layer in range(len(network.layers)):
            _, records = network.forward(x, record=True)
            inputs, edges = records[layer]
            for i, j in zip(*np.nonzero(network.masks[layer])):
                candidates = edge_candidates(inputs[:, i], edges[:, i, j])
                name, r2, constants, _ = choose_edge(candidates, self.snap_r2)
                edge_report.append({"layer": layer, "from": int(i), "to": int(j), "function": name, "r2": r2})
                set_edge(network, layer, int(i), int(j), name, constants)
                if name != "0":
                    # near-misses of the chosen function, tried again once every edge is symbolic
                    complexity = next(r[1] for r in candidates if r[0] == name)
                    near = [r for r in candidates if r[0] != name and r[1] <= complexity + 1 and r[2] >= 1 - 10 * (1 - self.snap_r2)]
                    alternatives[(layer, int(i), int(j))] = sorted(near, key=lambda r: -r[2])[:3]
            train_lbfgs(network, x, target, self.lbfgs_steps)
        train_lbfgs(network, x, target, self.lbfgs_steps, splines=False)
        self._swap_search(network, x, target, alternatives, edge_report)
        equation = self._formula(network, names, middle, half, y_mean, y_scale)
        equation = self._polish(equation, names, X, y, rng)
        return {
            "width": tuple(width),
            "masks": [m.copy() for m in network.masks],
            "edges": edge_report,
            "equation": equation,
            "r2": r2_score(y, predicts(equation, names, X)),
        }

    def _swap_search(self, network, x, target, alternatives, edge_report):
        """Once every edge is symbolic, try each edge's near-miss functions in turn (its
        constants refitted with the rest by LBFGS) and keep a swap that lowers the error:
        a snap chosen on an imperfectly trained edge is corrected by the formula's fit."""
        import copy

        import torch

        best = mean_squared_error(network, x, target)
        if best > 1e-2:
            return  # far from a law (R2 < 0.99): swapping single edges will not make it one
        for (layer, i, j), candidates in alternatives.items():
            if best <= 1e-20:
                break
            for name, _, r2, constants, _ in candidates:
                trial = copy.deepcopy(network)
                old_mean = trial.forward(x, record=True)[1][layer][1][:, i, j].mean()
                trial.symbolic[layer].pop((i, j))
                set_edge(trial, layer, i, j, name, (constants[0], constants[1], constants[2], 0.0))
                new_mean = trial.forward(x, record=True)[1][layer][1][:, i, j].mean()
                with torch.no_grad():  # the swap keeps the edge's mean
                    trial.layers[layer][2][j] += float(old_mean - new_mean)
                train_lbfgs(trial, x, target, self.lbfgs_steps, splines=False)
                error = mean_squared_error(trial, x, target)
                if error < 0.9 * best:
                    network.__dict__.update(trial.__dict__)
                    best = error
                    for row in edge_report:
                        if (row["layer"], row["from"], row["to"]) == (layer, i, j):
                            row.update(function=name, r2=r2)
                    break

    @staticmethod
    def _formula(network, names, middle, half, y_mean, y_scale):
        """The fully snapped network written out in sympy."""
        symbols = symbols_for(names)
        current = [(symbols[n] - sympy.Float(m)) / sympy.Float(h) for n, m, h in zip(names, middle, half)]
        for layer, (_, _, bias) in enumerate(network.layers):
            outputs = [sympy.Float(float(v)) for v in bias.detach().numpy()]
            for (i, j), (name, theta) in network.symbolic[layer].items():
                a, b, c = (sympy.Float(float(v)) for v in theta.detach().numpy())
                inner = current[i] if name == "x" else sympy.expand(b * current[i] + c) if layer == 0 else b * current[i] + c
                outputs[j] += a * SYMPY_OF[name](inner)
            current = outputs
        return sympy.expand(current[0] * sympy.Float(y_scale) + sympy.Float(y_mean))

    @staticmethod
    def _polish(equation, names, X, y, rng):
        """Refit every constant of the formula on the data, then snap them to simple numbers."""
        import warnings

        from physlens.methods.symbolic import refit_constants, snap_on_data

        with warnings.catch_warnings():
            # trial constants can send a power's base negative; such fits are discarded
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            return KolmogorovArnoldNetwork._snap(equation, names, X, y, rng, refit_constants, snap_on_data)

    @staticmethod
    def _snap(equation, names, X, y, rng, refit_constants, snap_on_data):
        equation = _drop_round_off(refit_constants(equation, names, X, y), names, X, y)
        if not r2_score(y, predicts(equation, names, X)) >= 0.9999:
            # far from a law: snapping its constants cannot make it one, and refitting a
            # formula of a dozen tangled constants per trial snap costs minutes
            return equation
        n_valid = max(10, X.shape[0] // 4)
        order = rng.permutation(X.shape[0])
        valid, train = order[:n_valid], order[n_valid:]
        return _drop_round_off(snap_on_data(equation, names, (X[train], y[train]), (X[valid], y[valid])), names, X, y)

    def predict(self, X) -> np.ndarray:
        self._check_is_fitted("equation_")
        return predicts(self.equation_, self.names_, self._check_features(X))

    def interpret(self) -> Interpretation:
        self._check_is_fitted("equation_")
        verdicts = [
            Verdict("formula fits the data", bool(self.r2_ >= 0.999), self.r2_, f"the snapped KAN formula has R2 {self.r2_:.6f} on the training data (needs >= 0.999)")
        ]
        found = all_blocking_passed(verdicts)
        import pandas as pd

        return Interpretation(
            kind="equation",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=f"KAN {[len(self.names_), *self.width_, 1]} pruned to {sum(int(m.sum()) for m in self.masks_)} edges",
            expressions={"y": self.equation_},
            values={"r2": self.r2_, "edges": len(self.edge_functions_)},
            table=pd.DataFrame(self.edge_functions_),
            verdicts=verdicts,
            reasons=[f"{v.name}: {v.reason}" for v in verdicts if not v.passed],
        )
