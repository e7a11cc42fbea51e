"""Functions of a Hamiltonian system's state (q..., p...): the rotation invariants, closed-
form features with their chain rule, RK4 rollouts of a learned vector field, and the
energy drift along a rollout."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["StateFeatures", "energy_drift", "rollout", "rotation_invariants"]


def rollout(field, initial: np.ndarray, dt, n_steps: int, every: int = 1) -> np.ndarray:
    """RK4 rollout of a learned vector field (numpy, batch of states; ``dt`` one step or
    one per state)."""
    from physlens.data.hamiltonian import integrate

    return integrate(field, np.atleast_2d(initial), dt, n_steps, every)


def rotation_invariants(names: Sequence[str]) -> list[str]:
    """(|q|^2, |p|^2, q.p) for states named (q..., p...): the invariants of a rotation
    acting on q and p together (O(f) for f coordinates), as expression texts."""
    f = len(names) // 2
    q, p = names[:f], names[f:]
    return [" + ".join(f"{a}*{b}" for a, b in zip(u, v)) for u, v in ((q, q), (p, p), (q, p))]


# torch versions of the functions a feature expression may hold (the rest is arithmetic)
_TORCH_FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "asin", "acos", "atan")


class StateFeatures:
    """Closed-form functions f_k(q, p) of the state used as a network's inputs: their
    values (numpy or torch) and the chain rule back to the state."""

    def __init__(self, expressions: Sequence[str], names: Sequence[str]):
        import sympy

        from physlens.expr import parse_expression, symbols_for

        self.expressions = [parse_expression(str(text), list(names)) for text in expressions]
        symbols = symbols_for(list(names))
        ordered = [symbols[n] for n in names]
        self._numpy = sympy.lambdify(ordered, self.expressions, "numpy")
        self._ordered = ordered
        jacobian = [[sympy.diff(e, v) for v in ordered] for e in self.expressions]
        self._jacobian = sympy.lambdify(ordered, jacobian, "numpy")
        self._torch = None

    def values(self, x, lib=np):
        """(n, k) feature values of states x (n, d): numpy array or torch tensor."""
        if lib is np:
            return np.stack([np.broadcast_to(v, (x.shape[0],)) for v in self._numpy(*x.T)], axis=1)
        if self._torch is None:
            import sympy
            import torch

            self._torch = sympy.lambdify(self._ordered, self.expressions, [{n: getattr(torch, n) for n in _TORCH_FUNCTIONS}, "math"])
        columns = [v if isinstance(v, lib.Tensor) else lib.full((x.shape[0],), float(v), dtype=x.dtype) for v in self._torch(*x.T)]
        return lib.stack(columns, 1)

    def pullback(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Chain rule: d output / d state from d output / d features g (n, k)."""
        rows = self._jacobian(*x.T)
        out = np.zeros_like(x)
        for k, row in enumerate(rows):
            for j, entry in enumerate(row):
                out[:, j] += g[:, k] * entry
        return out


def energy_drift(true_energy, path: np.ndarray) -> float:
    """Mean over the rollout (and the batch) of |H(x(t)) - H(x(0))| / |H(x(0))|.
    ``path``: (n_saved, batch, dim); ``true_energy``: numpy function of states."""
    values = np.stack([np.broadcast_to(true_energy(step), (step.shape[0],)) for step in path])
    start = values[0]
    deviation = np.abs(values - start) / np.maximum(np.abs(start), 1e-12)
    return float(np.nanmean(np.where(np.isfinite(deviation), deviation, np.inf)))
