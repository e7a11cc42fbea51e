"""The scikit-learn contract, checked over every registered method: parameters round-trip
through get_params/set_params and clone, every hyperparameter is checked by the one
parameter table before any work, randomness comes only through ``random_state``, a fitted
estimator pickles and clones back to an unfitted one, and no ground truth rides on it."""

from __future__ import annotations

import inspect
import json
import pickle
import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from physlens.errors import ParameterError
from physlens.methods.base import available_methods, rng_from, seed_from

METHODS = available_methods()
NAMES = sorted(METHODS)
# values tried, in turn, until the parameter's own rule refuses one
NOT_VALID = (-1, 0, -0.5, 1.5, 10**9, "not-a-setting", None, True, (), float("nan"))


def _init_parameters(cls) -> list[inspect.Parameter]:
    return [p for name, p in inspect.signature(cls.__init__).parameters.items() if name != "self"]


def _learned(estimator) -> list[str]:
    return sorted(name for name in vars(estimator) if name.endswith("_") and not name.startswith("_"))


@pytest.fixture(scope="module")
def fitted(small_fit):
    """Each method fitted once at small size (seed 0), shared by the tests below."""
    cache: dict = {}

    def get(name):
        if name not in cache:
            cache[name] = small_fit(name, 0)
        return cache[name]

    return get


def test_every_registered_method_has_small_settings(small_settings):
    assert set(small_settings) == set(METHODS)


@pytest.mark.parametrize("name", NAMES)
def test_get_params_lists_every_init_parameter_and_round_trips(name):
    cls = METHODS[name]
    parameters = _init_parameters(cls)
    assert all(p.kind == p.KEYWORD_ONLY or p.kind == p.POSITIONAL_OR_KEYWORD for p in parameters), \
        "no *args/**kwargs: scikit-learn reads the parameters from the signature"
    estimator = cls()
    params = estimator.get_params(deep=False)
    assert set(params) == {p.name for p in parameters}
    assert clone(estimator).set_params(**params).get_params(deep=False) == params
    with pytest.raises(ValueError):
        estimator.set_params(no_such_parameter=1)


@pytest.mark.parametrize("name", NAMES)
def test_every_hyperparameter_has_a_rule_in_the_one_table(name):
    cls = METHODS[name]
    assert set(cls.parameter_rules) == {p.name for p in _init_parameters(cls)}


@pytest.mark.parametrize("name", NAMES)
def test_random_state_is_none_by_default_as_in_scikit_learn(name):
    params = METHODS[name]().get_params()
    if "random_state" in params:
        assert params["random_state"] is None


@pytest.mark.parametrize("name", NAMES)
def test_interpret_before_fit_raises_scikit_learns_not_fitted_error(name):
    with pytest.raises(NotFittedError):
        METHODS[name]().interpret()


@pytest.mark.parametrize("name", NAMES)
def test_a_value_outside_each_rule_is_refused_by_name_before_any_work(name, small_fit):
    cls = METHODS[name]
    for parameter, (valid, description) in cls.parameter_rules.items():
        bad = next((v for v in NOT_VALID if not _accepts(valid, v)), None)
        assert bad is not None, f"{parameter}: the rule ({description}) accepts every value tried"
        with pytest.raises(ParameterError, match=rf"\b{parameter}="):
            small_fit(name, 0, **{parameter: bad})


def _accepts(valid, value) -> bool:
    try:
        return bool(valid(value))
    except Exception:
        return False


@pytest.mark.parametrize("name", NAMES)
def test_a_fitted_estimator_pickles_and_clones_back_to_an_unfitted_one(name, fitted, one_torch_thread):
    estimator = fitted(name)
    assert _learned(estimator), "fit leaves learned state ending in '_'"
    assert _learned(clone(estimator)) == []
    restored = pickle.loads(pickle.dumps(estimator))
    assert _comparable(restored.interpret()) == _comparable(estimator.interpret())


@pytest.mark.parametrize("name", NAMES)
def test_no_ground_truth_rides_on_a_fitted_estimator(name, fitted):
    estimator = fitted(name)
    assert [a for a in vars(estimator) if "truth" in a or a.startswith("expected_")] == []


def _comparable(interpretation) -> str:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "timings" and not k.endswith("seconds")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(interpretation.to_dict()), sort_keys=True)


# -- random_state semantics (scikit-learn's check_random_state) ---------------------------

def test_an_int_seed_gives_the_stream_numpy_gives_that_seed():
    assert np.array_equal(rng_from(7).normal(size=5), np.random.default_rng(7).normal(size=5))
    assert seed_from(7) == 7


def test_none_draws_from_numpys_global_state():
    state = np.random.get_state()
    try:
        np.random.seed(11)
        first = rng_from(None).normal(size=3)
        np.random.seed(11)
        assert np.array_equal(rng_from(None).normal(size=3), first)
        assert not np.array_equal(rng_from(None).normal(size=3), first)  # the global state moved on
    finally:
        np.random.set_state(state)


def test_a_generator_or_random_state_instance_is_drawn_from():
    generator = np.random.default_rng(3)
    assert rng_from(generator) is generator
    legacy = np.random.RandomState(5)
    assert seed_from(legacy) == int(np.random.default_rng(int(np.random.RandomState(5).randint(2**31 - 1))).integers(2**31 - 1))


# -- numpydoc: every public estimator documents its parameters and what it learns ---------

def _numpydoc_names(cls, section: str) -> set[str] | None:
    """Names listed in a numpydoc section ("x : type" lines, or "a, b : type"), None when
    the section is missing."""
    doc = inspect.getdoc(cls) or ""
    match = re.search(rf"^{section}\n-+\n(.*?)(?=^\w[\w ]*\n-+\n|\Z)", doc, re.S | re.M)
    if match is None:
        return None
    names: set[str] = set()
    for line in match.group(1).splitlines():
        entry = re.match(r"^(\w+(?:, \w+)*)\s*(?::|$)", line)
        if entry:
            names.update(entry.group(1).split(", "))
    return names


@pytest.mark.parametrize("name", NAMES)
def test_the_docstring_lists_every_parameter(name):
    cls = METHODS[name]
    documented = _numpydoc_names(cls, "Parameters")
    assert documented is not None, "a numpydoc Parameters section"
    assert {p.name for p in _init_parameters(cls)} - documented == set()


@pytest.mark.parametrize("name", NAMES)
def test_the_docstring_lists_what_fit_learns(name, fitted):
    documented = _numpydoc_names(METHODS[name], "Attributes")
    assert documented is not None, "a numpydoc Attributes section"
    assert set(_learned(fitted(name))) - documented == set()
