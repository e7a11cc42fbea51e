"""Lagrangian neural networks.

Cranmer, Greydanus, Hoyer, Battaglia, Spergel, Ho, "Lagrangian Neural Networks" (ICLR 2020
workshop on integration of deep neural models and differential equations). A network
L_theta(q, v) is trained so that the accelerations its Euler-Lagrange equations imply,

    q̈ = (∇_v ∇_vᵀ L)⁻¹ [∇_q L − (∇_q ∇_vᵀ L) v]      (autodiff in torch),

match the observed ones. No canonical momenta are needed, so it learns systems observed in
positions and velocities only (a relativistic particle, whose momentum γ m v is not the
velocity; a double pendulum, whose momenta mix both velocities), where a Hamiltonian network
fed (q, v) fails. The learned dynamics conserve E_theta = v·∇_v L − L exactly. L is defined up
to a scale and a total derivative dF(q)/dt = ∇F·v, which is odd in v; the closed form is read
from the even part (L(q, v) + L(q, −v)) / 2 with symbolic gradients (its gradient is parallel
to the true L's when L_theta = alpha L + dF/dt + c).
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
    nonnegative_int,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods._torch import Standardized, adam_then_lbfgs, make_mlp, torch_generator, torch_threads
from physlens.methods.hamiltonian.state import energy_drift, rollout
from physlens.methods.lagrangian.reading import lagrangian_from_motion
from physlens.validate.invariants import drift_verdict
from physlens.validate.lagrangian import acceleration_verdict, euler_lagrange_accelerations
from physlens.validate.verdict import Verdict, all_blocking_passed

__all__ = ["LagrangianNN"]


def euler_lagrange_acceleration(module, x, mean, scale, create_graph: bool):
    """q̈ implied by L = module((x - mean) / scale) at torch states x (n, 2f) = (q, v)."""
    import torch

    x = x.detach().requires_grad_(True)
    lagrangian = module((x - mean) / scale)[:, 0]
    (grad,) = torch.autograd.grad(lagrangian.sum(), x, create_graph=True)
    f = x.shape[1] // 2
    rows = [torch.autograd.grad(grad[:, f + j].sum(), x, create_graph=create_graph or j + 1 < f, retain_graph=True)[0] for j in range(f)]
    hessian = torch.stack(rows, dim=1)  # (n, j, k): d²L / dv_j d(q, v)_k
    mixed, velocity_block = hessian[:, :, :f], hessian[:, :, f:]
    rhs = grad[:, :f] - torch.einsum("njk,nk->nj", mixed, x[:, f:])
    return torch.linalg.solve(velocity_block, rhs.unsqueeze(-1)).squeeze(-1)


class NumpySoftplusMLP:
    """numpy copy of a softplus MLP L(x) built by :func:`make_mlp` on standardised inputs,
    with its gradient and Hessian carried forward layer by layer: a rollout calls the
    Euler-Lagrange accelerations ~10^5 times, where torch's per-call autograd costs ~1 ms."""

    def __init__(self, module, mean: np.ndarray, scale: np.ndarray):
        import torch

        linears = [m for m in module if isinstance(m, torch.nn.Linear)]
        self.weights = [m.weight.detach().numpy().astype(float) for m in linears]
        self.biases = [m.bias.detach().numpy().astype(float) for m in linears]
        self.mean, self.scale = mean, scale

    def hessian_and_gradient(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(d²L/dx², dL/dx) for every row of x: (n, d, d), (n, d)."""
        h = (x - self.mean) / self.scale
        n, d = h.shape
        jac = np.broadcast_to(np.eye(d), (n, d, d))  # d h / d z: (n, width, d)
        hess = np.zeros((n, d, d * d))  # d² h / d z², flattened: (n, width, d*d)
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            pre, pre_jac, pre_hess = h @ w.T + b, w @ jac, w @ hess
            slope = 1 / (1 + np.exp(-pre))  # softplus' = sigmoid
            h = np.logaddexp(0, pre)
            jac = slope[:, :, None] * pre_jac
            outer = (pre_jac[:, :, :, None] * pre_jac[:, :, None, :]).reshape(n, -1, d * d)
            hess = (slope * (1 - slope))[:, :, None] * outer + slope[:, :, None] * pre_hess
        w = self.weights[-1][0]
        gradient = (w @ jac) / self.scale
        hessian = (w @ hess).reshape(n, d, d) / np.outer(self.scale, self.scale)
        return hessian, gradient

    def accelerations(self, x: np.ndarray) -> np.ndarray:
        hessian, gradient = self.hessian_and_gradient(x)
        f = x.shape[1] // 2
        rhs = gradient[:, :f] - np.einsum("njk,nk->nj", hessian[:, f:, :f], x[:, f:])
        return np.linalg.solve(hessian[:, f:, f:], rhs[:, :, None])[:, :, 0]


@register("lnn")
class LagrangianNN(Method):
    """Lagrangian neural network (Cranmer et al. 2020): learns a scalar L(q, v).

    ``fit(states, accelerations, names)`` with states ordered (q..., v...) and the observed
    q̈ (n, f) (``fit_dataset`` reads the ``d_<velocity>`` columns); training is ``steps`` of
    full-batch Adam then ``polish_steps`` of L-BFGS on the squared acceleration error, each
    coordinate weighted by 1 / its variance. Learned: ``network_``, ``lagrangian(states)``,
    ``energy(states)`` (v·∇_v L − L), ``vector_field(states)`` (v, q̈); after
    ``closed_form(...)``, ``equation_`` (L in closed form, up to a scale and a total
    derivative) and ``closed_form_error_`` (its accelerations against the observed ones).

    Parameters
    ----------
    hidden : list of int, default (64, 64)
        Widths of the softplus MLP's hidden layers (smooth: L's second derivatives enter).
    steps : int, default 1000
        Full-batch Adam steps (cosine learning-rate decay).
    learning_rate : float, default 3e-3
        Adam's initial learning rate.
    polish_steps : int, default 300
        L-BFGS iterations after Adam (0: none).
    random_state : None, int or numpy Generator, default None
        Seed of the weights and of the rows ``closed_form`` reads.

    Attributes
    ----------
    network_ : Standardized
        The trained L_theta, taking raw states (q, v).
    names_ : list of str
        State names, q... then v....
    n_coordinates_ : int
        Number of coordinates.
    training_states_ : ndarray
        The states it was fitted on.
    training_accelerations_ : ndarray
        The observed accelerations it was fitted on.
    training_loss_ : float
        Final weighted squared error of the accelerations.
    acceleration_error_ : float
        Relative RMS error of the network's accelerations on the training states.
    equation_, gradient_reader_, closed_form_error_, reading_ : sympy.Expr or None, SymbolicGradients, float, str
        After ``closed_form``: L in closed form, the gradient reader, the relative RMS error of
        the accelerations it implies, and which reading gave it ("gradients" or "equations of motion").
    drift_, baseline_drift_, rollout_time_ : float
        After ``compare_drift``: the true energy's drift along each model's rollout.
    """

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="high")
    consumes = "trajectories"
    interpretation_kind = "hamiltonian"
    parameter_rules = {
        "hidden": (lambda v: not isinstance(v, str) and len(v) >= 1 and all(positive_int(h) for h in v), "a non-empty list of layer widths >= 1"),
        "steps": (positive_int, "an integer >= 1"),
        "learning_rate": (positive_number, "a number > 0"),
        "polish_steps": (nonnegative_int, "an integer >= 0"),
        "random_state": SEED_RULE,
    }

    def __init__(self, *, hidden: Sequence[int] = (64, 64), steps: int = 1000, learning_rate: float = 3e-3,
                 polish_steps: int = 300, random_state: int | None = None):
        self.hidden = hidden
        self.steps = steps
        self.learning_rate = learning_rate
        self.polish_steps = polish_steps
        self.random_state = random_state

    @staticmethod
    def _state_names(dataset) -> list[str]:
        if dataset.truth is not None and "velocities" in dataset.truth.parameters:
            return list(dataset.truth.parameters["coordinates"]) + list(dataset.truth.parameters["velocities"])
        return dataset.names("state")

    @classmethod
    def applicable_to(cls, dataset) -> str | None:
        """Also needs an even number of state columns (q..., v...) and the measured
        accelerations d_<velocity>."""
        reason = super().applicable_to(dataset)
        if reason is None:
            names = cls._state_names(dataset)
            if not names or len(names) % 2:
                return f"dataset {dataset.name!r} has {len(names)} state columns; a Lagrangian needs q... then v..."
            missing = [f"d_{n}" for n in names[len(names) // 2:] if f"d_{n}" not in dataset.arrays]
            if missing:
                reason = f"dataset {dataset.name!r} lacks acceleration columns {', '.join(missing)}"
        return reason

    def fit_dataset(self, dataset) -> "LagrangianNN":
        self._check_applicable(dataset)
        names = self._state_names(dataset)
        states = np.column_stack([dataset[n] for n in names])
        accelerations = np.column_stack([dataset[f"d_{n}"] for n in names[len(names) // 2:]])
        return self.fit(states, accelerations, names=names)

    def fit(self, states, accelerations, names: Sequence[str] | None = None) -> "LagrangianNN":
        self._validate_parameters()
        owner = type(self).__name__
        states = as_samples(owner, "states", states, min_rows=10)
        if states.shape[1] % 2:
            raise DataError(f"{owner}: states must have an even number of columns (q... then v...), got shape {states.shape}")
        f = states.shape[1] // 2
        accelerations = as_samples(owner, "accelerations", accelerations, n_rows=states.shape[0])
        if accelerations.shape[1] != f:
            raise DataError(f"{owner}: accelerations must have one column per coordinate ({f}), got shape {accelerations.shape}")
        names = list(names) if names is not None else [f"q{i}" for i in range(f)] + [f"v{i}" for i in range(f)]
        if len(names) != states.shape[1]:
            raise DataError(f"{owner}: {len(names)} names for {states.shape[1]} state columns")
        self.names_ = names
        self.n_coordinates_ = f
        with torch_threads(1):
            self._train(states, accelerations)
        self.training_states_ = states
        self.training_accelerations_ = accelerations
        predicted = self.accelerations(states)
        self.acceleration_error_ = float(np.sqrt(np.mean((predicted - accelerations) ** 2)) / max(np.sqrt(np.mean(accelerations**2)), 1e-300))
        return self

    def _train(self, states, accelerations):
        """Full-batch Adam then L-BFGS, in float64 (L's Hessian is inverted at every sample)."""
        import torch

        rng = rng_from(self.random_state)
        generator = torch_generator(int(rng.integers(2**62)))
        mean, scale = states.mean(axis=0), states.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        module = make_mlp([states.shape[1], *self.hidden, 1], "softplus", generator)
        x = torch.tensor(states)
        target = torch.tensor(accelerations)
        weight = torch.tensor(1.0 / np.maximum(accelerations.std(axis=0), 1e-12) ** 2)
        mean_t, scale_t = torch.tensor(mean), torch.tensor(scale)

        def loss_of():
            return (((euler_lagrange_acceleration(module, x, mean_t, scale_t, True) - target) ** 2) * weight).mean()

        adam_then_lbfgs(module, loss_of, self.steps, self.learning_rate, self.polish_steps)
        self.training_loss_ = float(loss_of().detach())
        self.network_ = Standardized(module, mean, scale)
        self._fast = NumpySoftplusMLP(module, mean, scale)

    # -- what the network says ---------------------------------------------------------
    def _tensor(self, states):
        import torch

        self._check_is_fitted("network_")
        return torch.tensor(np.atleast_2d(np.asarray(states, dtype=float)))

    def lagrangian(self, states) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.network_(self._tensor(states))[:, 0].numpy()

    def lagrangian_gradient(self, states, even: bool = False) -> np.ndarray:
        """dL_theta / d(q, v) at every row; ``even``: of (L(q, v) + L(q, -v)) / 2, which
        drops any total derivative dF(q)/dt (odd in v)."""
        import torch

        x = self._tensor(states).requires_grad_(True)
        value = self.network_(x)[:, 0]
        if even:
            f = self.n_coordinates_
            value = (value + self.network_(torch.cat([x[:, :f], -x[:, f:]], 1))[:, 0]) / 2
        (grad,) = torch.autograd.grad(value.sum(), x)
        return grad.numpy()

    def energy(self, states) -> np.ndarray:
        """E_theta = v·dL/dv - L, conserved exactly by the learned dynamics."""
        states = np.atleast_2d(np.asarray(states, dtype=float))
        f = self.n_coordinates_
        grad = self.lagrangian_gradient(states)
        return np.sum(states[:, f:] * grad[:, f:], axis=1) - self.lagrangian(states)

    def accelerations(self, states) -> np.ndarray:
        module = self.network_
        x = self._tensor(states)
        with torch_threads(1):
            return euler_lagrange_acceleration(module.module, x, module.mean, module.scale, False).detach().numpy()

    def vector_field(self, states) -> np.ndarray:
        """(v, q̈) at every row, from the numpy copy of the network (rollouts call it often)."""
        self._check_is_fitted("network_")
        states = np.atleast_2d(np.asarray(states, dtype=float))
        return np.concatenate([states[:, self.n_coordinates_:], self._fast.accelerations(states)], axis=1)

    def rollout(self, initial: np.ndarray, dt, n_steps: int, every: int = 1) -> np.ndarray:
        """States along the learned dynamics (RK4): (n_saved, batch, dim)."""
        self._check_is_fitted("network_")
        return rollout(self.vector_field, initial, dt, n_steps, every)

    # -- reading it ----------------------------------------------------------------------
    def closed_form(self, max_degree: int = 2, extra_terms: Sequence[str] = (), *, tolerance: float = 1e-3,
                    max_samples: int = 1000) -> "LagrangianNN":
        """L in closed form by symbolic gradients on the even part of L_theta (library:
        monomials up to ``max_degree`` in (q, v) and ``extra_terms``, e.g. "cos(q)"; ``tolerance``: the
        largest mean fraction of the gradient left unexplained, tight because a Newtonian
        v² - x² is within 5% of a relativistic L's gradient at 0.9 c). Sets
        ``equation_`` (None when no library combination matches) and ``closed_form_error_``.
        A second reading, through the equations of motion (:func:`lagrangian_from_motion` with
        the network's accelerations), is kept instead when its accelerations are closer to the
        observed ones (``reading_`` says which): in one degree of freedom the network may
        learn one of the many inequivalent Lagrangians of the same motion."""
        from physlens.methods.symbolic_gradients import SymbolicGradients

        self._check_is_fitted("network_")
        X = self.training_states_
        rows = rng_from(self.random_state).choice(len(X), min(max_samples, len(X)), replace=False)
        X = X[rows]
        reader = SymbolicGradients(max_degree=max_degree, extra_terms=list(extra_terms), tolerance=tolerance, max_invariants=1,
                                   random_state=self.random_state)
        reader.fit(X, self.lagrangian_gradient(X, even=True), self.names_)
        self.gradient_reader_ = reader
        from_motion, _ = lagrangian_from_motion(X, self.accelerations(X), self.names_, max_degree, extra_terms)
        observed = self.training_accelerations_[rows]
        f = self.n_coordinates_
        self.equation_, self.closed_form_error_, self.reading_ = None, float("inf"), None
        for reading, candidate in (("gradients", reader.invariants_[0] if reader.invariants_ else None), ("equations of motion", from_motion)):
            if candidate is None:
                continue
            predicted = euler_lagrange_accelerations(candidate, self.names_[:f], self.names_[f:], X)
            error = np.sqrt(np.mean((predicted - observed) ** 2)) / max(np.sqrt(np.mean(observed**2)), 1e-300)
            if np.isfinite(error) and error < self.closed_form_error_:
                self.equation_, self.closed_form_error_, self.reading_ = candidate, float(error), reading
        return self

    def compare_drift(self, baseline, true_energy, initial: np.ndarray, dt, n_steps: int, every: int = 10) -> "LagrangianNN":
        """Roll this model and ``baseline`` (anything with ``rollout``) out from ``initial``
        with the same integrator and steps; record the true energy's drift along each."""
        self.drift_ = energy_drift(true_energy, self.rollout(initial, dt, n_steps, every))
        self.baseline_drift_ = energy_drift(true_energy, baseline.rollout(initial, dt, n_steps, every))
        self.rollout_time_ = float(np.max(dt)) * n_steps
        return self

    def interpret(self) -> Interpretation:
        self._check_is_fitted("network_")
        f = self.n_coordinates_
        verdicts: list[Verdict] = [acceleration_verdict(self.accelerations(self.training_states_), self.training_accelerations_, "the network")]
        expressions = {}
        if hasattr(self, "equation_"):
            if self.equation_ is None:
                verdicts.append(Verdict("closed form of L", False, None, "no combination of the library's terms has a gradient parallel to L_theta's even part"))
            else:
                expressions["L"] = self.equation_
                predicted = euler_lagrange_accelerations(self.equation_, self.names_[:f], self.names_[f:], self.training_states_)
                verdicts.append(acceleration_verdict(predicted, self.training_accelerations_, "the closed-form L"))
        if getattr(self, "drift_", None) is not None:
            verdicts.append(drift_verdict(self.drift_, self.baseline_drift_, self.rollout_time_))
        return Interpretation(
            kind="hamiltonian",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=all_blocking_passed(verdicts),
            summary=f"learned L({', '.join(self.names_)}); energy v·dL/dv - L conserved by construction",
            expressions=expressions,
            values={"training_loss": self.training_loss_, "acceleration_error": self.acceleration_error_,
                    "drift": getattr(self, "drift_", None), "baseline_drift": getattr(self, "baseline_drift_", None)},
            verdicts=verdicts,
            reasons=[f"{v.name}: {v.reason}" for v in verdicts if v.blocking and v.passed is False],
        )
