"""Driven systems: known input columns u(t) and the time t of a periodic drive enter the
library as extra ("exogenous") columns after the states; their own derivatives are
never fitted, and integrating the model reads them from the data (inputs, linearly
interpolated) or from the clock (time)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from physlens.errors import DataError, ParameterError, UnitError


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


def append_inputs(X, t, state_names, X_units, inputs, input_names, input_units):
    """``fit``'s arrays with the inputs u(t) appended as columns: (X, names, units, input names)."""
    U = np.asarray(inputs, dtype=float).reshape(len(np.asarray(t)), -1)
    names = list(input_names) if input_names is not None else [f"u{i}" for i in range(U.shape[1])]
    if len(names) != U.shape[1]:
        raise ParameterError(f"input_names has {len(names)} names for {U.shape[1]} input columns")
    X = np.column_stack([np.asarray(X, dtype=float).reshape(len(U), -1), U])
    n_x = X.shape[1] - U.shape[1]
    state_names = (list(state_names) if state_names is not None else [f"x{i}" for i in range(n_x)]) + names
    if X_units is not None or input_units is not None:
        X_units = list(X_units or [""] * n_x) + list(input_units or [""] * len(names))
    return X, state_names, X_units, names


def variable_dimensions(view, known: Inputs):
    """({state or input: dimension}, time dimension, whether any unit was given); with
    units, the time unit must be given too."""
    from physlens.units import parse_unit

    states = list(view.states)
    dims = {s: parse_unit(u, column=s) for s, u in zip([*states, *known.names], [*view.units, *known.units])}
    has_units = any(not d.is_dimensionless for d in dims.values())
    if has_units and not view.time_unit:
        raise UnitError(
            f"states have units ({', '.join(f'{s} [{u}]' for s, u in zip(states, view.units) if u)}) but the time "
            f"column {view.time!r} has none; mismatched units: give the time unit too (for example --unit {view.time}=s)"
        )
    return dims, parse_unit(view.time_unit, column=view.time), has_units


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
