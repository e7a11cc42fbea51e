"""Simulators return trajectories with their truth; measured trajectories are validated."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from physlens.data.dataset import Dataset, Variable
from physlens.data.trajectories import (
    DEFAULT_SAMPLING,
    SYSTEMS,
    simulate,
    simulate_damped_oscillator,
    simulate_lotka_volterra,
    simulate_noise,
    simulate_pendulum,
    split_trajectories,
    trajectory_dataset,
)
from physlens.errors import DataError, ParameterError, UnitError
from physlens.expr import to_function


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_every_system_satisfies_its_equations(system):
    dt = DEFAULT_SAMPLING[system][1]
    data = simulate(system, n_trajectories=2, t_end=1.0, dt=dt, rng=3)
    assert data.kind == "trajectories"
    states = data.names("state")
    assert set(data.truth.equations) == set(states)
    assert data.names("time") == ["t"] and data.names("trajectory") == ["trajectory"]
    clean = data.truth.fields["clean"]
    assert np.allclose(clean, np.column_stack([data[s] for s in states]))  # noise 0
    # d state/dt from the stored samples agrees with the true right-hand side
    rows = data["trajectory"] == 0
    t = data["t"][rows]
    for i, s in enumerate(states):
        rhs = to_function(data.truth.equations[s], states)(*clean[rows].T) * np.ones(rows.sum())
        derivative = np.gradient(clean[rows, i], t, edge_order=2)
        scale = max(np.sqrt(np.mean(rhs**2)), 1e-12)
        assert np.max(np.abs(derivative - rhs)[2:-2]) / scale < 1e-2, s


@pytest.mark.parametrize("system", ["harmonic", "pendulum", "lotka_volterra", "kepler", "coupled_oscillators"])
def test_conserved_quantities_are_conserved(system):
    data = simulate(system, n_trajectories=2, t_end=5.0, dt=0.01, rng=4)
    states = data.names("state")
    clean = data.truth.fields["clean"]
    assert data.truth.conserved
    for name, expression in data.truth.conserved.items():
        values = to_function(expression, states)(*clean.T) * np.ones(len(clean))
        for k in (0, 1):
            v = values[data["trajectory"] == k]
            assert np.ptp(v) <= 1e-7 * max(1.0, abs(v[0])), (system, name)


def test_noise_is_a_fraction_of_each_states_rms_and_seeded():
    a = simulate_damped_oscillator(n_trajectories=3, noise=0.1, rng=7)
    b = simulate_damped_oscillator(n_trajectories=3, noise=0.1, rng=7)
    c = simulate_damped_oscillator(n_trajectories=3, noise=0.1, rng=8)
    assert np.array_equal(a["x"], b["x"]) and not np.array_equal(a["x"], c["x"])
    clean = a.truth.fields["clean"]
    for i, s in enumerate(["x", "v"]):
        residual = a[s] - clean[:, i]
        rms = np.sqrt(np.mean(clean[:, i] ** 2))
        assert np.std(residual) == pytest.approx(0.1 * rms, rel=0.05)


def test_units_and_truth_of_the_pendulum():
    data = simulate_pendulum(n_trajectories=1, t_end=1.0, rng=0)
    assert data.variable("theta").unit == "rad" and data.variable("omega").unit == "1/s"
    assert data.variable("t").unit == "s"
    theta = sympy.Symbol("theta", real=True)
    assert data.truth.equations["omega"] == -sympy.Float(9.81) * sympy.sin(theta)


def test_lotka_volterra_is_positive_and_noise_has_no_equations():
    data = simulate_lotka_volterra(n_trajectories=2, rng=1)
    assert (data["u"] > 0).all() and (data["w"] > 0).all()
    noise = simulate_noise(n_trajectories=2, n_samples=50, rng=2)
    assert noise.truth.equations == {} and noise.kind == "trajectories"


def test_bad_simulator_settings_name_the_parameter():
    with pytest.raises(ParameterError, match="system='lorentz' is unknown"):
        simulate("lorentz")
    with pytest.raises(ParameterError, match="n_trajectories"):
        simulate("harmonic", n_trajectories=0)
    with pytest.raises(ParameterError, match="noise"):
        simulate("harmonic", noise=-0.1)
    with pytest.raises(ParameterError, match="valid: omega"):
        simulate("harmonic", frequency=2.0)


def _columns(n=20):
    t = np.linspace(0, 1, n)
    return {"t": t, "x": np.sin(t), "v": np.cos(t)}


def test_trajectory_dataset_accepts_good_columns():
    data = trajectory_dataset(_columns(), time="t", units={"t": "s", "x": "m", "v": "m/s"})
    view = split_trajectories(data)
    assert view.states == ("x", "v") and len(view.times) == 1 and view.time_unit == "s"


def test_unsorted_times_name_the_row():
    columns = _columns()
    columns["t"] = columns["t"].copy()
    columns["t"][[5, 6]] = columns["t"][[6, 5]]
    with pytest.raises(DataError, match=r"time column 't' row 7 .* goes backwards from row 6"):
        trajectory_dataset(columns, time="t")


def test_repeated_times_name_the_row():
    columns = _columns()
    columns["t"] = columns["t"].copy()
    columns["t"][9] = columns["t"][8]
    with pytest.raises(DataError, match="row 10 .* repeats row 9"):
        trajectory_dataset(columns, time="t")


def test_nan_names_column_and_row():
    columns = _columns()
    columns["v"] = columns["v"].copy()
    columns["v"][3] = np.nan
    with pytest.raises(DataError, match="column 'v' row 4 is NaN"):
        trajectory_dataset(columns, time="t")


def test_one_sample_trajectory_is_refused():
    columns = _columns()
    ids = np.zeros(20)
    ids[-1] = 1
    columns["run"] = ids
    with pytest.raises(DataError, match="trajectory 1.0 has 1 sample"):
        trajectory_dataset(columns, time="t", trajectory="run")


def test_time_unit_must_be_a_time():
    with pytest.raises(UnitError, match="time column 't' has unit 'm'"):
        trajectory_dataset(_columns(), time="t", units={"t": "m"})


def test_unknown_columns_are_named():
    with pytest.raises(DataError, match="state column 'y' is not in the table"):
        trajectory_dataset(_columns(), time="t", states=["y"])
    with pytest.raises(DataError, match="unit given for unknown column 'q'"):
        trajectory_dataset(_columns(), time="t", units={"q": "m"})
    with pytest.raises(DataError, match="time column 'time' is not in the table"):
        trajectory_dataset(_columns(), time="time")


def test_split_refuses_a_table_dataset():
    table = Dataset({"x": np.arange(5.0)}, (Variable("x"),))
    with pytest.raises(DataError, match="kind 'trajectories'"):
        split_trajectories(table)
