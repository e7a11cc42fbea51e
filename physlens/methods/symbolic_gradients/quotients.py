"""The generalised Rayleigh quotients symbolic gradients minimises (gradient mismatch
with a network, or within-event scatter), their eigenproblems, backward elimination
and rational snapping of the coefficients."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import sympy


def null_dimension(eigenvalues: np.ndarray, tolerance: float) -> int:
    """How many of the (ascending) eigenvalues belong to true invariants: those below
    ``tolerance``, cut at the largest relative gap (a network's gradient error puts true
    invariants at a common floor; a near-miss combination sits well above it)."""
    below = int(np.sum(eigenvalues < tolerance))
    if below == 0:
        return 0
    floor = np.maximum(eigenvalues[: below + 1], 1e-16)
    if below == len(eigenvalues):
        floor = np.append(floor, tolerance)
    ratios = floor[1:] / floor[:-1]
    return int(np.argmax(ratios)) + 1


def generalized_eigh(a_matrix: np.ndarray, b_matrix: np.ndarray, scale_terms: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs of a c = lambda b c, ascending, with b's near-null directions dropped
    (nearly collinear library terms would otherwise give 0/0 quotients). With
    ``scale_terms`` each term is first scaled to unit b-norm, so that terms of very
    different magnitudes (x^3 next to x in SI units) are not dropped for being small."""
    if scale_terms:
        scale = 1.0 / np.sqrt(np.maximum(np.diag(b_matrix), 1e-300))
        lam, vectors = generalized_eigh(a_matrix * np.outer(scale, scale), b_matrix * np.outer(scale, scale))
        return lam, vectors * scale[:, None]
    mu, basis = np.linalg.eigh(b_matrix)
    keep = mu > 1e-10 * max(mu.max(), 1e-300)
    whiten = basis[:, keep] / np.sqrt(mu[keep])
    lam, y = np.linalg.eigh(whiten.T @ a_matrix @ whiten)
    return lam, whiten @ y


class RayleighQuotient:
    """A generalised Rayleigh quotient lambda(c) = c' A c / c' B c over library
    combinations c, zero for an exact invariant; subclasses say what A and B measure."""

    scale_terms = False  # see generalized_eigh

    def eigh(self, a_matrix: np.ndarray, b_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return generalized_eigh(a_matrix, b_matrix, self.scale_terms)

    def level_weights(self, terms) -> np.ndarray | None:
        return None

    def own_weights(self, terms, coefficients) -> np.ndarray | None:
        return None

    def smallest(self, terms, weights) -> np.ndarray:
        _, vectors = self.eigh(*self.matrices(terms, weights))
        return vectors[:, 0]

    def refit(self, terms, coefficients, iterations: int = 3) -> tuple[np.ndarray, float]:
        """Iteratively reweighted: the smallest eigenvector with each sample weighted by
        the current candidate's own weights (see ``own_weights``), kept while it helps."""
        best = (np.asarray(coefficients, dtype=float), self.fraction(terms, coefficients))
        current = best[0]
        for _ in range(iterations):
            current = self.smallest(terms, self.own_weights(terms, current))
            fraction = self.fraction(terms, current)
            if fraction < best[1]:
                best = (current, fraction)
        return best


class GradientMismatch(RayleighQuotient):
    """How far library combinations' gradients are from the network's gradient span.

    ``jac`` (n, d, K): the library's Jacobian; ``basis`` (n, d, m): an orthonormal basis
    of the network's gradient span at each sample. The mismatch of c is the mean over
    samples of the fraction of |J_i c|^2 outside the span; quotient matrices with sample
    weights w_i turn it into a generalised eigenproblem, exact when w_i = 1/|J_i c|^2.
    """

    def __init__(self, jac: np.ndarray, basis: np.ndarray):
        self.jac = jac
        self.basis = basis

    def level_weights(self, terms) -> np.ndarray:
        # every sample counts equally whatever the level's library scale there
        return 1.0 / np.maximum(np.linalg.norm(self.jac[:, :, terms], axis=(1, 2)), 1e-12) ** 2

    def matrices(self, terms, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scaled = self.jac[:, :, terms] * np.sqrt(weights)[:, None, None]
        explained = np.matmul(self.basis.transpose(0, 2, 1), scaled).reshape(-1, len(terms))
        flat = scaled.reshape(-1, len(terms))
        b_matrix = flat.T @ flat
        return b_matrix - explained.T @ explained, b_matrix

    def _gradients(self, terms, coefficients) -> np.ndarray:
        return self.jac[:, :, terms] @ np.asarray(coefficients, dtype=float)

    def own_weights(self, terms, coefficients) -> np.ndarray:
        norms = np.linalg.norm(self._gradients(terms, coefficients), axis=1)
        return 1.0 / np.maximum(norms, 1e-12 * max(norms.max(), 1e-300)) ** 2

    def fraction(self, terms, coefficients) -> float:
        grads = self._gradients(terms, coefficients)
        inside = np.einsum("ndm,nm->nd", self.basis, np.einsum("ndm,nd->nm", self.basis, grads))
        total = np.maximum(np.sum(grads**2, axis=1), 1e-300)
        return float(np.mean(np.sum((grads - inside) ** 2, axis=1) / total))


class EventScatter(RayleighQuotient):
    """How far library combinations are from being constant within events: the share
    of a combination's variance over the samples that is variance within events,

        lambda(c) = c' W c / c' T c    (W: within-event scatter, T: total scatter),

    which is a Siamese network's invariance loss (standardised latents) for a twin that
    is linear in the library, minimised exactly by the generalised eigenproblem. Terms
    are scaled to unit variance inside the eigenproblem: samples in SI units give
    monomials of wildly different sizes."""

    scale_terms = True

    def __init__(self, values: np.ndarray, events: np.ndarray):
        centred = values - values.mean(axis=0)
        ids, inverse = np.unique(events, return_inverse=True)
        means = np.zeros((len(ids), values.shape[1]))
        np.add.at(means, inverse, centred)
        means /= np.bincount(inverse)[:, None]
        within = centred - means[inverse]
        self.within = within.T @ within / len(values)
        self.total = centred.T @ centred / len(values)

    def matrices(self, terms, weights=None) -> tuple[np.ndarray, np.ndarray]:
        terms = np.asarray(terms)
        return self.within[np.ix_(terms, terms)], self.total[np.ix_(terms, terms)]

    def fraction(self, terms, coefficients) -> float:
        a_matrix, b_matrix = self.matrices(terms)
        c = np.asarray(coefficients, dtype=float)
        return float(c @ a_matrix @ c / max(c @ b_matrix @ c, 1e-300))


def eliminate_terms(terms: np.ndarray, coefficients: np.ndarray, mismatch: GradientMismatch, cut: float):
    """Backward elimination: drop terms one at a time (the one whose loss hurts least)
    while the best combination of the rest keeps its gradient mismatch below ``cut``."""
    current = list(terms)
    vector, fraction = mismatch.refit(current, coefficients)
    while len(current) > 1:
        a_matrix, b_matrix = mismatch.matrices(current, mismatch.own_weights(current, vector))
        trials = []
        for k in range(len(current)):
            keep = [i for i in range(len(current)) if i != k]
            lam, vectors = mismatch.eigh(a_matrix[np.ix_(keep, keep)], b_matrix[np.ix_(keep, keep)])
            trials.append((float(lam[0]), vectors[:, 0], [current[i] for i in keep]))
        _, trial_vector, rest = min(trials, key=lambda item: item[0])
        trial_vector, trial_fraction = mismatch.refit(rest, trial_vector, iterations=1)
        if trial_fraction >= cut:
            break
        current, vector, fraction = rest, trial_vector, trial_fraction
    return np.array(current), fraction, vector


def snap_coefficients(coefficients: np.ndarray, max_denominator: int, tolerance: float) -> list[sympy.Expr]:
    """Scale so the largest |coefficient| is 1, then snap each to a small rational when
    that moves it by less than ``tolerance`` (relative to the largest)."""
    scaled = coefficients / coefficients[np.argmax(np.abs(coefficients))]
    snapped = []
    for value in scaled:
        fraction = Fraction(float(value)).limit_denominator(max_denominator)
        if abs(float(fraction) - value) <= tolerance:
            snapped.append(sympy.Rational(fraction.numerator, fraction.denominator))
        else:
            snapped.append(sympy.Float(round(float(value), 6)))
    return snapped


def invariant_products(found, values: np.ndarray, degree: int) -> np.ndarray:
    """Coefficient vectors (over the level's library) of products of invariants found
    so far, so that g, g^2, g*h are not reported as new."""
    if not found:
        return np.zeros((values.shape[1], 0))
    base = [(f["values"], f["degree"]) for f in found]
    products = []
    for order in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(len(base)), order):
            if sum(base[i][1] for i in combo) <= degree:
                products.append(np.prod([base[i][0] for i in combo], axis=0))
    if not products:
        return np.zeros((values.shape[1], 0))
    targets = np.column_stack(products)
    coefficients, *_ = np.linalg.lstsq(values, targets, rcond=None)
    misfit = np.linalg.norm(values @ coefficients - targets, axis=0) / np.maximum(np.linalg.norm(targets, axis=0), 1e-300)
    return coefficients[:, misfit < 1e-6]
