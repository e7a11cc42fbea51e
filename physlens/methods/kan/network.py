"""The KAN itself (Gaussian radial basis splines on a fixed grid, as in "FastKAN") with
its edges snapped to library functions one at a time, and the optimisers that train it
(Adam with an L1 penalty on edge activity, then L-BFGS, as in the KAN paper)."""

from __future__ import annotations

import numpy as np

from physlens.methods._torch import minimize_lbfgs
from physlens.methods.kan.edges import torch_function

GRID_RANGE = 2.0  # hidden activations are squashed into (-GRID_RANGE, GRID_RANGE) for the spline edges


class SplineNetwork:
    """The KAN itself: per layer spline weights, a mask of live edges, and the edges
    already snapped to library functions (name -> trainable (a, b, c); d joins the bias)."""

    def __init__(self, sizes, n_basis, generator):
        import torch

        self.sizes, self.n_basis = sizes, n_basis
        self.layers, self.masks, self.symbolic = [], [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            w_base = (torch.rand((n_in, n_out), generator=generator, dtype=torch.float64) - 0.5) / np.sqrt(n_in)
            coeff = 0.1 * torch.randn((n_in, n_out, n_basis), generator=generator, dtype=torch.float64) / np.sqrt(n_in)
            bias = torch.zeros(n_out, dtype=torch.float64)
            self.layers.append([w_base.requires_grad_(), coeff.requires_grad_(), bias.requires_grad_()])
            self.masks.append(np.ones((n_in, n_out), dtype=bool))
            self.symbolic.append({})

    def parameters(self, splines: bool = True):
        out = []
        for layer, (w_base, coeff, bias) in enumerate(self.layers):
            if splines and (self.masks[layer] & ~self._snapped(layer)).any():
                out += [w_base, coeff]
            out.append(bias)
            out += [theta for _, theta in self.symbolic[layer].values()]
        return out

    def _snapped(self, layer):
        snapped = np.zeros(self.masks[layer].shape, dtype=bool)
        for i, j in self.symbolic[layer]:
            snapped[i, j] = True
        return snapped

    def forward(self, x, record=False):
        import torch

        s, records = x, []
        for layer, (w_base, coeff, bias) in enumerate(self.layers):
            # inputs live in [-1, 1]; hidden sums are squashed onto the grid for the splines only
            grid = 1.0 if layer == 0 else GRID_RANGE
            z = s if layer == 0 else grid * torch.tanh(s / grid)
            centres = torch.linspace(-grid, grid, self.n_basis, dtype=torch.float64)
            h = 2 * grid / (self.n_basis - 1)
            basis = torch.exp(-(((z[:, :, None] - centres) / h) ** 2))  # (n, in, K)
            edges = w_base[None] * torch.nn.functional.silu(z)[:, :, None] + torch.einsum("nik,iok->nio", basis, coeff)
            spline_mask = self.masks[layer] & ~self._snapped(layer)
            edges = edges * torch.tensor(spline_mask, dtype=torch.float64)[None]
            for (i, j), (name, theta) in self.symbolic[layer].items():
                u = s[:, i] if name == "x" else theta[1] * s[:, i] + theta[2]
                value = theta[0] * torch_function(name)(u)
                onehot = torch.zeros(edges.shape[1:], dtype=torch.float64)
                onehot[i, j] = 1.0
                edges = edges + value[:, None, None] * onehot
            if record:
                records.append((s.detach().numpy(), edges.detach().numpy()))
            s = edges.sum(dim=1) + bias
        return s[:, 0], records

    def penalty(self):
        total = 0.0
        for w_base, coeff, _ in self.layers:
            total = total + w_base.abs().sum() + coeff.abs().mean(dim=2).sum()
        return total


def set_edge(network, layer, i, j, name, constants):
    """Make edge (i, j) of ``layer`` the function a*f(b*x + c) + d (d joins the bias)."""
    import torch

    a, b, c, d = constants
    with torch.no_grad():
        network.layers[layer][2][j] += d if name != "x" else d + a * c
    if name == "0":
        network.masks[layer][i, j] = False
        network.symbolic[layer].pop((i, j), None)
        return
    theta = torch.tensor([a * b, 1.0, 0.0] if name == "x" else [a, b, c], dtype=torch.float64)
    network.symbolic[layer][(i, j)] = (name, theta.requires_grad_())


def mean_squared_error(network, x, target) -> float:
    import torch

    with torch.no_grad():
        prediction, _ = network.forward(x)
        value = float(torch.mean((prediction - target) ** 2))
    return value if np.isfinite(value) else np.inf


def train_adam(network, x, target, steps, learning_rate, sparsity):
    import torch

    optimizer = torch.optim.Adam(network.parameters(), lr=learning_rate)
    for _ in range(steps):
        prediction, _ = network.forward(x)
        loss = torch.mean((prediction - target) ** 2)
        if sparsity:
            loss = loss + sparsity * network.penalty()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def train_lbfgs(network, x, target, iterations, splines=True):
    """LBFGS on the mean squared error (the KAN paper's optimiser); a step that makes the
    loss non-finite is undone."""
    import torch

    parameters = network.parameters(splines)
    if not parameters or iterations < 1:
        return
    saved = [p.detach().clone() for p in parameters]

    def mean_squared_error():
        prediction, _ = network.forward(x)
        return torch.mean((prediction - target) ** 2)

    minimize_lbfgs(parameters, mean_squared_error, iterations, history_size=20, tolerance_grad=1e-12, tolerance_change=1e-15)
    with torch.no_grad():
        if not bool(torch.isfinite(mean_squared_error())):
            for p, old in zip(parameters, saved):
                p.copy_(old)
