"""Reading a learned Lagrangian in closed form through its equations of motion.

The Euler-Lagrange operator E[L] = d/dt dL/dv - dL/dq is linear in L, so for a library
L = sum_k c_k phi_k the equations E[L](q, v, a) = 0 at states with the network's
accelerations are linear in c: c is the null vector of the matrix of E[phi_k]. Terms that
are total derivatives (q v, v) have E[phi] = 0 identically and drop out, which is the
freedom L has. This complements the gradient reading (symbolic gradients of L_theta): in one
degree of freedom many inequivalent Lagrangians give the same motion (a network may learn
any of them), but only the library's is reached by its equations of motion.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import sympy

from physlens.expr import symbols_for
from physlens.methods.symbolic_gradients.library import TermLibrary
from physlens.methods.symbolic_gradients.quotients import snap_coefficients
from physlens.validate.lagrangian import euler_lagrange

__all__ = ["lagrangian_from_motion"]


def lagrangian_from_motion(states: np.ndarray, accelerations: np.ndarray, names: Sequence[str], max_degree: int,
                           extra_terms: Sequence[str], *, cut_factor: float = 2.0, snap: float = 0.02,
                           max_denominator: int = 12) -> tuple[sympy.Expr | None, float]:
    """(L, residual): the library combination whose Euler-Lagrange equations hold at
    ``states`` (q..., v...) with ``accelerations``: the smallest right singular vector of the
    column-normalised matrix of E[phi_k], pruned by backward elimination while its singular
    value stays within ``cut_factor`` of the full library's, and its coefficients snapped
    to small rationals when within ``snap`` of the largest; ``residual`` is that singular
    value (0: exact). None when the library has no term with equations of motion."""
    names = list(names)
    f = len(names) // 2
    library = TermLibrary(names, max_degree, list(extra_terms))
    symbols = symbols_for(names)
    functions, kept = [], []
    for k, term in enumerate(library.expressions):
        expressions, a_symbols = euler_lagrange(term, names[:f], names[f:])
        expressions = [sympy.simplify(e) for e in expressions]
        if all(e == 0 for e in expressions):
            continue  # a total derivative: no equations of motion
        functions.append(sympy.lambdify([symbols[n] for n in names] + a_symbols, expressions, "numpy"))
        kept.append(k)
    if not functions:
        return None, float("inf")

    def operator_matrix(points):
        return np.column_stack([np.concatenate([np.broadcast_to(np.asarray(v, dtype=float), (len(points),)) for v in function(*points.T)])
                                for function in functions])

    # sums of terms can be total derivatives too (q1 v2 + q2 v1 = d(q1 q2)/dt): find the
    # combinations whose equations vanish at random off-data points and drop one term of each
    spread = np.maximum(np.abs(np.column_stack([states, accelerations])).max(axis=0), 1e-3)
    probe = operator_matrix(np.random.default_rng(0).uniform(-1, 1, (200, 3 * f)) * spread)
    probe = probe / np.maximum(np.linalg.norm(probe, axis=0), 1e-300)
    active = list(range(len(kept)))
    while len(active) > 1:
        _, singular, vt = np.linalg.svd(probe[:, active], full_matrices=False)
        if singular[-1] > 1e-8 * singular[0]:
            break
        active.pop(int(np.argmax(np.abs(vt[-1]))))
    functions, kept = [functions[i] for i in active], [kept[i] for i in active]
    columns = list(operator_matrix(np.column_stack([states, accelerations])).T)
    matrix = np.column_stack(columns)
    matrix = matrix / np.maximum(np.linalg.norm(matrix, axis=0), 1e-300)

    def smallest(active):
        _, singular, vt = np.linalg.svd(matrix[:, active], full_matrices=False)
        return float(singular[-1]), vt[-1]

    active = list(range(matrix.shape[1]))
    residual, vector = smallest(active)
    cut = max(cut_factor * residual, 1e-9)
    # backward elimination: drop the term whose loss hurts least while the fit stays within
    # cut_factor of the full library's (the network's own error sets that floor)
    while len(active) > 2:
        trials = [(smallest([t for t in active if t != drop]), drop) for drop in active]
        (trial_residual, trial_vector), drop = min(trials, key=lambda item: item[0][0])
        if trial_residual > cut:
            break
        active = [t for t in active if t != drop]
        residual, vector = trial_residual, trial_vector
    norms = np.linalg.norm(np.column_stack(columns)[:, active], axis=0)
    coefficients = vector / np.maximum(norms, 1e-300)
    terms = [kept[i] for i in active]
    snapped = snap_coefficients(coefficients, max_denominator, snap)
    return library.closed_form(snapped, terms), residual
