"""The library chosen from the data: degree, trig, rational response, drive, known inputs."""

from __future__ import annotations

import numpy as np
import pytest

from physlens.data import textbook_flows
from physlens.data.trajectories import simulate
from physlens.methods.dynamics import SparseDynamics
from physlens.methods.dynamics.library_choice import angle_like, drive_frequency
from physlens.validate.dynamics import coefficient_error, support_recovery
from physlens.validate.fitted_parameters import snap_parameters


def _exact(model, data, tolerance=0.05):
    """Exact support and every coefficient (and fitted omega or K) within ``tolerance``."""
    found, parameter_error = snap_parameters(model.equations_, data.truth.equations)
    return (support_recovery(found, data.truth.equations)["exact"]
            and max(coefficient_error(found, data.truth.equations), parameter_error) <= tolerance)


def _chosen(model):
    return model.library_choice_[model.library_choice_["chosen"]].iloc[0]


def test_angle_like_by_name_and_by_wrapping():
    t = np.linspace(0, 20, 400)
    wrapped = np.mod(3 * t, 2 * np.pi) - np.pi
    segments = [(t, np.column_stack([np.sin(t), wrapped, np.cos(t)]))]
    assert angle_like(["x", "q", "theta"], segments) == ("q", "theta")


def test_drive_frequency_finds_the_peak_and_ignores_noise():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 40, 800)
    periodic = [np.column_stack([0.3 * np.cos(1.7 * t) + 0.05 * rng.standard_normal(len(t))])]
    omega = drive_frequency([t], periodic, lambda w: float(np.sum((periodic[0][:, 0] - 0.3 * np.cos(w * t)) ** 2)))
    assert omega == pytest.approx(1.7, rel=1e-2)
    noise = [rng.standard_normal((len(t), 1))]
    assert drive_frequency([t], noise, lambda w: 1.0) is None


def test_cubic_system_chooses_degree_3():
    data = textbook_flows.simulate("duffing", n_trajectories=3, t_end=12.0, noise=0.01, rng=1)
    model = SparseDynamics(n_models=10, random_state=0).fit_dataset(data)
    assert _chosen(model)["degree"] == 3
    assert _exact(model, data)
    assert model.interpret().found
    assert model.interpret().values["library_choice"]


def test_known_input_enters_the_library():
    data = textbook_flows.simulate("forced_duffing", n_trajectories=3, t_end=20.0, noise=0.01, rng=2)
    t = np.asarray(data["t"])
    X = np.column_stack([data["q"], data["p"]])
    model = SparseDynamics(degree=3, trig=False, n_models=10, random_state=0).fit(
        X, t, trajectory=np.asarray(data["trajectory"]), state_names=["q", "p"], inputs=np.cos(1.2 * t), input_names=["u"])
    import sympy

    u = sympy.Symbol("u", real=True)
    # the drive gamma cos(1.2 t) is the input u: the truth in u
    truth = {"q": data.truth.equations["q"],
             "p": data.truth.equations["p"].replace(lambda e: isinstance(e, sympy.cos), lambda e: u)}
    assert support_recovery(model.equations_, truth)["exact"]
    assert coefficient_error(model.equations_, truth) <= 0.05
    assert model.input_names_ == ["u"] and model.interpret().found


@pytest.mark.slow
@pytest.mark.parametrize("system, omega, trig", [("forced_duffing", 1.2, False), ("driven_pendulum", 0.8, True)])
def test_drive_with_fitted_frequency(system, omega, trig):
    data = textbook_flows.simulate(system, noise=0.01, rng=0)
    model = SparseDynamics(random_state=0).fit_dataset(data)  # the default ensemble: 10 models keep stray terms
    row = _chosen(model)
    assert row["drive"] and row["trig"] == trig
    assert model.drive_frequency_ == pytest.approx(omega, rel=2e-3)
    assert _exact(model, data), model.equations_


@pytest.mark.slow
def test_rational_holling_response():
    data = textbook_flows.simulate("holling_predator_prey", noise=0.01, rng=0)
    model = SparseDynamics(n_models=10, random_state=0).fit_dataset(data)
    row = _chosen(model)
    assert row["rational"] and not row["drive"]
    assert _exact(model, data, 0.1), model.equations_  # K is fitted to about 6 % here
    assert model.interpret().found


@pytest.mark.slow
def test_lorenz_chooses_degree_2():
    data = simulate("lorenz", n_trajectories=1, t_end=10.0, dt=0.002, noise=0.01, rng=0)
    model = SparseDynamics(n_models=10, random_state=0).fit_dataset(data)
    assert _chosen(model)["degree"] == 2
    assert _exact(model, data, 0.01)


def _outside_every_library(rng):
    """x' = v, v' = -x - 2 v |v| (quadratic drag): no library holds v |v|."""
    from scipy.integrate import solve_ivp

    t = np.arange(0, 15.005, 0.01)
    blocks = [solve_ivp(lambda _t, y: [y[1], -y[0] - 2.0 * y[1] * abs(y[1])], (0, 15), ic, t_eval=t, rtol=1e-10,
                        atol=1e-12, method="DOP853").y.T for ic in rng.uniform(-2, 2, (4, 2))]
    X = np.vstack(blocks)
    X = X + 0.01 * np.sqrt(np.mean(X**2, axis=0)) * rng.standard_normal(X.shape)
    return X, np.tile(t, 4), np.repeat(np.arange(4), len(t))


def test_system_outside_every_library_is_not_found():
    X, t, ids = _outside_every_library(np.random.default_rng(0))
    model = SparseDynamics(degree=3, trig=False, n_models=5, random_state=0).fit(X, t, trajectory=ids,
                                                                                 state_names=["x", "v"])
    interpretation = model.interpret()
    assert not interpretation.found
    assert any(reason.startswith("extrapolation") for reason in interpretation.reasons)


@pytest.mark.slow
def test_system_outside_every_library_is_not_found_with_the_library_chosen():
    X, t, ids = _outside_every_library(np.random.default_rng(0))
    model = SparseDynamics(n_models=10, random_state=0).fit(X, t, trajectory=ids, state_names=["x", "v"])
    assert not model.interpret().found
