"""Benchmark: Lagrangian neural networks (Cranmer et al. 2020) beside a plain network and a
Hamiltonian network, on the same (q, v) data with the same budget, in one run.

For each system (pendulum, double pendulum, relativistic particle in a harmonic potential)
the three models learn from the same trajectories of positions and velocities with their
accelerations: the LNN learns L(q, v) (accelerations from the Euler-Lagrange equations),
the plain network outputs (v, q̈) directly, the HNN treats (q, v) as if they were canonical
(q, p) (what it can do when only velocities are observed; right for the pendulum with m = 1,
wrong for the double pendulum, whose momenta mix both velocities, and for the relativistic
particle, whose momentum is γ m v). All three have the same MLP width, Adam steps and L-BFGS
iterations. Each is rolled out with fixed-step RK4 from fresh initial states and the true
energy's drift is recorded (mean |E(t) - E(0)| / |E(0)|) over ``--periods`` characteristic
times (default: 1,000 for the pendulum, 100 for the others; the characteristic time is the
small-oscillation period). The LNN's L is read in closed form (symbolic gradients of its
even part, or its equations of motion on a library) and scored against the true L up to a
scale and a total derivative. Targets: closed-form L exact on the pendulum and the double
pendulum; drift >= 100x below the plain network's.

    python benchmarks/lagrangian.py [--systems pendulum double_pendulum relativistic] [--steps 1000]
        [--polish-steps 300] [--periods N] [--dry-run]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from physlens.bench.records import figure, load_average, write_record
from physlens.data.hamiltonian import integrate
from physlens.data.lagrangian import CHARACTERISTIC_TIME, initial_states, lagrangian_trajectories, true_energy, vector_field
from physlens.expr import to_function
from physlens.methods.hamiltonian import HamiltonianNN, PlainDynamicsNN, energy_drift
from physlens.methods.lagrangian import LagrangianNN
from physlens.validate.invariants import affine_r2
from physlens.validate.lagrangian import lagrangian_equivalence

PERIODS = {"pendulum": 1000, "double_pendulum": 100, "relativistic": 100}
EXTRA_TERMS = {"pendulum": ["cos(q)"], "double_pendulum": ["cos(q1)", "cos(q2)", "v1*v2*cos(q1 - q2)"], "relativistic": ["sqrt(1 - v**2)"]}
# RK4 steps per characteristic time: enough that the integrator's own drift (the true
# field rolled out the same way) stays below the models' (the chaotic double pendulum needs more)
STEPS_PER_PERIOD = {"pendulum": 50, "double_pendulum": 400, "relativistic": 50}
N_ORBITS = 4


def _relative_error(predicted: np.ndarray, observed: np.ndarray) -> float:
    error = float(np.sqrt(np.mean((predicted - observed) ** 2)) / np.sqrt(np.mean(observed**2)))
    return error if np.isfinite(error) else float("inf")


def run_system(system: str, args) -> dict:
    rng = np.random.default_rng(args.seed)
    data = lagrangian_trajectories(system, args.trajectories, 40, rng=rng)
    coordinates, velocities = list(data.truth.parameters["coordinates"]), list(data.truth.parameters["velocities"])
    names = coordinates + velocities
    f = len(coordinates)
    states = np.column_stack([data[n] for n in names])
    derivatives = np.column_stack([data[f"d_{n}"] for n in names])
    test = lagrangian_trajectories(system, 8, 40, rng=np.random.default_rng(args.seed + 1))
    test_states = np.column_stack([test[n] for n in names])
    test_accelerations = np.column_stack([test[f"d_{n}"] for n in velocities])
    budget = dict(hidden=(args.width, args.width), steps=args.steps, polish_steps=args.polish_steps, random_state=args.seed)
    models, fit_seconds = {}, {}
    for label, build in (("LNN", lambda: LagrangianNN(**budget).fit(states, derivatives[:, f:], names)),
                         ("plain", lambda: PlainDynamicsNN(**budget).fit(states, derivatives, names)),
                         ("HNN on (q, v)", lambda: HamiltonianNN(**budget).fit(states, derivatives, names))):
        start = time.perf_counter()
        models[label] = build()
        fit_seconds[label] = time.perf_counter() - start
        print(f"{system}: {label} fitted in {fit_seconds[label]:.0f} s", flush=True)
    lnn = models["LNN"]
    start = time.perf_counter()
    lnn.closed_form(2, EXTRA_TERMS[system])
    closed_seconds = time.perf_counter() - start
    alpha, residual = (lagrangian_equivalence(lnn.equation_, data.truth.equations["L"], coordinates, velocities, states[:300])
                       if lnn.equation_ is not None else (float("nan"), float("inf")))
    energy = true_energy(system)
    true_e = energy(states)
    periods = args.periods if args.periods is not None else PERIODS[system]
    period = CHARACTERISTIC_TIME[system]
    dt, n_steps = period / STEPS_PER_PERIOD[system], int(periods * STEPS_PER_PERIOD[system])
    every = max(1, n_steps // 2000)
    initial = initial_states(system, N_ORBITS, np.random.default_rng(args.seed + 2))
    drifts, rollout_seconds, errors = {}, {}, {}
    for label, model in models.items():
        start = time.perf_counter()
        with np.errstate(all="ignore"):
            drifts[label] = energy_drift(energy, model.rollout(initial, dt, n_steps, every))
        rollout_seconds[label] = time.perf_counter() - start
        with np.errstate(all="ignore"):
            errors[label] = _relative_error(model.vector_field(test_states)[:, f:], test_accelerations)
        print(f"{system}: {label} drift {drifts[label]:.2e} over {periods:g} periods ({rollout_seconds[label]:.0f} s)", flush=True)
    floor = energy_drift(energy, integrate(vector_field(system), initial, dt, n_steps, every))
    return {
        "system": system, "periods": periods, "dt": dt,
        "closed_form": str(lnn.equation_), "reading": lnn.reading_, "scale": alpha, "equivalence_residual": residual,
        "exact": bool(residual <= 1e-3),
        "energy_r2": {"LNN": affine_r2(lnn.energy(states), true_e), "HNN on (q, v)": affine_r2(models["HNN on (q, v)"].energy(states), true_e)},
        "acceleration_error": errors, "drift": drifts, "drift_floor": floor,
        "ratio_plain_over_lnn": drifts["plain"] / drifts["LNN"] if drifts["LNN"] > 0 else float("inf"),
        "ratio_hnn_over_lnn": drifts["HNN on (q, v)"] / drifts["LNN"] if drifts["LNN"] > 0 else float("inf"),
        "fit_s": fit_seconds, "rollout_s": rollout_seconds, "closed_form_s": closed_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--systems", nargs="*", default=["pendulum", "double_pendulum", "relativistic"])
    parser.add_argument("--trajectories", type=int, default=20)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--steps", type=int, default=1000, help="Adam steps, every model")
    parser.add_argument("--polish-steps", type=int, default=300, help="L-BFGS iterations after Adam, every model")
    parser.add_argument("--periods", type=float, default=None, help="rollout length in characteristic times (default per system)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true", help="print, write no record")
    args = parser.parse_args()
    load_before = load_average()
    rows = [run_system(system, args) for system in args.systems]
    lines = ["| system | periods | closed-form L (reading) | exact up to scale + total derivative | drift LNN | drift plain | drift HNN on (q, v) | "
             "RK4 floor | plain / LNN | HNN / LNN | accel. error LNN / plain / HNN (held-out) | R2(E_theta, E) LNN / HNN | fit s LNN / plain / HNN |",
             "|" + "---|" * 13]
    for r in rows:
        d, e, s = r["drift"], r["acceleration_error"], r["fit_s"]
        lines.append(
            f"| {r['system']} | {r['periods']:g} | `{r['closed_form']}` ({r['reading']}) | {'yes' if r['exact'] else 'no'} ({r['equivalence_residual']:.1e}) | "
            f"{d['LNN']:.2e} | {d['plain']:.2e} | {d['HNN on (q, v)']:.2e} | {r['drift_floor']:.1e} | {r['ratio_plain_over_lnn']:.3g} | "
            f"{r['ratio_hnn_over_lnn']:.3g} | {e['LNN']:.1e} / {e['plain']:.1e} / {e['HNN on (q, v)']:.1e} | "
            f"{r['energy_r2']['LNN']:.6f} / {r['energy_r2']['HNN on (q, v)']:.6f} | {s['LNN']:.0f} / {s['plain']:.0f} / {s['HNN on (q, v)']:.0f} |")
    prose = (
        f"LNN vs plain MLP vs HNN fed (q, v) as if canonical: same data ({args.trajectories} trajectories x 40 samples of 1.5 characteristic "
        f"times, exact accelerations), same {args.width}-{args.width} MLP, {args.steps} Adam steps then {args.polish_steps} L-BFGS iterations each. "
        f"RK4 rollouts from {N_ORBITS} fresh states, " + ", ".join(f"{n} {k} steps" for k, n in STEPS_PER_PERIOD.items()) + " per characteristic time; drift = mean |E(t) - E(0)| / |E(0)| "
        "of the true energy. Acceleration errors on 8 held-out trajectories. Targets: closed-form L exact (pendulum, double pendulum), "
        "plain/LNN drift ratio >= 100 (pendulum over 1,000 periods, double pendulum over 100 characteristic times)."
    )
    print(prose + "\n\n" + "\n".join(lines))
    if not args.dry_run:
        headline = [item for r in rows for item in (
            figure(f"energy drift, {r['system']}, LNN", r["drift"]["LNN"], peer="plain network", peer_value=r["drift"]["plain"],
                   direction="lower", target="plain/LNN >= 100 (ratio <= 0.01)"),
            figure(f"energy drift, {r['system']}, LNN", r["drift"]["LNN"], peer="HNN on (q, v)", peer_value=r["drift"]["HNN on (q, v)"],
                   direction="lower"),
            figure(f"closed-form L equivalence residual, {r['system']}", r["equivalence_residual"], target="<= 1e-3", direction="lower"))]
        write_record("lagrangian", "Lagrangian neural networks vs plain network and HNN (issue 30)", rows=rows, headline=headline,
                     seeds=[args.seed], load_before=load_before, notes=prose)


if __name__ == "__main__":
    main()
