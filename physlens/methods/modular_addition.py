"""A network read from the inside: modular addition (Liu et al. 2022, "Towards
understanding grokking"; Nanda et al. 2023, "Progress measures for grokking via
mechanistic interpretability").

An MLP with token embeddings, logits = W_out relu(W_in (E[a] + E[b])), is trained
full-batch with AdamW and strong weight decay on a fraction of the table of
(a + b) mod p until it generalises. Then the mechanism is read, not the function:

- the embedding's Fourier spectrum over tokens (its key frequencies k, w_k = 2 pi k / p);
- the logits' decomposition into cos(w_k (a + b - c)) and sin(w_k (a + b - c)) terms,
  which are orthogonal over the full table, so each frequency's share of the logit
  variance adds up; the key frequencies are the fewest explaining the target share;
- the ring: in the plane of the two top principal components of the embedding that
  carry frequency k, the tokens lie on a circle in the order k n mod p;
- progress measures logged during training (Nanda et al.): the restricted loss (train
  loss of the logits' key-frequency part only) and the excluded loss (train loss with
  that part removed), which show the circuit forming before the test loss falls.
"""

from __future__ import annotations

import numpy as np

from physlens.errors import DataError
from physlens.methods.base import (
    SEED_RULE,
    Interpretation,
    Method,
    Taxonomy,
    as_samples,
    fraction,
    positive_int,
    positive_number,
    register,
    rng_from,
)
from physlens.methods._torch import torch_generator, torch_threads
from physlens.validate.modular import (
    crossing_step,
    dating_verdict,
    frequencies_verdict,
    generalisation_verdict,
    ring_order_fraction,
    ring_verdict,
)
from physlens.validate.verdict import all_blocking_passed

__all__ = ["ModularAdditionCircuit", "frequency_shares"]


def _phase_grid(modulus: int) -> np.ndarray:
    """(a + b - c) mod p over the full table, shape (p^2, p): rows (a, b), columns c."""
    a, b = (g.ravel() for g in np.meshgrid(np.arange(modulus), np.arange(modulus), indexing="ij"))
    return (a + b)[:, None] - np.arange(modulus)[None, :]


def _fourier_coefficients(centred: np.ndarray, modulus: int, frequencies) -> np.ndarray:
    """(cos, sin) coefficients of cos/sin(w_k (a + b - c)) in logits centred over c, per
    frequency; both terms have squared norm p^3 / 2 over the table and are orthogonal."""
    phase = 2 * np.pi * _phase_grid(modulus) / modulus
    return np.array([[np.sum(centred * np.cos(k * phase)), np.sum(centred * np.sin(k * phase))] for k in frequencies]) / (modulus**3 / 2)


def frequency_shares(logits: np.ndarray, modulus: int) -> tuple[np.ndarray, np.ndarray]:
    """Each frequency k = 1..(p-1)/2's share of the variance of the logits (full table,
    rows (a, b) in row-major order, centred over c) and its (cos, sin) coefficients ->
    shares (K,), coefficients (K, 2)."""
    centred = logits - logits.mean(axis=1, keepdims=True)
    coefficients = _fourier_coefficients(centred, modulus, range(1, (modulus - 1) // 2 + 1))
    shares = np.sum(coefficients**2, axis=1) * modulus**3 / 2 / max(float(np.sum(centred**2)), 1e-300)
    return shares, coefficients


def _key_part(logits: np.ndarray, modulus: int, frequencies: list[int]) -> np.ndarray:
    """The logits' part along cos/sin(w_k (a + b - c)) for the given frequencies."""
    coefficients = _fourier_coefficients(logits - logits.mean(axis=1, keepdims=True), modulus, frequencies)
    phase = 2 * np.pi * _phase_grid(modulus) / modulus
    part = np.zeros_like(logits)
    for (cos, sin), k in zip(coefficients, frequencies):
        part += cos * np.cos(k * phase) + sin * np.sin(k * phase)
    return part


def _cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(log_norm - shifted[np.arange(len(labels)), labels]))


@register("modular_addition")
class ModularAdditionCircuit(Method):
    """Train an embedding MLP on (a + b) mod p until it groks, then read its Fourier
    mechanism: key frequencies, rings, cos(w (a + b - c)) logits, progress measures.

    ``fit(X, y)`` with X the pairs (a, b) and y = (a + b) mod p (integers in [0, p), the
    modulus p read as max + 1 unless given); training uses ``train_fraction`` of the rows.

    Parameters
    ----------
    train_fraction : float, default 0.4
        Fraction of the given rows trained on; the rest are held out.
    embedding_dim : int, default 128
        Width of the token embedding.
    hidden : int, default 256
        Width of the ReLU layer.
    steps : int, default 1500
        Full-batch AdamW steps.
    learning_rate : float, default 3e-3
        AdamW learning rate.
    weight_decay : float, default 1.0
        AdamW weight decay (large, as grokking needs).
    log_every : int, default 50
        Steps between progress-measure evaluations.
    max_frequencies : int, default 6
        Most key frequencies the mechanism may use.
    variance_target : float, default 0.95
        Share of the logit variance the key frequencies must explain.
    random_state : None, int or numpy Generator, default None
        Seed of the split and the weights.

    Attributes
    ----------
    modulus_ : int
        p.
    embedding_ : ndarray
        The learned token embedding, (p, embedding_dim).
    key_frequencies_ : list of int
        The fewest frequencies k whose cos/sin(w_k (a + b - c)) terms reach the target.
    frequency_shares_ : ndarray
        Each frequency's share of the logit variance (k = 1..(p-1)/2).
    embedding_spectrum_ : ndarray
        Squared norm of the embedding at each frequency, normalised to sum 1.
    logit_variance_explained_ : float
        Share explained by the key frequencies.
    ring_angles_ : dict
        Key frequency -> token angles in its principal-component plane.
    ring_ordered_ : dict
        Key frequency -> fraction of ring neighbours consecutive in k n mod p (1: exact).
    history_ : dict of ndarray
        step, train_loss, test_loss, test_accuracy, restricted_loss, excluded_loss.
    test_accuracy_ : float
        Held-out accuracy at the end.
    grokking_step_, restricted_step_, test_loss_step_ : float
        First step with held-out accuracy >= 0.9, and the steps where the restricted and
        test losses are halfway (log scale) to their final values.
    """

    taxonomy = Taxonomy(origin="post-hoc", mechanism="mechanistic", scope="global", aim="discovering", level="low")
    consumes = "modular_arithmetic"
    interpretation_kind = "attribution"
    parameter_rules = {
        "train_fraction": (lambda v: fraction(v) and 0.05 <= v <= 0.95, "a fraction in [0.05, 0.95]"),
        **{name: (positive_int, "an integer >= 1") for name in ("embedding_dim", "hidden", "steps", "log_every")},
        "learning_rate": (positive_number, "a number > 0"),
        "weight_decay": (lambda v: positive_number(v) or v == 0, "a number >= 0"),
        "max_frequencies": (positive_int, "an integer >= 1"),
        "variance_target": (lambda v: fraction(v) and v > 0, "a fraction in (0, 1]"),
        "random_state": SEED_RULE,
    }

    def __init__(self, *, train_fraction: float = 0.4, embedding_dim: int = 128, hidden: int = 256, steps: int = 1500,
                 learning_rate: float = 3e-3, weight_decay: float = 1.0, log_every: int = 50, max_frequencies: int = 6,
                 variance_target: float = 0.95, random_state=None):
        self.train_fraction = train_fraction
        self.embedding_dim = embedding_dim
        self.hidden = hidden
        self.steps = steps
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.log_every = log_every
        self.max_frequencies = max_frequencies
        self.variance_target = variance_target
        self.random_state = random_state

    def fit_dataset(self, dataset) -> "ModularAdditionCircuit":
        self._check_applicable(dataset)
        return self.fit(np.column_stack([dataset["a"], dataset["b"]]), dataset["c"])

    def _check_data(self, X, y, modulus):
        owner = type(self).__name__
        X = as_samples(owner, "X", X)
        if X.shape[1] != 2:
            raise DataError(f"{owner}: X must have 2 columns (a, b), got shape {X.shape}")
        y = as_samples(owner, "y", y, ndim=1, n_rows=X.shape[0])
        values = np.column_stack([X, y])
        bad = np.flatnonzero(np.any((values != np.round(values)) | (values < 0), axis=1))
        if bad.size:
            raise DataError(f"{owner}: row {int(bad[0])} is {values[bad[0]].tolist()}; a, b and c must be integers >= 0")
        p = int(values.max()) + 1 if modulus is None else int(modulus)
        if p < 5 or values.max() >= p:
            raise DataError(f"{owner}: modulus {p} is invalid for values up to {int(values.max())}; expected p >= 5 above every value")
        X, y = X.astype(int), y.astype(int)
        wrong = np.flatnonzero((X.sum(axis=1) % p) != y)
        if wrong.size:
            raise DataError(f"{owner}: row {int(wrong[0])}: ({X[wrong[0], 0]} + {X[wrong[0], 1]}) mod {p} is not {y[wrong[0]]}; "
                            "y must be (a + b) mod p")
        if len(X) < 10:
            raise DataError(f"{owner}: {len(X)} rows; at least 10 are needed")
        return X, y, p

    def fit(self, X, y, modulus: int | None = None) -> "ModularAdditionCircuit":
        self._validate_parameters()
        X, y, p = self._check_data(X, y, modulus)
        with torch_threads(1):
            return self._fit(X, y, p)

    def _fit(self, X, y, p) -> "ModularAdditionCircuit":
        import torch

        rng = rng_from(self.random_state)
        generator = torch_generator(int(rng.integers(2**62)))
        order = rng.permutation(len(X))
        n_train = max(1, int(round(self.train_fraction * len(X))))
        train, test = order[:n_train], order[n_train:]
        d, h = self.embedding_dim, self.hidden
        embedding = torch.nn.Parameter(torch.randn(p, d, generator=generator, dtype=torch.float64) / np.sqrt(d))
        w_in = torch.nn.Parameter(torch.randn(d, h, generator=generator, dtype=torch.float64) / np.sqrt(d))
        w_out = torch.nn.Parameter(torch.randn(h, p, generator=generator, dtype=torch.float64) / np.sqrt(h))
        a, b, c = (torch.tensor(v) for v in (X[:, 0], X[:, 1], y))
        table = np.array(np.meshgrid(np.arange(p), np.arange(p), indexing="ij")).reshape(2, -1)
        table_a, table_b = torch.tensor(table[0]), torch.tensor(table[1])
        # the train rows' index in the full table, for the progress measures
        train_cells, train_labels = X[train, 0] * p + X[train, 1], y[train]

        def logits(first, second):
            return torch.relu((embedding[first] + embedding[second]) @ w_in) @ w_out

        optimizer = torch.optim.AdamW([embedding, w_in, w_out], lr=self.learning_rate, weight_decay=self.weight_decay, betas=(0.9, 0.98))
        snapshots = []
        for step in range(self.steps + 1):
            if step % self.log_every == 0 or step == self.steps:
                with torch.no_grad():
                    full = logits(table_a, table_b).numpy()
                snapshots.append((step, full))
            if step == self.steps:
                break
            loss = torch.nn.functional.cross_entropy(logits(a[train], b[train]), c[train])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        final = snapshots[-1][1]
        self.modulus_ = p
        self.frequency_shares_, _ = frequency_shares(final, p)
        ranked = [int(k) + 1 for k in np.argsort(-self.frequency_shares_)]
        cumulative = np.cumsum(np.sort(self.frequency_shares_)[::-1])
        n_key = int(min(np.searchsorted(cumulative, self.variance_target) + 1, self.max_frequencies, len(ranked)))
        self.key_frequencies_ = sorted(ranked[:n_key])
        self.logit_variance_explained_ = float(cumulative[n_key - 1])
        weights = embedding.detach().numpy()
        self.embedding_ = weights
        self.embedding_spectrum_ = self._spectrum(weights, p)
        self.ring_angles_, self.ring_ordered_ = self._rings(weights, p)
        history = {name: [] for name in ("step", "train_loss", "test_loss", "test_accuracy", "restricted_loss", "excluded_loss")}
        test_cells = X[test, 0] * p + X[test, 1]
        for step, full in snapshots:
            key_part = _key_part(full, p, self.key_frequencies_)
            centre = full.mean(axis=1, keepdims=True)
            history["step"].append(step)
            history["train_loss"].append(_cross_entropy(full[train_cells], train_labels))
            history["test_loss"].append(_cross_entropy(full[test_cells], y[test]) if len(test) else float("nan"))
            history["test_accuracy"].append(float(np.mean(full[test_cells].argmax(axis=1) == y[test])) if len(test) else float("nan"))
            history["restricted_loss"].append(_cross_entropy((centre + key_part)[train_cells], train_labels))
            history["excluded_loss"].append(_cross_entropy((full - key_part)[train_cells], train_labels))
        self.history_ = {k: np.asarray(v, dtype=float) for k, v in history.items()}
        self.test_accuracy_ = float(self.history_["test_accuracy"][-1])
        steps = self.history_["step"]
        reached = np.flatnonzero(self.history_["test_accuracy"] >= 0.9)
        self.grokking_step_ = float(steps[reached[0]]) if reached.size else float("nan")
        self.restricted_step_ = crossing_step(steps, self.history_["restricted_loss"])
        self.test_loss_step_ = crossing_step(steps, self.history_["test_loss"])
        return self

    @staticmethod
    def _spectrum(weights: np.ndarray, p: int) -> np.ndarray:
        """Squared norm of the embedding at each frequency k = 1..(p-1)/2, summing to 1."""
        transform = np.fft.rfft(weights - weights.mean(axis=0), axis=0)[1:(p - 1) // 2 + 1]
        power = np.sum(np.abs(transform) ** 2, axis=1)
        return power / max(power.sum(), 1e-300)

    def _rings(self, weights: np.ndarray, p: int) -> tuple[dict, dict]:
        """Per key frequency: token angles in the plane, within the span of the top 2K
        principal components (K key frequencies), that carries frequency k (the PCs
        themselves mix frequencies whose singular values are near-degenerate), and the
        fraction of ring neighbours consecutive in k n mod p."""
        centred = weights - weights.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        n_pc = min(2 * len(self.key_frequencies_), len(s))
        scores = u[:, :n_pc] * s[:n_pc]
        angles, ordered = {}, {}
        for k in self.key_frequencies_:
            component = (scores * np.exp(-2j * np.pi * k * np.arange(p) / p)[:, None]).sum(axis=0)
            plane = np.linalg.qr(np.column_stack([component.real, component.imag]))[0]
            coordinates = scores @ plane
            angles[k] = np.arctan2(coordinates[:, 1], coordinates[:, 0])
            ordered[k] = ring_order_fraction(angles[k], k, p)
        return angles, ordered

    def interpret(self) -> Interpretation:
        import pandas as pd
        import sympy

        self._check_is_fitted("history_")
        p = self.modulus_
        verdicts = [
            generalisation_verdict(self.test_accuracy_),
            frequencies_verdict(self.logit_variance_explained_, len(self.key_frequencies_), target=self.variance_target,
                                max_frequencies=self.max_frequencies),
            ring_verdict(self.ring_ordered_),
            dating_verdict(self.restricted_step_, self.test_loss_step_),
        ]
        a, b, c = sympy.symbols("a b c", integer=True)
        logit = sum(sympy.cos(2 * sympy.pi * k * (a + b - c) / p + sympy.Symbol(f"phi_{k}")) * sympy.Symbol(f"A_{k}")
                    for k in self.key_frequencies_)
        table = pd.DataFrame({"frequency": np.arange(1, len(self.frequency_shares_) + 1),
                              "logit_variance_share": self.frequency_shares_, "embedding_power_share": self.embedding_spectrum_})
        found = all_blocking_passed(verdicts)
        return Interpretation(
            kind="attribution",
            method=self.method_name,
            taxonomy=self.taxonomy,
            found=found,
            summary=(f"p = {p}: key frequencies {self.key_frequencies_} explain {self.logit_variance_explained_:.3f} of the logit "
                     f"variance; rings exact for {[k for k, v in self.ring_ordered_.items() if v == 1.0]} (least ordered {min(self.ring_ordered_.values()):.2f}); held-out accuracy "
                     f"{self.test_accuracy_:.3f} (>= 0.9 from step {self.grokking_step_:.0f}); restricted loss halfway at step "
                     f"{self.restricted_step_:.0f}, test loss at {self.test_loss_step_:.0f}"),
            expressions={"logit": logit},
            values={"modulus": p, "key_frequencies": list(self.key_frequencies_), "logit_variance_explained": self.logit_variance_explained_,
                    "ring_ordered": {str(k): float(v) for k, v in self.ring_ordered_.items()}, "test_accuracy": self.test_accuracy_,
                    "grokking_step": self.grokking_step_, "restricted_step": self.restricted_step_, "test_loss_step": self.test_loss_step_},
            table=table,
            verdicts=verdicts,
            reasons=[f"{v.name}: {v.reason}" for v in verdicts if v.passed is False],
        )
