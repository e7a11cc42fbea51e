import numpy as np
import pytest
import sympy

from physlens.errors import DataError, ParameterError
from physlens.expr import symbols_for
from physlens.methods.kan import KolmogorovArnoldNetwork, fit_edge
from physlens.validate.symbolic import exact_match


def test_fit_edge_names_known_functions(rng):
    x = rng.uniform(-1, 1, 400)
    assert fit_edge(x, 3 * x - 1, 0.999)[0] == "x"
    assert fit_edge(x, 2 * (x + 0.5) ** 2, 0.999)[0] == "x^2"
    name, r2, (a, b, c, d), _ = fit_edge(x, np.sin(2 * x + 1), 0.9999)
    assert name == "sin" and r2 > 0.9999


def test_additive_law_is_recovered_exactly(rng):
    # a KAN without hidden layer is additive: each input edge snaps to its own function
    X = rng.uniform(0.5, 2.0, (500, 2))
    y = 2 * X[:, 0] + X[:, 1] ** 2
    model = KolmogorovArnoldNetwork(width=(), steps=600, sparsity=0.0, random_state=0).fit(X, y, ["a", "b"])
    s = symbols_for(["a", "b"])
    assert exact_match(model.equation_, 2 * s["a"] + s["b"] ** 2), model.equation_
    assert model.r2_ > 0.999999
    assert model.interpret().found
    np.testing.assert_allclose(model.predict(X), y, rtol=1e-6)


def test_product_is_recovered_through_log_and_exp(rng):
    # x*y/z needs a hidden node: exp(log x + log y - log z), as in the KAN paper
    X = rng.uniform(1.0, 3.0, (300, 3))
    y = X[:, 0] * X[:, 1] / X[:, 2]
    model = KolmogorovArnoldNetwork(width=(1,), steps=200, random_state=0).fit(X, y, ["a", "b", "c"])
    s = symbols_for(["a", "b", "c"])
    assert exact_match(model.equation_, s["a"] * s["b"] / s["c"]), model.equation_
    assert [e["function"] for e in model.edge_functions_] == ["log", "log", "log", "exp"]
    assert model.r2_ > 0.999999


def test_bad_input_is_named():
    X = np.ones((30, 2))
    with pytest.raises(ParameterError, match="n_basis"):
        KolmogorovArnoldNetwork(n_basis=2).fit(X, np.ones(30))
    with pytest.raises(ParameterError, match="width"):
        KolmogorovArnoldNetwork(width="wide").fit(X, np.ones(30))
    with pytest.raises(DataError, match="row 4"):
        KolmogorovArnoldNetwork().fit(X, np.r_[np.ones(4), np.inf, np.ones(25)])
    with pytest.raises(DataError, match="at least 20"):
        KolmogorovArnoldNetwork().fit(X[:5], np.ones(5))
