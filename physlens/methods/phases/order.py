"""First or continuous: the order of a transition read from the energy histogram.

At a first-order transition the ordered and disordered phases coexist at the
pseudo-critical temperature, so the energy per site there is bimodal (two peaks, one per
phase, separated by the latent heat); at a continuous transition it has one peak
(Challa, Landau & Binder, PRB 34, 1841, 1986). The energy is the bond energy
e = -(1/N) sum_<ij> delta(s_i, s_j) over nearest neighbours along every axis (the Potts
energy with J = 1; for an Ising model with other couplings it is not the energy, but it
jumps with it at coexistence). The histogram is read at the temperatures around the peak of
the specific heat N var(e) / T^2; it is bimodal when a two-Gaussian mixture beats one by a
BIC margin of 10, the smaller Gaussian holds at least 20% of the configurations (a few
configurations of one stuck Markov chain are not a phase), and the bimodality coefficient
(skewness^2 + 1) / kurtosis exceeds 5/9 (its value for a uniform distribution). A scan
whose temperatures straddle the narrow coexistence region of a weak first-order
transition can miss it: "continuous" means no coexistence was seen at that size and
temperature spacing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BIC_MARGIN = 10.0
BIMODALITY_THRESHOLD = 5.0 / 9.0
MINORITY_WEIGHT = 0.2


@dataclass(frozen=True)
class TransitionOrder:
    """"first order", "continuous" or "undetermined", with the temperature read and why."""

    order: str
    temperature: float | None
    bic_margin: float | None
    bimodality: float | None
    reason: str

    def to_dict(self) -> dict:
        return {"order": self.order, "temperature": self.temperature, "bic_margin": self.bic_margin,
                "bimodality_coefficient": self.bimodality, "reason": self.reason}


def bond_energy(configs: np.ndarray) -> np.ndarray:
    """e = -(1/N) sum over nearest-neighbour bonds of delta(s_i, s_j), per configuration
    (periodic boundaries, every lattice axis)."""
    configs = np.asarray(configs)
    axes = tuple(range(1, configs.ndim))
    return -sum((configs == np.roll(configs, 1, axis=a)).mean(axis=axes) for a in axes)


def _bimodality(energy: np.ndarray, seed: int) -> tuple[float, float, float]:
    """(BIC(one Gaussian) - BIC(two), bimodality coefficient, weight of the smaller of the
    two Gaussians) of a sample."""
    from scipy.stats import kurtosis, skew
    from sklearn.mixture import GaussianMixture

    x = energy[:, None]
    if np.ptp(energy) == 0:
        return 0.0, 0.0, 0.0
    one = GaussianMixture(1, random_state=seed).fit(x).bic(x)
    mixture = GaussianMixture(2, random_state=seed, n_init=2).fit(x)
    coefficient = (skew(energy) ** 2 + 1.0) / (kurtosis(energy) + 3.0)
    return float(one - mixture.bic(x)), float(coefficient), float(mixture.weights_.min())


def transition_order(configs: np.ndarray, temperature: np.ndarray, seed: int = 0, *, planar: bool = False) -> TransitionOrder:
    """The order of the transition of one lattice size's scan (see the module docstring);
    ``planar`` spins (XY, angles) in 2D have a BKT transition, of infinite order."""
    if planar:
        return TransitionOrder("infinite order (BKT)", None, None, None,
                               "planar spins in 2D: no spontaneous magnetisation (Mermin-Wagner); the transition is the unbinding "
                               "of vortex pairs (Berezinskii-Kosterlitz-Thouless), with no latent heat and an essential singularity")
    energy = bond_energy(configs)
    n_sites = int(np.prod(np.shape(configs)[1:]))
    grid = np.unique(temperature)
    heat = np.array([n_sites * energy[temperature == t].var() / t**2 for t in grid])
    top = int(np.argmax(heat))
    if top in (0, grid.size - 1):
        return TransitionOrder("undetermined", None, None, None,
                               f"the specific-heat peak lies at the edge of the scan (T = {grid[top]:.4g}): no coexistence temperature to read")
    best = None
    for i in (top - 1, top, top + 1):
        sample = energy[temperature == grid[i]]
        if sample.size < 30:
            continue
        margin, coefficient, minority = _bimodality(sample, seed)
        if best is None or margin > best[1]:
            best = (float(grid[i]), margin, coefficient, minority)
    if best is None:
        return TransitionOrder("undetermined", None, None, None, "fewer than 30 configurations per temperature near the specific-heat peak")
    t, margin, coefficient, minority = best
    bimodal = margin >= BIC_MARGIN and coefficient > BIMODALITY_THRESHOLD and minority >= MINORITY_WEIGHT
    where = f"energy histogram at T = {t:.4g} (beside the specific-heat peak, L = {np.shape(configs)[1]})"
    if bimodal:
        return TransitionOrder("first order", t, margin, coefficient,
                               f"{where} is bimodal: two phases coexist (two Gaussians beat one by BIC {margin:.3g}, "
                               f"the smaller holds {100 * minority:.0f}%, bimodality coefficient {coefficient:.3f} > 5/9)")
    return TransitionOrder("continuous", t, margin, coefficient,
                           f"{where} has one peak (two Gaussians: BIC margin {margin:.3g} (needs >= {BIC_MARGIN:g}), smaller "
                           f"weight {100 * minority:.0f}% (needs >= {100 * MINORITY_WEIGHT:.0f}%), bimodality coefficient "
                           f"{coefficient:.3f} (needs > 5/9)): no coexistence seen at this size and temperature spacing")
