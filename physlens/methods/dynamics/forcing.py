"""Driven systems: known input columns u(t) and the time t of a periodic drive enter the
library as extra ("exogenous") columns after the states; their own derivatives are
never fitted, and integrating the model reads them from the data (inputs, linearly
interpolated) or from the clock (time)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from physlens.errors import DataError


@dataclass(frozen=True)
class Inputs:
    """Known input columns split off the states: names, units and values per trajectory."""

    names: tuple[str, ...]
    units: tuple[str, ...]
    values: tuple[np.ndarray, ...]  # (n_k, n_inputs) per trajectory


def split_inputs(view, inputs: Sequence[str]):
    """(view with the state columns only, Inputs) from a view whose states include ``inputs``."""
    from dataclasses import replace

    inputs = list(inputs)
    for name in inputs:
        if name not in view.states:
            raise DataError(f"input column {name!r} is not in the data; columns: {', '.join(view.states)}")
    if len(set(inputs)) != len(inputs):
        raise DataError(f"input columns repeat: {', '.join(inputs)}")
    state_index = [i for i, s in enumerate(view.states) if s not in inputs]
    if not state_index:
        raise DataError(f"every column ({', '.join(view.states)}) is an input; at least one state is needed")
    input_index = [view.states.index(name) for name in inputs]
    split = replace(view, states=tuple(view.states[i] for i in state_index),
                    units=tuple(view.units[i] for i in state_index),
                    values=tuple(x[:, state_index] for x in view.values))
    return split, Inputs(tuple(inputs), tuple(view.units[i] for i in input_index),
                         tuple(x[:, input_index] for x in view.values))


def integrate_driven(library: Callable[[np.ndarray], np.ndarray], coef: np.ndarray, initial: np.ndarray,
                     times: np.ndarray, series: Sequence[tuple[np.ndarray, np.ndarray]], with_time: bool,
                     limit: float) -> np.ndarray:
    """The driven model integrated (LSODA) from ``initial`` (states, then inputs, then time
    when ``with_time``) at ``times``; rows after a blow-up are NaN. The inputs are read
    from the recorded trajectory (``series``: (times, inputs)) that covers ``times`` and
    whose inputs at ``times[0]`` are closest to ``initial``'s."""
    from scipy.integrate import solve_ivp

    n_states = coef.shape[0]
    n_inputs = len(initial) - n_states - int(with_time)
    times = np.asarray(times, float)
    recorded = None
    if n_inputs:
        covering = [(t, u) for t, u in series if t[0] <= times[0] + 1e-12 and t[-1] >= times[-1] - 1e-12]
        if not covering:
            raise DataError("no recorded input covers the integration window; give the inputs over the whole window")
        recorded = min(covering, key=lambda s: float(np.sum((np.array([np.interp(times[0], s[0], s[1][:, j])
                                                                       for j in range(n_inputs)])
                                                             - initial[n_states:n_states + n_inputs]) ** 2)))

    def exogenous(tau: float) -> np.ndarray:
        values = [np.interp(tau, recorded[0], recorded[1][:, j]) for j in range(n_inputs)] if n_inputs else []
        return np.array(values + ([tau] if with_time else []), dtype=float)

    def field(tau, y):
        return coef @ library(np.concatenate([y, exogenous(tau)]))

    def blow_up(_tau, y):
        return limit - float(np.max(np.abs(y)))

    blow_up.terminal = True
    out = np.full((len(times), len(initial)), np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        solution = solve_ivp(field, (times[0], times[-1]), np.asarray(initial[:n_states], float), t_eval=times,
                             method="LSODA", rtol=1e-7, atol=1e-9, events=blow_up)
    n = solution.y.shape[1]
    out[:n, :n_states] = solution.y.T
    out[:, n_states:] = np.array([exogenous(tau) for tau in times]).reshape(len(times), -1)
    return out
