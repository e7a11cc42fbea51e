"""The comparison as a report: one self-contained HTML page, Markdown and LaTeX tables
for papers, and a JSON document. Everything is built from stored pair records
(:func:`physlens.compare.run.pair_record`), never from reruns."""

from __future__ import annotations

import html
import math
from typing import Any

from physlens.compare.run import NotApplicable
from physlens.compare.suite import SUITE

COLUMNS = ("dataset", "method", "recovered", "vs truth", "checks passed", "found", "seconds")


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.3g}"


def truth_cell(pair: dict[str, Any]) -> str:
    """"passed/judged: first check = score", "n/a" when the truth cannot judge, "error"."""
    if pair["status"] == "error":
        return "error"
    if not pair["truth_total"]:
        return "n/a"
    headline = next(v for v in pair["truth"] if v["passed"] is not None)
    return f"{pair['truth_passed']}/{pair['truth_total']}: {headline['name']} = {_number(headline['score'])}"


def checks_cell(pair: dict[str, Any]) -> str:
    return f"{pair['verdicts_passed']}/{pair['verdicts_total']}" if pair["status"] == "ok" else "-"


def found_cell(pair: dict[str, Any]) -> str:
    return {True: "yes", False: "no", None: "-"}[pair["found"]]


def recovered_text(pair: dict[str, Any]) -> str:
    return f"error: {pair['error']}" if pair["status"] == "error" else pair["recovered"]


def rows(pairs: list[dict[str, Any]]) -> list[list[str]]:
    """The matrix as text cells, one row per (dataset, method) pair, in :data:`COLUMNS` order."""
    return [[p["dataset"], p["method"], recovered_text(p), truth_cell(p), checks_cell(p), found_cell(p), f"{p['seconds']:.1f}"]
            for p in pairs]


# -- Markdown -------------------------------------------------------------------------

def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(pairs: list[dict[str, Any]]) -> str:
    """A Markdown table; equations as inline LaTeX ($...$)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---"] * 4 + ["--:", "---", "--:"]) + "|"]
    for pair, cells in zip(pairs, rows(pairs)):
        if pair["status"] == "ok" and pair["latex"]:
            cells[2] = f"${pair['latex']}$"
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


# -- LaTeX ----------------------------------------------------------------------------

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def to_latex(pairs: list[dict[str, Any]], *, caption: str = "Methods compared on identical simulated datasets.") -> str:
    """A booktabs table (needs \\usepackage{booktabs}); equations in inline math, which
    TeX may break after an operator inside the paragraph column."""
    header = r"Dataset & Method & Recovered & vs.\ truth & Checks & Found & Time [s] \\"
    body = []
    for pair, cells in zip(pairs, rows(pairs)):
        cells = [latex_escape(c) for c in cells]
        if pair["status"] == "ok" and pair["latex"]:
            cells[2] = f"${pair['latex']}$"
        body.append(" & ".join(cells) + r" \\")
    return "\n".join([
        "% physlens compare; needs \\usepackage{booktabs}",
        r"\begin{table}[htbp]",
        r"\centering\small",
        r"\begin{tabular}{l l p{6cm} l r l r}",
        r"\toprule",
        header,
        r"\midrule",
        *body,
        r"\bottomrule",
        r"\end{tabular}",
        f"\\caption{{{latex_escape(caption)}}}",
        r"\end{table}",
        "",
    ])


# -- JSON -----------------------------------------------------------------------------

def to_json_payload(pairs: list[dict[str, Any]], refused: list[NotApplicable], *, quick: bool, seed: int, store: str) -> dict[str, Any]:
    from physlens.methods.base import available_methods

    registry = available_methods()
    names = sorted({p["method"] for p in pairs} | {r.method for r in refused})
    return {
        "quick": quick,
        "seed": seed,
        "store": store,
        "summary": summary(pairs),
        "pairs": pairs,
        "not_applicable": [{"dataset": r.dataset, "method": r.method, "reason": r.reason} for r in refused],
        "methods": {n: {**registry[n].taxonomy.to_dict(), "consumes": registry[n].consumes, "output": registry[n].interpretation_kind}
                    for n in names if n in registry},
        "datasets": {d: {"kind": SUITE[d].kind, "description": SUITE[d].description} for d in dict.fromkeys(p["dataset"] for p in pairs)},
    }


def summary(pairs: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "pairs": len(pairs),
        "errors": sum(p["status"] == "error" for p in pairs),
        "found": sum(bool(p["found"]) for p in pairs),
        "matched_truth": sum(p["truth_total"] > 0 and p["truth_passed"] == p["truth_total"] for p in pairs),
    }


# -- HTML -----------------------------------------------------------------------------

def _recovered_html(pair: dict[str, Any]) -> str:
    if pair["status"] == "error":
        return f"<span class='fail'>error</span>: {html.escape(pair['error'])}"
    if pair["mathml"]:  # a long formula scrolls inside its cell
        return f"<div class='eq'>{''.join(pair['mathml'])}</div>"
    return html.escape(pair["recovered"])


def matrix_html(pairs: list[dict[str, Any]]) -> str:
    """The matrix as a sortable table: one row per pair, equations in MathML."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = []
    for pair, cells in zip(pairs, rows(pairs)):
        anchor = f"#{_anchor(pair)}"
        reasons = "; ".join(v["reason"] for v in pair["truth"])
        truth_class = "na" if not pair["truth_total"] else "pass" if pair["truth_passed"] == pair["truth_total"] else "fail"
        body.append(
            "<tr>"
            f"<td>{html.escape(cells[0])}</td><td><a href='{anchor}'>{html.escape(cells[1])}</a></td>"
            f"<td>{_recovered_html(pair)}</td><td class='{truth_class}' title='{html.escape(reasons)}'>{html.escape(cells[3])}</td>"
            f"<td>{html.escape(cells[4])}</td><td>{html.escape(cells[5])}</td><td>{html.escape(cells[6])}</td>"
            "</tr>"
        )
    return f"<table class='sortable matrix'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _anchor(pair: dict[str, Any]) -> str:
    return f"pair-{pair['dataset']}-{pair['method']}"


def details_html(pairs: list[dict[str, Any]]) -> str:
    """Per pair: taxonomy, what was recovered, its score against truth and every check,
    each with its reason."""
    from physlens.methods.base import AXES
    from physlens.report.html import verdict_table
    from physlens.validate.verdict import Verdict

    parts = []
    for pair in pairs:
        taxonomy = ", ".join(pair["taxonomy"][axis] for axis in AXES)
        found = {True: "true", False: "false", None: "none"}[pair["found"]]  # none: the method raised an error
        parts.append(f"<div class='interpretation' data-found='{found}'><h3 id='{html.escape(_anchor(pair))}'>{html.escape(pair['dataset'])}: {html.escape(pair['method'])}</h3>"
                     f"<p class='tax'>taxonomy: {html.escape(taxonomy)}; output: {html.escape(pair['interpretation_kind'])}; "
                     f"{pair['seconds']:.1f} s</p>")
        if pair["status"] == "error":
            parts.append(f"<p class='fail'>{html.escape(pair['error'])}</p></div>")
            continue
        parts.append(f"<p>{html.escape(pair['summary'])}</p>"
                     + (f"<div class='eq'>{''.join(pair['mathml'])}</div>" if pair["mathml"] else ""))
        if pair["reasons"] and not pair["found"]:
            parts.append("<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in pair["reasons"]) + "</ul>")
        parts.append("<p><b>Against the truth</b></p>" + verdict_table((Verdict(**v) for v in pair["truth"]), against_truth=True))
        if pair["verdicts"]:
            parts.append("<p><b>Checks against physics</b></p>" + verdict_table(Verdict(**v) for v in pair["verdicts"]))
        parts.append("</div>")
    return "".join(parts)


def methods_frame(pairs: list[dict[str, Any]]):
    """Each method compared, with the review's taxonomy and what it consumes."""
    import pandas as pd

    from physlens.methods.base import AXES, available_methods

    registry = available_methods()
    names = sorted({p["method"] for p in pairs})
    return pd.DataFrame([{"method": n, **registry[n].taxonomy.to_dict(), "consumes": registry[n].consumes,
                          "output": registry[n].interpretation_kind} for n in names],
                        columns=["method", *AXES, "consumes", "output"])


def comparison_section(pairs: list[dict[str, Any]], refused: list[NotApplicable], *, quick: bool, key: str = "comparison"):
    """The comparison as one report section: the matrix, the methods' taxonomy, the
    datasets and their truth, the pairs a method turned down, then every pair's details.
    Its claim: every pair ran (none raised an error)."""
    import pandas as pd

    from physlens.report.section import Section

    counts = summary(pairs)
    datasets = list(dict.fromkeys(p["dataset"] for p in pairs))
    text = (
        f"{counts['pairs']} (dataset, method) pairs over {len(datasets)} simulated datasets: every registered method ran on "
        "every dataset of the kind it consumes. \"vs truth\" scores each answer against the dataset's ground truth "
        "(checks passed / judged, then the first check's score; hover for the reasons); \"checks passed\" counts the "
        f"method's own checks against physics. {counts['matched_truth']} pairs match the truth, {counts['found']} report "
        f"a finding, {counts['errors']} raised an error."
        + (" Quick suite: small data and budgets, so several methods fall short of what they reach at full size." if quick else "")
        + " Click a column header to sort; click a method for its details below."
    )
    tables: list[Any] = [matrix_html(pairs), "<h3>Methods</h3>", methods_frame(pairs),
                         "<h3>Datasets</h3>",
                         pd.DataFrame([{"dataset": d, "kind": SUITE[d].kind, "ground truth": SUITE[d].description} for d in datasets])]
    if refused:
        tables += ["<h3>Not applicable</h3>",
                   pd.DataFrame([{"dataset": r.dataset, "method": r.method, "why": r.reason} for r in refused])]
    tables += ["<h3>Each pair: what was recovered, its score against the truth, its checks</h3>", details_html(pairs)]
    return Section(key=key, title="Methods compared on identical datasets", text=text, passed=counts["errors"] == 0,
                   tables=tables, values={"summary": counts, "pairs": pairs},
                   verdict_labels=("every pair ran", "some pairs raised errors"))


def to_html(pairs: list[dict[str, Any]], refused: list[NotApplicable], *, quick: bool, seed: int) -> str:
    """One self-contained page: no scripts or styles from the network."""
    from physlens.report.html import render_page

    intro = (f"physlens compare, seed {seed}" + (", quick suite" if quick else "") + ". Each dataset is simulated with a known "
             "answer; each method sees only the data.")
    return render_page("physlens compare", intro, [comparison_section(pairs, refused, quick=quick)])
