"""Spin systems with known interaction strengths, returned with their truth.

- :func:`simulate_ising` / :func:`simulate_potts`: sparse random couplings J_ij on a
  periodic square lattice or a random (Erdos-Renyi) graph, sampled by heat-bath Monte
  Carlo at temperature T. Spins of one colour of a greedy graph colouring share no bond,
  so a colour class is updated at once (an exact Gibbs sweep), over many chains at once.
- :func:`simulate_quantum_chain`: a transverse-field Ising or Heisenberg chain with
  random bond strengths, ground state by exact diagonalisation (N <= 12), and projective
  measurement snapshots in the computational (z) or rotated (x) basis.

Conventions. Ising: P(s) ~ exp(sum_{i<j} K_ij s_i s_j + sum_i b_i s_i) with s = +-1,
where K = J / T and b = h / T are what :attr:`Truth.couplings` / :attr:`Truth.fields`
hold (only J/T is identifiable from samples). Potts: P(s) ~ exp(sum_{i<j} K_ij
delta(s_i, s_j) + sum_i b_i(s_i)), s in 0..q-1.
"""

from __future__ import annotations

import math

import numpy as np

from physlens.data.dataset import Dataset, Truth, Variable
from physlens.errors import ParameterError

GRAPHS = ("lattice", "random")
QUANTUM_MODELS = ("tfim", "heisenberg")


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_int(name: str, value, low: int, high: int | None = None) -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low and (high is None or value <= high)
    if not ok:
        bound = f"an integer >= {low}" + (f" and <= {high}" if high is not None else "")
        raise ParameterError(f"parameter {name}={value!r} is invalid; expected {bound}")
    return int(value)


def _check_positive(name: str, value) -> float:
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise ParameterError(f"parameter {name}={value!r} is invalid; expected a finite number > 0")
    return float(value)


def interaction_graph(n_spins: int, graph: str = "lattice", *, degree: float = 3.0, rng=None) -> np.ndarray:
    """Boolean adjacency (N x N, symmetric, empty diagonal).

    ``lattice``: periodic square lattice, N must be a square (16, 25, ..., 100).
    ``random``: Erdos-Renyi graph with mean degree ``degree``.
    """
    n_spins = _check_int("n_spins", n_spins, 4)
    if graph == "lattice":
        side = math.isqrt(n_spins)
        if side * side != n_spins or side < 3:
            raise ParameterError(f"parameter n_spins={n_spins} is invalid for graph='lattice'; expected a square >= 9 (16, 25, 36, 49, 64, 81, 100)")
        adjacency = np.zeros((n_spins, n_spins), dtype=bool)
        for r in range(side):
            for c in range(side):
                i = r * side + c
                for j in (r * side + (c + 1) % side, ((r + 1) % side) * side + c):
                    adjacency[i, j] = adjacency[j, i] = True
        return adjacency
    if graph == "random":
        _check_positive("degree", degree)
        rng = _rng(rng)
        upper = np.triu(rng.random((n_spins, n_spins)) < degree / (n_spins - 1), k=1)
        return upper | upper.T
    raise ParameterError(f"parameter graph={graph!r} is invalid; expected one of {', '.join(GRAPHS)}")


def random_couplings(
    adjacency: np.ndarray, *, rng=None, low: float = 0.5, high: float = 1.0, negative_fraction: float = 0.5
) -> np.ndarray:
    """Symmetric couplings on the bonds of ``adjacency``: |J| ~ U[low, high], each bond
    negative (antiferromagnetic) with probability ``negative_fraction``."""
    rng = _rng(rng)
    n = adjacency.shape[0]
    magnitude = rng.uniform(low, high, size=(n, n))
    sign = np.where(rng.random((n, n)) < negative_fraction, -1.0, 1.0)
    upper = np.triu(adjacency, k=1) * magnitude * sign
    return upper + upper.T


def greedy_colouring(adjacency: np.ndarray) -> list[np.ndarray]:
    """Classes of spins with no bond inside a class (largest degree first)."""
    n = adjacency.shape[0]
    colour = -np.ones(n, dtype=int)
    for i in np.argsort(-adjacency.sum(axis=1), kind="stable"):
        used = set(colour[adjacency[i]].tolist())
        colour[i] = next(c for c in range(n) if c not in used)
    return [np.flatnonzero(colour == c) for c in range(colour.max() + 1)]


def _gibbs(
    couplings: np.ndarray,
    fields: np.ndarray,
    n_states: int,
    n_samples: int,
    rng: np.random.Generator,
    *,
    n_chains: int,
    burn_in: int,
    thin: int,
) -> np.ndarray:
    """Heat-bath sampling of P(s) ~ exp(sum_{i<j} K_ij phi(s_i, s_j) + sum_i b_i(s_i)).

    n_states == 2 is Ising (phi = s_i s_j, s = +-1, fields (N,)); otherwise Potts
    (phi = delta, s in 0..q-1, fields (N, q))."""
    n = couplings.shape[0]
    classes = greedy_colouring(couplings != 0)
    chains = min(n_chains, n_samples)
    per_chain = -(-n_samples // chains)
    ising = n_states == 2
    if ising:
        state = rng.choice(np.array([-1.0, 1.0]), size=(chains, n))
    else:
        state = rng.integers(0, n_states, size=(chains, n))
    out = np.empty((chains, per_chain, n), dtype=np.int8)

    def sweep(state):
        for members in classes:
            if ising:
                local = state @ couplings[:, members] + fields[members]
                up = rng.random((chains, members.size)) < 1.0 / (1.0 + np.exp(-2.0 * local))
                state[:, members] = np.where(up, 1.0, -1.0)
            else:
                block = couplings[:, members]
                local = np.stack([(state == a) @ block for a in range(n_states)], axis=2) + fields[members]
                local -= local.max(axis=2, keepdims=True)
                prob = np.exp(local)
                cumulative = np.cumsum(prob / prob.sum(axis=2, keepdims=True), axis=2)
                draw = rng.random((chains, members.size, 1))
                state[:, members] = np.minimum((draw > cumulative).sum(axis=2), n_states - 1)
        return state

    for _ in range(burn_in):
        state = sweep(state)
    for k in range(per_chain):
        for _ in range(thin):
            state = sweep(state)
        out[:, k] = state
    # interleave chains so any prefix of the samples mixes all chains
    return out.transpose(1, 0, 2).reshape(-1, n)[:n_samples]


def _spin_dataset(spins, states, truth, name, provenance) -> Dataset:
    return Dataset(
        arrays={"spins": spins},
        variables=(Variable("spins", "", "state", f"spin states, one column per site; states {list(states)}"),),
        truth=truth,
        provenance={**provenance, "states": list(states)},
        name=name,
        kind="spin_samples",
    )


def simulate_ising(
    n_spins: int = 64,
    n_samples: int = 10_000,
    *,
    temperature: float = 1.5,
    coupling_range: tuple[float, float] = (0.5, 1.0),
    negative_fraction: float = 0.5,
    **options,
) -> Dataset:
    """Ising spins (+-1) with sparse random couplings, sampled at ``temperature``.

    ``options``: the graph and sampler settings of :func:`_simulate_classical` (graph,
    field_strength, degree, n_chains, burn_in, thin, seed).
    Truth: ``couplings`` = J/T (N x N), ``fields`` = h/T (N,), parameters hold J, h, T
    and the graph."""
    return _simulate_classical(2, n_spins, n_samples, temperature=temperature, coupling_range=coupling_range,
                               negative_fraction=negative_fraction, **options)


def simulate_potts(
    n_spins: int = 64,
    n_samples: int = 10_000,
    *,
    n_states: int = 3,
    temperature: float = 1.0,
    coupling_range: tuple[float, float] = (0.8, 1.6),
    negative_fraction: float = 0.3,
    **options,
) -> Dataset:
    """q-state Potts spins (0..q-1), energy -sum J_ij delta(s_i, s_j) - sum h_i(s_i).

    ``options``: as for :func:`simulate_ising`.
    Truth: ``couplings`` = J/T (N x N), ``fields`` = h/T (N, q)."""
    n_states = _check_int("n_states", n_states, 3, 20)
    return _simulate_classical(n_states, n_spins, n_samples, temperature=temperature, coupling_range=coupling_range,
                               negative_fraction=negative_fraction, **options)


def _simulate_classical(
    n_states: int,
    n_spins: int,
    n_samples: int,
    *,
    temperature: float,
    coupling_range: tuple[float, float],
    negative_fraction: float,
    graph: str = "lattice",
    field_strength: float = 0.0,
    degree: float = 3.0,
    n_chains: int = 1000,
    burn_in: int = 200,
    thin: int = 10,
    seed=None,
) -> Dataset:
    """The Ising (n_states = 2) and Potts builder behind :func:`simulate_ising` and
    :func:`simulate_potts`: random couplings on ``graph``, heat-bath samples, Truth."""
    n_spins = _check_int("n_spins", n_spins, 4, 400)
    n_samples = _check_int("n_samples", n_samples, 1)
    temperature = _check_positive("temperature", temperature)
    n_chains = _check_int("n_chains", n_chains, 1)
    burn_in = _check_int("burn_in", burn_in, 0)
    thin = _check_int("thin", thin, 1)
    low, high = coupling_range
    if not (0 <= low <= high) or not math.isfinite(high):
        raise ParameterError(f"parameter coupling_range={coupling_range!r} is invalid; expected (low, high) with 0 <= low <= high")
    if not 0 <= negative_fraction <= 1:
        raise ParameterError(f"parameter negative_fraction={negative_fraction!r} is invalid; expected a number in [0, 1]")
    if not math.isfinite(field_strength) or field_strength < 0:
        raise ParameterError(f"parameter field_strength={field_strength!r} is invalid; expected a finite number >= 0")
    rng = _rng(seed)
    adjacency = interaction_graph(n_spins, graph, degree=degree, rng=rng)
    raw = random_couplings(adjacency, rng=rng, low=low, high=high, negative_fraction=negative_fraction)
    field_shape = (n_spins,) if n_states == 2 else (n_spins, n_states)
    raw_fields = rng.uniform(-field_strength, field_strength, size=field_shape)
    if n_states > 2:
        raw_fields -= raw_fields.mean(axis=1, keepdims=True)  # zero-sum gauge: only differences matter
    couplings, fields = raw / temperature, raw_fields / temperature
    samples = _gibbs(couplings, fields, n_states, n_samples, rng, n_chains=n_chains, burn_in=burn_in, thin=thin)
    states = [-1, 1] if n_states == 2 else list(range(n_states))
    model = "ising" if n_states == 2 else "potts"
    truth = Truth(
        couplings=couplings,
        fields=fields,
        parameters={
            "model": model,
            "temperature": temperature,
            "raw_couplings": raw,
            "raw_fields": raw_fields,
            "graph": graph,
            "n_states": n_states,
            "adjacency": adjacency,
        },
        notes=(
            "couplings are J/T in P(s) ~ exp(sum_{i<j} K_ij "
            + ("s_i s_j" if model == "ising" else "delta(s_i, s_j)")
            + " + fields); only J/T is identifiable from samples"
        ),
    )
    provenance = {
        "simulator": f"physlens.data.spins.simulate_{model}",
        "n_spins": n_spins,
        "n_samples": n_samples,
        "graph": graph,
        "temperature": temperature,
        "seed": seed if not isinstance(seed, np.random.Generator) else None,
        "sampler": f"heat bath, {min(n_chains, n_samples)} chains, burn-in {burn_in} sweeps, thin {thin}",
    }
    return _spin_dataset(samples, states, truth, f"{model}-{graph}-N{n_spins}", provenance)


# -- quantum chain ------------------------------------------------------------------


def chain_hamiltonian(bonds: np.ndarray, *, transverse_field: float = 1.0, model: str = "tfim"):
    """Sparse Hamiltonian of an open chain (basis state index bit k = qubit k, bit 0 = up).

    tfim: H = -sum_i J_i Z_i Z_{i+1} - g sum_i X_i;
    heisenberg: H = sum_i J_i (X_i X_{i+1} + Y_i Y_{i+1} + Z_i Z_{i+1})."""
    from scipy import sparse

    n = len(bonds) + 1
    dim = 2**n
    index = np.arange(dim)
    bits = (index[:, None] >> np.arange(n)) & 1
    z = 1 - 2 * bits  # +1 for bit 0
    zz = z[:, :-1] * z[:, 1:]
    rows, cols, vals = [], [], []
    if model == "tfim":
        diagonal = -(zz * bonds).sum(axis=1)
        for k in range(n):
            rows.append(index)
            cols.append(index ^ (1 << k))
            vals.append(np.full(dim, -transverse_field))
    elif model == "heisenberg":
        diagonal = (zz * bonds).sum(axis=1).astype(float)
        for k in range(n - 1):
            anti = zz[:, k] == -1  # XX + YY flips an antiparallel pair with amplitude 2
            rows.append(index[anti])
            cols.append(index[anti] ^ (0b11 << k))
            vals.append(np.full(int(anti.sum()), 2.0 * bonds[k]))
    else:
        raise ParameterError(f"parameter model={model!r} is invalid; expected one of {', '.join(QUANTUM_MODELS)}")
    rows.append(index)
    cols.append(index)
    vals.append(diagonal)
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim))


def ground_state(hamiltonian, rng: np.random.Generator) -> tuple[float, np.ndarray]:
    from scipy.sparse.linalg import eigsh

    start = rng.standard_normal(hamiltonian.shape[0])
    energy, vector = eigsh(hamiltonian, k=1, which="SA", v0=start, tol=1e-12)
    return float(energy[0]), vector[:, 0]


def _rotate_to_x(state: np.ndarray, n: int) -> np.ndarray:
    """Apply a Hadamard on every qubit: amplitudes in the x basis."""
    tensor = state.reshape((2,) * n)
    hadamard = np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2)
    for axis in range(n):
        tensor = np.moveaxis(np.tensordot(hadamard, tensor, axes=([1], [axis])), 0, axis)
    return tensor.reshape(-1)


def simulate_quantum_chain(
    n_spins: int = 10,
    n_samples: int = 10_000,
    *,
    model: str = "tfim",
    transverse_field: float = 1.0,
    bond_range: tuple[float, float] = (0.5, 1.5),
    basis: str = "z",
    seed=None,
) -> Dataset:
    """Measurement snapshots (+-1 per qubit) of the ground state of an open chain with
    random bond strengths J_i ~ U[bond_range], found by exact diagonalisation.

    Truth: ``couplings`` holds the quantum bond strengths J_i on (i, i+1). A classical
    model fitted to the snapshots learns the *effective classical couplings of the
    snapshot distribution*, which are monotone in, not equal to, the J_i."""
    n_spins = _check_int("n_spins", n_spins, 3, 12)
    n_samples = _check_int("n_samples", n_samples, 1)
    if model not in QUANTUM_MODELS:
        raise ParameterError(f"parameter model={model!r} is invalid; expected one of {', '.join(QUANTUM_MODELS)}")
    if basis not in ("z", "x"):
        raise ParameterError(f"parameter basis={basis!r} is invalid; expected 'z' or 'x'")
    if not math.isfinite(transverse_field) or transverse_field < 0:
        raise ParameterError(f"parameter transverse_field={transverse_field!r} is invalid; expected a finite number >= 0")
    low, high = bond_range
    if not (0 < low <= high) or not math.isfinite(high):
        raise ParameterError(f"parameter bond_range={bond_range!r} is invalid; expected (low, high) with 0 < low <= high")
    rng = _rng(seed)
    bonds = rng.uniform(low, high, size=n_spins - 1)
    energy, state = ground_state(chain_hamiltonian(bonds, transverse_field=transverse_field, model=model), rng)
    if basis == "x":
        state = _rotate_to_x(state, n_spins)
    probability = state**2
    probability /= probability.sum()
    outcomes = rng.choice(probability.size, size=n_samples, p=probability)
    bits = (outcomes[:, None] >> np.arange(n_spins)) & 1
    spins = (1 - 2 * bits).astype(np.int8)
    couplings = np.zeros((n_spins, n_spins))
    for i, b in enumerate(bonds):
        couplings[i, i + 1] = couplings[i + 1, i] = b
    truth = Truth(
        couplings=couplings,
        fields=None,
        parameters={
            "model": model,
            "bonds": bonds,
            "transverse_field": transverse_field,
            "ground_state_energy": energy,
            "basis": basis,
        },
        notes="couplings are the quantum bond strengths J_i; learned classical couplings are effective couplings of the snapshot distribution",
    )
    provenance = {
        "simulator": "physlens.data.spins.simulate_quantum_chain",
        "n_spins": n_spins,
        "n_samples": n_samples,
        "model": model,
        "basis": basis,
        "seed": seed if not isinstance(seed, np.random.Generator) else None,
    }
    return _spin_dataset(spins, [-1, 1], truth, f"{model}-chain-N{n_spins}", provenance)
