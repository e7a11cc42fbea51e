"""Shared checks over every registered method (the scikit-learn contract)."""

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_no_attributes_set_in_init, check_parameters_default_constructible

from physlens.data.dataset import KINDS
from physlens.methods.base import INTERPRETATION_KINDS, Taxonomy, available_methods

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
