"""Benchmark: modular addition read from the inside (issue 30, part 4). An embedding MLP
trained on (a + b) mod p with weight decay until it groks, then read mechanistically.
The peer of a functional read is the held-out accuracy alone; here the figures are the
mechanism's (no library does this reading):
  key frequencies and the share of logit variance they explain (target >= 0.95 with <= 6)
  ring ordering in the top principal-component planes (target: exact for every key frequency)
  step where the restricted loss is halfway down vs the test loss (target: no later)
  wall time (target <= 5 min on 2 cores)
    python benchmarks/modular_addition.py [--modulus 59] [--steps 1500]
"""

from __future__ import annotations

import argparse
import time

from physlens.bench.records import figure, load_average, markdown_table, write_record
from physlens.data.modular import modular_addition_table
from physlens.methods.modular_addition import ModularAdditionCircuit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modulus", type=int, default=59)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    load_before = load_average()
    start = time.perf_counter()
    model = ModularAdditionCircuit(steps=args.steps, random_state=args.seed).fit_dataset(modular_addition_table(args.modulus))
    seconds = time.perf_counter() - start
    interpretation = model.interpret()
    rows = [{"modulus": args.modulus, "seed": args.seed, "key_frequencies": str(model.key_frequencies_),
             "logit_variance_explained": model.logit_variance_explained_, "all_frequencies_share": float(model.frequency_shares_.sum()),
             "rings_exact": sum(v == 1.0 for v in model.ring_ordered_.values()),
             "ring_neighbours_consecutive": str({k: round(v, 2) for k, v in model.ring_ordered_.items()}), "test_accuracy": model.test_accuracy_, "grokking_step": model.grokking_step_,
             "restricted_step": model.restricted_step_, "test_loss_step": model.test_loss_step_, "seconds": seconds, "found": interpretation.found}]
    print(markdown_table(rows, floatfmt=".4g"))
    headline = [
        figure("logit variance explained by <= 6 key frequencies", model.logit_variance_explained_, target=">= 0.95"),
        figure("key frequencies with an exactly ordered ring", f"{sum(v == 1.0 for v in model.ring_ordered_.values())} of {len(model.ring_ordered_)}", target="all"),
        figure("restricted-loss step before test-loss step", model.test_loss_step_ - model.restricted_step_, target=">= 0"),
        figure("wall time", seconds, unit="s", target="<= 300", direction="lower"),
    ]
    write_record("modular_addition", "Modular addition read from the inside (issue 30)", rows=rows, headline=headline, seeds=[args.seed],
                 load_before=load_before, notes=f"p = {args.modulus}, embedding MLP 128/256, AdamW wd 1.0, {args.steps} full-batch steps, 40% of pairs trained on.")


if __name__ == "__main__":
    main()
