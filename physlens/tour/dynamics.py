"""Tour: the damped oscillator's equations recovered from noisy trajectories."""

from __future__ import annotations

import numpy as np

from physlens.report.section import Figure, Section

TITLE = "Governing equations from noisy trajectories (damped oscillator)"
ORDER = 20


def run(quick: bool, seed: int) -> Section:
    from physlens.data.trajectories import simulate
    from physlens.methods.dynamics import SparseDynamics
    from physlens.report.equations import DEFAULT_SIGNIFICANT, equations_text
    from physlens.report.plots import new_figure, to_svg
    from physlens.validate.dynamics import coefficient_error, rollout_error, support_recovery

    noise = 0.05 if quick else 0.10
    n_trajectories = 4 if quick else 6
    data = simulate("damped_oscillator", n_trajectories=n_trajectories, noise=noise, rng=seed)
    model = SparseDynamics(degree=2, n_models=20 if quick else 60, random_state=seed).fit_dataset(data)
    interpretation = model.interpret()
    truth = data.truth.equations
    support = support_recovery(model.equations_, truth)
    error = coefficient_error(model.equations_, truth)

    # a fresh initial condition the method never saw, integrated twice as long as the data
    fresh = simulate("damped_oscillator", n_trajectories=1, t_end=20.0, rng=seed + 1000)
    times = np.asarray(fresh["t"])
    true_path = fresh.truth.fields["clean"]
    predicted = model.simulate(true_path[0], times)
    extrapolation = rollout_error(predicted, true_path)

    figure = new_figure(7.0, 3.6)
    axes = figure.subplots(1, 2)
    first = np.asarray(data["trajectory"]) == 0
    axes[0].plot(data["t"][first], data["x"][first], ".", ms=2, color="0.6", label=f"data x ({noise:.0%} noise)")
    axes[0].plot(data["t"][first], data.truth.fields["clean"][first, 0], "-", lw=1, color="k", label="true x")
    axes[0].plot(times, predicted[:, 0], "--", lw=1.2, color="C3", label="discovered model, new start")
    axes[0].plot(times, true_path[:, 0], ":", lw=1.2, color="C0", label="truth, new start")
    axes[0].set_xlabel("t [s]")
    axes[0].set_ylabel("x [m]")
    axes[0].legend(fontsize=7)
    table = interpretation.table
    shown = table[table["inclusion"] > 0].sort_values("inclusion", ascending=False).head(12)
    labels = [f"d{s}/dt: {t}" for s, t in zip(shown["state"], shown["term"])]
    axes[1].barh(range(len(shown)), shown["inclusion"], color=["C2" if k else "0.7" for k in shown["kept"]])
    axes[1].axvline(model.inclusion_threshold, color="k", lw=0.8, ls="--")
    axes[1].set_yticks(range(len(shown)), labels, fontsize=7)
    axes[1].invert_yaxis()
    axes[1].set_xlabel("inclusion probability")
    figures = [Figure("Left: one noisy training trajectory, and the discovered model integrated from an initial "
                      "condition it never saw, twice as long as the training window. Right: inclusion probability of "
                      "each term over the bootstrap ensemble (green: kept; dashed: threshold).", to_svg(figure))]

    passed = bool(interpretation.found and support["exact"] and error < 0.05)
    found_text = equations_text(model.equations_, kind="dynamics", uncertainty=interpretation.values.get("uncertainty"))
    true_text = equations_text(truth, kind="dynamics")
    text = (
        f"{n_trajectories} trajectories of a damped oscillator with {noise:.0%} Gaussian noise on each state. "
        f"SINDy with automatically chosen derivatives ({model.derivative_} form), a threshold chosen per equation "
        f"from the Pareto front, and a bootstrap ensemble of {model.n_models} models. Found: {found_text} "
        f"(coefficients to {DEFAULT_SIGNIFICANT} significant digits where no uncertainty is known). "
        f"Truth: {true_text}. Exact support: {support['exact']}; largest coefficient error {error:.2%}; "
        f"relative error of the model integrated from a new initial condition over 20 s: {extrapolation:.2%}."
    )
    return Section(
        key="dynamics",
        title=TITLE,
        text=text,
        passed=passed,
        interpretations=[interpretation],
        figures=figures,
        values={"noise": noise, "exact_support": support["exact"], "missing": support["missing"],
                "extra": support["extra"], "coefficient_error": error, "extrapolation_error": extrapolation,
                "derivative": model.derivative_, "inclusion": model.inclusion()},
    )
