"""A latent unit reads as "monotone in k" unless a short closed form reproduces it."""

import sympy

from physlens.compare.latent import LatentParameterScores
from physlens.validate.latent import MAX_CLOSED_FORM_OPERATIONS, closed_form_verdict, rank_correlation

k, b = sympy.symbols("k b", real=True)
LONG = -0.15514329369007082 * (1.8145299060944862 * b + (sympy.sqrt(2) * k - 17.8967) ** 2 / (b + 3.1) + sympy.exp(-b * k) * k**3)


def _scores(forms, r2):
    best = {"z0": {"parameter": "k", "monotone_r2": 0.998, "rank_correlation": -0.999},
            "z1": {"parameter": "b", "monotone_r2": 0.6, "rank_correlation": 0.7}}
    return LatentParameterScores(relations=None, parameter_r2={"k": 0.999, "b": 0.99}, best_match=best,
                                 closed_forms=forms, closed_form_r2=r2, n_active=2)


def test_a_long_closed_form_is_never_printed():
    assert sympy.count_ops(LONG) > MAX_CLOSED_FORM_OPERATIONS
    scores = _scores({"z0": LONG}, {"z0": 0.9999})
    text = scores.describe("z0")
    assert text == "z0 is a monotone function of k (Spearman rho -0.999, monotone R2 0.998)"
    assert scores.readable_forms() == {}
    verdict = closed_form_verdict("z0", LONG, 0.9999)
    assert verdict.passed is False and "15514" not in verdict.reason and "not printed" in verdict.reason
    # a unit that no single parameter orders is not called monotone
    assert scores.describe("z1").startswith("z1 is no monotone function of one parameter; nearest b")


def test_a_short_closed_form_is_printed_with_its_r2():
    scores = _scores({"z0": -0.4999 * k + 3.0001}, {"z0": 0.9995})
    assert scores.describe("z0") == "z_0 = -0.4999·k + 3.000 (R2 0.9995)"
    assert closed_form_verdict("z0", -0.4999 * k + 3.0001, 0.9995).passed


def test_rank_correlation_is_one_for_any_monotone_map():
    import numpy as np

    p = np.linspace(1, 5, 50)
    assert rank_correlation(np.exp(-p), p) == -1.0
    assert rank_correlation(p**3, p) == 1.0
