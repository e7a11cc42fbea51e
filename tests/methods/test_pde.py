"""SparsePDE: each built-in PDE recovered at small size with 1 % noise, found=false for a
field whose PDE is outside the library, units, determinism, parameter checks."""

from __future__ import annotations

import numpy as np
import pytest

from physlens.data import fields as F
from physlens.errors import ParameterError, UnitError
from physlens.methods.pde import SparsePDE
from physlens.methods.pde.library import library_terms
from physlens.validate.dynamics import coefficient_error, support_recovery

SMALL = {  # system -> (simulator settings, the library that contains the truth, coefficient target)
    "burgers": (dict(n_x=128, n_t=61), dict(degree=2, derivative_order=3), 0.05),
    "kdv": (dict(n_x=128, n_t=61), dict(degree=2, derivative_order=3), 0.05),
    "kuramoto_sivashinsky": (dict(n_x=256, n_t=101), dict(degree=2, derivative_order=4), 0.10),
    "lambda_omega": (dict(n_x=64, n_t=61), dict(degree=3, derivative_order=2), 0.10),
}


@pytest.mark.parametrize("system", sorted(SMALL))
def test_each_pde_is_recovered_at_one_percent_noise(system):
    settings, library, target = SMALL[system]
    data = F.simulate(system, noise=0.01, rng=1, **settings)
    model = SparsePDE(n_models=10, n_cells=300, random_state=0, **library).fit_dataset(data)
    interpretation = model.interpret()
    support = support_recovery(model.equations_, data.truth.equations)
    assert support["exact"], support
    assert coefficient_error(model.equations_, data.truth.equations) < target
    assert interpretation.found and interpretation.values["trusted"]


def test_a_pde_outside_the_library_is_not_trusted_but_shown():
    # u_t = -t u_x for one wave: a coefficient that grows with time is outside every library
    x = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    t = np.linspace(0, 4, 81)
    u = np.sin(x[None, :] - 0.5 * t[:, None] ** 2) + 0.5 * np.sin(2 * x[None, :] + t[:, None])
    u = u + 0.01 * np.sqrt(np.mean(u**2)) * np.random.default_rng(0).standard_normal(u.shape)
    model = SparsePDE(degree=2, derivative_order=3, n_models=10, n_cells=300, random_state=0).fit(u, x, t)
    interpretation = model.interpret()
    assert not interpretation.found
    assert any(r.startswith("held-out fit") for r in interpretation.reasons)
    assert interpretation.expressions and "NOT TRUSTED" in interpretation.summary  # the best candidate stays visible


def test_units_give_each_coefficient_its_unit():
    data = F.simulate_burgers(n_x=64, n_t=41, noise=0.01, rng=0)
    model = SparsePDE(degree=2, derivative_order=2, n_models=5, n_cells=200, random_state=0)
    model.fit(np.asarray(data["u"]), np.asarray(data["x"])[0], np.asarray(data["t"]), field_names=["u"],
              field_units=["m/s"], x_unit="m", t_unit="s")
    units = model.coefficient_units()["u"]
    assert units["u_xx"] == "m^2 s^-1" and units["u*u_x"] == "dimensionless"
    assert model.interpret().verdicts[1].passed is True


def test_units_for_the_field_but_not_the_axes_are_refused():
    data = F.simulate_burgers(n_x=64, n_t=41)
    with pytest.raises(UnitError, match="not for x, t"):
        SparsePDE(degree=2, derivative_order=2).fit(np.asarray(data["u"]), np.asarray(data["x"])[0],
                                                    np.asarray(data["t"]), field_units=["m/s"])


def test_same_seed_same_result_and_the_global_stream_is_untouched():
    data = F.simulate_burgers(n_x=64, n_t=41, noise=0.02, rng=0)
    before = np.random.get_state()[1].copy()
    fits = [SparsePDE(degree=2, derivative_order=2, n_models=5, n_cells=200, random_state=3).fit_dataset(data)
            for _ in range(2)]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_library_terms_follow_pysindys_column_order():
    import pysindy as ps
    from pysindy.utils import AxesArray

    x = np.linspace(0, 1, 20)
    library = ps.PDELibrary(function_library=ps.PolynomialLibrary(degree=2, include_bias=False), derivative_order=2,
                            spatial_grid=x, include_bias=True)
    library.fit([AxesArray(np.zeros((20, 5, 2)), {"ax_spatial": 0, "ax_time": 1, "ax_coord": 2})])
    names = library.get_feature_names(["u", "v"])
    terms = library_terms(["u", "v"], 2, 2)
    assert len(terms) == len(names)
    shown = {"u_1": "u_x", "v_1": "v_x", "u_11": "u_xx", "v_11": "v_xx"}
    assert [str(t) for t in terms[1:6]] == ["u", "v", "u**2", "u*v", "v**2"] == [n.replace("^2", "**2").replace(" ", "*") for n in names[1:6]]
    assert [str(t) for t in terms[6:10]] == [shown[n] for n in names[6:10]]
    assert str(terms[10]) == "u*u_x" and names[10] == "uu_1"


@pytest.mark.parametrize("parameter, value", [("degree", 0), ("derivative_order", 7), ("derivative", "spectral"),
                                              ("n_cells", 5), ("holdout", 0.9)])
def test_bad_parameters_name_the_parameter(parameter, value):
    data = F.simulate_burgers(n_x=32, n_t=21)
    with pytest.raises(ParameterError, match=parameter):
        SparsePDE(**{parameter: value}).fit_dataset(data)


def test_the_held_out_check_allows_for_the_measured_noise():
    # at 10 % noise the raw held-out R2 of the right Burgers equation is below 0.9; the
    # noise's own share of the weak-form rows is taken out before judging
    data = F.simulate_burgers(n_x=128, n_t=61, noise=0.10, rng=2)
    model = SparsePDE(degree=2, derivative_order=2, n_models=10, n_cells=300, random_state=0).fit_dataset(data)
    held = next(v for v in model.verdicts_ if v.name == "held-out fit")
    assert support_recovery(model.equations_, data.truth.equations)["exact"]
    assert held.passed and "before the noise correction" in held.reason


def test_finite_differences_recover_clean_burgers():
    data = F.simulate_burgers(n_x=128, n_t=61)
    model = SparsePDE(degree=2, derivative_order=2, derivative="finite_difference", n_models=5,
                      random_state=0).fit_dataset(data)
    assert support_recovery(model.equations_, data.truth.equations)["exact"]
    assert model.cell_half_widths_ is None and model.interpret().found
