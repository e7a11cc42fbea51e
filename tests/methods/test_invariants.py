import numpy as np
import pytest
import sympy

from physlens.compare.scoring import score_invariant
from physlens.data.invariants import central_potential_trajectories, relativistic_events, similar_matrices
from physlens.errors import DataError, ParameterError
from physlens.expr import parse_expression
from physlens.methods.invariants import SiameseInvariants, symmetry_invariants
from physlens.validate.invariants import invariant_matches


def test_siamese_network_recovers_the_spacetime_interval():
    events = relativistic_events(150, 10, rng=np.random.default_rng(0))
    model = SiameseInvariants(steps=1500, hidden=(32, 32), learning_rate=5e-3, batch_events=96, random_state=0).fit_dataset(events)
    interpretation = model.interpret()
    verdicts = {v.name: v for v in interpretation.verdicts + score_invariant(model, interpretation, events)}
    assert interpretation.found, interpretation.reasons
    assert verdicts["recovers s2"].passed, verdicts["recovers s2"].reason
    assert verdicts["no spurious invariant"].passed
    assert model.event_r2_ >= 0.99
    assert interpretation.kind == "invariant" and interpretation.taxonomy.origin == "post-hoc"
    # same seed, same result
    again = SiameseInvariants(steps=1500, hidden=(32, 32), learning_rate=5e-3, batch_events=96, random_state=0).fit_dataset(events)
    assert again.invariants_ == model.invariants_


def test_bad_input_is_named():
    X = np.random.default_rng(0).normal(size=(40, 2))
    with pytest.raises(DataError, match="event 3"):
        SiameseInvariants().fit(X, np.r_[np.repeat(np.arange(3), 13), 3], ["a", "b"])
    with pytest.raises(DataError, match="one id per sample"):
        SiameseInvariants().fit(X, np.zeros(5), ["a", "b"])
    with pytest.raises(ParameterError, match="n_invariants"):
        SiameseInvariants(n_invariants=0).fit(X, np.repeat(np.arange(20), 2), ["a", "b"])
    with pytest.raises(DataError, match="at least 10"):
        SiameseInvariants().fit(X[:10], np.repeat(np.arange(5), 2), ["a", "b"])


def test_library_twin_recovers_trace_and_determinant_exactly():
    # the network twin never encodes the cubic invariant (benchmarks/history/RESULTS-handwritten-2026-12-06.md); a
    # twin linear in the degree-3 monomials is solved exactly and finds it
    data = similar_matrices(400, 5, rng=np.random.default_rng(3))
    model = SiameseInvariants(twin="library", max_degree=3, random_state=0).fit_dataset(data)
    interpretation = model.interpret()
    verdicts = {v.name: v for v in interpretation.verdicts + score_invariant(model, interpretation, data)}
    assert interpretation.found, interpretation.reasons
    for name in ("recovers trace", "recovers minors", "recovers det", "no spurious invariant"):
        assert verdicts[name].passed, verdicts[name].reason
    assert len(model.invariants_) == 3 and model.event_r2_ > 0.9999
    determinant = [e for e in model.invariants_ if sympy.Poly(e).total_degree() == 3]
    assert len(determinant) == 1 and len(determinant[0].args) == 6  # the six terms of det, nothing else
    assert model.transform(data.X[:7]).shape == (7, 3) and model.latent_gradients(data.X[:7]).shape == (7, 9, 3)


def test_library_twin_finds_energy_and_angular_momentum_of_noisy_orbits():
    data = central_potential_trajectories(rng=np.random.default_rng(0))
    noisy = data.X + 0.01 * data.X.std(axis=0) * np.random.default_rng(1).standard_normal(data.X.shape)
    model = SiameseInvariants(twin="library", max_degree=4, random_state=0).fit(noisy, data["event"], data.input_names)
    verdicts = {v.name: v for v in invariant_matches(model.invariants_, dict(data.truth.conserved), data.input_names, model.points_)}
    assert verdicts["recovers E"].passed and verdicts["recovers L"].passed, model.invariants_
    again = SiameseInvariants(twin="library", max_degree=4, random_state=0).fit(noisy, data["event"], data.input_names)
    assert again.invariants_ == model.invariants_


def test_library_twin_claims_nothing_when_event_labels_carry_no_invariant():
    data = central_potential_trajectories(rng=np.random.default_rng(0))
    shuffled = np.random.default_rng(2).permutation(data["event"])
    model = SiameseInvariants(twin="library", max_degree=4, random_state=0).fit(data.X, shuffled, data.input_names)
    interpretation = model.interpret()
    assert not interpretation.found and model.invariants_ == []
    assert any("no combination" in r for r in interpretation.reasons)


def test_library_twin_refuses_a_library_the_data_cannot_constrain():
    data = similar_matrices(60, 3, rng=np.random.default_rng(0))
    with pytest.raises(DataError, match="degrees of freedom"):
        SiameseInvariants(twin="library", max_degree=3).fit_dataset(data)
    with pytest.raises(ParameterError, match="twin"):
        SiameseInvariants(twin="mlp").fit_dataset(data)


def test_symmetry_invariants_of_rotations_and_translations():
    names = ["x", "y", "px", "py"]
    states = np.random.default_rng(0).normal(size=(400, 4))
    found = symmetry_invariants("x*py - y*px", states, names, random_state=0)
    truth = {n: parse_expression(t, names) for n, t in
             {"q2": "x**2 + y**2", "p2": "px**2 + py**2", "qp": "x*px + y*py", "L": "x*py - y*px"}.items()}
    verdicts = invariant_matches(found, truth, names, states[:100])
    assert all(v.passed for v in verdicts), [v.reason for v in verdicts if not v.passed]
    # the flow of a momentum is a translation: what it leaves alone is the other coordinate and both momenta
    found = symmetry_invariants("px", states, names, max_degree=1, random_state=0)
    truth = {n: parse_expression(n, names) for n in ("y", "px", "py")}
    assert all(v.passed for v in invariant_matches(found, truth, names, states[:100]))
    with pytest.raises(DataError, match="does not move"):
        symmetry_invariants("2", states, names)
    with pytest.raises(DataError, match="q... then p"):
        symmetry_invariants("x", states[:, :3], names)


def test_library_twin_works_in_si_units():
    # t in seconds next to x, y, z in metres: the interval's c^2 = 9e16 must come out,
    # and monomials 1e-16 apart in size must not be dropped as negligible
    c = 299792458.0
    data = relativistic_events(rng=np.random.default_rng(0))
    X = data.X.copy()
    X[:, 0] /= c
    model = SiameseInvariants(twin="library", max_degree=2, random_state=0).fit(X, data["event"], data.input_names)
    truth = {"s2": parse_expression(f"{c**2}*t**2 - x**2 - y**2 - z**2", data.input_names)}
    verdicts = {v.name: v for v in invariant_matches(model.invariants_, truth, data.input_names, X[:200], tolerance=1e-8)}
    assert verdicts["recovers s2"].passed and verdicts["no spurious invariant"].passed, model.invariants_
    # orbits with positions of 1e-10 m and momenta of 1e-24 kg m/s
    orbits = central_potential_trajectories(rng=np.random.default_rng(0))
    X = orbits.X * np.array([1e-10, 1e-10, 1e-24, 1e-24])
    model = SiameseInvariants(twin="library", max_degree=4, random_state=0).fit(X, orbits["event"], orbits.input_names)
    names = orbits.input_names
    truth = {"L": parse_expression("x*py - y*px", names), "E": parse_expression("1e48*(px**2 + py**2)/2 + 1e40*(x**2 + y**2)**2/4", names)}
    verdicts = {v.name: v for v in invariant_matches(model.invariants_, truth, names, X[:200])}
    assert all(v.passed for v in verdicts.values()), model.invariants_
    assert len(model.invariants_) == 2


def test_library_invariants_is_the_library_twin_under_its_own_registered_name():
    from sklearn.base import clone

    from physlens.methods.base import available_methods
    from physlens.methods.invariants import LibraryInvariants

    assert available_methods()["library_invariants"] is LibraryInvariants
    model = clone(LibraryInvariants(max_degree=2, random_state=0))
    assert model.twin == "library" and model.get_params()["max_degree"] == 2
    data = relativistic_events(100, 10, rng=np.random.default_rng(0))
    interpretation = model.fit_dataset(data).interpret()
    assert interpretation.found and {v.name: v.passed for v in score_invariant(model, interpretation, data)}["recovers s2"]
    assert not hasattr(model, "truth_")


def test_library_invariants_exposes_every_parameter_it_has_and_clones():
    from sklearn.base import clone

    from physlens.methods.invariants import LibraryInvariants

    model = LibraryInvariants(max_degree=2, extra_terms=["t*x"], tolerance=0.02, holdout=0.3, random_state=5)
    params = model.get_params()
    # every attribute __init__ sets is a parameter get_params reports, so clone keeps them all
    assert set(params) == set(vars(model)) == {"max_degree", "extra_terms", "tolerance", "holdout", "random_state"}
    assert clone(model).get_params() == params
    with pytest.raises(TypeError):
        LibraryInvariants(hidden=(8,))  # the library twin has no network
