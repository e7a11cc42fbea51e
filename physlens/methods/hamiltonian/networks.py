"""Hamiltonian neural networks and the plain network they are compared with.

Greydanus, Dzamba, Yosinski, "Hamiltonian Neural Networks", NeurIPS 2019. A network
H_theta(q, p) is trained so that its symplectic gradient (dH/dp, -dH/dq) matches the
observed (dq/dt, dp/dt); the learned dynamics conserve H_theta exactly, so long
rollouts do not drift in energy the way a network that outputs the derivatives
directly does. A closed form of H is then sought with symbolic regression on
(q, p) -> H_theta.
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
    seed_from,
)
from physlens.methods._torch import NumpyTanhMLP, Standardized, adam_then_lbfgs, make_mlp, torch_generator, torch_threads
from physlens.methods.hamiltonian.state import StateFeatures, energy_drift, rollout, rotation_invariants
from physlens.validate.invariants import drift_verdict
from physlens.validate.verdict import Verdict, all_blocking_passed

__all__ = ["HamiltonianNN", "PlainDynamicsNN"]


class _DynamicsBase(Method):
    """Shared parameters, checks and training loop of :class:`HamiltonianNN` and
    :class:`PlainDynamicsNN`; subclasses say what the network outputs."""

    consumes = "trajectories"
    parameter_rules = {
        "hidden": (lambda v: len(v) >= 1 and all(positive_int(h) for h in v), "a non-empty list of layer widths >= 1"),
        "steps": (positive_int, "an integer >= 1"),
        "learning_rate": (positive_number, "a number > 0"),
        "polish_steps": (nonnegative_int, "an integer >= 0"),
        "invariant_features": (
            lambda v: isinstance(v, bool) or (not isinstance(v, str) and len(v) >= 1 and all(isinstance(t, str) for t in v)),
            "True (the rotation invariants |q|^2, |p|^2, q.p), False, or a list of expression texts in the state names",
        ),
        "random_state": SEED_RULE,
    }

    def __init__(
        self,
        *,
        hidden: Sequence[int] = (64, 64),
        steps: int = 1000,
        learning_rate: float = 3e-3,
        polish_steps: int = 500,
        invariant_features: bool | Sequence[str] = False,
        random_state: int | None = None,
    ):
        self.hidden = hidden
        self.invariant_features = invariant_features
        self.steps = steps
        self.learning_rate = learning_rate
        self.polish_steps = polish_steps
        self.random_state = random_state

    def _check_states(self, states, derivatives, n_coordinates):
        owner = type(self).__name__
        states = as_samples(owner, "states", states, min_rows=10)
        if states.shape[1] % 2:
            raise DataError(f"{owner}: states must have an even number of columns (q... then p...), got shape {states.shape}")
        derivatives = as_samples(owner, "derivatives", derivatives, n_rows=states.shape[0])
        if derivatives.shape != states.shape:
            raise DataError(f"{owner}: derivatives must have the states' shape {states.shape}, got {derivatives.shape}")
        if n_coordinates is not None and 2 * n_coordinates != states.shape[1]:
            raise DataError(f"{owner}: n_coordinates={n_coordinates} but states have {states.shape[1]} columns (need 2 x n_coordinates)")
        return states, derivatives

    @staticmethod
    def _state_names(dataset) -> list[str]:
        if dataset.truth is not None and "momenta" in dataset.truth.parameters:  # (q, v) data name velocities instead
            return list(dataset.truth.parameters["coordinates"]) + list(dataset.truth.parameters["momenta"])
        return dataset.names("state")

    @classmethod
    def applicable_to(cls, dataset) -> str | None:
        """Also needs the measured time derivative d_<state> of every state."""
        reason = super().applicable_to(dataset)
        if reason is None:
            missing = [f"d_{n}" for n in cls._state_names(dataset) if f"d_{n}" not in dataset.arrays]
            if missing:
                reason = f"dataset {dataset.name!r} lacks derivative columns {', '.join(missing)}"
        return reason

    def fit_dataset(self, dataset) -> "_DynamicsBase":
        self._check_applicable(dataset)
        names = self._state_names(dataset)
        states = np.column_stack([dataset[n] for n in names])
        derivatives = np.column_stack([dataset[f"d_{n}"] for n in names])
        return self.fit(states, derivatives, names=names)

    def fit(self, states, derivatives, names: Sequence[str] | None = None, n_coordinates: int | None = None):
        self._validate_parameters()
        states, derivatives = self._check_states(states, derivatives, n_coordinates)
        names = list(names) if names is not None else [f"q{i}" for i in range(states.shape[1] // 2)] + [f"p{i}" for i in range(states.shape[1] // 2)]
        if len(names) != states.shape[1]:
            raise DataError(f"{type(self).__name__}: {len(names)} names for {states.shape[1]} state columns")
        self.names_ = names
        features = self.invariant_features
        self.features_ = StateFeatures(rotation_invariants(names) if features is True else features, names) if features else None
        with torch_threads(1):
            self._train(states, derivatives)
        self.n_coordinates_ = states.shape[1] // 2
        self.training_states_ = states
        return self

    def _inputs(self, x, lib=np):
        """The network's input for states x (numpy or torch): the states themselves, or
        with ``invariant_features`` the features ``features_`` (see the subclasses for
        how each uses them)."""
        return x

    def _train(self, states, derivatives):
        """One loop for both networks: full-batch Adam (``steps``, cosine learning-rate
        decay), then L-BFGS (``polish_steps`` iterations), on the squared error of the
        predicted (dq/dt, dp/dt), each column weighted by 1 / its variance. Adam alone
        stalls near a 1e-3 relative error; L-BFGS takes the fit to ~1e-6, which is what
        long rollouts need (a two-body H_theta fitted to 1e-3 breaks rotational symmetry
        enough for the angular momentum to wander into a collision within 100 orbits).
        Subclasses give the output width and ``_derivatives(module, x, mean, scale)``, the
        predicted time derivatives for raw states x, whose network inputs
        ``_inputs(x)`` are standardised as (inputs - mean) / scale.
        Trains in float32 (a step costs ~1/1.4 of a float64 one on this CPU, and float32
        L-BFGS reached the float64 loss on two-body); ``_fast`` keeps a float64 numpy copy
        for energies and rollouts."""
        import torch

        rng = rng_from(self.random_state)
        generator = torch_generator(int(rng.integers(2**62)))
        inputs = self._inputs(states)
        mean, scale = inputs.mean(axis=0), inputs.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        module = make_mlp([inputs.shape[1], *self.hidden, self._output_width(states.shape[1])], "tanh", generator).float()
        x = torch.tensor(states, dtype=torch.float32)
        target = torch.tensor(derivatives, dtype=torch.float32)
        weight = torch.tensor(1.0 / np.maximum(derivatives.std(axis=0), 1e-12) ** 2, dtype=torch.float32)
        mean_t, scale_t = torch.tensor(mean, dtype=torch.float32), torch.tensor(scale, dtype=torch.float32)

        def loss_of():
            return (((self._derivatives(module, x, mean_t, scale_t) - target) ** 2) * weight).mean()

        adam_then_lbfgs(module, loss_of, self.steps, self.learning_rate, self.polish_steps)
        loss = loss_of()
        module = module.double()
        self.network_ = Standardized(module, mean, scale)  # takes the network inputs, _inputs(states)
        self.training_loss_ = float(loss.detach())
        self._fast = NumpyTanhMLP(module, mean, scale)

    def rollout(self, initial: np.ndarray, dt, n_steps: int, every: int = 1) -> np.ndarray:
        """States along the learned dynamics from ``initial`` (RK4, ``dt`` one step or one
        per state): (n_saved, batch, dim)."""
        self._check_is_fitted("network_")
        return rollout(self.vector_field, initial, dt, n_steps, every)


@register("hnn")
class HamiltonianNN(_DynamicsBase):
    """Hamiltonian neural network (Greydanus et al. 2019): learns a scalar H(q, p).

    ``fit(states, derivatives, names)`` with states ordered (q..., p...); training is
    ``steps`` of Adam then ``polish_steps`` of L-BFGS (see ``_DynamicsBase._train``).
    ``invariant_features=True`` makes H a function of (|q|^2, |p|^2, q.p) only: H is then
    rotation-invariant by construction and its vector field conserves the angular momentum
    exactly (Noether; a rollout moves it only by the integrator's error), for systems with
    that symmetry (two-body). A list of expression texts makes H a function of those
    instead, e.g. the invariants of a symmetry found from the data
    (:func:`physlens.methods.invariants.symmetry_invariants`). Learned:
    ``network_``, ``energy(states)``, ``vector_field(states)``; after
    ``closed_form(budget)``, ``equation_`` (symbolic regression of H).

    Parameters
    ----------
    hidden : list of int, default (64, 64)
        Widths of the tanh MLP's hidden layers.
    steps : int, default 1000
        Full-batch Adam steps (cosine learning-rate decay).
    learning_rate : float, default 3e-3
        Adam's initial learning rate.
    polish_steps : int, default 500
        L-BFGS iterations after Adam (0: none).
    invariant_features : bool or list of str, default False
        True: H is a function of (|q|^2, |p|^2, q.p) only; a list: of those expressions.
    random_state : None, int or numpy Generator, default None
        Seed of the weights, and of the rows and search of ``closed_form``.

    Attributes
    ----------
    network_ : Standardized
        The trained H_theta, taking the network inputs (states, or their features).
    features_ : StateFeatures or None
        The invariant features, when used.
    names_ : list of str
        State names, q... then p....
    n_coordinates_ : int
        Number of coordinates (half the state's width).
    training_states_ : ndarray
        The states it was fitted on.
    training_loss_ : float
        Final weighted squared error of the predicted time derivatives.
    equation_, regressor_ : sympy.Expr, SymbolicRegressor
        After ``closed_form``: H in closed form and the search that found it.
    gradient_equation_, gradient_reader_ : sympy.Expr or None, SymbolicGradients
        After ``closed_form_from_gradients``.
    drift_, baseline_drift_, rollout_time_ : float
        After ``compare_drift``: the true energy's drift along each model's rollout.
    """

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="high")
    interpretation_kind = "hamiltonian"

    def _output_width(self, dim: int) -> int:
        return 1

    def _inputs(self, x, lib=np):
        return self.features_.values(x, lib) if self.features_ is not None else x

    def _derivatives(self, module, x, mean, scale):
        """(dH/dp, -dH/dq) with H = module((_inputs(x) - mean) / scale)."""
        import torch

        x = x.detach().requires_grad_(True)
        energy = module((self._inputs(x, torch) - mean) / scale)[:, 0]
        (grad,) = torch.autograd.grad(energy.sum(), x, create_graph=True)
        f = grad.shape[1] // 2
        return torch.cat([grad[:, f:], -grad[:, :f]], dim=1)

    def energy(self, states) -> np.ndarray:
        self._check_is_fitted("network_")
        return self._fast.forward(self._inputs(np.atleast_2d(np.asarray(states, dtype=float))))[0][:, 0]

    def energy_gradient(self, states) -> np.ndarray:
        """dH_theta / d(q, p) for every row of ``states``."""
        self._check_is_fitted("network_")
        x = np.atleast_2d(np.asarray(states, dtype=float))
        grad = self._fast.gradient(self._inputs(x))
        return self.features_.pullback(x, grad) if self.features_ is not None else grad

    def vector_field(self, states) -> np.ndarray:
        grad = self.energy_gradient(states)
        f = grad.shape[1] // 2
        return np.concatenate([grad[:, f:], -grad[:, :f]], axis=1)

    def closed_form(self, budget: float = 20.0) -> "HamiltonianNN":
        """Symbolic regression of (q, p) -> H_theta (physlens.methods.symbolic)."""
        from physlens.methods.symbolic import SymbolicRegressor

        self._check_is_fitted("network_")
        seed = seed_from(self.random_state)
        rows = rng_from(seed).choice(len(self.training_states_), min(2000, len(self.training_states_)), replace=False)
        X = self.training_states_[rows]
        energy = self.energy(X)
        # remove the arbitrary offset: H is defined up to a constant
        self.regressor_ = SymbolicRegressor(budget=budget, random_state=seed).fit(X, energy - energy.min(), names=self.names_)
        self.equation_ = self.regressor_.equation_
        return self

    def closed_form_from_gradients(self, max_degree: int = 2, extra_terms: Sequence[str] = ()) -> "HamiltonianNN":
        """Closed form of H by symbolic gradients: grad H_theta is parallel to grad H, so
        the sparse library combination with matching gradients is H up to a monotone
        (here affine) map. Sets ``gradient_equation_``."""
        from physlens.methods.symbolic_gradients import SymbolicGradients

        self._check_is_fitted("network_")
        X = self.training_states_
        reader = SymbolicGradients(max_degree=max_degree, extra_terms=list(extra_terms), max_invariants=1, random_state=self.random_state)
        reader.fit(X, self.energy_gradient(X), self.names_)
        self.gradient_reader_ = reader
        self.gradient_equation_ = reader.invariants_[0] if reader.invariants_ else None
        return self

    def compare_drift(self, baseline: "PlainDynamicsNN", true_energy, initial: np.ndarray, dt, n_steps: int, every: int = 10):
        """Roll both models out from ``initial`` with the same integrator and steps, and
        record the true energy's drift (mean relative deviation from its initial value)
        along each rollout. ``dt``: one step, or one per initial state."""
        self.drift_ = energy_drift(true_energy, self.rollout(initial, dt, n_steps, every))
        self.baseline_drift_ = energy_drift(true_energy, baseline.rollout(initial, dt, n_steps, every))
        self.rollout_time_ = float(np.max(dt)) * n_steps
        return self

    def interpret(self) -> Interpretation:
        self._check_is_fitted("network_")
        verdicts: list[Verdict] = []
        reasons: list[str] = []
        expressions = {}
        if getattr(self, "equation_", None) is not None:
            expressions["H"] = self.equation_
        if getattr(self, "drift_", None) is not None:
            verdicts.append(drift_verdict(self.drift_, self.baseline_drift_, self.rollout_time_))
        reasons = [f"{v.name}: {v.reason}" for v in verdicts if v.passed is False]
        return Interpretation(
            kind="hamiltonian",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=all_blocking_passed(verdicts),
            summary=f"learned H(q, p) over {', '.join(self.names_)}",
            expressions=expressions,
            values={"training_loss": self.training_loss_, "drift": getattr(self, "drift_", None), "baseline_drift": getattr(self, "baseline_drift_", None)},
            verdicts=verdicts,
            reasons=reasons,
        )


@register("plain_dynamics_nn")
class PlainDynamicsNN(_DynamicsBase):
    """The HNN paper's baseline: an MLP that outputs (dq/dt, dp/dt) directly.

    ``invariant_features`` (True: (|q|^2, |p|^2, q.p); or expression texts) appends those
    features to its inputs (the raw states stay: a vector output cannot be built from
    invariants alone), so it sees the same invariants as an HNN given them, without a
    symmetry built into its output.

    Parameters
    ----------
    hidden, steps, learning_rate, polish_steps, invariant_features, random_state
        As for :class:`HamiltonianNN` (``invariant_features`` are appended to the states).

    Attributes
    ----------
    network_ : Standardized
        The trained vector field, taking the network inputs.
    features_ : StateFeatures or None
        The appended features, when used.
    names_ : list of str
        State names.
    n_coordinates_ : int
        Number of coordinates.
    training_states_ : ndarray
        The states it was fitted on.
    training_loss_ : float
        Final weighted squared error of the predicted time derivatives.
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="functional", scope="global", aim="discovering", level="low")
    interpretation_kind = "dynamics"

    def _output_width(self, dim: int) -> int:
        return dim

    def _inputs(self, x, lib=np):
        if self.features_ is None:
            return x
        join = np.concatenate if lib is np else lib.cat
        return join([x, self.features_.values(x, lib)], 1)

    def _derivatives(self, module, x, mean, scale):
        import torch

        return module((self._inputs(x, torch) - mean) / scale)

    def vector_field(self, states) -> np.ndarray:
        self._check_is_fitted("network_")
        return self._fast.forward(self._inputs(np.atleast_2d(np.asarray(states, dtype=float))))[0]

    def interpret(self) -> Interpretation:
        self._check_is_fitted("network_")
        return Interpretation(
            kind="dynamics",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=True,
            summary="a black-box vector field (no conserved quantity by construction)",
            values={"training_loss": self.training_loss_},
        )
