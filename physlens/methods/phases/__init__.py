"""Phases and order parameters of lattice spin models, found without labels.

Three estimators read configurations (n, L, L) sampled at many temperatures, learn an
order parameter from the configurations alone and locate the critical temperature:

- :class:`PCAPhases` - principal component analysis (Wang, PRB 94, 195105, 2016): the
  leading q-1 components of the spin configurations span the magnetisation;
- :class:`AutoencoderPhases` - an autoencoder with a (q-1)-dimensional latent (Wetzel,
  PRE 96, 022140, 2017): the latent encodes the magnetisation;
- :class:`ClassifierPhases` - a supervised classifier (Carrasquilla & Melko, Nat. Phys.
  13, 431, 2017) whose labels come from the data itself: the lowest temperatures of the
  scan are "ordered", the highest "disordered"; no T_c is given.

T_c comes with a 95% interval and the name of the estimator that gave it
(:mod:`.critical`): a finite-size scaling collapse over several lattice sizes
(:mod:`.finite_size`), or, from one size (or when no collapse holds), the bracket between
the learned quantity's fluctuation peak and its low half-maximum, which holds the
finite-size shift; for planar (XY) spins the helicity-modulus jump gives T_BKT. A scan
that does not contain the transition gives no T_c, with the reason. The order of the
transition comes from the energy histogram (:mod:`.order`), the order parameter as a
formula of spin observables from symbolic regression (:mod:`.closed_form`). Modules:
:mod:`.encoding` (input checks, spin encoding), :mod:`.base` (what the estimators share),
one module per estimator. Importing the package registers the three estimators, and
:class:`GaugeClassifier` (:mod:`.gauge`): Z2 lattice gauge links, T = 0 against high T, read
as the plaquette energy (no local order parameter, no T_c).
"""

from physlens.methods.phases.autoencoder import AutoencoderPhases
from physlens.methods.phases.classifier import ClassifierPhases
from physlens.methods.phases.gauge import GaugeClassifier
from physlens.methods.phases.pca import PCAPhases

__all__ = ["AutoencoderPhases", "ClassifierPhases", "GaugeClassifier", "PCAPhases"]
