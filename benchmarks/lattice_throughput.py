"""Benchmark: Monte Carlo throughput of every lattice engine beside ising-rs, in one run.

For each model of physlens.data.lattice (ising, ising_aniso, potts3/4/5, xy, gauge on an
L x L lattice; ising3d on L3^3 sites), at its critical temperature (T = 1 for the gauge
theory), on a batch of replicas as simulate_lattice runs them:

- local updates per second: attempted single-spin (XY angle, gauge link) updates of the
  checkerboard Metropolis (heat-bath for gauge) sweep;
- Wolff and Swendsen-Wang: flipped spins per second (counted by comparing states before
  and after each update, outside the timed calls) and Wolff clusters per second.

Updates per second are not samples per second, so for the Ising model at T_c the run also
measures the integrated autocorrelation time of |m| and the CPU seconds per independent
sample (2 tau_int x seconds per step, per replica for a batch): physlens sweeps (Metropolis
+ 2 Wolff, or + 1 Swendsen-Wang) against ising-rs `wolff_step` calls.

The peer is ising-rs (Rust; `pip install ising-rs`, imported as `isingmodel`), on the same
L x L Ising lattice at the same T: `Lattice.simulation_step()` (one attempted Metropolis
flip per call) and `Lattice.wolff_step()` (one cluster per call). Its API has no batch
call: a batch of R lattices is R objects stepped one call at a time, which costs R times
one lattice, so one lattice is timed. The ratios printed are physlens / ising-rs, per
update (local) and per flipped spin (cluster updates, against its Wolff); models other than Ising are compared with
ising-rs's Ising (the only model it has).

Run: .venv/bin/python benchmarks/lattice_throughput.py [--quick]
Prints the table and writes a record to benchmarks/records/lattice_throughput/.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS_2D = ("ising", "ising_aniso", "potts3", "potts4", "potts5", "xy", "gauge")


def _sampler(model: str, size: int, replicas: int, temperature: float, seed: int):
    from physlens.data.lattice import GaugeSampler, LatticeSampler, XYSampler, lattice_model

    spec = lattice_model(model)
    rng = np.random.default_rng(seed)
    temperatures = np.full(replicas, temperature)
    if spec.spin == "angle":
        return spec, XYSampler(size, temperatures, rng)
    if spec.spin == "link":
        return spec, GaugeSampler(size, temperatures, rng)
    return spec, LatticeSampler(spec, size, temperatures, rng)


def physlens_rows(model: str, size: int, replicas: int, sweeps: int, cluster_updates: int, seed: int) -> list[dict]:
    from physlens.data.lattice import lattice_model

    spec = lattice_model(model)
    temperature = spec.critical_temperature or 1.0
    spec, sampler = _sampler(model, size, replicas, temperature, seed)
    local = sampler.heat_bath_sweep if spec.spin == "link" else sampler.metropolis_sweep
    units = size**spec.dimension * (spec.dimension if spec.spin == "link" else 1)
    for _ in range(5):  # leave the random start before timing
        sampler.sweep(1)
    start = time.perf_counter()
    for _ in range(sweeps):
        local()
    seconds = time.perf_counter() - start
    name = "heat-bath" if spec.spin == "link" else "Metropolis"
    base = {"model": model, "lattice": "x".join([str(size)] * spec.dimension), "T": temperature, "replicas": replicas}
    rows = [base | {"engine": f"physlens {name}", "updates": sweeps * replicas * units, "seconds": seconds}]
    if spec.spin == "link":
        return rows
    for update, label in ((sampler.wolff_update, "Wolff"), (sampler.swendsen_wang_update, "Swendsen-Wang")):
        seconds, flipped = 0.0, 0
        for _ in range(cluster_updates):
            before = sampler.states()
            start = time.perf_counter()
            update()
            seconds += time.perf_counter() - start
            flipped += int((sampler.states() != before).sum())
        clusters = cluster_updates * replicas if label == "Wolff" else None
        rows.append(base | {"engine": f"physlens {label}", "clusters": clusters, "updates": flipped, "seconds": seconds})
    return rows


def ising_rs_rows(size: int, temperature: float, steps: int, wolff_steps: int) -> list[dict]:
    try:
        import isingmodel
    except ImportError:
        return [{"model": "ising", "engine": "ising-rs (not installed: pip install ising-rs)", "updates": 0, "seconds": float("nan")}]
    base = {"model": "ising", "lattice": f"{size}x{size}", "T": temperature, "replicas": 1}
    lattice = isingmodel.Lattice(size, size, temperature, 0.0)
    for _ in range(5 * size * size):
        lattice.simulation_step()
    start = time.perf_counter()
    for _ in range(steps):
        lattice.simulation_step()  # one attempted single-spin flip per call
    rows = [base | {"engine": "ising-rs Metropolis", "updates": steps, "seconds": time.perf_counter() - start}]
    seconds, flipped = 0.0, 0
    for _ in range(wolff_steps):
        before = np.asarray(lattice.as_array())
        start = time.perf_counter()
        lattice.wolff_step()
        seconds += time.perf_counter() - start
        flipped += int((np.asarray(lattice.as_array()) != before).sum())
    rows.append(base | {"engine": "ising-rs Wolff", "clusters": wolff_steps, "updates": flipped, "seconds": seconds})
    return rows


def integrated_autocorrelation(series: np.ndarray) -> float:
    """tau_int of a (steps, chains) series, summed until the autocorrelation drops below 0.05."""
    centred = series - series.mean(axis=0)
    variance = (centred**2).mean()
    tau = 0.5
    for lag in range(1, len(series) // 4):
        correlation = (centred[:-lag] * centred[lag:]).mean() / variance
        if correlation < 0.05:
            break
        tau += correlation
    return tau


def decorrelation_rows(size: int, replicas: int, steps: int, seed: int) -> list[dict]:
    from physlens.data.lattice import ISING_TC
    from physlens.data.observables import magnetization

    rows = []
    for cluster, updates in (("wolff", 2), ("swendsen-wang", 1)):
        spec, sampler = _sampler("ising", size, replicas, ISING_TC, seed)
        for _ in range(50):
            sampler.sweep(updates, cluster)
        series, seconds = [], 0.0
        for _ in range(steps):
            start = time.perf_counter()
            sampler.sweep(updates, cluster)
            seconds += time.perf_counter() - start
            series.append(magnetization(sampler.states()))
        tau = integrated_autocorrelation(np.array(series))
        rows.append({"engine": f"physlens Metropolis + {updates} {cluster}", "replicas": replicas, "step": "sweep",
                     "tau_int_steps": tau, "seconds_per_step": seconds / steps, "seconds_per_independent_sample": 2 * tau * seconds / steps / replicas})
    try:
        import isingmodel
    except ImportError:
        return rows
    series, seconds = [], 0.0
    for chain in range(4):
        lattice = isingmodel.Lattice(size, size, ISING_TC, 0.0)
        for _ in range(200):
            lattice.wolff_step()
        chain_series = []
        for _ in range(steps * 5):
            start = time.perf_counter()
            lattice.wolff_step()
            seconds += time.perf_counter() - start
            chain_series.append(abs(lattice.average_magnetization()))
        series.append(chain_series)
    tau = integrated_autocorrelation(np.array(series).T)
    per_step = seconds / (4 * steps * 5)
    rows.append({"engine": "ising-rs wolff_step", "replicas": 1, "step": "wolff_step", "tau_int_steps": tau,
                 "seconds_per_step": per_step, "seconds_per_independent_sample": 2 * tau * per_step})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (L = 16, few sweeps)")
    parser.add_argument("--size", type=int, default=32, help="L of the 2D lattices")
    parser.add_argument("--size3d", type=int, default=10, help="L of the 3D Ising lattice")
    parser.add_argument("--replicas", type=int, default=16, help="replicas per batch (temperatures x chains in simulate_lattice)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-record", action="store_true", help="print only; write no record")
    args = parser.parse_args()
    from physlens.bench.records import figure, markdown_table, write_record
    from physlens.data.lattice import ISING_TC

    load_before = os.getloadavg()
    size, size3d = (16, 6) if args.quick else (args.size, args.size3d)
    sweeps, wolff = (5, 20) if args.quick else (40, 200)
    rows = []
    for batch in sorted({1, args.replicas}):
        rows += physlens_rows("ising", size, batch, sweeps, wolff, args.seed)
    for model in MODELS_2D[1:]:
        rows += physlens_rows(model, size, args.replicas, sweeps, wolff, args.seed)
    rows += physlens_rows("ising3d", size3d, args.replicas, sweeps, wolff, args.seed)
    peer = ising_rs_rows(size, ISING_TC, sweeps * args.replicas * size * size, wolff * args.replicas)
    rows += peer
    for row in rows:
        row["per_second"] = row["updates"] / row["seconds"] if row["updates"] else float("nan")
        if row.get("clusters"):
            row["clusters_per_second"] = row["clusters"] / row["seconds"]
    peer_rate = {row["engine"].split()[-1]: row["per_second"] for row in peer if row["updates"]}
    for row in rows:
        kind = row["engine"].split()[-1]
        # Cluster updates against ising-rs's Wolff, per flipped spin; local ones against its Metropolis.
        kind = {"heat-bath": "Metropolis", "Swendsen-Wang": "Wolff"}.get(kind, kind)
        row["vs_ising_rs"] = row["per_second"] / peer_rate[kind] if kind in peer_rate else float("nan")
    columns = ["model", "lattice", "replicas", "engine", "updates", "seconds", "per_second", "clusters_per_second", "vs_ising_rs"]
    print(markdown_table(rows, columns))
    decorrelation = decorrelation_rows(size, args.replicas, 60 if args.quick else 300, args.seed)
    print(f"\nIsing {size}x{size} at T_c, |m| decorrelation:")
    print(markdown_table(decorrelation, ["engine", "replicas", "step", "tau_int_steps", "seconds_per_step", "seconds_per_independent_sample"]))
    if args.no_record:
        return
    headline = []
    for row in rows:
        if row["engine"].startswith("physlens") and row["replicas"] == args.replicas:
            cluster = "Wolff" in row["engine"] or "Swendsen" in row["engine"]
            kind = f"{row['engine'].split(' ', 1)[1]} flipped spins" if cluster else "local updates"
            peer_name = "ising-rs Wolff" if cluster else "ising-rs Metropolis"
            peer_value = peer_rate.get("Wolff" if cluster else "Metropolis")
            headline.append(figure(f"{kind} per second, {row['model']} {row['lattice']} ({row['replicas']} replicas)", row["per_second"],
                                   peer=peer_name, peer_value=peer_value, unit="1/s"))
    peer_sample = next((row for row in decorrelation if row["engine"].startswith("ising-rs")), None)
    for row in decorrelation:
        if row["engine"].startswith("physlens"):
            headline.append(figure(f"CPU seconds per independent |m| sample, Ising {size}x{size} at T_c, {row['engine']}",
                                   row["seconds_per_independent_sample"], peer=peer_sample and peer_sample["engine"],
                                   peer_value=peer_sample and peer_sample["seconds_per_independent_sample"], unit="s", direction="lower"))
    notes = (f"Each model at its T_c (gauge: T = 1; xy: T_BKT); physlens on batches of {args.replicas} replicas (and 1 for Ising), "
             f"{sweeps} sweeps and {wolff} Wolff and Swendsen-Wang updates each; ising-rs on one {size}x{size} Ising lattice at T_c with one Python call "
             "per step (it has no batch call). Other engineers share these 2 cores; see load_before/after.")
    write_record("lattice_throughput", "Lattice Monte Carlo throughput: every engine beside ising-rs", rows=[row | {"seed": args.seed} for row in rows],
                 headline=headline, seeds=[args.seed], load_before=load_before, notes=notes, tables={"decorrelation": decorrelation})


if __name__ == "__main__":
    main()
