"""Graph network with a bottlenecked message function, then symbolic regression on the
messages: Cranmer, Sanchez-Gonzalez, Battaglia, Xu, Cranmer, Spergel, Ho, "Discovering
Symbolic Models from Deep Learning with Inductive Biases", NeurIPS 2020. The node
function is Newton's second law, a_i = W sum_j m_ij / m_i, so W m_ij is the model's pair
force (in newtons when positions are in m, masses in kg, accelerations in m/s^2).
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
import sympy

from physlens.errors import DataError
from physlens.methods._torch import make_mlp, torch_generator
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    nonnegative_number,
    positive_int,
    positive_number,
    register,
    rng_from,
    seed_from,
)
from physlens.methods.forces.arrays import check_particle_array
from physlens.methods.symbolic import SymbolicRegressor
from physlens.validate.verdict import Verdict, all_blocking_passed


def refit_on_accelerations(expression, names, features, accelerations, masses):
    """Refit the constants of a pair law F_x(dx, dy, r, ...) on the observed accelerations
    a_i = sum_j F_ij / m_i (F_y is F_x with dx and dy swapped: a central, isotropic law).

    The messages are only as accurate as the network (R2 ~ 0.999); the raw data pin the
    constants down to the noise of the measurements. Returns (expression, R2 on a)."""
    from scipy.optimize import least_squares

    from physlens.expr import symbols_for

    constants = sorted(expression.atoms(sympy.Float), key=lambda c: sympy.default_sort_key(c))
    symbols = symbols_for(names)
    thetas = sympy.symbols(f"theta0:{len(constants)}", real=True)
    template = expression.xreplace(dict(zip(constants, thetas)))
    swapped = template.xreplace({symbols["dx"]: symbols["dy"], symbols["dy"]: symbols["dx"]})
    args = [symbols[n] for n in names] + list(thetas)
    fx = sympy.lambdify(args, template, modules="numpy")
    fy = sympy.lambdify(args, swapped, modules="numpy")
    n, N = features.shape[:2]
    off = ~np.eye(N, dtype=bool)
    columns = [features[..., k] for k in range(features.shape[3])]
    inverse_mass = 1.0 / masses if masses is not None else np.ones((n, N))

    def predicted(theta):
        with np.errstate(all="ignore"):
            ax = np.where(off, np.broadcast_to(fx(*columns, *theta), (n, N, N)), 0.0)
            ay = np.where(off, np.broadcast_to(fy(*columns, *theta), (n, N, N)), 0.0)
        return np.stack([ax.sum(axis=2), ay.sum(axis=2)], axis=2) * inverse_mass[..., None]

    def r2(theta):
        residual = predicted(theta) - accelerations
        return float(1 - (residual**2).sum() / ((accelerations - accelerations.mean()) ** 2).sum())

    start = np.array([float(c) for c in constants])
    if not constants:
        return expression, r2(start)
    try:
        result = least_squares(lambda t: (predicted(t) - accelerations).ravel(), start, method="lm", max_nfev=200 * (len(start) + 1))
    except (ValueError, FloatingPointError):
        return expression, r2(start)
    if not np.all(np.isfinite(result.x)) or r2(result.x) < r2(start):
        return expression, r2(start)
    refitted = template.xreplace({t: sympy.Float(v) for t, v in zip(thetas, result.x)})
    return refitted, r2(result.x)


@register("graph_network")
class GraphNetwork(Method):
    """Graph network with a bottlenecked message function, then symbolic regression on
    the messages (Cranmer et al., NeurIPS 2020).

    Edge inputs: dx = x_i - x_j, dy, r and, when given, m_i, m_j, q_i, q_j. Messages
    have ``message_dim`` components (default 2, the dimension of space) with an L1
    penalty ``l1``; the node function is a_i = W sum_j m_ij / m_i. After training, the
    x-component of the pair force W m_ij is handed to
    :class:`physlens.methods.symbolic.SymbolicRegressor` (``sr_budget`` seconds, or
    ``sr_evaluations`` model evaluations for a reproducible search) with only the
    arithmetic operators and ``sr_functions``; the inputs' units (m, kg, C) and
    the force's (N) are reported but not imposed, since pair laws carry dimensional
    constants (k, G, k_e). Training: Adam, ``steps`` minibatches of ``batch_size`` samples.

    Parameters
    ----------
    message_dim : int, default 2
        Components of a message (the bottleneck; the dimension of space).
    hidden : int, default 128
        Width of the edge network's three hidden layers.
    steps, batch_size : int, default 3000, 64
        Adam steps and samples per minibatch.
    learning_rate : float, default 3e-3
        Peak learning rate of the one-cycle schedule.
    l1 : float, default 0.0
        Weight of the L1 penalty on the messages.
    sr_budget : float, default 30.0
        Seconds of symbolic regression on the messages.
    sr_edges : int, default 2000
        Edges sampled for the symbolic regression.
    sr_functions : str, default "sqrt"
        Functions the symbolic regression may use beside arithmetic.
    sr_evaluations : int or None, default None
        Model evaluations of the search (reproducible), instead of ``sr_budget``.
    random_state : None, int or numpy Generator, default None
        Seed of the weights, the minibatches, the sampled edges and the search.

    Attributes
    ----------
    edge_model_ : torch.nn.Sequential
        The edge (message) network.
    node_weight_ : torch.nn.Parameter
        W, mapping summed messages to a force.
    equation_ : sympy.Expr
        The pair force F_x, constants refitted on the accelerations.
    search_equation_ : sympy.Expr
        F_x as the symbolic regression found it on the messages.
    symbolic_ : SymbolicRegressor
        The fitted search.
    training_r2_, acceleration_r2_ : float
        R2 of the network, and of the recovered law summed over pairs, on the accelerations.
    newton_third_law_error_ : float
        ||F_ij + F_ji|| / ||F_ij|| of the learned pair forces.
    feature_names_, feature_units_ : list of str
        Edge inputs and their units.
    force_unit_ : str
        "N" with masses, else "m/s**2".
    has_masses_, has_charges_ : bool
        Whether masses and charges were given.
    feature_scale_, acceleration_scale_ : ndarray, float
        Scales the inputs and targets were divided by.
    train_seconds_, fit_seconds_ : float
        Time spent training, and in all.
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="mechanistic", scope="global", aim="discovering", level="low")
    consumes: ClassVar[str] = "particles"
    required_arrays = ("positions", "accelerations")
    interpretation_kind: ClassVar[str] = "force_law"
    parameter_rules = {
        **{name: (positive_int, "an integer >= 1") for name in ("message_dim", "hidden", "steps", "batch_size", "sr_edges")},
        "learning_rate": (positive_number, "a finite number > 0"),
        "sr_budget": (positive_number, "a number of seconds > 0"),
        "l1": (nonnegative_number, "a finite number >= 0"),
        # the symbolic regression of the messages, checked before the network trains
        "sr_functions": SymbolicRegressor.parameter_rules["functions"],
        "sr_evaluations": SymbolicRegressor.parameter_rules["evaluations"],
        "random_state": SEED_RULE,
    }

    def __init__(
        self,
        *,
        message_dim: int = 2,
        hidden: int = 128,
        steps: int = 3000,
        batch_size: int = 64,
        learning_rate: float = 3e-3,
        l1: float = 0.0,
        sr_budget: float = 30.0,
        sr_edges: int = 2000,
        sr_functions: str = "sqrt",
        sr_evaluations: int | None = None,
        random_state: int | None = None,
    ):
        self.message_dim = message_dim
        self.hidden = hidden
        self.steps = steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.l1 = l1
        self.sr_budget = sr_budget
        self.sr_edges = sr_edges
        self.sr_functions = sr_functions
        self.sr_evaluations = sr_evaluations
        self.random_state = random_state

    def fit_dataset(self, dataset) -> "GraphNetwork":
        self._check_applicable(dataset)
        return self.fit(
            dataset["positions"],
            dataset["accelerations"],
            masses=dataset["masses"] if "masses" in dataset.arrays else None,
            charges=dataset["charges"] if "charges" in dataset.arrays else None,
        )

    # -- features ----------------------------------------------------------------------
    def _edge_features(self, positions, masses, charges) -> tuple[np.ndarray, list[str], list[str]]:
        """(n, N, N, k) edge inputs with their names and units."""
        n, N, _ = positions.shape
        d = positions[:, :, None, :] - positions[:, None, :, :]
        r = np.linalg.norm(d, axis=3)
        columns = [d[..., 0], d[..., 1], r]
        names, units = ["dx", "dy", "r"], ["m", "m", "m"]
        if masses is not None:
            columns += [np.broadcast_to(masses[:, :, None], (n, N, N)), np.broadcast_to(masses[:, None, :], (n, N, N))]
            names += ["m_i", "m_j"]
            units += ["kg", "kg"]
        if charges is not None:
            columns += [np.broadcast_to(charges[:, :, None], (n, N, N)), np.broadcast_to(charges[:, None, :], (n, N, N))]
            names += ["q_i", "q_j"]
            units += ["C", "C"]
        return np.stack(columns, axis=3), names, units

    def _check(self, positions, accelerations=None, masses=None, charges=None):
        positions = check_particle_array(positions, "positions", vector=True)
        n, N, _ = positions.shape
        if N < 2:
            raise DataError(f"positions hold {N} particle per sample; pair forces need at least 2")
        if accelerations is not None:
            accelerations = check_particle_array(accelerations, "accelerations", n_samples=n, n_particles=N, vector=True)
        if masses is not None:
            masses = check_particle_array(masses, "masses", n_samples=n, n_particles=N, vector=False)
            if (masses <= 0).any():
                row, col = np.argwhere(masses <= 0)[0]
                raise DataError(f"masses sample (row) {row}, particle {col} is {masses[row, col]}; masses must be > 0")
        if charges is not None:
            charges = check_particle_array(charges, "charges", n_samples=n, n_particles=N, vector=False)
        d = np.linalg.norm(positions[:, :, None] - positions[:, None], axis=3) + np.eye(N)[None] * 1e300
        if (d == 0).any():
            row = int(np.argwhere(d == 0)[0][0])
            raise DataError(f"positions sample (row) {row} has two particles at the same place; pair forces are undefined there")
        return positions, accelerations, masses, charges

    def fit(self, positions, accelerations, *, masses=None, charges=None) -> "GraphNetwork":
        import torch

        self._validate_parameters()
        positions, accelerations, masses, charges = self._check(positions, accelerations, masses, charges)
        n, N, _ = positions.shape
        if n * N * (N - 1) < 20:
            raise DataError(f"{n} samples of {N} particles give too few pairs to learn a force law")
        start = time.perf_counter()
        features, names, units = self._edge_features(positions, masses, charges)
        self.feature_names_, self.feature_units_ = names, units
        self.has_masses_ = masses is not None
        self.has_charges_ = charges is not None
        self.feature_scale_ = features.reshape(-1, features.shape[3]).std(axis=0) + 1e-12
        self.acceleration_scale_ = float(accelerations.std()) + 1e-12
        # one seed for the network, the edges sampled for the search and the search itself
        seed = seed_from(self.random_state)
        generator = torch_generator(seed)
        dtype = torch.float32
        k = features.shape[3]
        self.edge_model_ = make_mlp([k, self.hidden, self.hidden, self.hidden, self.message_dim], "silu", generator, init="he_normal", dtype=dtype)
        self.node_weight_ = torch.nn.Parameter(torch.eye(2, self.message_dim, dtype=dtype))
        X = torch.tensor(features / self.feature_scale_, dtype=dtype)
        inverse_mass = torch.tensor(1.0 / masses if masses is not None else np.ones((n, N)), dtype=dtype)
        target = torch.tensor(accelerations / self.acceleration_scale_, dtype=dtype)
        off = torch.tensor(~np.eye(N, dtype=bool), dtype=dtype)[None, :, :, None]
        parameters = list(self.edge_model_.parameters()) + [self.node_weight_]
        optimizer = torch.optim.Adam(parameters, lr=self.learning_rate)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=self.learning_rate, total_steps=self.steps)
        batch = min(self.batch_size, n)
        for _ in range(self.steps):
            rows = torch.randint(0, n, (batch,), generator=generator)
            messages = self.edge_model_(X[rows]) * off
            predicted = (messages.sum(dim=2) @ self.node_weight_.T) * inverse_mass[rows][..., None]
            loss = ((predicted - target[rows]) ** 2).mean() + self.l1 * messages.abs().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        self.train_seconds_ = time.perf_counter() - start
        with torch.no_grad():
            self.training_r2_ = float(1 - ((self._predict_scaled(X, inverse_mass, off) - target) ** 2).mean() / (target**2).mean())
        # symbolic regression on the learned pair force (x-component)
        rng = rng_from(seed)
        forces = self.pair_forces(positions, masses, charges)
        i_idx, j_idx = np.nonzero(~np.eye(N, dtype=bool))
        pick = rng.choice(n * i_idx.size, size=min(self.sr_edges, n * i_idx.size), replace=False)
        sample, pair = pick // i_idx.size, pick % i_idx.size
        edge_X = features[sample, i_idx[pair], j_idx[pair]]
        edge_y = forces[sample, i_idx[pair], j_idx[pair], 0]
        force_unit = "N" if masses is not None else "m/s**2"
        self.force_unit_ = force_unit
        # no units for the search: pair laws carry dimensional constants (k in N/m, G, k_e),
        # so no product of the inputs alone has the units of a force
        self.symbolic_ = SymbolicRegressor(budget=self.sr_budget, evaluations=self.sr_evaluations, functions=self.sr_functions,
                                           random_state=seed).fit(
            edge_X, edge_y, names=names
        )
        self.search_equation_ = self.symbolic_.equation_
        self.equation_, self.acceleration_r2_ = refit_on_accelerations(
            self.search_equation_, names, features, accelerations, masses
        )
        self.newton_third_law_error_ = float(
            np.linalg.norm(forces + forces.transpose(0, 2, 1, 3)) / max(np.linalg.norm(forces), 1e-300)
        )
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _predict_scaled(self, X, inverse_mass, off):
        messages = self.edge_model_(X) * off
        return (messages.sum(dim=2) @ self.node_weight_.T) * inverse_mass[..., None]

    def messages(self, positions, masses=None, charges=None) -> np.ndarray:
        """Learned messages m_ij (n, N, N, message_dim); zero for i == j."""
        import torch

        self._check_is_fitted("equation_" if hasattr(self, "equation_") else "edge_model_")
        positions, _, masses, charges = self._check(positions, None, masses, charges)
        features, _, _ = self._edge_features(positions, masses if self.has_masses_ else None, charges if self.has_charges_ else None)
        if features.shape[3] != len(self.feature_names_):
            raise DataError(f"the network was trained on {', '.join(self.feature_names_)}; give the same particle properties")
        N = positions.shape[1]
        with torch.no_grad():
            values = self.edge_model_(torch.tensor(features / self.feature_scale_, dtype=torch.float32)).numpy()
        return values * (~np.eye(N, dtype=bool))[None, :, :, None]

    def pair_forces(self, positions, masses=None, charges=None) -> np.ndarray:
        """The model's pair forces W m_ij (n, N, N, 2), in the units of mass x acceleration."""
        weight = self.node_weight_.detach().numpy()
        return self.messages(positions, masses, charges) @ weight.T * self.acceleration_scale_

    def interpret(self) -> Interpretation:
        self._check_is_fitted("equation_")
        inner = self.symbolic_.interpret()
        third = self.newton_third_law_error_
        verdicts = [
            Verdict("Newton's third law", third <= 0.1, third, f"learned pair forces: ||F_ij + F_ji|| / ||F_ij|| = {third:.3f} (<= 0.1 passes)"),
            Verdict("network fit", self.training_r2_ >= 0.99, self.training_r2_, f"graph network reproduces the accelerations with R2 = {self.training_r2_:.4f}"),
            Verdict(
                "law explains the data",
                self.acceleration_r2_ >= 0.99,
                self.acceleration_r2_,
                f"summing the recovered pair law over all pairs reproduces the measured accelerations with R2 = {self.acceleration_r2_:.6f}",
            ),
        ] + list(inner.verdicts)
        found = bool(inner.found) and all_blocking_passed(verdicts)
        reasons = list(inner.reasons) + [v.reason for v in verdicts[:3] if v.passed is False]
        return Interpretation(
            kind="force_law",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=f"pair force F_x [{self.force_unit_}] = {sympy.sstr(self.equation_)} (symbolic regression on the graph network's messages)",
            expressions={"F_x": self.equation_},
            values={
                "training_r2": self.training_r2_,
                "acceleration_r2": self.acceleration_r2_,
                "search_equation": sympy.sstr(self.search_equation_),
                "newton_third_law_error": third,
                "fit_seconds": self.fit_seconds_,
                "train_seconds": self.train_seconds_,
                "features": self.feature_names_,
                "force_unit": self.force_unit_,
            },
            table=getattr(self.symbolic_, "pareto_", None),
            verdicts=verdicts,
            reasons=reasons if not found else [],
        )
