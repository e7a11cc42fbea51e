"""Exhaustive enumeration of short laws and separability, on known answers."""

import numpy as np
import pytest
import sympy

from physlens.expr import parse_expression
from physlens.methods.symbolic.enumeration import SAMPLE_POINTS, enumerate_expressions
from physlens.methods.symbolic.noise import NOISY, noise_share, rows_clear_of_noise
from physlens.methods.symbolic.separability import separable_laws
from physlens.validate.symbolic import exact_match


@pytest.mark.parametrize(
    "truth",
    [
        "z**3/(exp(z) - 1)",  # Planck's law in its dimensionless group (I.41.16)
        "(1 + z)/sqrt(1 - z**2)",  # relativistic Doppler shift (I.34.14)
        "2*(1 - cos(3*z))",  # tight-binding band (III.15.12)
        "1/(exp(z) + exp(-z))",  # two-level populations (II.35.18)
    ],
)
def test_one_group_laws_are_enumerated_exactly(truth):
    rng = np.random.default_rng(1)
    z = rng.uniform(0.05, 0.9, 1500)
    law = parse_expression(truth, ["z"])
    target = np.asarray(sympy.lambdify(list(law.free_symbols), law)(z), dtype=float)
    found = enumerate_expressions(z[:, None], target, ["z"], max_size=8, rng=0)
    assert found[0].r2 > 1 - 1e-10
    assert exact_match(found[0].expression, law)


def test_log_of_scaled_target_finds_a_gaussian_in_two_inputs():
    rng = np.random.default_rng(2)
    sigma, d = rng.uniform(1, 3, 1500), rng.uniform(-3, 3, 1500)
    target = np.exp(-d**2 / (2 * sigma**2)) / (np.sqrt(2 * np.pi) * sigma)
    found = enumerate_expressions(np.column_stack([sigma, d]), target, ["sigma", "d"], max_size=6, rng=0)
    truth = parse_expression("exp(-d**2/(2*sigma**2))/(sqrt(2*pi)*sigma)", ["sigma", "d"])
    assert exact_match(found[0].expression, truth)


def test_short_law_is_kept_beside_longer_ones_that_fit_better():
    # the Pareto front of the enumeration keeps the size-1 law z even when longer
    # expressions fit a slightly perturbed target better
    rng = np.random.default_rng(3)
    z = rng.uniform(1, 2, 1500)
    target = z * (1 + 1e-6 * np.sin(40 * z))
    found = enumerate_expressions(z[:, None], target, ["z"], max_size=5, rng=0)
    assert any(s.size == 1 for s in found)


def test_product_of_parts_is_found_by_separability():
    # (1 - 1/z1)/sqrt(1 - z0**2): Lorentz transformation of x in its groups (I.15.3x)
    rng = np.random.default_rng(4)
    z0, z1 = rng.uniform(0.05, 0.65, 3000), rng.uniform(1.25, 10, 3000)
    target = (1 - 1 / z1) / np.sqrt(1 - z0**2)
    laws = separable_laws(np.column_stack([z0, z1]), target, ["z0", "z1"], max_size=6, rng=0)
    truth = parse_expression("(1 - 1/z1)/sqrt(1 - z0**2)", ["z0", "z1"])
    assert laws and any(exact_match(law, truth) for law in laws)


def test_a_sum_of_a_one_input_part_and_a_four_input_part_is_found_exactly():
    # I.11.19 (x1*y1 + x2*y2 + x3*y3) after the units reduction by x1**2: t = z2 + z0*z3 + z1*z4.
    # Each part is fitted to the additive model's estimate of it, so its constants are
    # 1e-5 off; only their joint refit on the data makes the law exact
    rng = np.random.default_rng(8)
    Z = rng.uniform(1, 5, (4000, 6))
    Z = Z[:, 1:] / Z[:, [0]]
    target = Z[:, 2] + Z[:, 0] * Z[:, 3] + Z[:, 1] * Z[:, 4]
    names = [f"z{i}" for i in range(5)]
    laws = separable_laws(Z, target, names, max_size=7, rng=0)
    truth = parse_expression("z2 + z0*z3 + z1*z4", names)
    assert laws and exact_match(laws[-1], truth)
    residual = np.asarray(sympy.lambdify(sympy.symbols(names, real=True), laws[-1])(*Z.T), dtype=float) - target
    assert np.mean(residual**2) < 1e-20 * np.var(target)  # the search ends at the law that leaves round-off


def test_no_separable_law_is_claimed_for_an_entangled_target():
    rng = np.random.default_rng(5)
    z0, z1 = rng.uniform(0.5, 2, 2000), rng.uniform(0.5, 2, 2000)
    assert separable_laws(np.column_stack([z0, z1]), np.sin(3 * z0 * z1), ["z0", "z1"], max_size=5, rng=0) == []


def test_pure_noise_gives_no_accurate_law():
    rng = np.random.default_rng(6)
    z = rng.uniform(0.1, 1, 1000)
    found = enumerate_expressions(z[:, None], rng.normal(size=1000), ["z"], max_size=5, rng=0)
    assert max(s.r2 for s in found) < 0.05


def test_same_seed_same_laws():
    rng = np.random.default_rng(7)
    z = rng.uniform(0.1, 1, 500)
    target = np.exp(-z) * z
    first = enumerate_expressions(z[:, None], target, ["z"], max_size=5, rng=11)
    second = enumerate_expressions(z[:, None], target, ["z"], max_size=5, rng=11)
    assert [sympy.srepr(s.expression) for s in first] == [sympy.srepr(s.expression) for s in second]


@pytest.mark.parametrize("law", ["cosine rule", "cosh", "ratio"])
def test_sum_of_two_terms_sharing_inputs_is_found(law):
    # none separates into parts of disjoint inputs; each is c0 + c1*g1 + c2*g2 of two
    # short terms under a transformation of the target (t**2, z0/t), or (c0 + c1*g1)/(c2 + g2)
    rng = np.random.default_rng(3)
    if law == "cosine rule":  # I.29.16 reduced: |x1 - x2 e^(i d)| / x2 with z0 = x1/x2
        z0, z1 = rng.uniform(1, 5, 2000), rng.uniform(0, 6, 2000)
        target = np.sqrt(1 - 2 * np.cos(z1) / z0 + 1 / z0**2)
    elif law == "ratio":  # I.30.3 reduced: sin(n z/2)**2 / sin(z/2)**2 = (1 - cos(n z))/(1 - cos(z))
        z0, z1 = rng.uniform(1, 4, 2000), rng.uniform(1, 5, 2000)
        target = np.sin(z0 * z1 / 2) ** 2 / np.sin(z1 / 2) ** 2
    else:  # II.35.18 reduced: n0 / (2 cosh(1/z1))
        z0, z1 = rng.uniform(1, 5, 2000), rng.uniform(1, 5, 2000) * rng.uniform(1, 5, 2000) / rng.uniform(1, 25, 2000)
        target = z0 / (np.exp(1 / z1) + np.exp(-1 / z1))
    found = enumerate_expressions(np.column_stack([z0, z1]), target, ["z0", "z1"], max_size=5, rng=0)
    best = found[0]
    assert best.r2 > 1 - 1e-10, best
    z = sympy.symbols("z0 z1", real=True)
    values = sympy.lambdify(z, best.expression)(z0[:50], z1[:50])
    assert np.allclose(values, target[:50], rtol=1e-8)


def test_two_terms_do_not_fit_a_law_of_three():
    # a sum of three unrelated terms is no two-term law: nothing exact may be claimed
    rng = np.random.default_rng(4)
    z0, z1 = rng.uniform(1, 5, 2000), rng.uniform(1, 5, 2000)
    target = np.sin(z0 * z1) + np.exp(-z0) * z1 + np.log(z0 + z1**2)
    found = enumerate_expressions(np.column_stack([z0, z1]), target, ["z0", "z1"], max_size=5, rng=0)
    assert found[0].r2 < 1 - 1e-6


def test_an_angle_given_by_its_sine_is_found():
    # Snell's law (I.26.2): theta1 = asin(n sin(theta2)), found as sin(t) = n*sin(theta2)
    rng = np.random.default_rng(5)
    n, theta2 = rng.uniform(0, 1, 2000), rng.uniform(1, 5, 2000)
    target = np.arcsin(n * np.sin(theta2))
    found = enumerate_expressions(np.column_stack([n, theta2]), target, ["n", "theta2"], max_size=4, rng=0)
    assert exact_match(found[0].expression, parse_expression("asin(n*sin(theta2))", ["n", "theta2"]))


@pytest.mark.parametrize("noise", [0.0, 0.001, 0.01, 0.1])
def test_noise_share_is_estimated_without_a_law(noise):
    rng = np.random.default_rng(5)
    r, d = rng.uniform(0.2, 5, 7500), rng.uniform(-4, 4, 7500)
    clean = np.sqrt(1 + r**2 - 2 * r * np.cos(d))
    y = clean + noise * np.sqrt(np.mean(clean**2)) * rng.normal(size=len(r))
    share = noise_share(np.column_stack([r, d]), y, rng=0)
    truth = noise**2 * np.mean(clean**2) / np.var(y)
    if noise == 0:
        assert share < NOISY  # clean data do not count as noisy
    else:
        assert abs(share - truth) < 0.15 * truth + 2e-6


def test_two_term_law_is_found_in_noisy_data():
    # t**2 = 1 + r**2 - 2 r cos(d) at 1% noise: on 48 points noise picks a near-twin
    # term; 200 points and the shortest term within the noise find the law
    rng = np.random.default_rng(0)
    r, d = rng.uniform(0.2, 5, 7500), rng.uniform(-5, 5, 7500)
    clean = np.sqrt(1 + r**2 - 2 * r * np.cos(d))
    t = clean + 0.01 * np.sqrt(np.mean(clean**2)) * rng.normal(size=len(r))
    Z = np.column_stack([r, d])
    share = noise_share(Z, t, rng=0)
    assert share > NOISY
    clear = rows_clear_of_noise(t, share)  # noise makes t < 0 where r = 1, d = 0: no t**2 there
    assert 0.9 < clear.mean() < 1
    found = enumerate_expressions(Z[clear], t[clear], ["r", "d"], max_size=5, rng=0, n_points=SAMPLE_POINTS[True], noise=share)
    truth = parse_expression("sqrt(1 + r**2 - 2*r*cos(d))", ["r", "d"])
    best = max(found, key=lambda s: s.r2)
    assert 1 - best.r2 < 1.2 * share
    assert any(exact_match(s.expression.replace(lambda e: e.is_Float, lambda e: sympy.nsimplify(round(float(e), 2))), truth)
               for s in found)


def test_a_wrong_laws_smooth_residual_is_not_taken_for_noise():
    # the search stops at a law whose residual is noise: a residual that the inputs
    # predict (a wrong law on clean data) has a small noise share, noise itself about 1
    rng = np.random.default_rng(6)
    Z = rng.uniform(0.5, 3, (5000, 3))
    smooth = 1e-3 * np.sin(2 * Z[:, 0]) * Z[:, 1] / Z[:, 2] ** 5  # steep, as r**-5 in II.6.15a
    assert noise_share(Z, smooth, rng=0) < 0.01
    assert noise_share(Z, 1e-3 * rng.normal(size=5000), rng=0) > 0.8


def test_noise_that_differs_from_row_to_row_is_weighed():
    # y = s * sqrt((1 + z)/(1 - z)) with the same noise on every y (relativistic Doppler
    # shift, I.34.14, after the unit reduction t = y/s): on t the noise is 1/s, twenty
    # times larger on some rows than on others. Weighted by s**2, the enumeration finds the law
    rng = np.random.default_rng(3)
    z, s = rng.uniform(0.1, 0.66, 8000), rng.uniform(1, 20, 8000)
    y = s * np.sqrt((1 + z) / (1 - z))
    y = y + 0.01 * np.sqrt(np.mean(y**2)) * rng.normal(size=len(y))
    t, Z = y / s, z[:, None]
    share = noise_share(Z, t, rng=0)
    assert share > NOISY
    weights = s**2
    clear = rows_clear_of_noise(t, share, weights)
    found = enumerate_expressions(Z[clear], t[clear], ["z"], max_size=5, rng=0, n_points=SAMPLE_POINTS[True],
                                  noise=share, weights=weights[clear])
    truth = parse_expression("(1 + z)/sqrt(1 - z**2)", ["z"])
    assert any(exact_match(s.expression.replace(lambda e: e.is_Float, lambda e: sympy.nsimplify(round(float(e), 2))), truth)
               for s in found)


def test_rows_clear_of_noise_follow_the_noise_of_each_row():
    # the same |t| stands clear of small noise, not of large noise
    t = np.concatenate([np.full(1000, 1.0), np.full(1000, 1.0), np.linspace(-5, 5, 1000)])
    weights = np.concatenate([np.full(1000, 100.0), np.full(1000, 0.01), np.full(1000, 1.0)])
    clear = rows_clear_of_noise(t, 1e-2, weights)
    assert clear[:1000].all() and not clear[1000:2000].any()
