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

T_c comes from finite-size scaling over several lattice sizes (:mod:`.finite_size`); with
a single lattice size the estimate is a pseudo-critical temperature (reported as such).
Error bars: bootstrap over configurations. Modules: :mod:`.encoding` (input checks, spin
encoding), :mod:`.finite_size`, :mod:`.base` (what the estimators share), one module per
estimator. Importing the package registers the three estimators.
"""

from physlens.methods.phases.autoencoder import AutoencoderPhases
from physlens.methods.phases.classifier import ClassifierPhases
from physlens.methods.phases.pca import PCAPhases

__all__ = ["AutoencoderPhases", "ClassifierPhases", "PCAPhases"]
