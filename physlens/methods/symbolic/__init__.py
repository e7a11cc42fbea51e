"""Symbolic regression with physics: the estimator :class:`SymbolicRegressor`
(registered as "symbolic") and the engine it runs, a module per job:

- :mod:`.estimator`: the estimator (fit, checks, results);
- :mod:`.search`: the stages of the search and the polishing of candidates;
- :mod:`.laws`: a law's values, error, description length; the validation split;
- :mod:`.constants`: refitting and snapping fitted constants (also used by kan);
- :mod:`.simplification`: guarded simplification, roots unfolded on data;
- :mod:`.readable`: the final law as a physicist writes it (signs from the data, merged roots);
- :mod:`.enumeration`: exhaustive enumeration of short laws, with :mod:`.pool`,
  :mod:`.transforms`, :mod:`.two_terms` and the noise estimate :mod:`.noise`;
- :mod:`.separability`: laws that split into parts of disjoint inputs;
- :mod:`.structure`: translational symmetry probed on a smooth surrogate;
- :mod:`.operon`: the genetic-programming backend.
"""

from physlens.methods.symbolic.constants import free_exact_numbers_on_data, refit_constants, snap_on_data
from physlens.methods.symbolic.estimator import SymbolicRegressor
from physlens.methods.symbolic.laws import Candidate, validation_split

__all__ = ["Candidate", "SymbolicRegressor", "free_exact_numbers_on_data", "refit_constants", "snap_on_data", "validation_split"]
