"""The torch helpers behind every network method: one MLP builder, seeded construction,
L-BFGS, the thread policy, input standardisation, input gradients, and a numpy copy of a
tanh MLP for long rollouts.

Randomness follows the estimator contract: a network's weights come from a local
``torch.Generator`` (:func:`torch_generator`) or from a forked global state
(:func:`seeded_module`), seeded from the estimator's ``random_state`` through
:func:`physlens.methods.base.seed_from`; the global torch seed is never touched.
torch is imported inside each function so that ``import physlens`` stays fast.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from physlens.methods.base import seed_from

__all__ = [
    "NumpyTanhMLP",
    "adam_then_lbfgs",
    "Standardized",
    "make_mlp",
    "minimize_lbfgs",
    "network_gradients",
    "seeded_module",
    "torch_generator",
    "torch_threads",
]

ACTIVATIONS = ("silu", "tanh", "softplus", "elu")
INITIALISATIONS = ("uniform", "he_normal", "torch")


def torch_generator(random_state: Any):
    """A local ``torch.Generator`` seeded from ``random_state`` (an int gives that seed;
    None a fresh one drawn from numpy's global state, as scikit-learn does)."""
    import torch

    return torch.Generator().manual_seed(seed_from(random_state))


def seeded_module(build: Callable[[], Any], random_state: Any):
    """``build()`` with torch's global RNG seeded from ``random_state`` inside a fork, so
    modules that draw their initialisation from the global state (torch's own
    ``nn.Linear`` defaults) are reproducible without changing the caller's RNG state."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed_from(random_state))
        return build()


def make_mlp(sizes: Sequence[int], activation: str, generator=None, *, init: str = "uniform", dtype=None):
    """A torch MLP ``Linear, activation, ..., Linear`` through ``sizes`` (input width first).

    ``activation``: "silu", "tanh", "softplus" (smooth, so input gradients are meaningful)
    or "elu". ``init`` says where the weights come from:
    "uniform" (weights U(+-sqrt(3 / fan_in)), biases U(+-1 / sqrt(fan_in)), from ``generator``),
    "he_normal" (weights N(0, 2 / fan_in), zero biases, from ``generator``) or
    "torch" (``nn.Linear``'s own initialisation from the global RNG: build it inside
    :func:`seeded_module`). ``dtype`` defaults to float64, except with "torch" where it is
    torch's default."""
    import torch

    if activation not in ACTIVATIONS or init not in INITIALISATIONS:
        raise ValueError(f"make_mlp: activation {activation!r} (valid: {ACTIVATIONS}), init {init!r} (valid: {INITIALISATIONS})")
    if dtype is None and init != "torch":
        dtype = torch.float64
    layer_of = {"silu": torch.nn.SiLU, "tanh": torch.nn.Tanh, "softplus": torch.nn.Softplus, "elu": torch.nn.ELU}[activation]
    layers: list[Any] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = torch.nn.Linear(fan_in, fan_out, dtype=dtype)
        with torch.no_grad():
            if init == "uniform":
                bound = 1.0 / math.sqrt(fan_in)
                linear.weight.uniform_(-bound * math.sqrt(3), bound * math.sqrt(3), generator=generator)
                linear.bias.uniform_(-bound, bound, generator=generator)
            elif init == "he_normal":
                linear.weight.copy_(torch.randn(fan_out, fan_in, generator=generator, dtype=dtype) * math.sqrt(2.0 / fan_in))
                linear.bias.zero_()
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(layer_of())
    return torch.nn.Sequential(*layers)


def minimize_lbfgs(parameters, loss_fn, max_iter: int, *, history_size: int = 30,
                   tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9) -> int:
    """Minimise ``loss_fn()`` over torch ``parameters`` by L-BFGS with a strong-Wolfe line
    search (one ``step`` of up to ``max_iter`` iterations); returns the iterations used."""
    import torch

    optimizer = torch.optim.LBFGS(parameters, lr=1.0, max_iter=max_iter, history_size=history_size, line_search_fn="strong_wolfe",
                                  tolerance_grad=tolerance_grad, tolerance_change=tolerance_change)

    def closure():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    optimizer.step(closure)
    return int(optimizer.state[optimizer._params[0]].get("n_iter", 0))


def adam_then_lbfgs(module, loss_fn, steps: int, learning_rate: float, polish_steps: int) -> None:
    """Full-batch Adam for ``steps`` (cosine learning-rate decay from ``learning_rate``),
    then ``polish_steps`` L-BFGS iterations to tight tolerances: Adam alone stalls near a
    1e-3 relative error, and long rollouts of a learned field need ~1e-6."""
    import torch

    optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    for _ in range(steps):
        loss = loss_fn()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    if polish_steps:
        minimize_lbfgs(list(module.parameters()), loss_fn, polish_steps, history_size=50, tolerance_grad=1e-12, tolerance_change=1e-15)


def network_gradients(function, X: np.ndarray) -> np.ndarray:
    """Gradients of every output of a torch module at the rows of X: (n, d, m)."""
    import torch

    inputs = torch.tensor(np.asarray(X, dtype=float), dtype=torch.float64, requires_grad=True)
    outputs = function(inputs)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    columns = []
    for j in range(outputs.shape[1]):
        (grad,) = torch.autograd.grad(outputs[:, j].sum(), inputs, retain_graph=j + 1 < outputs.shape[1])
        columns.append(grad.detach().numpy())
    return np.stack(columns, axis=2)


class Standardized:
    """Wraps a torch module so it takes raw inputs: (x - mean) / scale -> module."""

    def __init__(self, module, mean: np.ndarray, scale: np.ndarray):
        import torch

        self.module = module
        self.mean = torch.tensor(mean, dtype=torch.float64)
        self.scale = torch.tensor(scale, dtype=torch.float64)

    def __call__(self, x):
        return self.module((x - self.mean) / self.scale)


class NumpyTanhMLP:
    """numpy copy of a tanh MLP built by :func:`make_mlp` (taking standardised inputs
    (x - mean) / scale), with its input gradient; long rollouts call it ~10^5 times,
    where torch's per-call overhead dominates."""

    def __init__(self, module, mean: np.ndarray, scale: np.ndarray):
        import torch

        linears = [m for m in module if isinstance(m, torch.nn.Linear)]
        self.weights = [m.weight.detach().numpy().astype(float) for m in linears]
        self.biases = [m.bias.detach().numpy().astype(float) for m in linears]
        self.mean, self.scale = mean, scale

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        h = (x - self.mean) / self.scale
        hidden = []
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = np.tanh(h @ w.T + b)
            hidden.append(h)
        return h @ self.weights[-1].T + self.biases[-1], hidden

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """d output[0] / d x for every row."""
        _, hidden = self.forward(x)
        g = np.broadcast_to(self.weights[-1][0], (x.shape[0], self.weights[-1].shape[1]))
        for w, h in zip(reversed(self.weights[:-1]), reversed(hidden)):
            g = (g * (1 - h * h)) @ w
        return g / self.scale


class torch_threads:
    """Context manager running torch on ``n`` intra-op threads, restoring the previous
    setting on exit. Small networks are many times slower with 2 threads on a busy
    2-core machine (thread contention), so training uses one."""

    def __init__(self, n: int = 1):
        self.n = n

    def __enter__(self):
        import torch

        self.previous = torch.get_num_threads()
        torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.previous)
        return False
