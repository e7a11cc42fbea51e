"""The shared torch helpers of physlens/methods/_torch.py."""

import math

import numpy as np
import pytest
import torch

from physlens.methods._torch import NumpyTanhMLP, make_mlp, seeded_module, torch_generator


def test_he_normal_layers_draw_what_the_generator_gives_in_order():
    network = make_mlp([3, 5, 2], "silu", torch_generator(7), init="he_normal", dtype=torch.float32)
    generator = torch_generator(7)
    first = torch.randn(5, 3, generator=generator) * math.sqrt(2.0 / 3)
    second = torch.randn(2, 5, generator=generator) * math.sqrt(2.0 / 5)
    torch.testing.assert_close(network[0].weight.detach(), first)
    torch.testing.assert_close(network[2].weight.detach(), second)
    assert not network[0].bias.detach().any() and isinstance(network[1], torch.nn.SiLU)


def test_torch_initialisation_is_seeded_without_touching_the_global_state():
    state = torch.get_rng_state()
    a = seeded_module(lambda: make_mlp([4, 8, 1], "elu", init="torch"), 3)
    b = seeded_module(lambda: make_mlp([4, 8, 1], "elu", init="torch"), 3)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert a[0].weight.dtype == torch.float32 and isinstance(a[1], torch.nn.ELU)


def test_numpy_copy_of_a_tanh_mlp_matches_torch_and_its_gradient():
    module = make_mlp([2, 6, 6, 1], "tanh", torch_generator(0))
    mean, scale = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    fast = NumpyTanhMLP(module, mean, scale)
    x = np.random.default_rng(0).normal(size=(5, 2))
    inputs = torch.tensor((x - mean) / scale, requires_grad=True)
    output = module(inputs)[:, 0]
    (grad,) = torch.autograd.grad(output.sum(), inputs)
    np.testing.assert_allclose(fast.forward(x)[0][:, 0], output.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(fast.gradient(x), grad.numpy() / scale, rtol=1e-10)


def test_unknown_activation_or_initialisation_is_refused():
    with pytest.raises(ValueError, match="activation"):
        make_mlp([1, 1], "relu6")
    with pytest.raises(ValueError, match="init"):
        make_mlp([1, 1], "tanh", init="xavier")
