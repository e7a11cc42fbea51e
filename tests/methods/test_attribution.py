import numpy as np
import pytest

from physlens.data.jets import OBSERVABLES, toy_jets
from physlens.errors import DataError, ParameterError
from physlens.methods.attribution import ClassifierAttributions


def test_every_method_ranks_the_mass_first_and_attributions_are_complete():
    jets = toy_jets(3000, rng=np.random.default_rng(1))
    X = np.column_stack([jets[n] for n in OBSERVABLES])
    model = ClassifierAttributions(steps=400, hidden=(32, 32), n_explain=50, n_background=50, expected="mass", random_state=0)
    model.fit(X, jets["label"], list(OBSERVABLES))
    interpretation = model.interpret()
    assert interpretation.found, interpretation.reasons
    assert interpretation.values["top"] == {"shap": "mass", "integrated_gradients": "mass", "permutation": "mass"}
    assert model.completeness_["shap"] < 0.01 and model.completeness_["integrated_gradients"] < 0.01
    assert model.test_accuracy_ > 0.85
    # local SHAP values add up to the logit minus the background mean
    assert model.shap_values_.shape == (50, len(OBSERVABLES))


def test_bad_input_is_named():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = np.r_[np.zeros(30), np.ones(30)]
    with pytest.raises(DataError, match="row 2"):
        ClassifierAttributions().fit(X, np.r_[0, 1, 2, y[3:]], ["a", "b", "c"])
    with pytest.raises(DataError, match="both classes"):
        ClassifierAttributions().fit(X, np.zeros(60), ["a", "b", "c"])
    with pytest.raises(DataError, match="expected observable 'mass'"):
        ClassifierAttributions(expected="mass").fit(X, y, ["a", "b", "c"])
    with pytest.raises(ParameterError, match="test_fraction"):
        ClassifierAttributions(test_fraction=0.9).fit(X, y, ["a", "b", "c"])
