"""Tour: the viscous Burgers equation recovered from a noisy field on an x-t grid."""

from __future__ import annotations

import numpy as np

from physlens.report.section import Figure, Section

TITLE = "A PDE from a noisy field (viscous Burgers equation)"
ORDER = 25


def run(quick: bool, seed: int) -> Section:
    from physlens.data.fields import simulate_burgers
    from physlens.methods.pde import SparsePDE
    from physlens.report.equations import equations_text
    from physlens.report.plots import new_figure, to_svg
    from physlens.validate.dynamics import coefficient_error, support_recovery

    noise = 0.01
    data = simulate_burgers(n_x=128 if quick else 256, n_t=61 if quick else 101, noise=noise, rng=seed)
    model = SparsePDE(degree=2, derivative_order=3 if quick else 4, n_models=15 if quick else 30,
                      random_state=seed).fit_dataset(data)
    interpretation = model.interpret()
    truth = data.truth.equations
    support = support_recovery(model.equations_, truth)
    error = coefficient_error(model.equations_, truth)

    figure = new_figure(7.0, 3.2)
    axes = figure.subplots(1, 2)
    t, x, u = np.asarray(data["t"]), np.asarray(data["x"])[0], np.asarray(data["u"])
    image = axes[0].pcolormesh(x, t, u, shading="auto", cmap="viridis")
    figure.colorbar(image, ax=axes[0], label="u")
    axes[0].axhline(t[int(round(len(t) * (1 - model.holdout))) - 1], color="w", lw=0.8, ls="--")
    axes[0].set_xlabel("x")
    axes[0].set_ylabel("t")
    for index in (0, len(t) // 2, len(t) - 1):
        axes[1].plot(x, u[index], ".", ms=2, color="0.6")
        axes[1].plot(x, data.truth.fields["clean"][index, :, 0], "-", lw=1, label=f"t = {t[index]:.1f}")
    axes[1].set_xlabel("x")
    axes[1].set_ylabel("u")
    axes[1].legend(fontsize=7)
    figures = [Figure(f"Left: the field with {noise:.0%} noise (above the dashed line: the held-out time window the fit "
                      "never saw). Right: noisy samples (grey) and the clean field at three times.", to_svg(figure))]

    passed = bool(interpretation.found and support["exact"] and error < 0.05)
    found_text = equations_text({f"{f}_t": e for f, e in model.equations_.items()})
    true_text = equations_text({f"{f}_t": e for f, e in truth.items()})
    text = (
        f"One field u(x, t) on a {len(x)} x {len(t)} grid with {noise:.0%} Gaussian noise. Weak-form PDE-FIND on "
        f"pysindy's WeakPDELibrary (polynomials to degree 2 times x-derivatives to order {model.derivative_order}), "
        f"cells of half-width {model.cell_half_widths_[0]:.3g} in x and {model.cell_half_widths_[1]:.3g} in t chosen "
        f"from the measured noise, a threshold chosen from the Pareto front and a bootstrap ensemble of "
        f"{model.n_models} models. Found: {found_text}. Truth: {true_text}. Exact terms: {support['exact']}; largest "
        f"coefficient error {error:.2%}."
    )
    return Section(
        key="pde", title=TITLE, text=text, passed=passed, interpretations=[interpretation], figures=figures,
        values={"noise": noise, "exact_support": support["exact"], "missing": support["missing"],
                "extra": support["extra"], "coefficient_error": error, "cell_half_widths": list(model.cell_half_widths_)},
    )
