"""The pool of enumerated expressions: every distinct expression by size, kept as its
values on the sample points and a recipe that rebuilds it, deduplicated by value."""

from __future__ import annotations

import numpy as np
import sympy

UNARY = {
    "sqrt": (np.sqrt, sympy.sqrt),
    "square": (np.square, lambda a: a**2),
    "inv": (lambda a: 1.0 / a, lambda a: 1 / a),
    "exp": (np.exp, sympy.exp),
    "log": (np.log, sympy.log),
    "sin": (np.sin, sympy.sin),
    "cos": (np.cos, sympy.cos),
    "neg": (np.negative, lambda a: -a),
}
BINARY = {
    "add": (np.add, lambda a, b: a + b, True),
    "mul": (np.multiply, lambda a, b: a * b, True),
    "sub": (np.subtract, lambda a, b: a - b, False),
    "div": (np.divide, lambda a, b: a / b, False),
}
OPERATIONS = ["leaf", *UNARY, *BINARY]
_LIMIT = 1e12  # values beyond this magnitude at a sample point are no usable expression


class ExpressionPool:
    """All distinct expressions found so far, by size: values on the sample points and
    recipes (operation, left size, left row, right size, right row) that rebuild each."""

    def __init__(self, points: np.ndarray, leaves: list, *, key_seed: int):
        self.leaves = leaves
        self.values: dict[int, np.ndarray] = {}
        self.recipes: dict[int, np.ndarray] = {}
        self._pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._pending_count: dict[int, int] = {}
        self.keys = np.empty(0)
        # a hash of values, not a random choice: the caller fixes its seed so that
        # deduplication (which of equal expressions is kept, in what order) is reproducible
        self._projection = np.random.default_rng(key_seed).normal(size=points.shape[0])

    def size_count(self, size: int) -> int:
        """How many expressions of ``size`` the pool holds, gathered or pending."""
        return len(self.recipes.get(size, ())) + self._pending_count.get(size, 0)

    def finish(self, size: int) -> None:
        """Gather the blocks added at ``size`` into one array (once the size is done)."""
        blocks = self._pending.pop(size, [])
        self._pending_count.pop(size, None)
        if blocks:
            self.values[size] = np.vstack([b[0] for b in blocks])
            self.recipes[size] = np.vstack([b[1] for b in blocks])

    def add(self, size: int, values: np.ndarray, recipes: np.ndarray, *, keep_constant: bool = False) -> None:
        """Keep the rows of ``values`` that are finite, bounded, not constant (unless
        asked) and not seen before: the key is a random projection of the values,
        rounded to ten significant digits."""
        if values.size == 0:
            return
        with np.errstate(all="ignore"):
            magnitude = np.max(np.abs(values), axis=1)
            ok = np.all(np.isfinite(values), axis=1) & (magnitude < _LIMIT)
            if not keep_constant:
                ok &= np.ptp(values, axis=1) > 1e-9 * (1 + magnitude)
            values, recipes = values[ok], recipes[ok]
            mantissa, exponent = np.frexp(values @ self._projection)
        keys = np.ldexp(np.round(mantissa, 10), exponent)
        keys, first = np.unique(keys, return_index=True)
        fresh = ~np.isin(keys, self.keys, assume_unique=True)
        if not fresh.any():
            return
        first = first[fresh]
        self.keys = np.union1d(self.keys, keys[fresh])
        self._pending.setdefault(size, []).append((values[first], recipes[first]))
        self._pending_count[size] = self._pending_count.get(size, 0) + len(first)

    def expression(self, size: int, row: int, symbols: list[sympy.Symbol]) -> sympy.Expr:
        """The sympy expression of entry ``row`` of ``size``, rebuilt from its recipe."""
        op, left_size, left_row, right_size, right_row = (int(v) for v in self.recipes[size][row])
        kind = OPERATIONS[op]
        if kind == "leaf":
            leaf = self.leaves[left_row]
            return leaf if isinstance(leaf, sympy.Basic) else symbols[leaf]
        left = self.expression(left_size, left_row, symbols)
        if kind in UNARY:
            return UNARY[kind][1](left)
        return BINARY[kind][1](left, self.expression(right_size, right_row, symbols))


def affine_r2(values: np.ndarray, targets_centred: np.ndarray, target_norms: np.ndarray) -> np.ndarray:
    """Squared correlation of each row with each target column: the R2 of the best a*g + b."""
    centred = values - values.mean(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        r = (centred @ targets_centred) / (np.linalg.norm(centred, axis=1)[:, None] * target_norms[None, :])
    return np.nan_to_num(r**2, nan=0.0)
