"""Kolmogorov-Arnold networks: fit, prune, snap activations to symbolic functions.

Liu et al., "KAN: Kolmogorov-Arnold Networks" (2024). Every edge of the network
carries its own learnable 1-D function phi(x) = w * silu(x) + sum_k c_k B_k(x); nodes
only add. After training with an L1 penalty on edge activity, weak edges are pruned, each
remaining edge is replaced by the best of a small library of functions a f(b x + c) + d,
the resulting formula's constants are refitted on the data and snapped.

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

from physlens.errors import DataError
from physlens.expr import symbols_for
from physlens.methods.base import Interpretation, Method, Taxonomy, check_parameter, positive_number, register, seed_or_none
from physlens.methods.symbolic_gradients import torch_threads
from physlens.validate.verdict import Verdict

__all__ = ["KolmogorovArnoldNetwork", "SNAP_LIBRARY"]

GRID_RANGE = 2.0  # hidden activations are squashed into (-GRID_RANGE, GRID_RANGE) by construction below

# name, complexity, numpy function, sympy function
SNAP_LIBRARY = (
    ("x", 1, lambda x: x, lambda x: x),
    ("x^2", 2, lambda x: x**2, lambda x: x**2),
    ("x^3", 3, lambda x: x**3, lambda x: x**3),
    ("1/x", 3, lambda x: 1 / x, lambda x: 1 / x),
    ("1/x^2", 3, lambda x: 1 / x**2, lambda x: 1 / x**2),
    ("sqrt", 3, lambda x: np.sqrt(x), sympy.sqrt),
    ("exp", 3, np.exp, sympy.exp),
    ("log", 3, lambda x: np.log(x), sympy.log),
    ("sin", 3, np.sin, sympy.sin),
    ("cos", 3, np.cos, sympy.cos),
)


def _positive_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


def _refine(f, x, values, best, total):
    """Least-squares polish of (a, b, c, d) from the grid's best start."""
    from scipy.optimize import least_squares

    def residual(theta):
        a, b, c, d = theta
        with np.errstate(all="ignore"):
            out = a * f(b * x + c) + d - values
        return np.where(np.isfinite(out), out, 1e6)

    fit = least_squares(residual, np.array(best[1]), method="lm", max_nfev=400)
    r2 = 1 - np.sum(residual(fit.x) ** 2) / total
    return (float(r2), tuple(float(v) for v in fit.x)) if r2 > best[0] else best


def fit_edge(x: np.ndarray, values: np.ndarray, r2_needed: float):
    """Best a*f(b*x + c) + d over :data:`SNAP_LIBRARY` for samples of one edge function.
    Returns (name, r2, (a, b, c, d), sympy_function), the simplest with R2 >= r2_needed,
    or the most accurate if none reaches it."""
    total = np.sum((values - values.mean()) ** 2)
    if total <= 1e-300:
        return "0", 1.0, (0.0, 1.0, 0.0, float(values.mean())), None
    results = []
    scales = np.concatenate([-np.logspace(-1, 1, 15), np.logspace(-1, 1, 15)])
    shifts = np.linspace(-3, 3, 25)
    centred_values = values - values.mean()
    for name, complexity, f, g in SNAP_LIBRARY:
        best = None
        inner = np.array([(1.0, 0.0)] if name == "x" else [(b, c) for b in scales for c in shifts])
        with np.errstate(all="ignore"):
            features = f(inner[:, :1] * x[None] + inner[:, 1:])  # (grid, n)
        usable = np.all(np.isfinite(features), axis=1) & (np.ptp(np.where(np.isfinite(features), features, 0), axis=1) > 0)
        if usable.any():
            features, inner = features[usable], inner[usable]
            centred = features - features.mean(axis=1, keepdims=True)
            covariance = centred @ centred_values
            variance = np.sum(centred**2, axis=1)
            r2_grid = covariance**2 / (variance * total)  # R2 of the best a*f + d
            k = int(np.argmax(r2_grid))
            a = covariance[k] / variance[k]
            d = values.mean() - a * features[k].mean()
            best = (float(r2_grid[k]), (float(a), float(inner[k, 0]), float(inner[k, 1]), float(d)))
        if best is not None and name != "x":
            best = _refine(f, x, values, best, total)
        if best is not None:
            results.append((name, complexity, best[0], best[1], g))
    accurate = [r for r in results if r[2] >= r2_needed]
    chosen = min(accurate, key=lambda r: (r[1], -r[2])) if accurate else max(results, key=lambda r: r[2])
    return chosen[0], float(chosen[2]), chosen[3], chosen[4]


@register("kan")
class KolmogorovArnoldNetwork(Method):
    """KAN regression (Liu et al. 2024) with pruning and symbolic snapping.

    ``fit(X, y, names)``; learned: ``masks_`` (surviving edges per layer),
    ``edge_functions_`` (name and R2 of each snapped edge), ``equation_`` (sympy, in the
    variables of ``names``, constants refitted), ``r2_`` (of the formula on the data).
    """

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")
    consumes = "table"
    interpretation_kind = "equation"

    def __init__(
        self,
        *,
        width: Sequence[int] = (4,),
        n_basis: int = 10,
        steps: int = 1500,
        learning_rate: float = 1e-2,
        sparsity: float = 1e-3,
        prune_threshold: float = 0.03,
        snap_r2: float = 0.999,
        random_state: int | None = None,
    ):
        self.width = width
        self.n_basis = n_basis
        self.steps = steps
        self.learning_rate = learning_rate
        self.sparsity = sparsity
        self.prune_threshold = prune_threshold
        self.snap_r2 = snap_r2
        self.random_state = random_state

    def _validate(self, X, y, names):
        owner = type(self).__name__
        check_parameter(owner, "width", self.width, lambda v: all(_positive_int(w) for w in v), "a list of hidden widths >= 1 (may be empty)")
        check_parameter(owner, "n_basis", self.n_basis, lambda v: _positive_int(v) and v >= 3, "an integer >= 3")
        check_parameter(owner, "steps", self.steps, _positive_int, "an integer >= 1")
        check_parameter(owner, "learning_rate", self.learning_rate, positive_number, "a number > 0")
        check_parameter(owner, "sparsity", self.sparsity, lambda v: float(v) >= 0, "a number >= 0")
        check_parameter(owner, "prune_threshold", self.prune_threshold, lambda v: 0 <= float(v) < 1, "a fraction in [0, 1)")
        check_parameter(owner, "snap_r2", self.snap_r2, lambda v: 0 < float(v) <= 1, "a number in (0, 1]")
        check_parameter(owner, "random_state", self.random_state, seed_or_none, "None or an integer >= 0")
        try:
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{owner}: X and y must be numeric") from None
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise DataError(f"{owner}: X must be (samples, variables) and y (samples,), got {X.shape} and {y.shape}")
        for label, array in (("X", X), ("y", y.reshape(-1, 1))):
            bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
            if bad.size:
                raise DataError(f"{owner}: {label} has a non-finite value in row {int(bad[0])}")
        if X.shape[0] < 20:
            raise DataError(f"{owner}: {X.shape[0]} rows; at least 20 are needed")
        names = list(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
        if len(names) != X.shape[1]:
            raise DataError(f"{owner}: {len(names)} names for {X.shape[1]} columns")
        return X, y, names

    def fit_dataset(self, dataset) -> "KolmogorovArnoldNetwork":
        self.fit(dataset.X, dataset.y, names=dataset.input_names)
        truth = dataset.truth.equations.get(dataset.target_name) if dataset.truth is not None else None
        self.truth_ = truth
        return self

    # -- the network -------------------------------------------------------------------
    def _layers(self, n_in):
        return [n_in, *self.width, 1]

    def _forward(self, params, masks, x, record=False):
        import torch

        centres = torch.linspace(-GRID_RANGE, GRID_RANGE, self.n_basis, dtype=torch.float64)
        h = 2 * GRID_RANGE / (self.n_basis - 1)
        activity, inputs = [], []
        for layer, (w_base, coeff, bias) in enumerate(params):
            basis = torch.exp(-(((x[:, :, None] - centres) / h) ** 2))  # (n, in, K)
            edges = w_base[None] * torch.nn.functional.silu(x)[:, :, None] + torch.einsum("nik,iok->nio", basis, coeff)
            edges = edges * masks[layer][None]
            if record:
                inputs.append(x.detach().numpy())
                activity.append(edges.detach().numpy())
            x = edges.sum(dim=1) + bias
            if layer < len(params) - 1:
                # keep hidden activations on the grid (a smooth clamp)
                x = GRID_RANGE * torch.tanh(x / GRID_RANGE)
        return x[:, 0], edges, activity, inputs

    def fit(self, X, y, names: Sequence[str] | None = None) -> "KolmogorovArnoldNetwork":
        X, y, names = self._validate(X, y, names)
        with torch_threads(1):
            self._fit(X, y, names)
        return self

    def _train(self, params, masks, x, target, steps):
        import torch

        optimizer = torch.optim.Adam([p for layer in params for p in layer], lr=self.learning_rate)
        for _ in range(steps):
            prediction, _, _, _ = self._forward(params, masks, x)
            loss = torch.mean((prediction - target) ** 2)
            if self.sparsity:
                penalty = 0.0
                for w_base, coeff, _ in params:
                    penalty = penalty + w_base.abs().sum() + coeff.abs().mean(dim=2).sum()
                loss = loss + self.sparsity * penalty
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return float(loss.detach())

    def _fit(self, X, y, names):
        import torch

        rng = np.random.default_rng(self.random_state)
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        low, high = X.min(axis=0), X.max(axis=0)
        middle, half = (low + high) / 2, np.where(high > low, (high - low) / 2, 1.0)
        y_mean, y_scale = y.mean(), y.std() if y.std() > 0 else 1.0
        x = torch.tensor((X - middle) / half, dtype=torch.float64)
        target = torch.tensor((y - y_mean) / y_scale, dtype=torch.float64)
        sizes = self._layers(X.shape[1])
        params, masks = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            w_base = (torch.rand((n_in, n_out), generator=generator, dtype=torch.float64) - 0.5) / np.sqrt(n_in)
            coeff = 0.1 * torch.randn((n_in, n_out, self.n_basis), generator=generator, dtype=torch.float64) / np.sqrt(n_in)
            bias = torch.zeros(n_out, dtype=torch.float64)
            params.append([w_base.requires_grad_(), coeff.requires_grad_(), bias.requires_grad_()])
            masks.append(torch.ones((n_in, n_out), dtype=torch.float64))
        self._train(params, masks, x, target, self.steps)
        # prune: edges whose activity (std over the data) is small relative to the layer's largest
        _, _, activity, _ = self._forward(params, masks, x, record=True)
        for layer, edges in enumerate(activity):
            spread = edges.std(axis=0)
            masks[layer] = torch.tensor((spread >= self.prune_threshold * spread.max()).astype(float), dtype=torch.float64)
        self.loss_ = self._train(params, masks, x, target, max(1, self.steps // 3))
        self.masks_ = [m.numpy().astype(bool) for m in masks]
        # snap every surviving edge to a library function and compose the formula
        _, _, activity, inputs = self._forward(params, masks, x, record=True)
        symbols = symbols_for(names)
        current = [(symbols[n] - sympy.Float(m)) / sympy.Float(h) for n, m, h in zip(names, middle, half)]
        edge_report = []
        for layer, (edges, layer_inputs) in enumerate(zip(activity, inputs)):
            outputs = []
            n_out = edges.shape[2]
            bias = params[layer][2].detach().numpy()
            for j in range(n_out):
                total = sympy.Float(float(bias[j]))
                for i in range(edges.shape[1]):
                    if not self.masks_[layer][i, j]:
                        continue
                    name, r2, (a, b, c, d), g = fit_edge(layer_inputs[:, i], edges[:, i, j], self.snap_r2)
                    edge_report.append({"layer": layer, "from": i, "to": j, "function": name, "r2": r2})
                    if g is None:
                        total += sympy.Float(d)
                    else:
                        total += sympy.Float(a) * g(sympy.Float(b) * current[i] + sympy.Float(c)) + sympy.Float(d)
                # the hidden layers' tanh clamp is left out of the formula (close to the
                # identity where activations live); the composed formula is refitted below
                outputs.append(total)
            current = outputs
        formula = current[0] * sympy.Float(y_scale) + sympy.Float(y_mean)
        self.edge_functions_ = edge_report
        from physlens.methods.symbolic import refit_constants, snap_on_data

        formula = sympy.expand(formula) if formula.count_ops() < 200 else formula
        formula = refit_constants(formula, names, X, y)
        n_valid = max(10, X.shape[0] // 4)
        order = rng.permutation(X.shape[0])
        valid, train = order[:n_valid], order[n_valid:]
        formula = snap_on_data(formula, names, (X[train], y[train]), (X[valid], y[valid]))
        self.equation_ = formula
        with np.errstate(all="ignore"):
            from physlens.expr import to_function

            predicted = np.asarray(to_function(self.equation_, names)(*X.T), dtype=float) * np.ones(len(y))
        self.r2_ = float(1 - np.sum((predicted - y) ** 2) / np.sum((y - y.mean()) ** 2)) if np.all(np.isfinite(predicted)) else float("nan")
        self.names_ = names
        self.truth_ = None

    def predict(self, X) -> np.ndarray:
        from physlens.expr import to_function

        self._check_is_fitted("equation_")
        X = np.asarray(X, dtype=float)
        return np.asarray(to_function(self.equation_, self.names_)(*X.T), dtype=float) * np.ones(X.shape[0])

    def interpret(self) -> Interpretation:
        self._check_is_fitted("equation_")
        verdicts = [
            Verdict("formula fits the data", bool(self.r2_ >= 0.999), self.r2_, f"the snapped KAN formula has R2 {self.r2_:.6f} on the training data (needs >= 0.999)")
        ]
        if self.truth_ is not None:
            from physlens.validate.symbolic import symbolic_equivalence

            verdicts.append(symbolic_equivalence(self.equation_, self.truth_))
        found = all(v.passed for v in verdicts)
        import pandas as pd

        return Interpretation(
            kind="equation",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=f"KAN {self._layers(len(self.names_))} pruned to {sum(int(m.sum()) for m in self.masks_)} edges",
            expressions={"y": self.equation_},
            values={"r2": self.r2_, "edges": len(self.edge_functions_)},
            table=pd.DataFrame(self.edge_functions_),
            verdicts=verdicts,
            reasons=[f"{v.name}: {v.reason}" for v in verdicts if not v.passed],
        )
