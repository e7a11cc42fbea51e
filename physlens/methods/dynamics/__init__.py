"""Governing equations from trajectories: sparse regression (SINDy) that survives noise.

Implements SINDy (Brunton, Proctor & Kutz, PNAS 113, 3932, 2016) with the weak/integral
form (Messenger & Bortz, J. Comput. Phys. 443, 110525, 2021) and ensembles
(Fasel, Kutz, Brunton & Brunton, Proc. R. Soc. A 478, 20210904, 2022), on pysindy's
feature libraries (``PolynomialLibrary``, ``FourierLibrary``) and optimizer (``STLSQ``).
What it adds for physicists:

- the library is chosen from the data (:mod:`.library_choice`): polynomial degree 1 to 5,
  sine and cosine of angle-like states, a rational response s/(K + s) with K fitted, a
  drive cos(omega t), sin(omega t) with omega fitted when the residual has a spectral
  peak; the least complex library within 5 % of the best cross-validated error wins,
  and ``library_choice_`` tells why; known inputs u(t) enter the library
  (:mod:`.forcing`); a law must also hold at the extremes of the states
  (:mod:`.extrapolation`), which a truncated series standing in for x |x| does not;
- derivatives: the noise on each state is measured (MAD of third differences); with
  measurable noise the weak form is used on the raw states (integrals against
  compactly supported test functions, no derivative of noisy data) with the narrowest
  test function whose propagated noise is below 10 % of the signal; with negligible
  noise, pointwise derivatives of a Savitzky-Golay fit whose window minimises the
  estimated error (bias from the residual, variance from the noise level);
- coefficients (noisy data): the weak form chooses the terms, then their coefficients
  are re-estimated by maximum likelihood on the raw samples (output error by multiple
  shooting: the model integrated over short joined windows), and the same likelihood
  tests the support (score test for excluded terms, Wald test for kept ones); measured
  on Lorenz at 10 % noise: largest coefficient error 0.7-3.3 % against 1.7-6.8 % from
  the weak form alone (benchmarks/history/RESULTS-handwritten-2026-12-06.md);
- the threshold is chosen per equation from the data: the STLSQ path over thresholds
  gives a Pareto front (cross-validated error vs number of terms) and the sparsest
  model within 5 % of the best error is kept (one-term swaps of the best support of
  each size are tried as well);
- ensembles: bootstrap over rows and dropped library terms give each term's
  inclusion probability; terms below ``inclusion_threshold`` are dropped;
- units: with state units, terms whose function arguments carry dimensions are
  inadmissible, sums of unlike dimensions are refused, and coefficients carry units;
- verdicts: held-out fit, integration beyond the training window and from held-out
  initial conditions, and the drift of known invariants along those integrations.

One module per job: :mod:`.library_choice`, :mod:`.forcing`, :mod:`.extrapolation`,
:mod:`.derivatives` (noise, smoothing, derivative schemes),
:mod:`.weak_form`, :mod:`.libraries`, :mod:`.selection` (threshold, Pareto front,
ensemble), :mod:`.refit` (output error), :mod:`.checks` (verdicts) and
:mod:`.estimator`; term dimensions come from :mod:`physlens.validate.dimensions`.
"""

from physlens.methods.dynamics.derivatives import estimate_noise
from physlens.methods.dynamics.estimator import SparseDynamics

__all__ = ["SparseDynamics", "estimate_noise"]
