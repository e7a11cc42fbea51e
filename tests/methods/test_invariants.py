import numpy as np
import pytest

from physlens.data.invariants import relativistic_events
from physlens.errors import DataError, ParameterError
from physlens.methods.invariants import SiameseInvariants


def test_siamese_network_recovers_the_spacetime_interval():
    events = relativistic_events(150, 10, rng=np.random.default_rng(0))
    model = SiameseInvariants(steps=1500, hidden=(32, 32), learning_rate=5e-3, batch_events=96, random_state=0).fit_dataset(events)
    interpretation = model.interpret()
    verdicts = {v.name: v for v in interpretation.verdicts}
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
