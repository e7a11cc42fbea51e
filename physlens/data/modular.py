"""The addition table of the integers modulo p, the task on which small networks grok
(Power et al. 2022; Liu et al. 2022; Nanda et al. 2023): every pair (a, b) with its sum
c = (a + b) mod p. The truth is the rule itself and the modulus."""

from __future__ import annotations

import numpy as np
import sympy

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError


def modular_addition_table(modulus: int = 59) -> Dataset:
    """All p^2 rows (a, b, c = (a + b) mod p) for the prime ``modulus`` p."""
    if isinstance(modulus, bool) or not isinstance(modulus, (int, np.integer)) or modulus < 5 or not sympy.isprime(int(modulus)):
        raise ParameterError(f"parameter modulus={modulus!r} is invalid; expected a prime >= 5 (59 and 113 are the usual ones)")
    p = int(modulus)
    a, b = (grid.ravel() for grid in np.meshgrid(np.arange(p), np.arange(p), indexing="ij"))
    variables = (
        Variable("a", "", "input", "first summand, an integer in [0, p)"),
        Variable("b", "", "input", "second summand, an integer in [0, p)"),
        Variable("c", "", "label", "(a + b) mod p"),
    )
    sa, sb = sympy.symbols("a b", integer=True)
    truth = Truth(equations={"c": sympy.Mod(sa + sb, p)}, parameters={"modulus": p},
                  notes="c = (a + b) mod p; a network that generalises reads it with Fourier features cos(w_k (a + b - c)), w_k = 2 pi k / p")
    return Dataset({"a": a.astype(float), "b": b.astype(float), "c": ((a + b) % p).astype(float)}, variables, truth,
                   provenance={"simulator": "modular_addition_table", "modulus": p}, name=f"modular_addition_p{p}", kind="modular_arithmetic")
