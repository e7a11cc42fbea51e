import numpy as np
import pytest

from physlens.compare.scoring import score
from physlens.data.conserved import EXTRA_TERMS, LIBRARY_DEGREE, conserved_trajectories
from physlens.errors import DataError
from physlens.methods.conserved import ConservedQuantities


@pytest.mark.parametrize("system", ["oscillator_1d", "isotropic_2d", "anisotropic_2d", "kepler_2d"])
def test_counts_and_names_the_conserved_quantities(system):
    data = conserved_trajectories(system, 10, 150, rng=np.random.default_rng(0))
    model = ConservedQuantities(max_degree=LIBRARY_DEGREE[system], extra_terms=EXTRA_TERMS.get(system, []), random_state=0).fit_dataset(data)
    interpretation = model.interpret()
    assert model.n_conserved_ == data.truth.parameters["n_conserved"], model.quantities_
    assert interpretation.found, interpretation.reasons
    verdicts = score(model, interpretation, data)
    assert all(v.passed for v in verdicts), [v.reason for v in verdicts if not v.passed]


def test_noisy_orbits_still_count_one_quantity():
    data = conserved_trajectories("oscillator_1d", 10, 200, noise=1e-3, rng=np.random.default_rng(1))
    model = ConservedQuantities(random_state=0).fit_dataset(data)
    assert model.n_conserved_ == 1 and model.interpret().found, model.interpret().reasons


def test_a_quantity_conserved_only_approximately_is_not_trusted():
    # a weakly damped oscillator: x^2 + p^2 decays by ~2% per trajectory
    t = np.linspace(0, 6, 100)
    rng = np.random.default_rng(3)
    rows, labels = [], []
    for k in range(10):
        amplitude, phase = rng.uniform(0.5, 2), rng.uniform(0, 2 * np.pi)
        decay = np.exp(-0.002 * t)
        rows.append(np.column_stack([amplitude * decay * np.cos(t + phase), -amplitude * decay * np.sin(t + phase)]))
        labels.append(np.full(len(t), k))
    model = ConservedQuantities(random_state=0).fit(np.concatenate(rows), np.concatenate(labels), ["x", "p"])
    interpretation = model.interpret()
    assert model.n_conserved_ == 0 and not interpretation.found
    assert [str(e) for e, *_ in model.approximate_] == ["p**2 + x**2"]
    assert any(v.name == "conserved only approximately" and not v.blocking for v in interpretation.verdicts)


def test_too_few_trajectories_are_refused_with_the_reason():
    data = conserved_trajectories("oscillator_1d", 2, 30)
    with pytest.raises(DataError, match="2 trajectories; at least 3"):
        ConservedQuantities().fit_dataset(data)
