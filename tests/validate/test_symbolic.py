"""Exactness of recovered laws (SRBench rule) in cases simplify finds hard."""

from physlens.expr import parse_expression
from physlens.validate.symbolic import exact_match


def test_exact_match_accepts_roots_merged_differently():
    # sqrt((c + v)/(c - v)) is (1 + v/c)/sqrt(1 - v**2/c**2) for c > v (I.34.14)
    names = ["omega_0", "c", "v"]
    model = parse_expression("omega_0*sqrt((c + v)/(c - v))", names)
    truth = parse_expression("omega_0*(1 + v/c)/sqrt(1 - v**2/c**2)", names)
    assert exact_match(model, truth)
    assert not exact_match(parse_expression("omega_0*sqrt((c + 2*v)/(c - v))", names), truth)


def test_a_model_with_an_undefined_constant_predicts_nan_instead_of_crashing():
    # gplearn's protected division can leave zoo inside a power (noise 0.001 run,
    # 2026-12-06: KeyError 'ComplexInfinity' from lambdify ended the whole benchmark)
    import numpy as np
    import sympy

    from physlens.validate.symbolic import predicts

    x, y = sympy.symbols("x y", real=True)
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    for model in (x + sympy.sqrt(sympy.zoo * y + 1), x * sympy.nan, y + sympy.I):
        assert np.all(np.isnan(predicts(model, ["x", "y"], X)))
    assert np.allclose(predicts(x + y, ["x", "y"], X), [3.0, 7.0])
