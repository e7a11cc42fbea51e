"""Simulators of PDE fields against known limits, and the .npz field format."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from physlens.data import fields as F
from physlens.errors import DataError, ParameterError, UnitError


def _spectral_derivatives(u: np.ndarray, length: float, order: int) -> dict[int, np.ndarray]:
    k = 2 * np.pi * np.fft.rfftfreq(len(u), d=length / len(u))
    hat = np.fft.rfft(u)
    return {m: np.fft.irfft((1j * k) ** m * hat, n=len(u)) for m in range(order + 1)}


@pytest.mark.parametrize("system, settings, length", [
    ("burgers", dict(n_x=128, n_t=41, t_end=0.4), 16.0),
    ("kdv", dict(n_x=256, n_t=41, t_end=0.04), 40.0),
    ("kuramoto_sivashinsky", dict(n_x=128, n_t=41, t_end=0.4), 32 * np.pi),
    ("lambda_omega", dict(n_x=128, n_t=41, t_end=0.4), 20.0),
])
def test_the_simulated_field_satisfies_its_true_pde(system, settings, length):
    data = F.simulate(system, rng=3, **settings)
    clean = data.truth.fields["clean"]
    t = np.asarray(data["t"])
    i = len(t) // 2
    rate = (clean[i + 1] - clean[i - 1]) / (t[i + 1] - t[i - 1])
    names = data.names("state")
    values = {}
    for j, field in enumerate(names):
        for m, d in _spectral_derivatives(clean[i, :, j], length, 4).items():
            values[F.derivative_name(field, m)] = d
    for j, field in enumerate(names):
        rhs = data.truth.equations[field]
        symbols = sorted(rhs.free_symbols, key=lambda s: s.name)
        predicted = sympy.lambdify(symbols, rhs, "numpy")(*[values[s.name] for s in symbols])
        scale = float(np.sqrt(np.mean(rate[:, j] ** 2)))
        assert np.sqrt(np.mean((rate[:, j] - predicted) ** 2)) < 1e-3 * scale, field


@pytest.mark.parametrize("system", ["burgers", "kdv"])
def test_mass_is_conserved(system):
    clean = F.simulate(system, n_x=128, n_t=21, rng=0).truth.fields["clean"][..., 0]
    mass = clean.mean(axis=1)
    assert np.max(np.abs(mass - mass[0])) < 1e-8 * max(abs(mass[0]), 1e-3)


def test_a_kdv_soliton_travels_at_its_speed_unchanged():
    speed, t_end = 4.0, 2.0
    data = F.simulate_kdv(speeds=(speed,), starts=(-10.0,), n_x=256, n_t=21, t_end=t_end)
    x, u = np.asarray(data["x"])[0], data.truth.fields["clean"][..., 0]
    exact = F.kdv_soliton(x, t_end, speed, -10.0, 40.0)
    assert np.max(np.abs(u[-1] - exact)) < 0.01 * exact.max()


def test_kuramoto_sivashinsky_becomes_chaotic_but_stays_bounded():
    clean = F.simulate_kuramoto_sivashinsky(n_x=128, n_t=51).truth.fields["clean"][..., 0]
    assert np.all(np.isfinite(clean)) and np.abs(clean).max() < 5
    assert np.sqrt(np.mean(clean[-1] ** 2)) > 0.8  # the growing modes have saturated


def test_noise_is_the_level_times_the_rms_of_each_field():
    data = F.simulate_lambda_omega(n_x=64, n_t=41, noise=0.05, rng=4)
    clean = data.truth.fields["clean"]
    for j, field in enumerate(("u", "v")):
        residual = np.asarray(data[field]) - clean[..., j]
        assert np.std(residual) == pytest.approx(0.05 * np.sqrt(np.mean(clean[..., j] ** 2)), rel=0.05)


def test_same_seed_gives_the_same_field():
    a, b = (F.simulate("lambda_omega", n_x=32, n_t=21, noise=0.01, rng=7) for _ in range(2))
    assert a.fingerprint() == b.fingerprint()


def test_bad_settings_name_the_parameter():
    with pytest.raises(ParameterError, match="n_x=4"):
        F.simulate_burgers(n_x=4)
    with pytest.raises(ParameterError, match="unknown PDE system"):
        F.simulate("heat")


def test_save_and_load_round_trip(tmp_path):
    data = F.simulate_lambda_omega(n_x=32, n_t=21, rng=0)
    path = F.save_fields(data, tmp_path / "fields.npz")
    loaded = F.load_fields(path, units={"u": "m", "v": "m", "x": "m", "t": "s"})
    assert loaded.kind == "fields" and loaded.names("state") == ["u", "v"]
    np.testing.assert_array_equal(loaded["u"], data["u"])
    np.testing.assert_array_equal(loaded["x"][0], data["x"][0])
    assert loaded.variable("t").unit == "s"


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("x"), "missing array(s) x; a field file holds t (n_t,), x (n_x,), u (n_t, n_x)"),
    (lambda a: a.update(x=np.concatenate([[0.0, 0.01], np.linspace(0.1, 1, 30)])), "array 'x' is a non-uniform grid"),
    (lambda a: a.update(t=a["t"][::-1]), "array 't' must increase strictly"),
    (lambda a: a.update(u=a["u"][:, :-1]), "array 'u' has shape (21, 31); expected (len(t), len(x)) = (21, 32)"),
    (lambda a: a["u"].__setitem__((3, 4), np.nan), "array 'u' at time index 3, x index 4 is nan"),
    (lambda a: a.update(w=a["u"]), "unexpected array(s) w; valid arrays: t, x, u, v"),
])
def test_bad_files_name_the_array_and_what_is_valid(tmp_path, change, message):
    data = F.simulate_burgers(n_x=32, n_t=21)
    arrays = {"t": np.array(data["t"]), "x": np.array(data["x"][0]), "u": np.array(data["u"])}
    change(arrays)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError) as error:
        F.load_fields(tmp_path / "bad.npz")
    assert message in str(error.value)


def test_a_time_axis_in_metres_is_refused(tmp_path):
    path = F.save_fields(F.simulate_burgers(n_x=32, n_t=21), tmp_path / "b.npz")
    with pytest.raises(UnitError, match="expected a time unit"):
        F.load_fields(path, units={"t": "m"})
