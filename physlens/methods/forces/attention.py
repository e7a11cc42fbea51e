"""Attention over neighbours for aligning agents: AgentNet-style (Han, Liu et al.,
"Agentnet", 2022). An agent's next heading is the attention-weighted mean of the others'
headings, with attention logits a learned function of distance; the attention weight vs
distance gives the interaction radius and strength profile.
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from physlens.errors import DataError
from physlens.methods._torch import make_mlp, torch_generator
from physlens.methods.base import SEED_RULE, Interpretation, Method, Taxonomy, optional, positive_int, positive_number, register
from physlens.methods.forces.arrays import check_particle_array
from physlens.validate.verdict import Verdict, all_blocking_passed


@register("neighbour_attention")
class NeighbourAttention(Method):
    """Attention over neighbours for aligning agents (AgentNet-style).

    Agent i's next heading is predicted as the direction of sum_j w_ij u_j with
    w_ij = softmax_j f(d_ij) over all agents (itself included), u_j the unit headings
    and f a small network of the (periodic, when ``box`` is given) distance. The learned
    profile w(d) / w(0) is the strength profile; the interaction radius is where it
    falls to one half. Adam, full batch, ``steps`` steps.

    Parameters
    ----------
    hidden : int, default 64
        Width of the two hidden layers of the logit network f(d).
    steps : int, default 1500
        Adam steps (full batch, one-cycle schedule).
    learning_rate : float, default 1e-2
        Peak learning rate.
    box : float or None, default None
        Side of the periodic box (None: open space; ``fit_dataset`` then reads it from
        the dataset's provenance).
    grid_points : int, default 512
        Points of the distance grid f is evaluated on and interpolated from.
    random_state : None, int or numpy Generator, default None
        Seed of the weights.

    Attributes
    ----------
    radius_ : float
        Distance at which the attention weight falls to half the self-weight (nan if never).
    contrast_ : float
        Mean weight inside 0.8 R over that beyond 1.2 R.
    distances_, logits_, profile_ : ndarray
        The distance grid, f on it, and the weight relative to the agent itself.
    max_distance_ : float
        Largest distance in the data.
    final_loss_ : float
        Mean 1 - cos(predicted, observed heading) at the end of training.
    box_ : float or None
        The box used by ``fit_dataset``.
    fit_seconds_ : float
        Training time.
    """

    taxonomy = Taxonomy(origin="intrinsic", mechanism="mechanistic", scope="global", aim="discovering", level="low")
    consumes: ClassVar[str] = "particles"
    required_arrays = ("positions", "velocities", "next_velocities")
    interpretation_kind: ClassVar[str] = "force_law"
    parameter_rules = {
        "hidden": (positive_int, "an integer >= 1"),
        "steps": (positive_int, "an integer >= 1"),
        "grid_points": (lambda v: positive_int(v) and v >= 16, "an integer >= 16"),
        "learning_rate": (positive_number, "a finite number > 0"),
        "box": (optional(positive_number), "None (open space) or the periodic box side > 0"),
        "random_state": SEED_RULE,
    }

    def __init__(self, *, hidden: int = 64, steps: int = 1500, learning_rate: float = 1e-2, box: float | None = None,
                 grid_points: int = 512, random_state: int | None = None):
        self.hidden = hidden
        self.steps = steps
        self.learning_rate = learning_rate
        self.box = box
        self.grid_points = grid_points
        self.random_state = random_state

    def fit_dataset(self, dataset) -> "NeighbourAttention":
        self._check_applicable(dataset)
        box = self.box if self.box is not None else dataset.provenance.get("box")
        self.box_ = box
        return self._fit(dataset["positions"], dataset["velocities"], dataset["next_velocities"], box)

    def fit(self, positions, velocities, next_velocities) -> "NeighbourAttention":
        return self._fit(positions, velocities, next_velocities, self.box)

    def _distances(self, positions, box):
        d = positions[:, None, :, :] - positions[:, :, None, :]
        if box is not None:
            d = d - box * np.round(d / box)
        return np.linalg.norm(d, axis=3)

    def _fit(self, positions, velocities, next_velocities, box) -> "NeighbourAttention":
        import torch

        self._validate_parameters()
        positions = check_particle_array(positions, "positions", vector=True)
        n, N, _ = positions.shape
        velocities = check_particle_array(velocities, "velocities", n_samples=n, n_particles=N, vector=True)
        next_velocities = check_particle_array(next_velocities, "next_velocities", n_samples=n, n_particles=N, vector=True)
        if N < 2:
            raise DataError("agents: at least 2 agents per sample are needed")
        for name, v in (("velocities", velocities), ("next_velocities", next_velocities)):
            speed = np.linalg.norm(v, axis=2)
            if (speed == 0).any():
                row, col = np.argwhere(speed == 0)[0]
                raise DataError(f"{name} sample (row) {row}, agent {col} is zero; headings need a non-zero velocity")
        start = time.perf_counter()
        distance = self._distances(positions, box)
        d_max = float(distance.max())
        self.max_distance_ = d_max
        grid = np.linspace(0.0, d_max, self.grid_points)
        generator = torch_generator(self.random_state)
        dtype = torch.float32
        network = make_mlp([1, self.hidden, self.hidden, 1], "silu", generator, init="he_normal", dtype=dtype)
        grid_t = torch.tensor(grid / d_max, dtype=dtype)[:, None]
        # f is evaluated on a fine grid and interpolated linearly: cheap for many pairs
        position = torch.tensor(distance / d_max * (self.grid_points - 1), dtype=dtype)
        lower = position.floor().long().clamp(max=self.grid_points - 2)
        frac = position - lower
        heading = torch.tensor(velocities / np.linalg.norm(velocities, axis=2, keepdims=True), dtype=dtype)
        target = torch.tensor(next_velocities / np.linalg.norm(next_velocities, axis=2, keepdims=True), dtype=dtype)
        optimizer = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=self.learning_rate, total_steps=self.steps)

        def logits():
            f = network(grid_t)[:, 0]
            return f[lower] * (1 - frac) + f[lower + 1] * frac

        for _ in range(self.steps):
            weights = torch.softmax(logits(), dim=2)
            predicted = torch.einsum("nij,njc->nic", weights, heading)
            cosine = (predicted * target).sum(dim=2) / (predicted.norm(dim=2) + 1e-9)
            loss = (1 - cosine).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        with torch.no_grad():
            f = network(grid_t)[:, 0].numpy().astype(float)
            self.final_loss_ = float(loss)
        self.fit_seconds_ = time.perf_counter() - start
        self.distances_ = grid
        self.logits_ = f
        self.profile_ = np.exp(f - f[0])  # attention weight relative to the agent itself
        below = np.flatnonzero(self.profile_ < 0.5)
        if below.size == 0:
            self.radius_ = float("nan")
        else:
            k = int(below[0])
            x0, x1, y0, y1 = grid[k - 1], grid[k], self.profile_[k - 1], self.profile_[k]
            self.radius_ = float(x0 + (0.5 - y0) * (x1 - x0) / (y1 - y0)) if k > 0 and y1 != y0 else float(grid[k])
        # sharpness: weight just inside vs well beyond the radius
        if np.isfinite(self.radius_):
            inside = self.profile_[grid < 0.8 * self.radius_]
            outside = self.profile_[grid > 1.2 * self.radius_]
            self.contrast_ = float(inside.mean() / max(outside.mean(), 1e-300)) if inside.size and outside.size else float("nan")
        else:
            self.contrast_ = float("nan")
        return self

    def interpret(self) -> Interpretation:
        self._check_is_fitted("radius_")
        has_radius = bool(np.isfinite(self.radius_))
        verdicts = [
            Verdict(
                "finite interaction radius",
                has_radius and self.radius_ < 0.9 * self.max_distance_,
                self.radius_ if has_radius else None,
                (f"attention weight falls to half of the self-weight at d = {self.radius_:.4g}" if has_radius
                 else "attention weight never falls to half of the self-weight: no finite radius"),
            ),
            Verdict(
                "sharp cut-off",
                bool(np.isfinite(self.contrast_) and self.contrast_ >= 10),
                self.contrast_ if np.isfinite(self.contrast_) else None,
                f"weight inside 0.8 R / beyond 1.2 R = {self.contrast_:.3g} (>= 10 passes)",
            ),
        ]
        found = all_blocking_passed(verdicts)
        return Interpretation(
            kind="force_law",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=f"agents align with neighbours closer than R = {self.radius_:.4g}" if found else "no finite interaction radius found",
            values={"radius": self.radius_, "contrast": self.contrast_, "fit_seconds": self.fit_seconds_, "final_loss": self.final_loss_},
            arrays={"distance": self.distances_, "relative_weight": self.profile_},
            verdicts=verdicts,
            reasons=[] if found else [v.reason for v in verdicts if not v.passed],
        )
