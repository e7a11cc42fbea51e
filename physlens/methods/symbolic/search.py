"""The search: candidate laws from every stage of the engine (power laws, exhaustive
enumeration, separability, genetic programming), on the dimensionless groups of a unit
reduction when units are known, each polished (simplified, constants snapped on
held-out data) and scored on the validation rows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy

from physlens.expr import count_complexity, snap_constants, symbols_for
from physlens.methods.symbolic.constants import JOINT_SNAP, SNAP_TRIES, free_exact_numbers_on_data, snap_on_data
from physlens.methods.symbolic.enumeration import SAMPLE_POINTS, enumerate_expressions
from physlens.methods.symbolic.laws import ROUND_OFF, Candidate, description_length, evaluate, mse
from physlens.methods.symbolic.noise import NOISY, noise_share, rows_clear_of_noise
from physlens.methods.symbolic.operon import operon_laws
from physlens.methods.symbolic.separability import separable_laws
from physlens.methods.symbolic.simplification import simplify_law, unfold_roots_on_data
from physlens.units import pi_groups, unit_solution
from physlens.validate.dimensions import expression_dimension
from physlens.validate.fit import r2_score

MAX_ENUMERATED_INPUTS = 3  # exhaustive enumeration of short laws when at most this many inputs remain
ENUMERATION_SHARE = 0.3  # of the search's time
FLOOR_MARGIN = 1.1  # a law whose error is within this factor of the estimated noise leaves only noise
WHITE_RESIDUAL = 0.5  # ... if at least this share of its residual is noise by the same estimate
REPRODUCIBLE_SIZES = {1: 7, 2: 5, 3: 4}  # enumeration depth by number of inputs, under an evaluation budget


@dataclass(frozen=True)
class SearchSettings:
    """What the search takes from the estimator: its hyperparameters, and what the fit
    learned before searching."""

    budget: float
    evaluations: int | None
    use_enumeration: bool
    use_separability: bool
    functions: str
    max_length: int
    n_threads: int | None
    noise_floor: float  # 1 - R2 of the black-box surrogate on held-out rows
    target_dimension: object  # the target's Dimension, or None without units
    # seed of the streams that must be the same in the search and the null search (the
    # noise estimate's rows, enumeration's deduplication key); derived from random_state
    stream_seed: int


def power_law_candidates(Z: np.ndarray, target: np.ndarray, names: list[str]) -> list[sympy.Expr]:
    """t = c * prod(z_j ** a_j) by linear regression of log|t| on log|z_j|, with the
    exponents as fitted and snapped to simple fractions. Cheap, and exact for the
    many laws that are monomials once reduced to dimensionless groups."""
    if Z.shape[1] == 0 or Z.shape[1] > 10 or np.any(target == 0) or np.any(Z == 0):
        return []
    signs = np.sign(target)
    design = np.column_stack([np.ones(len(target)), np.log(np.abs(Z))])
    with np.errstate(all="ignore"):
        coefficients, *_ = np.linalg.lstsq(design, np.log(np.abs(target)), rcond=None)
    if not np.all(np.isfinite(coefficients)):
        return []
    symbols = list(symbols_for(names).values())
    candidates = []
    for snap in (False, True):
        exponents = [sympy.Rational(Fraction(a).limit_denominator(6)) if snap else sympy.Float(a, 17) for a in coefficients[1:]]
        numeric = np.array([float(a) for a in exponents])
        monomial = np.prod(np.abs(Z) ** numeric, axis=1)
        sign = 1.0 if np.mean(signs) >= 0 else -1.0
        scale = float(np.exp(np.mean(np.log(np.abs(target)) - np.log(monomial))))
        candidates.append(sympy.Float(sign * scale, 17) * sympy.Mul(*[z**a for z, a in zip(symbols, exponents) if a != 0]))
    return candidates


def dimensional_reduction(X: np.ndarray, y: np.ndarray, names: list[str], dims, target_dim) -> dict | None:
    """(scale exponents, Pi groups) when y / prod(x^p) depends on dimensionless groups only."""
    scale = unit_solution(target_dim, dims)
    if scale is None:
        return None
    groups = pi_groups(dims)
    # a negative variable under a fractional power enters as |x| (x**(1/2) has no real
    # value); integer powers keep their sign, so a = -k x / m stays one smooth law,
    # unless the target keeps one sign while x changes its own: then y/x would jump
    # at x = 0 where y/|x| is smooth (a distance |x1 - x2| sqrt(1 + ...))
    one_signed = bool(np.all(y > 0) or np.all(y < 0))
    absolute = {k for k, p in scale.items() if (p.denominator != 1 or one_signed) and np.any(X[:, names.index(k)] < 0)}
    with np.errstate(all="ignore"):
        scale_values = np.prod([np.abs(X[:, names.index(k)]) ** float(p) if k in absolute else X[:, names.index(k)] ** float(p)
                                for k, p in scale.items()], axis=0) if scale else np.ones(len(y))
        features = np.column_stack([np.prod([X[:, names.index(k)] ** float(e) for k, e in g.items()], axis=0) for g in groups]) if groups else np.empty((len(y), 0))
    if not (np.all(np.isfinite(scale_values)) and np.all(scale_values != 0) and np.all(np.isfinite(features))):
        return None
    return {"scale": scale, "groups": groups, "scale_values": scale_values, "features": features, "absolute": absolute}


def search_laws(X, y, names, dims, reduction, train_rows, valid_rows, rng, deadline, label, settings: SearchSettings) -> list[Candidate]:
    """Candidate laws y = f(X), each polished and scored on the validation rows: power
    laws, enumeration, separability and the genetic search, on the dimensionless groups
    of ``reduction`` when there is one. ``label`` is "search", or "null" for the search
    on a shuffled target (which needs accuracies only, so skips polishing)."""
    symbols = symbols_for(names)
    if reduction is not None:
        scale_expr = sympy.Mul(*[(sympy.Abs(symbols[k]) if k in reduction["absolute"] else symbols[k]) ** sympy.Rational(p.numerator, p.denominator)
                                 for k, p in reduction["scale"].items()])
        group_exprs = [sympy.Mul(*[symbols[k] ** e for k, e in g.items()]) for g in reduction["groups"]]
        Z, target = reduction["features"], y / reduction["scale_values"]
    else:
        scale_expr, group_exprs, Z, target = sympy.Integer(1), [symbols[n] for n in names], X, y
    z_names = [f"z{i}" for i in range(Z.shape[1])]
    raw: list[sympy.Expr] = []
    if Z.shape[1] == 0:
        weights = reduction["scale_values"][train_rows]
        constant = float(np.sum(y[train_rows] * weights) / np.sum(weights**2))
        raw.append(sympy.Float(constant, 17))
    else:
        # fast enumeration first: many laws are power laws of the (reduced) inputs,
        # and most of the rest short expressions of one to three of them
        raw.extend(power_law_candidates(Z[train_rows], target[train_rows], z_names))
        exact = False
        # with an evaluation budget every stage is bounded by size, not by the clock,
        # so the same seed gives the same law on any machine
        reproducible = settings.evaluations is not None
        # on noisy data a law that leaves only the noise needs no further search either
        Zt, tt = Z[train_rows], target[train_rows]
        share = noise_share(Zt, tt, np.random.default_rng(settings.stream_seed)) if Z.shape[1] <= MAX_ENUMERATED_INPUTS else 0.0
        noise_mse = share * float(np.var(tt))
        noisy = NOISY < share < 0.5  # (a share near 1 is data without signal: searched in full)
        # noise of one size on y is noise of size 1/scale on the reduced target t = y/scale
        weights = reduction["scale_values"][train_rows] ** 2 if noisy and reduction is not None else None

        def at_floor(law: sympy.Expr, rows: np.ndarray | slice) -> bool:
            """Does the law leave only round-off, or only noise, on these training rows?
            Only noise: its error is the noise's, and its residual is no smoother than
            noise (a wrong law's residual is smooth, which is what the estimate of the
            noise also mistakes for noise when the target is steep)."""
            residual = tt[rows] - evaluate(law, z_names, Zt[rows])
            if not np.all(np.isfinite(residual)):
                return False
            error = float(np.mean(residual**2))
            if error <= ROUND_OFF * float(np.var(tt)):
                return True
            return noisy and error <= FLOOR_MARGIN * noise_mse and noise_share(Zt[rows], residual, np.random.default_rng(settings.stream_seed)) > WHITE_RESIDUAL

        if settings.use_enumeration and Z.shape[1] <= MAX_ENUMERATED_INPUTS:
            enumeration_end = None if reproducible else time.perf_counter() + ENUMERATION_SHARE * max(deadline - time.perf_counter(), 1.0)
            clear = rows_clear_of_noise(tt, share, weights)
            enumerated = enumerate_expressions(Zt[clear], tt[clear], z_names, deadline=enumeration_end, rng=rng,
                                               max_size=REPRODUCIBLE_SIZES[Z.shape[1]] if reproducible else 9,
                                               n_points=SAMPLE_POINTS[share > NOISY], noise=share if noisy else 0.0,
                                               weights=None if weights is None else weights[clear], key_seed=settings.stream_seed)
            raw.extend(s.expression for s in enumerated)
            exact = any(at_floor(s.expression, clear) for s in enumerated)
        separability_end = None if reproducible else time.perf_counter() + ENUMERATION_SHARE * (deadline - time.perf_counter())
        # an additive spline fit takes about a second: not worth starting with less
        if settings.use_separability and not exact and Z.shape[1] >= 2 and (reproducible or separability_end - time.perf_counter() > 1.0):
            separated = separable_laws(Zt, tt, z_names, noise_floor=settings.noise_floor, key_seed=settings.stream_seed,
                                       deadline=separability_end, rng=rng, max_size=REPRODUCIBLE_SIZES[2] if reproducible else 9)
            raw.extend(separated)
            exact = any(at_floor(law, slice(None)) for law in separated)
        if not exact:
            search_end = time.perf_counter() + 0.8 * max(deadline - time.perf_counter(), 1.0)
            raw.extend(operon_laws(Zt, tt, z_names, rng, search_end, functions=settings.functions, max_length=settings.max_length,
                                   evaluations=settings.evaluations, n_threads=settings.n_threads))
    substitution = dict(zip(symbols_for(z_names).values(), group_exprs))
    candidates, seen = [], set()
    train, valid = (X[train_rows], y[train_rows]), (X[valid_rows], y[valid_rows])
    variance = float(np.var(valid[1]))
    prelim = []

    def promise(item) -> float:  # a description length on the validation rows, its constants not yet counted
        law, law_mse = item
        return description_length(len(valid_rows), law_mse, variance, count_complexity(law))

    for expression in raw:
        full = (scale_expr * expression.xreplace(substitution))
        item = (full, mse(evaluate(full, names, valid[0]), valid[1]))
        # a law whose constants are within 1% of simple numbers is judged as it would
        # be snapped too (on noisy data 1.0008 - 1.0028*z**2 is 1 - z**2 and no longer)
        snapped = snap_constants(full, rel_tol=JOINT_SNAP, abs_tol=JOINT_SNAP**2, tries=SNAP_TRIES)
        if snapped is not full:
            item = min(item, (snapped, mse(evaluate(snapped, names, valid[0]), valid[1])), key=promise)
        # and a law whose exact numbers stand in for other constants (pi for 3) is
        # judged with them refitted, else it ranks below the laws it should beat
        if settings.evaluations is not None or time.perf_counter() < deadline:
            freed = free_exact_numbers_on_data(item[0], names, train, valid)
            if freed is not item[0]:
                item = (freed, mse(evaluate(freed, names, valid[0]), valid[1]))
        prelim.append(item)
    # polish only the most promising laws: simplification and snapping cost time
    prelim.sort(key=promise)
    for index, (full, _) in enumerate(prelim):
        # the most promising law is always polished; the others while time remains.
        # The null search only needs accuracies, so it skips polishing.
        if index >= 8 or (index >= 1 and settings.evaluations is None and time.perf_counter() > deadline):
            break
        if label == "null":
            polished = full
        else:
            # the leading law is always polished, with at least a tenth of the budget
            polish_deadline = max(deadline, time.perf_counter() + max(1.0, 0.1 * float(settings.budget))) if index == 0 else deadline
            if settings.evaluations is not None:
                polish_deadline = None
            polished = simplify_law(snap_on_data(simplify_law(full), names, train, valid, deadline=polish_deadline))
            polished = unfold_roots_on_data(polished, names, train[0])
        key = sympy.srepr(polished)
        if key in seen:
            continue
        seen.add(key)
        values = evaluate(polished, names, valid[0])
        consistent = None
        if dims is not None and settings.target_dimension is not None:
            consistent = expression_dimension(polished, dims) == settings.target_dimension
        candidates.append(Candidate(polished, count_complexity(polished), r2_score(valid[1], values), mse(values, valid[1]), consistent, label))
    if not candidates:
        candidates.append(Candidate(sympy.Float(float(np.mean(train[1]))), 1, r2_score(valid[1], np.full(len(valid[1]), np.mean(train[1]))), float(np.var(valid[1])), None, label))
    return candidates
