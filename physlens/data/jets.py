"""Toy two-prong jets whose label depends on one known observable, the jet mass.

Each jet has two hard prongs (subjets) with transverse momenta pt1 >= pt2 separated by
dr12 in the (eta, phi) plane, each prong made of a few collinear constituents, plus
soft radiation. The observable is the two-prong jet mass in the collinear (small-angle,
massless-prong) limit,

    m^2 = pt1 * pt2 * dr12^2,

and the label is signal with probability sigmoid((m - threshold) / resolution): a mass
window tagger as in W/top tagging, with a smooth boundary so the Bayes classifier is a
smooth function of m alone. The other observables (jet pt, eta, constituent
multiplicity, girth/width, pt dispersion) are computed from the constituents; they are
correlated with the mass but carry no information beyond it.
"""

from __future__ import annotations

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError
from physlens.expr import symbols_for

OBSERVABLES = ("mass", "pt", "eta", "multiplicity", "width", "ptd")
PRONG_VARIABLES = ("pt1", "pt2", "dr12")


def toy_jets(
    n_jets: int = 4000,
    *,
    threshold: float = 40.0,
    resolution: float = 4.0,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Toy jets with their observables, prong kinematics and a mass-window label.

    ``threshold`` and ``resolution`` (GeV) set the label's dependence on the mass:
    P(signal) = 1 / (1 + exp(-(m - threshold) / resolution)).
    """
    if isinstance(n_jets, bool) or not isinstance(n_jets, (int, np.integer)) or n_jets < 10:
        raise ParameterError(f"parameter n_jets={n_jets!r} is invalid; expected an integer >= 10")
    for name, value in (("threshold", threshold), ("resolution", resolution)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) or value <= 0:
            raise ParameterError(f"parameter {name}={value!r} is invalid; expected a finite number > 0 (GeV)")
    rng = rng if rng is not None else np.random.default_rng(0)
    n = int(n_jets)
    pt_jet = rng.uniform(100.0, 400.0, n)
    eta_jet = rng.uniform(-2.0, 2.0, n)
    soft_fraction = rng.uniform(0.0, 0.1, n)
    split = rng.uniform(0.1, 0.5, n)
    pt1 = (1 - split) * (1 - soft_fraction) * pt_jet
    pt2 = split * (1 - soft_fraction) * pt_jet
    dr12 = rng.uniform(0.1, 0.8, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    # prong axes about the jet axis, pt-weighted centroid at the origin
    axis1 = np.column_stack([np.cos(angle), np.sin(angle)]) * (dr12 * pt2 / (pt1 + pt2))[:, None]
    axis2 = -np.column_stack([np.cos(angle), np.sin(angle)]) * (dr12 * pt1 / (pt1 + pt2))[:, None]
    per_prong = 4
    max_soft = 20
    fractions1 = rng.dirichlet(np.ones(per_prong), n)
    fractions2 = rng.dirichlet(np.ones(per_prong), n)
    n_prong1 = rng.integers(1, per_prong + 1, n)
    n_prong2 = rng.integers(1, per_prong + 1, n)
    mask1 = np.arange(per_prong)[None] < n_prong1[:, None]
    mask2 = np.arange(per_prong)[None] < n_prong2[:, None]
    fractions1 = np.where(mask1, fractions1, 0)
    fractions1 /= fractions1.sum(axis=1, keepdims=True)
    fractions2 = np.where(mask2, fractions2, 0)
    fractions2 /= fractions2.sum(axis=1, keepdims=True)
    offsets1 = axis1[:, None, :] + 0.02 * rng.standard_normal((n, per_prong, 2))
    offsets2 = axis2[:, None, :] + 0.02 * rng.standard_normal((n, per_prong, 2))
    n_soft = rng.integers(0, max_soft + 1, n)
    mask_soft = np.arange(max_soft)[None] < n_soft[:, None]
    soft_weights = np.where(mask_soft, rng.exponential(1.0, (n, max_soft)), 0)
    soft_pt = soft_weights / np.maximum(soft_weights.sum(axis=1, keepdims=True), 1e-300) * (soft_fraction * pt_jet)[:, None]
    radius = 0.8 * np.sqrt(rng.random((n, max_soft)))
    theta = rng.uniform(0, 2 * np.pi, (n, max_soft))
    soft_offsets = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=2)
    pts = np.concatenate([fractions1 * pt1[:, None], fractions2 * pt2[:, None], soft_pt], axis=1)
    offsets = np.concatenate([offsets1, offsets2, soft_offsets], axis=1)
    present = np.concatenate([mask1, mask2, mask_soft], axis=1)
    total_pt = pts.sum(axis=1)
    centroid = (pts[:, :, None] * offsets).sum(axis=1) / total_pt[:, None]
    distance = np.linalg.norm(offsets - centroid[:, None, :], axis=2)
    width = (pts * distance).sum(axis=1) / total_pt
    ptd = np.sqrt((pts**2).sum(axis=1)) / total_pt
    multiplicity = present.sum(axis=1).astype(float)
    mass = np.sqrt(pt1 * pt2) * dr12
    probability = 1.0 / (1.0 + np.exp(-(mass - threshold) / resolution))
    label = (rng.random(n) < probability).astype(float)
    arrays = {
        "mass": mass,
        "pt": total_pt,
        "eta": eta_jet + centroid[:, 0],
        "multiplicity": multiplicity,
        "width": width,
        "ptd": ptd,
        "pt1": pt1,
        "pt2": pt2,
        "dr12": dr12,
        "probability": probability,
        "label": label,
    }
    variables = (
        Variable("mass", "", "input", "two-prong jet mass (GeV), m^2 = pt1 pt2 dr12^2"),
        Variable("pt", "", "input", "scalar sum of constituent pt (GeV)"),
        Variable("eta", "", "input", "jet pseudorapidity"),
        Variable("multiplicity", "", "input", "number of constituents"),
        Variable("width", "", "input", "pt-weighted mean distance of constituents from the jet axis (girth)"),
        Variable("ptd", "", "input", "pt dispersion sqrt(sum pt^2) / sum pt"),
        Variable("pt1", "", "state", "leading prong pt (GeV)"),
        Variable("pt2", "", "state", "subleading prong pt (GeV)"),
        Variable("dr12", "", "state", "prong separation in (eta, phi)"),
        Variable("probability", "", "parameter", "true P(signal | mass)"),
        Variable("label", "", "label", "1 = signal (mass window), 0 = background"),
    )
    s = symbols_for(PRONG_VARIABLES + ("mass",))
    truth = Truth(
        equations={
            "mass": sympy.sqrt(s["pt1"] * s["pt2"]) * s["dr12"],
            "logit": (s["mass"] - sympy.nsimplify(threshold)) / sympy.nsimplify(resolution),
        },
        parameters={"observable": "mass", "threshold": float(threshold), "resolution": float(resolution)},
        notes="label ~ Bernoulli(sigmoid((mass - threshold) / resolution)); mass^2 = pt1 pt2 dr12^2",
    )
    return Dataset(
        arrays,
        variables,
        truth,
        provenance={"simulator": "toy_jets", "n_jets": n, "threshold": float(threshold), "resolution": float(resolution)},
        name="toy_jets",
        kind="jets",
    )
