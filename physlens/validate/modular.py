"""Checks of a mechanism read from a network trained on modular addition (Nanda et al.
2023): how much of the logits a few Fourier frequencies explain, whether each key
frequency lays the tokens on a ring in the order k n mod p, and whether the progress
measures date the generalisation before the test loss shows it. Pure functions."""

from __future__ import annotations

import numpy as np

from physlens.validate.verdict import Verdict


def ring_order_fraction(angles: np.ndarray, frequency: int, modulus: int) -> float:
    """Of the neighbours around a ring (tokens n = 0..p-1 sorted by angle), the fraction
    that are consecutive in k n mod p, in the ring's more common direction."""
    order = np.argsort(np.asarray(angles, dtype=float))
    position = (frequency * order) % modulus
    steps = np.diff(np.append(position, position[0])) % modulus
    return float(max(np.mean(steps == 1), np.mean(steps == modulus - 1)))


def ring_order_exact(angles: np.ndarray, frequency: int, modulus: int) -> bool:
    """True when tokens sorted by their angle on a ring follow k n mod p consecutively
    (one way round or the other)."""
    return ring_order_fraction(angles, frequency, modulus) == 1.0


def crossing_step(steps: np.ndarray, values: np.ndarray, *, falling: bool = True) -> float:
    """The first logged step where ``values`` has come halfway, on a log scale, from its
    extreme before that point to its final value (falling: from its maximum down; rising:
    from its minimum up); nan when it never moves by a factor of 2."""
    log = np.log(np.maximum(np.asarray(values, dtype=float), 1e-12))
    sign = 1.0 if falling else -1.0
    signed = sign * log
    peak = int(np.argmax(signed))
    start, end = signed[peak], signed[-1]
    if start - end < np.log(2.0):
        return float("nan")
    later = np.flatnonzero(signed[peak:] <= (start + end) / 2)
    return float(np.asarray(steps)[peak + later[0]])


def frequencies_verdict(explained: float, n_frequencies: int, *, target: float, max_frequencies: int) -> Verdict:
    passed = explained >= target and n_frequencies <= max_frequencies
    return Verdict("logits explained by key frequencies", passed, explained,
                   f"{n_frequencies} frequencies' cos(w(a + b - c)) terms explain {explained:.3f} of the logit variance "
                   f"(needs >= {target} with <= {max_frequencies} frequencies)")


def ring_verdict(orderings: dict[int, float]) -> Verdict:
    """``orderings``: key frequency -> :func:`ring_order_fraction`; exact means 1 for each."""
    exact = [k for k, share in orderings.items() if share == 1.0]
    passed = bool(orderings) and len(exact) == len(orderings)
    worst = min(orderings.values()) if orderings else float("nan")
    return Verdict("ring ordering", passed, worst,
                   f"tokens on the ring of frequency k follow k n mod p exactly for k in {exact} of {sorted(orderings)}; "
                   f"least ordered ring has {worst:.2f} of its neighbours consecutive (needs 1 for every key frequency)")


def generalisation_verdict(test_accuracy: float, *, target: float = 0.99) -> Verdict:
    return Verdict("generalises", test_accuracy >= target, test_accuracy,
                   f"held-out accuracy {test_accuracy:.4f} on pairs never trained on (needs >= {target})")


def dating_verdict(progress_step: float, test_loss_step: float) -> Verdict:
    """The progress measure dates the transition when it crosses no later than the test loss."""
    if not (np.isfinite(progress_step) and np.isfinite(test_loss_step)):
        return Verdict("progress measures date the transition", False, None,
                       f"restricted loss crossing at step {progress_step}, test loss at {test_loss_step}: one never moved")
    return Verdict("progress measures date the transition", progress_step <= test_loss_step, test_loss_step - progress_step,
                   f"restricted loss halfway down at step {progress_step:.0f}, test loss at {test_loss_step:.0f} "
                   "(the mechanism must form first)")
