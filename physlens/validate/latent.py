"""Scores of a latent representation against the true physical parameters. Pure functions.

- :func:`kl_per_unit`: KL divergence of each latent unit's Gaussian posterior from the
  N(0, 1) prior, averaged over samples (an unused unit has ~0: it carries no information);
- :func:`monotone_r2`: R^2 of the best monotone map latent -> parameter (isotonic
  regression, increasing or decreasing, whichever fits better);
- :func:`rank_correlation`: Spearman's rank correlation of a latent unit and a parameter
  (+-1 for any monotone relation: what "z1 is monotone in k" states);
- :func:`mutual_information`: k-nearest-neighbour estimate (nats) between a latent unit
  and a parameter;
- :func:`parameter_r2`: R^2 of a parameter predicted from several latent units by a cubic
  polynomial, on held-out samples (the latent units together determine the parameter);
- verdicts for the number of active units and for parameter recovery.
"""

from __future__ import annotations

import numpy as np

from physlens.errors import DataError
from physlens.validate.fit import r2_score
from physlens.validate.verdict import Verdict

# a closed form longer than this is no reading a person can check: the unit is reported
# as a monotone function of its parameter instead
MAX_CLOSED_FORM_OPERATIONS = 15


def _pair(z, p) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(z, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if z.shape != p.shape:
        raise DataError(f"latent has {z.size} values but the parameter has {p.size}")
    if z.size < 3:
        raise DataError("need at least 3 samples to score a latent unit")
    return z, p


def kl_per_unit(mean: np.ndarray, log_variance: np.ndarray) -> np.ndarray:
    """Mean over samples of KL(N(mean, exp(log_variance)) || N(0, 1)) per latent unit, in nats."""
    mean = np.asarray(mean, dtype=float)
    log_variance = np.asarray(log_variance, dtype=float)
    return 0.5 * np.mean(mean**2 + np.exp(log_variance) - log_variance - 1.0, axis=0)


def monotone_r2(z, p) -> float:
    """R^2 of the parameter predicted by the best monotone function of the latent unit."""
    from sklearn.isotonic import IsotonicRegression

    z, p = _pair(z, p)
    best = -np.inf
    for increasing in (True, False):
        fit = IsotonicRegression(increasing=increasing, out_of_bounds="clip").fit(z, p)
        best = max(best, r2_score(p, fit.predict(z), constant_target=0.0))
    return float(best)


def rank_correlation(z, p) -> float:
    """Spearman's rank correlation of a latent unit and a parameter (0 for a constant)."""
    from scipy.stats import rankdata

    z, p = _pair(z, p)
    rz, rp = rankdata(z) - (z.size + 1) / 2, rankdata(p) - (p.size + 1) / 2
    norm = float(np.sqrt(np.sum(rz**2) * np.sum(rp**2)))
    return float(np.sum(rz * rp) / norm) if norm > 0 else 0.0


def closed_form_operations(expression) -> int:
    """Operations (sympy's count) in a closed form; a huge number for none."""
    import sympy

    return 10**9 if expression is None else int(sympy.count_ops(expression))


def readable_closed_form(expression, r2: float, *, threshold: float = 0.99) -> bool:
    """A closed form worth printing: at most MAX_CLOSED_FORM_OPERATIONS operations, and it
    reproduces the unit with R^2 >= threshold."""
    return closed_form_operations(expression) <= MAX_CLOSED_FORM_OPERATIONS and r2 >= threshold


def mutual_information(z, p, *, random_state: int = 0) -> float:
    """Mutual information (nats) between a latent unit and a parameter (Kraskov estimator)."""
    from sklearn.feature_selection import mutual_info_regression

    z, p = _pair(z, p)
    return float(mutual_info_regression(z[:, None], p, n_neighbors=3, random_state=random_state)[0])


def parameter_r2(latents: np.ndarray, p, *, degree: int = 5) -> float:
    """Held-out R^2 of a parameter predicted from the given latent units by a polynomial
    of ``degree`` (fitted on even rows, scored on odd rows)."""
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    latents = np.asarray(latents, dtype=float)
    if latents.ndim == 1:
        latents = latents[:, None]
    p = np.asarray(p, dtype=float).ravel()
    if latents.shape[0] != p.size:
        raise DataError(f"latents have {latents.shape[0]} rows but the parameter has {p.size}")
    if latents.shape[1] == 0:
        return 0.0
    model = make_pipeline(StandardScaler(), PolynomialFeatures(degree), LinearRegression())
    model.fit(latents[::2], p[::2])
    return r2_score(p[1::2], model.predict(latents[1::2]), constant_target=0.0)


def active_units_verdict(n_active: int, expected: int) -> Verdict:
    passed = n_active == expected
    return Verdict(
        "active latent units",
        passed,
        float(n_active),
        f"{n_active} active latent unit(s); the system has {expected} free parameter(s)",
    )


def parameter_recovery_verdict(r2_by_parameter: dict[str, float], *, threshold: float = 0.99) -> Verdict:
    worst_name = min(r2_by_parameter, key=r2_by_parameter.get) if r2_by_parameter else None
    worst = r2_by_parameter[worst_name] if worst_name else 0.0
    passed = bool(r2_by_parameter) and worst >= threshold
    detail = ", ".join(f"{k}: R2 = {v:.4f}" for k, v in r2_by_parameter.items())
    return Verdict(
        "parameters from active latents",
        passed,
        worst,
        f"{detail} ({'all >=' if passed else 'not all >='} {threshold})",
    )


def parameter_relations(latent_mean: np.ndarray, units, kl: np.ndarray, parameters: dict[str, np.ndarray], *, random_state: int = 0):
    """One row per (active unit, true parameter): the unit's KL, the monotone R^2 of the
    parameter from the unit, their rank correlation and mutual information (a pandas DataFrame)."""
    import pandas as pd

    rows = [
        {
            "unit": unit,
            "parameter": name,
            "kl": float(kl[unit]),
            "monotone_r2": monotone_r2(latent_mean[:, unit], values),
            "rank_correlation": rank_correlation(latent_mean[:, unit], values),
            "mutual_information": mutual_information(latent_mean[:, unit], values, random_state=random_state),
        }
        for unit in units
        for name, values in parameters.items()
    ]
    return pd.DataFrame(rows, columns=["unit", "parameter", "kl", "monotone_r2", "rank_correlation", "mutual_information"])


def best_matches(relations) -> dict[str, dict]:
    """For each unit of a :func:`parameter_relations` table, the parameter it names best:
    ``{"z<unit>": {"parameter": name, "monotone_r2": r2, "rank_correlation": rho}}``."""
    best = {}
    for unit, group in relations.groupby("unit"):
        top = group.sort_values("monotone_r2", ascending=False).iloc[0]
        best[f"z{unit}"] = {"parameter": top["parameter"], "monotone_r2": float(top["monotone_r2"]),
                            "rank_correlation": float(top.get("rank_correlation", float("nan")))}
    return best


def one_parameter_per_unit_verdict(best: dict[str, dict], *, threshold: float = 0.99) -> Verdict:
    """Passed when each active unit names a different parameter by a monotone map with R^2 >= threshold."""
    named = [b["parameter"] for b in best.values()]
    worst = min(b["monotone_r2"] for b in best.values())
    distinct = len(set(named)) == len(named)
    return Verdict(
        "one parameter per active unit",
        bool(distinct and worst >= threshold),
        worst,
        ", ".join(f"{u} ~ {b['parameter']} (monotone R2 {b['monotone_r2']:.4f})" for u, b in best.items())
        + ("" if distinct else "; several units name the same parameter"),
    )


def closed_form_verdict(unit: str, expression, r2: float, *, threshold: float = 0.99) -> Verdict:
    """A latent unit's closed form in the true parameters, passed when it reproduces the
    unit (score: its R^2) and is short enough to read; a longer one is not printed."""
    import sympy

    operations = closed_form_operations(expression)
    if operations > MAX_CLOSED_FORM_OPERATIONS:
        return Verdict(f"closed form of {unit}", False, r2,
                       f"the closed form found has {operations} operations, more than the {MAX_CLOSED_FORM_OPERATIONS} a "
                       f"reader can check (not printed); it reproduces {unit} with R2 = {r2:.4f} (needs >= {threshold})")
    shown = sympy.sstr(expression.xreplace({f: sympy.Float(f, 4) for f in expression.atoms(sympy.Float)}))
    return Verdict(f"closed form of {unit}", bool(r2 >= threshold), r2,
                   f"{unit} = {shown} reproduces the unit with R2 = {r2:.4f} (needs >= {threshold})")
