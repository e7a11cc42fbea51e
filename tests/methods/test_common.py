"""Shared checks over every registered method (the scikit-learn contract)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_no_attributes_set_in_init, check_parameters_default_constructible

from physlens.data.dataset import KINDS
from physlens.errors import DataError
from physlens.methods.base import INTERPRETATION_KINDS, Taxonomy, available_methods, check_finite_values

METHODS = available_methods()


def test_registry_is_not_empty():
    assert "symbolic" in METHODS


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_declares_taxonomy_and_data(name):
    cls = METHODS[name]
    assert isinstance(cls.taxonomy, Taxonomy)
    assert cls.consumes in KINDS
    assert cls.interpretation_kind in INTERPRETATION_KINDS


@pytest.mark.parametrize("name", sorted(METHODS))
def test_init_only_stores_parameters(name):
    estimator = METHODS[name]()
    check_no_attributes_set_in_init(name, estimator)
    check_parameters_default_constructible(name, estimator)
    cloned = clone(estimator)
    assert cloned.get_params() == estimator.get_params()


def _nan_at(shape, row, column):
    values = np.random.default_rng(0).normal(size=shape)
    values[row, column] = np.nan
    return values


def _fit_calls():
    """Each method that takes arrays from a user, fitted with a NaN at row 7, column 1 of its
    first array: (method, call, the label it gives that array)."""
    from physlens.methods.attribution import ClassifierAttributions
    from physlens.methods.hamiltonian import HamiltonianNN
    from physlens.methods.invariants import SiameseInvariants
    from physlens.methods.kan import KolmogorovArnoldNetwork
    from physlens.methods.latent import BetaVAE
    from physlens.methods.symbolic import SymbolicRegressor
    from physlens.methods.symbolic_gradients import SymbolicGradients

    X, ones = _nan_at((40, 2), 7, 1), np.ones(40)
    labels = np.r_[np.zeros(20), np.ones(20)]
    return {
        "symbolic": (lambda: SymbolicRegressor().fit(X, ones, names=["a", "b"]), "X row 7, column 1 ('b')"),
        "kan": (lambda: KolmogorovArnoldNetwork().fit(X, ones), "KolmogorovArnoldNetwork: X row 7, column 1"),
        "attributions": (lambda: ClassifierAttributions().fit(X, labels, ["a", "b"]), "ClassifierAttributions: X row 7, column 1"),
        "hnn": (lambda: HamiltonianNN().fit(X, np.ones((40, 2))), "HamiltonianNN: states row 7, column 1"),
        "invariants": (lambda: SiameseInvariants().fit(X, np.repeat(np.arange(20), 2), ["a", "b"]), "SiameseInvariants: X row 7, column 1 ('b')"),
        "symbolic-gradients": (lambda: SymbolicGradients().fit(X, np.ones((40, 2))), "SymbolicGradients: X row 7, column 1"),
        "latent": (lambda: BetaVAE().fit(X), "observations row 7, column 1"),
    }


@pytest.mark.parametrize("case", sorted(_fit_calls()))
def test_every_array_method_names_the_first_non_finite_entry_alike(case):
    fit, where = _fit_calls()[case]
    with pytest.raises(DataError) as caught:
        fit()
    assert str(caught.value) == f"{where} is NaN; every value must be a finite number"


def test_check_finite_values_reports_infinity_and_single_columns():
    with pytest.raises(DataError, match=r"^Owner: y row 3 is infinite; every value must be a finite number$"):
        check_finite_values("Owner", "y", np.r_[0.0, 1.0, 2.0, -np.inf])
    check_finite_values("Owner", "y", np.zeros((5, 2, 3)))
    check_finite_values("Owner", "X", np.zeros((0, 3)))  # no rows: left to the caller's row-count check
    forces = np.zeros((3, 2, 3))
    forces[1, 1, 1] = np.nan
    with pytest.raises(DataError, match=r"^Owner: forces row 1, column 4 is NaN"):  # trailing axes flattened
        check_finite_values("Owner", "forces", forces)


def test_a_method_names_the_arrays_a_dataset_lacks():
    from physlens.data.particles import simulate_agents
    from physlens.methods.forces import GraphNetwork

    agents = simulate_agents(8, 6, radius=1.0, box=5.0, noise=0.05, seed=0)  # velocities, no accelerations
    reason = GraphNetwork.applicable_to(agents)
    assert reason.startswith("GraphNetwork needs a 'particles' dataset with positions, accelerations; accelerations missing")
