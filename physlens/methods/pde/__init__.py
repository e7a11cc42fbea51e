"""PDEs from fields: the partial differential equation d(field)/dt = f(fields, x-derivatives)
behind fields sampled on a uniform x-t grid (one field, or two for reaction-diffusion).

On pysindy's ``WeakPDELibrary`` (weak form: the derivatives fall on test functions,
never on the noisy field) or ``PDELibrary`` (finite differences, clean data) and its
``STLSQ``; the threshold (Pareto front on cross-validated error), the bootstrap ensemble
and the verdicts are those of :mod:`physlens.methods.dynamics`, reused. What is chosen
from the data: the weak-form cell size (the smallest whose propagated noise is below
10 % of the signal) and each equation's threshold. Units: with units for the fields, x
and t, each derivative term's dimension is known and every coefficient carries its unit.

:mod:`.library` builds the linear system and the sympy terms; :mod:`.estimator` holds
:class:`SparsePDE`. Simulators and the file format: :mod:`physlens.data.fields`.
"""

from physlens.methods.pde.estimator import SparsePDE

__all__ = ["SparsePDE"]
