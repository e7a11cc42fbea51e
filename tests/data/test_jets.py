import numpy as np
import pytest

from physlens.data.jets import OBSERVABLES, toy_jets
from physlens.errors import ParameterError
from physlens.expr import to_function


def test_mass_is_the_collinear_two_prong_mass_and_drives_the_label(rng):
    jets = toy_jets(2000, threshold=40.0, resolution=4.0, rng=rng)
    mass = to_function(jets.truth.equations["mass"], ["pt1", "pt2", "dr12"])(jets["pt1"], jets["pt2"], jets["dr12"])
    np.testing.assert_allclose(jets["mass"], mass, rtol=1e-12)
    np.testing.assert_allclose(jets["probability"], 1 / (1 + np.exp(-(jets["mass"] - 40.0) / 4.0)))
    # the label follows the probability: heavy jets are signal, light ones background
    assert jets["label"][jets["mass"] > 60].mean() > 0.95
    assert jets["label"][jets["mass"] < 20].mean() < 0.05
    assert jets.input_names == list(OBSERVABLES)
    assert jets.kind == "jets"


def test_observables_are_physical(rng):
    jets = toy_jets(500, rng=rng)
    assert np.all(jets["multiplicity"] >= 2)
    assert np.all((jets["ptd"] > 0) & (jets["ptd"] <= 1))
    assert np.all(jets["width"] > 0)
    assert np.all(jets["pt1"] >= jets["pt2"])


@pytest.mark.parametrize("kwargs, parameter", [({"n_jets": 3}, "n_jets"), ({"resolution": 0.0}, "resolution"), ({"threshold": float("nan")}, "threshold")])
def test_bad_parameters_are_named(kwargs, parameter):
    with pytest.raises(ParameterError, match=parameter):
        toy_jets(**{"n_jets": 100, **kwargs})
