"""Invariants of the symmetry a conserved quantity generates (Noether), read from the
states its Hamiltonian flow moves them to."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import positive_int, rng_from
from physlens.methods.symbolic_gradients import SymbolicGradients

__all__ = ["symmetry_invariants"]


def symmetry_invariants(
    generator: str,
    states,
    names: Sequence[str],
    *,
    max_degree: int = 2,
    n_orbits: int = 300,
    samples_per_orbit: int = 8,
    tolerance: float = 0.01,
    random_state: int | None = None,
) -> list:
    """Invariants of the symmetry that a conserved quantity generates (Noether).

    ``generator``: a conserved quantity G(q, p) as expression text in ``names`` (states
    ordered q..., p...), for example the angular momentum found by
    ``SymbolicGradients.fit_events`` on trajectories. Its Hamiltonian flow
    dq/ds = dG/dp, dp/ds = -dG/dq moves ``n_orbits`` of the given states to
    ``samples_per_orbit`` random parameter values s (a flow spanning about the states'
    own spread); the library combinations constant along those orbits, read with
    ``SymbolicGradients.fit_events``, are returned as closed forms. For G = x*py - y*px
    (rotations of q and p together): x**2 + y**2, px**2 + py**2, px*x + py*y and G
    itself. A network given only these as inputs (``HamiltonianNN(invariant_features=...)``)
    has the symmetry built in, so its flow conserves G exactly.
    """
    import sympy

    from physlens.data.hamiltonian import integrate
    from physlens.errors import ParameterError
    from physlens.expr import parse_expression, symbols_for

    states = np.atleast_2d(np.asarray(states, dtype=float))
    names = list(names)
    if states.ndim != 2 or states.shape[1] != len(names) or len(names) % 2:
        raise DataError(f"symmetry_invariants: states must be (samples, {len(names)}) with q... then p..., got shape {states.shape}")
    for label, value in (("n_orbits", n_orbits), ("samples_per_orbit", samples_per_orbit)):
        if not positive_int(value) or value < 2:
            raise ParameterError(f"symmetry_invariants: {label} must be an integer >= 2, got {value!r}")
    expression = parse_expression(generator, names)
    symbols = symbols_for(names)
    ordered = [symbols[n] for n in names]
    f = len(names) // 2
    gradient = sympy.lambdify(ordered, [sympy.diff(expression, v) for v in ordered], "numpy")

    def flow(x):
        g = np.stack([np.broadcast_to(v, (x.shape[0],)) for v in gradient(*x.T)], axis=1)
        return np.concatenate([g[:, f:], -g[:, :f]], axis=1)

    rng = rng_from(random_state)
    start = states[rng.choice(len(states), min(n_orbits, len(states)), replace=False)]
    speed = np.median(np.linalg.norm(flow(start), axis=1))
    if not np.isfinite(speed) or speed <= 0:
        raise DataError(f"symmetry_invariants: the flow of {generator!r} does not move the given states (zero gradient)")
    span = np.linalg.norm(states.std(axis=0)) / speed  # flow parameter range: about one spread of the states
    steps = 64
    path = integrate(flow, start, span / steps, steps)  # (steps + 1, orbits, d)
    picks = np.stack([rng.choice(steps + 1, samples_per_orbit, replace=False) for _ in range(len(start))], axis=1)
    samples = path[picks, np.arange(len(start))[None, :]].transpose(1, 0, 2).reshape(-1, len(names))
    orbit = np.repeat(np.arange(len(start)), samples_per_orbit)
    reader = SymbolicGradients(max_degree=max_degree, tolerance=tolerance, random_state=random_state)
    return list(reader.fit_events(samples, orbit, names).invariants_)
