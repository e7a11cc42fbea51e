"""The held-out laws for engine development: known answers for their truth and units."""

import numpy as np
import pytest

from physlens.data.feynman import feynman_equations
from physlens.data.heldout_laws import HELDOUT_LAWS, simulate_heldout_law
from physlens.units import parse_unit
from physlens.validate.dimensions import expression_dimension


def test_about_fifteen_laws_none_of_them_in_the_feynman_table():
    assert 12 <= len(HELDOUT_LAWS) <= 20
    feynman_outputs = {(e.output, frozenset(e.names)) for e in feynman_equations().values()}
    for law in HELDOUT_LAWS.values():
        assert (law.output, frozenset(law.names)) not in feynman_outputs


@pytest.mark.parametrize("identifier", sorted(HELDOUT_LAWS))
def test_truth_is_finite_on_the_sampled_ranges(identifier):
    dataset = simulate_heldout_law(identifier, n_samples=2000, rng=0)
    law = HELDOUT_LAWS[identifier]
    assert np.all(np.isfinite(dataset.y)) and np.ptp(dataset.y) > 0
    for name, low, high in law.variables:
        assert low <= dataset[name].min() and dataset[name].max() <= high
    assert dataset.truth.equations[law.output].free_symbols <= {s for s in law.truth_expression.free_symbols}
    assert {str(s) for s in law.truth_expression.free_symbols} <= set(law.names)


@pytest.mark.parametrize("identifier", sorted(HELDOUT_LAWS))
def test_units_are_dimensionally_consistent(identifier):
    law = HELDOUT_LAWS[identifier]
    dimensions = {name: parse_unit(law.units[name]) for name in law.names}
    dimensions.update({name: parse_unit(unit) for name, (_, unit) in law.constants.items()})
    assert expression_dimension(law.symbolic_formula, dimensions) == parse_unit(law.units[law.output])


def test_known_values():
    # Earth's year from its orbit; the Compton wavelength at 90 degrees; Malus at 60 degrees
    kepler = HELDOUT_LAWS["kepler_third_law"].truth_expression
    year = float(kepler.subs({s: v for s, v in zip(sorted(kepler.free_symbols, key=str), [1.989e30, 1.496e11])}))
    assert abs(year / (365.25 * 86400) - 1) < 0.01
    compton = HELDOUT_LAWS["compton_shift"].truth_expression
    assert abs(float(compton.subs(next(iter(compton.free_symbols)), np.pi / 2)) - 2.4263e-12) < 1e-15
    malus = HELDOUT_LAWS["malus"].truth_expression
    symbols = {str(s): s for s in malus.free_symbols}
    assert abs(float(malus.subs({symbols["I_0"]: 100.0, symbols["theta"]: np.pi / 3})) - 25.0) < 1e-9
