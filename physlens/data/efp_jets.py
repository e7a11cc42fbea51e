"""Jets as lists of constituents whose class is decided by one or two known energy-flow
polynomials (Komiske, Metodiev & Thaler 2018), for reading a tagger in the EFP basis
(Faucett, Thaler & Whiteson 2021).

Each jet has 1 to 3 hard prongs of a few collinear constituents with a jet-by-jet prong
width, plus soft radiation; constituents carry (z, eta, phi), z = pt / sum pt, angles
relative to the pt-weighted axis, zero-padded. With theta_ij = dR_ij^beta (beta = 2),

    EFP_G = sum_{i_1..i_N} z_i1 ... z_iN  prod_{(k, l) in G} theta_{i_k i_l},

so the one-edge graph is the normalised jet mass squared, m^2 / pt^2 in the collinear
limit, and the triangle is sensitive to three-prong structure. The label is signal with
probability sigmoid(steepness * standardised sum_g power_g log EFP_g): the class
difference lies in the named graphs only.
"""

from __future__ import annotations

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError

MASS_GRAPH = ((0, 1),)
TRIANGLE_GRAPH = ((0, 1), (1, 2), (0, 2))
BETA = 2.0
MAX_CONSTITUENTS = 24


def efp_value(edges, z: np.ndarray, eta: np.ndarray, phi: np.ndarray, beta: float = BETA) -> np.ndarray:
    """EFP of graph ``edges`` for jets given as (n, M) arrays; by direct summation (M^N
    per jet for N vertices, so meant for small graphs)."""
    theta = ((eta[:, :, None] - eta[:, None, :]) ** 2 + (phi[:, :, None] - phi[:, None, :]) ** 2) ** (beta / 2)
    vertices = sorted({v for edge in edges for v in edge})
    letters = "ijklmn"
    operands, terms = [], []
    for v in vertices:
        operands.append(z)
        terms.append("a" + letters[v])
    for u, v in edges:
        operands.append(theta)
        terms.append("a" + letters[u] + letters[v])
    return np.einsum(",".join(terms) + "->a", *operands)


def efp_formula(edges, beta: float = BETA) -> sympy.Expr:
    """The EFP of ``edges`` as a sympy sum over constituents i_1..i_N of a jet with M of them."""
    z, theta = sympy.IndexedBase("z"), sympy.IndexedBase("theta")
    vertices = sorted({v for edge in edges for v in edge})
    index = {v: sympy.Symbol(f"i{n + 1}", integer=True) for n, v in enumerate(vertices)}
    body = sympy.Mul(*[z[index[v]] for v in vertices]) * sympy.Mul(*[theta[index[u], index[v]] for u, v in edges])
    M = sympy.Symbol("M", integer=True, positive=True)
    return sympy.Sum(body, *[(index[v], 1, M) for v in vertices])


def efp_jets(n_jets: int = 3000, *, graphs=(MASS_GRAPH,), powers=None, steepness: float = 2.5,
             rng: np.random.Generator | None = None) -> Dataset:
    """Constituent-level jets labelled through the EFPs of ``graphs`` (edge lists of at
    most 3 vertices): the label follows the standardised log of prod_g EFP_g^power_g
    (``powers`` default all 1; (-2, 1) on (mass, triangle) is C2 = e3 / e2^2, the classic
    two-prong discriminant), ``steepness`` sets how sharply."""
    if isinstance(n_jets, bool) or not isinstance(n_jets, (int, np.integer)) or n_jets < 20:
        raise ParameterError(f"parameter n_jets={n_jets!r} is invalid; expected an integer >= 20")
    if not graphs or any(len({v for e in g for v in e}) > 3 or not g for g in graphs):
        raise ParameterError(f"parameter graphs={graphs!r} is invalid; expected edge lists of graphs with 2 or 3 vertices")
    if not (isinstance(steepness, (int, float)) and np.isfinite(steepness) and steepness > 0):
        raise ParameterError(f"parameter steepness={steepness!r} is invalid; expected a number > 0")
    powers = tuple(powers) if powers is not None else (1.0,) * len(graphs)
    if len(powers) != len(graphs) or not all(isinstance(w, (int, float)) and np.isfinite(w) and w != 0 for w in powers):
        raise ParameterError(f"parameter powers={powers!r} is invalid; expected one non-zero number per graph")
    rng = rng if rng is not None else np.random.default_rng(0)
    n, per_prong, n_soft = int(n_jets), 5, MAX_CONSTITUENTS - 15
    n_prongs = rng.integers(1, 4, n)
    prong_pt = rng.dirichlet(np.ones(3), n) * (np.arange(3)[None] < n_prongs[:, None])
    prong_pt /= prong_pt.sum(axis=1, keepdims=True)
    radius = rng.uniform(0.05, 0.6, (n, 3))
    angle = rng.uniform(0, 2 * np.pi, (n, 3))
    axes = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=2)
    width = rng.uniform(0.005, 0.08, n)
    hard_share = rng.uniform(0.8, 0.97, n)
    shares = rng.dirichlet(np.ones(per_prong), (n, 3)) * prong_pt[:, :, None] * hard_share[:, None, None]
    offsets = axes[:, :, None, :] + width[:, None, None, None] * rng.standard_normal((n, 3, per_prong, 2))
    soft = rng.exponential(1.0, (n, n_soft))
    soft *= ((1 - hard_share) / soft.sum(axis=1))[:, None]
    soft_r = 0.8 * np.sqrt(rng.random((n, n_soft)))
    soft_angle = rng.uniform(0, 2 * np.pi, (n, n_soft))
    z = np.concatenate([shares.reshape(n, -1), soft], axis=1)
    position = np.concatenate([offsets.reshape(n, -1, 2), np.stack([soft_r * np.cos(soft_angle), soft_r * np.sin(soft_angle)], axis=2)], axis=1)
    position -= (z[:, :, None] * position).sum(axis=1, keepdims=True)
    order = np.argsort(-z, axis=1)  # hardest first, empty (z = 0) slots last
    z = np.take_along_axis(z, order, axis=1)
    position = np.take_along_axis(position, order[:, :, None], axis=1)
    position[z == 0] = 0.0
    eta, phi = position[:, :, 0], position[:, :, 1]
    observables = [np.log(efp_value(g, z, eta, phi)) for g in graphs]
    combined = sum(w * o for w, o in zip(powers, observables))
    logit = steepness * (combined - np.median(combined)) / combined.std()
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    names = [f"efp_{i}" for i in range(len(graphs))]
    arrays = {"constituents": np.stack([z, eta, phi], axis=2), "label": label, **{k: np.exp(o) for k, o in zip(names, observables)}}
    variables = (
        Variable("constituents", "", "input", "per jet, constituents (z = pt / sum pt, eta, phi about the jet axis), hardest first, zero-padded"),
        Variable("label", "", "label", "1 = signal, 0 = background"),
        *[Variable(k, "", "parameter", f"the generating EFP of graph {list(g)} (beta = {BETA:g})") for k, g in zip(names, graphs)],
    )
    truth = Truth(equations={k: efp_formula(g) for k, g in zip(names, graphs)},
                  parameters={"graphs": [[list(e) for e in g] for g in graphs], "powers": [float(w) for w in powers], "beta": BETA,
                              "steepness": float(steepness)},
                  notes="label ~ Bernoulli(sigmoid(steepness * standardised sum_g power_g log EFP_g))")
    return Dataset(arrays, variables, truth, provenance={"simulator": "efp_jets", "n_jets": n, "graphs": [list(map(list, g)) for g in graphs]},
                   name="efp_jets", kind="constituent_jets")
