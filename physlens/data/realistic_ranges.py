"""Long because: it holds the reviewed ranges table of every Feynman variable (one row
each, with its reason), which reads best in one place beside its sampler.

The Feynman equations at the magnitudes a physicist meets (issue 28, scope 2).

Each input is drawn log-uniformly over the decades met for that quantity (``log``), or
uniformly where the quantity is an angle, phase or bounded ratio (``linear``), with a
random sign where physics allows both. A row is ``(equation, variable, low, high, scale,
signed, reason)``; equation ``*`` is the default for that variable name, an equation id
overrides it where the context differs. The reason comes from the variable's unit and
context, never from what makes the search easy. Universal constants are not columns:
they enter at their CODATA values (``scipy.constants``). ``DOMAINS`` restricts a few
laws to the region an experiment samples (a Gaussian within a few widths, a phase over a
few periods); rows where a law has no real value are drawn again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.constants as codata
import sympy

from physlens.data.dataset import Dataset, Truth, Variable, add_noise
from physlens.errors import DataError
from physlens.expr import parse_expression, real_values, symbols_for, to_function

PI = math.pi
E = codata.e
# Feynman-table names of universal constants -> (CODATA value, what it is)
CONSTANTS = {
    "c": (codata.c, "speed of light"),
    "G": (codata.G, "Newton's gravitational constant"),
    "h": (codata.h, "Planck's constant"),
    "kb": (codata.k, "Boltzmann's constant"),
    "epsilon": (codata.epsilon_0, "vacuum permittivity"),
}
# the elementary charge where the law is about the electron's charge, not any charge
ELEMENTARY_CHARGE = {"I.38.12": "q", "III.14.14": "q", "III.19.51": "q", "II.34.29a": "q"}

_PARTICLE_Q = "charges of particles: 1 to 100 elementary charges (electrons, ions, highly charged ions), either sign"
_LAB_Q = "charges on lab bodies (spheres, capacitor plates): 1 nC to 10 uC, either sign"
_PARTICLE_V = "speeds of particles from 1e5 m/s (ions) to 0.97 c (accelerator beams), where relativity is studied"
_SIGNED_PARTICLE_V = _PARTICLE_V + "; either direction"
_ORBIT = "distances in the solar system: 1e6 m (low orbits) to 1e12 m (Saturn), coordinates of either sign"
_BODY = "masses of moons, planets and stars: 1e20 to 2e30 kg"
_LATTICE = "lattice spacings of crystals: 1 to 10 angstrom"
_ANGLE = "an angle over the full turn"
_OPTICAL = "angular frequencies of light, infrared to ultraviolet: 1e13 to 1e16 rad/s"
_MOLECULAR_D = "molecular dipole moments, 0.01 to 3 debye (water: 1.85 D)"
_NEAR_FIELD = "distances from a molecule: 1 nm to 1 um"
_THERMAL = "temperatures from liquid helium (4 K) to stellar surfaces (1e4 K)"

RANGES = (
    # equation, variable, low, high, scale, signed, reason
    ("*", "A", 1e-6, 1e2, "log", False, "areas from mm^2 wire cross-sections to 100 m^2 walls"),
    ("*", "A_vec", 1e-6, 1e-1, "log", True, "vector potentials of lab magnets (1e-4 to 1 T over mm to dm), either sign"),
    ("*", "B", 1e-5, 10.0, "log", False, "field magnitudes from the Earth's 3e-5 T to 10 T laboratory magnets"),
    ("I.12.11", "B", 1e-5, 10.0, "log", True, "a field component from the Earth's to 10 T magnets, either sign"),
    ("*", "Bx", 1e-5, 10.0, "log", True, "a field component from the Earth's to 10 T magnets, either sign"),
    ("*", "By", 1e-5, 10.0, "log", True, "a field component from the Earth's to 10 T magnets, either sign"),
    ("*", "Bz", 1e-5, 10.0, "log", True, "a field component from the Earth's to 10 T magnets, either sign"),
    ("*", "C", 1e-12, 1e-2, "log", False, "capacitors from 1 pF to 10 mF"),
    ("*", "E_n", 1e-24, 1e-18, "log", False, "energies of atomic and band states: ueV to 10 eV"),
    ("III.8.54", "E_n", 1e-27, 1e-23, "log", False, "level splittings driven in resonance experiments: neV to 100 ueV"),
    ("*", "Ef", 1.0, 1e7, "log", False, "field strengths from 1 V/m (radio waves) to 10 MV/m (near breakdown)"),
    ("I.12.5", "Ef", 1.0, 1e7, "log", True, "a field component from 1 V/m to 10 MV/m, either sign"),
    ("I.12.11", "Ef", 1.0, 1e7, "log", True, "a field component from 1 V/m to 10 MV/m, either sign"),
    ("II.11.3", "Ef", 1.0, 1e7, "log", True, "a driving field amplitude from 1 V/m to 10 MV/m, either sign"),
    ("*", "F", 1e-3, 1e4, "log", False, "forces on levers and wrenches: 1 mN to 10 kN"),
    ("*", "H", 1e-5, 10.0, "log", False, "applied fields (in tesla) from the Earth's to 10 T magnets"),
    ("*", "I", 1e-6, 1e3, "log", False, "currents in wires from 1 uA to 1 kA busbars"),
    ("*", "I1", 1e-2, 1e2, "log", False, "intensities of interfering beams, 0.01 to 100 W/m^2"),
    ("*", "I2", 1e-2, 1e2, "log", False, "intensities of interfering beams, 0.01 to 100 W/m^2"),
    ("*", "I_0", 1e-15, 1e-6, "log", False, "saturation currents of diodes: 1 fA (silicon) to 1 uA (germanium, power diodes)"),
    ("*", "Int_0", 1e-3, 1e3, "log", False, "intensities of light through slits, 1 mW/m^2 to 1 kW/m^2"),
    ("*", "Jz", 0.5 * codata.hbar, 3 * codata.hbar, "log", True, "angular momentum projections m_j hbar, |m_j| from 1/2 to 3, either sign"),
    ("*", "M", 1.0, 1e6, "log", False, "magnetisations from paramagnets (1 A/m) to iron (1.7e6 A/m)"),
    ("*", "Nn", 1e-2, 1e5, "log", False, "normal forces from 10 mN to 100 kN"),
    ("*", "Pwr", 1e-3, 4e26, "log", False, "source powers from a 1 mW LED to the Sun's 3.8e26 W"),
    ("*", "T", 4.0, 1e4, "log", False, _THERMAL),
    ("I.40.1", "T", 150.0, 350.0, "log", False, "temperatures of planetary atmospheres: 150 to 350 K"),
    ("III.14.14", "T", 200.0, 400.0, "log", False, "operating temperatures of diodes: 200 to 400 K"),
    ("*", "T1", 10.0, 2000.0, "log", False, "temperatures on the sides of a wall, cryogenic to furnace: 10 to 2000 K"),
    ("*", "T2", 10.0, 2000.0, "log", False, "temperatures on the sides of a wall, cryogenic to furnace: 10 to 2000 K"),
    ("*", "U", 1e-21, 1e-18, "log", False, "tight-binding hopping energies: 10 meV to 10 eV"),
    ("*", "V", 1e-6, 1e2, "log", False, "gas volumes from 1 cm^3 cells to 100 m^3 rooms"),
    ("*", "V1", 1e-6, 1.0, "log", False, "gas volumes from 1 cm^3 to 1 m^3"),
    ("*", "V2", 1e-6, 1.0, "log", False, "gas volumes from 1 cm^3 to 1 m^3"),
    ("*", "Volt", 1e-3, 1e4, "log", False, "voltages across electrodes: 1 mV to 10 kV"),
    ("III.14.14", "Volt", 1e-3, 0.8, "log", True, "diode bias: 1 mV to 0.8 V forward, or reverse"),
    ("*", "Y", 1e6, 1e12, "log", False, "Young's moduli from rubber (1e6 Pa) to diamond (1e12 Pa)"),
    ("*", "a", 1e10, 1e22, "log", False, "accelerations of radiating charges: ions in traps to electrons in synchrotron bends"),
    ("*", "alpha", 1e-3, 1.0, "log", False, "a small dimensionless coefficient, 1e-3 to 1"),
    ("I.50.26", "alpha", 1e-3, 1.0, "log", True, "the anharmonic share of an oscillation, either sign"),
    ("II.11.27", "alpha", 1e-2, 1.0, "log", False, "polarisability volume in units of the volume per molecule"),
    ("II.11.28", "alpha", 1e-2, 1.0, "log", False, "polarisability volume in units of the volume per molecule"),
    ("III.15.27", "alpha", 1.0, 1e3, "log", False, "the index of a Bloch wave, 1 to the number of sites"),
    ("III.17.37", "alpha", -1.0, 1.0, "linear", False, "an angular asymmetry coefficient lies in [-1, 1]"),
    ("*", "beta", 1e-3, 1e3, "log", False, "a distribution's normalisation, any scale"),
    ("*", "chi", 1e-4, 1e2, "log", False, "electric susceptibilities from gases (1e-4) to water (80)"),
    ("II.37.1", "chi", 1e-6, 1e-2, "log", True, "magnetic susceptibilities: diamagnets (negative) and paramagnets, 1e-6 to 1e-2"),
    ("*", "d", 1e-3, 1.0, "log", False, "gaps and thicknesses in the lab: 1 mm to 1 m"),
    ("I.30.5", "d", 1e-6, 1e-4, "log", False, "grating periods: 1 to 100 um"),
    ("I.43.16", "d", 1e-4, 1e-1, "log", False, "electrode gaps: 0.1 mm to 10 cm"),
    ("II.24.17", "d", 1e-2, 1e-1, "log", False, "microwave waveguide widths: 1 to 10 cm"),
    ("II.38.3", "d", 1e-2, 10.0, "log", False, "lengths of rods and wires: 1 cm to 10 m"),
    ("III.13.18", "d", 1e-10, 1e-9, "log", False, _LATTICE),
    ("III.15.12", "d", 1e-10, 1e-9, "log", False, _LATTICE),
    ("III.15.14", "d", 1e-10, 1e-9, "log", False, _LATTICE),
    ("III.15.27", "d", 1e-10, 1e-9, "log", False, _LATTICE),
    ("*", "d1", 1e-2, 10.0, "log", False, "object distances of lenses: 1 cm to 10 m"),
    ("*", "d2", 1e-2, 10.0, "log", False, "image-side distances of lenses: 1 cm to 10 m"),
    ("*", "delta", 0.0, 2 * PI, "linear", False, "a phase difference over the full cycle"),
    ("*", "g", 0.1, 30.0, "log", False, "surface gravities from small moons (0.1 m/s^2) to Jupiter (25 m/s^2)"),
    ("*", "g_", 0.1, 6.0, "log", True, "g-factors of nuclei and electrons (|g| 0.1 to 5.6), either sign (the neutron's is negative)"),
    ("*", "gamma", 1.05, 5 / 3, "linear", False, "adiabatic indices 1 + 2/f: polyatomic gases (1.05) to monatomic (5/3)"),
    ("*", "k", 1e7, 3e10, "log", False, "wavenumbers of electrons in crystals, up to the zone edge pi/d"),
    ("*", "k_spring", 0.1, 1e6, "log", False, "spring constants from soft springs (0.1 N/m) to car suspensions (1e6 N/m)"),
    ("*", "kappa", 1e-2, 4e2, "log", False, "thermal conductivities from foams (0.01) to copper (400 W/(m K))"),
    ("*", "lambd", 1e-7, 2e-6, "log", False, "wavelengths of light on gratings: ultraviolet to near infrared"),
    ("*", "m", codata.m_e, 1e-25, "log", False, "masses of particles from the electron to heavy ions"),
    ("I.13.4", "m", 1e-3, 1e4, "log", False, "masses of moving bodies from 1 g to 10 t"),
    ("I.14.3", "m", 1e-3, 1e4, "log", False, "masses lifted: 1 g to 10 t"),
    ("I.18.14", "m", 1e-3, 1e3, "log", False, "masses of rotating bodies: 1 g to 1 t"),
    ("I.24.6", "m", 1e-3, 1e1, "log", False, "masses on oscillators: 1 g to 10 kg"),
    ("I.40.1", "m", 3e-27, 5e-25, "log", False, "masses of gas molecules from H2 to heavy organics"),
    ("I.38.12", "m", codata.m_e, 1.9e-28, "log", False, "masses of bound leptons: electron to muon"),
    ("III.19.51", "m", codata.m_e, 1.9e-28, "log", False, "masses of bound leptons: electron to muon"),
    ("I.48.2", "m", codata.m_e, 1.7e-27, "log", False, "masses of accelerated particles: electron to proton"),
    ("II.34.29a", "m", codata.m_e, 1.7e-27, "log", False, "masses whose magneton is meant: electron (Bohr) to proton (nuclear)"),
    ("III.21.20", "m", 1e-32, 1e-29, "log", False, "effective masses of carriers: 0.01 to 10 electron masses"),
    ("*", "m1", 1e20, 2e30, "log", False, _BODY),
    ("*", "m2", 1e20, 2e30, "log", False, _BODY),
    ("I.18.4", "m1", 1e-3, 1e3, "log", False, "masses of parts of a body: 1 g to 1 t"),
    ("I.18.4", "m2", 1e-3, 1e3, "log", False, "masses of parts of a body: 1 g to 1 t"),
    ("*", "m_0", codata.m_e, 1.7e-27, "log", False, "rest masses of particles: electron to proton"),
    ("*", "mob", 1e6, 1e11, "log", False, "mobilities 1/(6 pi eta r) of particles of 1 nm to 10 um in water"),
    ("*", "mom", 1e-27, 1e-22, "log", False, "magnetic moments from the nuclear magneton (5e-27) to ten Bohr magnetons"),
    ("*", "mu", 1e-2, 1.5, "log", False, "friction coefficients from ice (0.01) to rubber (1.5)"),
    ("*", "mu_drift", 1e6, 1e11, "log", False, "mobilities 1/(6 pi eta r) of particles of 1 nm to 10 um in water"),
    ("*", "n", 1.0, 10.0, "log", False, "a dimensionless number of order 1 to 10"),
    ("I.26.2", "n", 0.4, 1.0, "log", False, "ratios of refractive indices, light entering a denser medium (to 1/2.5)"),
    ("I.27.6", "n", 1.0, 2.5, "log", False, "refractive indices from air to diamond"),
    ("I.30.3", "n", 2.0, 1e3, "log", False, "numbers of slits from a double slit to a grating"),
    ("I.39.22", "n", 1e18, 1e27, "log", False, "numbers of gas molecules in a vessel"),
    ("I.44.4", "n", 1e18, 1e27, "log", False, "numbers of gas molecules in a vessel"),
    ("II.11.27", "n", 1e-2, 2.0, "log", False, "number density in units of the inverse polarisability volume"),
    ("II.11.28", "n", 1e-2, 2.0, "log", False, "number density in units of the inverse polarisability volume"),
    ("III.12.43", "n", 1.0, 100.0, "log", False, "angular momentum quantum numbers from 1 to 100"),
    ("III.15.27", "n", 10.0, 1e4, "log", False, "numbers of lattice sites in a chain"),
    ("III.19.51", "n", 1.0, 10.0, "log", False, "principal quantum numbers from 1 to 10"),
    ("*", "n_0", 1e20, 1e26, "log", False, "number densities from thin gases to liquids (per m^3)"),
    ("*", "n_rho", 1e20, 1e29, "log", False, "number densities of dipoles, thin gases to solids (per m^3)"),
    ("*", "omega", 1.0, 1e16, "log", False, "angular frequencies from mechanical oscillations to ultraviolet light"),
    ("I.24.6", "omega", 0.1, 1e4, "log", False, "angular frequencies of mechanical oscillators"),
    ("I.32.17", "omega", 1e13, 1e16, "log", False, _OPTICAL),
    ("II.11.3", "omega", 1e13, 1e16, "log", False, _OPTICAL),
    ("I.41.16", "omega", 1e10, 1e16, "log", False, "angular frequencies of thermal radiation, microwave to ultraviolet"),
    ("III.4.32", "omega", 1e10, 1e16, "log", False, "angular frequencies of bosonic modes, microwave to ultraviolet"),
    ("III.4.33", "omega", 1e10, 1e16, "log", False, "angular frequencies of bosonic modes, microwave to ultraviolet"),
    ("II.24.17", "omega", 1e10, 1e12, "log", False, "microwave angular frequencies"),
    ("III.9.52", "omega", 1e9, 1e11, "log", False, "microwave drive frequencies of two-level systems"),
    ("*", "omega_0", 1.0, 1e16, "log", False, "natural angular frequencies from mechanical to ultraviolet"),
    ("I.24.6", "omega_0", 0.1, 1e4, "log", False, "natural angular frequencies of mechanical oscillators"),
    ("I.32.17", "omega_0", 1e13, 1e16, "log", False, _OPTICAL),
    ("II.11.3", "omega_0", 1e13, 1e16, "log", False, _OPTICAL),
    ("III.9.52", "omega_0", 1e9, 1e11, "log", False, "microwave transition frequencies of two-level systems"),
    ("*", "p", 1e-24, 1e-18, "log", False, "momenta of charged particles in magnetic spectrometers"),
    ("*", "p_d", 3.3e-32, 1e-29, "log", False, _MOLECULAR_D),
    ("*", "pr", 1e2, 1e8, "log", False, "pressures from rough vacuum (100 Pa) to 1000 bar"),
    ("*", "q", E, 100 * E, "log", True, _PARTICLE_Q),
    ("I.25.13", "q", 1e-9, 1e-5, "log", True, _LAB_Q),
    ("II.4.23", "q", 1e-9, 1e-5, "log", True, _LAB_Q),
    ("II.8.7", "q", 1e-9, 1e-5, "log", True, _LAB_Q),
    ("*", "q1", 1e-9, 1e-5, "log", True, _LAB_Q),
    ("*", "q2", 1e-9, 1e-5, "log", True, _LAB_Q),
    ("I.12.5", "q2", E, 100 * E, "log", True, _PARTICLE_Q),
    ("*", "r", 1e-3, 1e2, "log", False, "distances in the lab: 1 mm to 100 m"),
    ("I.32.17", "r", 1e-15, 1e-9, "log", False, "sizes of scatterers: nuclei to nanoparticles"),
    ("II.3.24", "r", 1e-2, 1.5e11, "log", False, "distances from a source: 1 cm to 1 au"),
    ("II.6.11", "r", 1e-9, 1e-6, "log", False, _NEAR_FIELD),
    ("II.6.15a", "r", 1e-9, 1e-6, "log", False, _NEAR_FIELD),
    ("II.6.15b", "r", 1e-9, 1e-6, "log", False, _NEAR_FIELD),
    ("II.34.2a", "r", 1e-11, 1.0, "log", False, "orbit radii of charges: atoms to cyclotrons"),
    ("II.34.2", "r", 1e-11, 1.0, "log", False, "orbit radii of charges: atoms to cyclotrons"),
    ("*", "r1", 1e6, 1e12, "log", False, _ORBIT),
    ("*", "r2", 1e6, 1e12, "log", False, _ORBIT),
    ("I.18.4", "r1", 1e-2, 1e2, "log", True, "positions of parts of a body: 1 cm to 100 m, either side of the origin"),
    ("I.18.4", "r2", 1e-2, 1e2, "log", True, "positions of parts of a body: 1 cm to 100 m, either side of the origin"),
    ("*", "rho", 1e-2, 2e4, "log", False, "densities from thin gases to metals"),
    ("*", "rho_c_0", 1e-3, 1e10, "log", True, "charge densities from space charge in gases to conduction electrons, either sign"),
    ("*", "sigma", 1.0, 10.0, "log", False, "widths of measured distributions over a decade (theta in the same unit)"),
    ("II.38.14", "sigma", -1.0, 0.5, "linear", False, "Poisson's ratio lies in (-1, 1/2)"),
    ("*", "sigma_den", 1e-9, 1e-2, "log", False, "surface charge densities of electrodes and membranes"),
    ("*", "t", 1e-9, 1e3, "log", False, "times from 1 ns to 1000 s"),
    ("I.15.3x", "t", 1e-9, 1e3, "log", True, "event times from 1 ns to 1000 s, before or after the origin"),
    ("I.15.3t", "t", 1e-9, 1e3, "log", True, "event times from 1 ns to 1000 s, before or after the origin"),
    ("III.8.54", "t", 1e-10, 1e-5, "log", False, "pulse lengths of driven two-level systems"),
    ("III.9.52", "t", 1e-10, 1e-5, "log", False, "pulse lengths of driven two-level systems"),
    ("*", "theta", 0.0, 2 * PI, "linear", False, _ANGLE),
    ("I.6.2a", "theta", -5.0, 5.0, "linear", False, "a standardised deviate, sampled where the Gaussian has weight"),
    ("I.6.2", "theta", -50.0, 50.0, "linear", False, "deviations from the mean, in the unit of sigma"),
    ("I.6.2b", "theta", -100.0, 100.0, "linear", False, "measured values, in the unit of sigma"),
    ("III.17.37", "theta", 0.0, PI, "linear", False, "a polar angle"),
    ("*", "theta1", 0.0, 2 * PI, "linear", False, _ANGLE),
    ("I.6.2b", "theta1", -50.0, 50.0, "linear", False, "the mean of a distribution, in the unit of sigma"),
    ("*", "theta2", 0.0, 2 * PI, "linear", False, _ANGLE),
    ("I.26.2", "theta2", 0.0, PI / 2, "linear", False, "angles of incidence, 0 to 90 degrees"),
    ("*", "u", 1e5, 0.97 * codata.c, "log", True, _SIGNED_PARTICLE_V),
    ("I.13.4", "u", 1e-2, 1e3, "log", True, "velocity components of moving bodies, 1 cm/s to 1 km/s, either sign"),
    ("*", "v", 1e5, 0.97 * codata.c, "log", False, _PARTICLE_V),
    ("I.12.11", "v", 1.0, 1e7, "log", True, "velocity components of charged particles, either sign"),
    ("I.13.4", "v", 1e-2, 1e3, "log", True, "velocity components of moving bodies, 1 cm/s to 1 km/s, either sign"),
    ("I.15.1", "v", 1e5, 0.97 * codata.c, "log", True, _SIGNED_PARTICLE_V),
    ("I.16.6", "v", 1e5, 0.97 * codata.c, "log", True, _SIGNED_PARTICLE_V),
    ("I.18.14", "v", 1e-2, 1e4, "log", False, "speeds of rotating bodies and orbiting probes"),
    ("I.34.1", "v", 1.0, 0.97 * codata.c, "log", True, "line-of-sight speeds of sources, 1 m/s to 0.97 c, either sign"),
    ("I.34.14", "v", 1.0, 0.97 * codata.c, "log", True, "line-of-sight speeds of sources, 1 m/s to 0.97 c, either sign"),
    ("I.43.43", "v", 1e2, 1e4, "log", False, "mean molecular speeds of gases"),
    ("II.21.32", "v", 1.0, 0.97 * codata.c, "log", True, "speeds of a moving charge along the line of sight, either sign"),
    ("II.34.2a", "v", 1e3, 1e8, "log", False, "orbital speeds of charges"),
    ("II.34.2", "v", 1e3, 1e8, "log", False, "orbital speeds of charges"),
    ("*", "w", 1e-2, 1e3, "log", True, "velocity components of moving bodies, 1 cm/s to 1 km/s, either sign"),
    ("*", "x", 1e-3, 1e2, "log", True, "positions from 1 mm to 100 m, either side of the origin"),
    ("I.14.4", "x", 1e-4, 1e-1, "log", True, "spring extensions or compressions, 0.1 mm to 10 cm"),
    ("I.15.3x", "x", 1.0, 1e12, "log", True, "event positions from 1 m to light-hours, either side"),
    ("I.15.3t", "x", 1.0, 1e12, "log", True, "event positions from 1 m to light-hours, either side"),
    ("I.24.6", "x", 1e-4, 1.0, "log", True, "oscillation amplitudes from 0.1 mm to 1 m"),
    ("I.40.1", "x", 1.0, 1e5, "log", False, "heights in an atmosphere, 1 m to 100 km"),
    ("II.6.15a", "x", 1e-9, 1e-6, "log", True, _NEAR_FIELD + ", either sign"),
    ("II.38.3", "x", 1e-6, 1e-2, "log", False, "elastic extensions of rods, 1 um to 1 cm"),
    ("*", "x1", 1e-3, 1e3, "log", True, "coordinates from 1 mm to 1 km, either side of the origin"),
    ("I.9.18", "x1", 1e6, 1e12, "log", True, _ORBIT),
    ("I.29.16", "x1", 1e-3, 1e3, "log", False, "lengths of two sides (amplitudes), 1 mm to 1 km"),
    ("I.50.26", "x1", 1e-6, 1.0, "log", False, "oscillation amplitudes, 1 um to 1 m"),
    ("*", "x2", 1e-3, 1e3, "log", True, "coordinates from 1 mm to 1 km, either side of the origin"),
    ("I.9.18", "x2", 1e6, 1e12, "log", True, _ORBIT),
    ("I.29.16", "x2", 1e-3, 1e3, "log", False, "lengths of two sides (amplitudes), 1 mm to 1 km"),
    ("*", "x3", 1e-3, 1e3, "log", True, "coordinates from 1 mm to 1 km, either side of the origin"),
    ("*", "y", 1e-9, 1e-6, "log", True, _NEAR_FIELD + ", either sign"),
    ("*", "y1", 1e-3, 1e3, "log", True, "coordinates from 1 mm to 1 km, either side of the origin"),
    ("I.9.18", "y1", 1e6, 1e12, "log", True, _ORBIT),
    ("*", "y2", 1e-3, 1e3, "log", True, "coordinates from 1 mm to 1 km, either side of the origin"),
    ("I.9.18", "y2", 1e6, 1e12, "log", True, _ORBIT),
    ("*", "y3", 1e-3, 1e3, "log", True, "coordinates from 1 mm to 1 km, either side of the origin"),
    ("*", "z", 1e-2, 1e4, "log", False, "heights from 1 cm to 10 km"),
    ("II.6.15a", "z", 1e-9, 1e-6, "log", True, _NEAR_FIELD + ", either sign"),
    ("*", "z1", 1e6, 1e12, "log", True, _ORBIT),
    ("*", "z2", 1e6, 1e12, "log", True, _ORBIT),
)

# the region an experiment samples, as an expression that is >= 0 there (constants by
# their Feynman names), with why
DOMAINS = {
    "I.6.2": ("5 - Abs(theta/sigma)", "a Gaussian is measured where it has weight: within 5 widths of its mean"),
    "I.6.2b": ("5 - Abs((theta - theta1)/sigma)", "a Gaussian is measured where it has weight: within 5 widths of its mean"),
    "I.40.1": ("20 - m*g*x/(kb*T)", "densities below e^-20 of the ground value are not measured"),
    "I.41.16": ("50 - h*omega/(2*pi*kb*T)", "radiation below e^-50 of the peak is not detected"),
    "III.4.32": ("50 - h*omega/(2*pi*kb*T)", "occupations below e^-50 are not measured"),
    "III.4.33": ("50 - h*omega/(2*pi*kb*T)", "occupations below e^-50 are not measured"),
    "I.50.26": ("20*pi - omega*t", "an oscillation is sampled over its first ten periods"),
    "III.8.54": ("20 - 2*pi*E_n*t/h", "Rabi oscillations are sampled over their first few periods"),
    "III.9.52": ("40 - Abs((omega - omega_0)*t)", "a resonance line is sampled within a few widths of its centre"),
    "III.14.14": ("40 - q*Volt/(kb*T)", "forward currents beyond e^40 I_0 destroy the junction"),
    "III.15.12": ("pi - k*d", "wavenumbers lie in the first Brillouin zone, k d <= pi"),
    "II.11.27": ("2.7 - n*alpha", "dielectrics stay below the Clausius-Mossotti catastrophe at n alpha = 3"),
    "II.11.28": ("2.7 - n*alpha", "dielectrics stay below the Clausius-Mossotti catastrophe at n alpha = 3"),
}


@dataclass(frozen=True)
class QuantityRange:
    """Where one input is drawn: |value| in [low, high] (log-uniform or uniform), with a
    random sign when ``signed``, and why."""

    low: float
    high: float
    scale: str  # "log" or "linear"
    signed: bool
    reason: str

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.scale == "log":
            values = np.exp(rng.uniform(math.log(self.low), math.log(self.high), n))
        else:
            values = rng.uniform(self.low, self.high, n)
        return values * rng.choice([-1.0, 1.0], n) if self.signed else values


def _table() -> dict[tuple[str, str], QuantityRange]:
    return {(where, name): QuantityRange(low, high, scale, signed, reason)
            for where, name, low, high, scale, signed, reason in RANGES}


def constant_names(identifier: str) -> list[str]:
    """The equation's inputs that are universal constants (folded in, not columns)."""
    from physlens.data.feynman import feynman_equation

    folded = set(CONSTANTS) | ({ELEMENTARY_CHARGE[identifier]} if identifier in ELEMENTARY_CHARGE else set())
    return [name for name in feynman_equation(identifier).names if name in folded]


def _constant_values(identifier: str) -> dict[str, float]:
    values = {name: value for name, (value, _) in CONSTANTS.items()}
    if identifier in ELEMENTARY_CHARGE:
        values[ELEMENTARY_CHARGE[identifier]] = E
    return values


def realistic_inputs(identifier: str) -> list[str]:
    """The equation's columns: its variables without the universal constants."""
    from physlens.data.feynman import feynman_equation

    constants = set(constant_names(identifier))
    return [name for name in feynman_equation(identifier).names if name not in constants]


def realistic_range(identifier: str, name: str) -> QuantityRange:
    """Where variable ``name`` of equation ``identifier`` is drawn (its override, else the default)."""
    table = _table()
    found = table.get((identifier, name)) or table.get(("*", name))
    if found is None:
        raise DataError(f"no realistic range for variable {name!r} of {identifier}; add a row to RANGES")
    return found


def _fold(expression: sympy.Expr, identifier: str, names: list[str]) -> sympy.Expr:
    symbols = symbols_for(names)
    values = _constant_values(identifier)
    return expression.xreplace({symbols[n]: sympy.Float(values[n], 17) for n in names if n in values})


def realistic_truth(identifier: str) -> sympy.Expr:
    """The law in its columns, each universal constant at its CODATA value."""
    from physlens.data.feynman import feynman_equation

    equation = feynman_equation(identifier)
    return _fold(equation.truth_expression, identifier, equation.names)


def _in_domain(identifier: str, columns: dict[str, np.ndarray], n: int) -> np.ndarray:
    from physlens.data.feynman import feynman_equation

    names = list(columns)
    keep = np.isfinite(real_values(to_function(realistic_truth(identifier), names)(*columns.values()), n))
    if identifier in DOMAINS:
        every = feynman_equation(identifier).names
        condition = _fold(parse_expression(DOMAINS[identifier][0], every), identifier, every)
        with np.errstate(all="ignore"):
            keep &= real_values(to_function(condition, names)(*columns.values()), n) >= 0
    return keep


def sample_inputs(identifier: str, n_rows: int, rng: np.random.Generator | int | None) -> dict[str, np.ndarray]:
    """``n_rows`` rows of the equation's columns, each drawn from its range; rows outside
    the law's domain (``DOMAINS``, or no real value) are drawn again."""
    rng = np.random.default_rng(rng)
    names = realistic_inputs(identifier)
    ranges = [realistic_range(identifier, name) for name in names]
    kept = {name: np.empty(0) for name in names}
    for _ in range(200):
        batch = max(2 * (n_rows - len(kept[names[0]])), 256)
        columns = {name: spec.draw(batch, rng) for name, spec in zip(names, ranges)}
        with np.errstate(all="ignore"):
            keep = _in_domain(identifier, columns, batch)
        kept = {name: np.concatenate([kept[name], columns[name][keep]]) for name in names}
        if len(kept[names[0]]) >= n_rows:
            return {name: values[:n_rows] for name, values in kept.items()}
    raise DataError(f"{identifier}: fewer than {n_rows} rows of its ranges lie in the law's domain; widen RANGES or DOMAINS")


def simulate_realistic(
    identifier: str,
    *,
    n_samples: int = 10_000,
    noise: float = 0.0,
    irrelevant: int = 0,
    rng: np.random.Generator | int | None = 0,
) -> Dataset:
    """The Feynman law ``identifier`` at realistic magnitudes: its columns drawn by
    :func:`sample_inputs`, universal constants folded in, the target with Gaussian noise
    of std = noise x RMS(target). With ``irrelevant`` (0 to 3) extra columns ``aux1``...
    that play no part in the law, each drawn like (and with the unit of) a real input
    chosen at random; their names are in the provenance. Draw fresh rows for checking
    by calling again with another seed."""
    from physlens.data.feynman import feynman_equation

    if not 0 <= irrelevant <= 3:
        raise DataError(f"irrelevant must be 0 to 3 extra columns, got {irrelevant}")
    rng = np.random.default_rng(rng)
    equation = feynman_equation(identifier)
    names = realistic_inputs(identifier)
    columns = sample_inputs(identifier, n_samples, rng)
    truth = realistic_truth(identifier)
    clean = real_values(to_function(truth, names)(*columns.values()), n_samples)
    variables = [Variable(name, equation.units[name], "input") for name in names]
    extras = {}
    for k in range(irrelevant):
        model = names[int(rng.integers(len(names)))]
        extras[f"aux{k + 1}"] = model
        columns[f"aux{k + 1}"] = realistic_range(identifier, model).draw(n_samples, rng)
        variables.append(Variable(f"aux{k + 1}", equation.units[model], "input"))
    columns[equation.output] = add_noise(clean, noise, rng)
    variables.append(Variable(equation.output, equation.units[equation.output], "target"))
    return Dataset(
        columns, tuple(variables), truth=Truth(equations={equation.output: truth}),
        provenance={"simulator": "feynman-realistic", "equation": identifier, "noise": noise, "n_samples": n_samples,
                    "constants": constant_names(identifier), "irrelevant_columns": extras},
        name=f"feynman-realistic {identifier}",
    )
