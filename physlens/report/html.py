"""One self-contained HTML page (no CDN, no network): equations as MathML, figures as
inline SVG, verdict tables with reasons, tables sortable by a few lines of inline JS."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Iterable

from physlens.report.equations import equations_mathml
from physlens.report.section import Section

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer}
.pass{color:#176c2c;font-weight:600}.fail{color:#b3261e;font-weight:600}.na{color:#777}
.badge{display:inline-block;padding:.1em .5em;border-radius:.6em;font-size:.85em}
.ok{background:#dff3e4;color:#176c2c}.bad{background:#fbe0de;color:#b3261e}
figure{margin:1em 0}figcaption{font-size:.9em;color:#555}
.tax{color:#555;font-size:.9em}
.eq{max-width:100%;overflow-x:auto}td .eq{max-width:30em}.eq math{text-align:left}mtd{padding:.15em .1em}
tr.informative td{color:#555}section{overflow-wrap:break-word}td:last-child{overflow-wrap:anywhere}table.verdicts td:nth-child(n+2):nth-child(-n+4){white-space:nowrap}svg{max-width:100%;height:auto}
"""

_SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function(th){
  th.addEventListener('click',function(){
    var table=th.closest('table'),body=table.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);
    var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);
      var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
    rows.forEach(function(r){body.appendChild(r);});
  });
});
"""


def dataframe_html(frame, *, sortable: bool = True) -> str:
    classes = "sortable" if sortable else ""
    return frame.to_html(index=False, classes=classes, border=0, escape=True, float_format=lambda v: f"{v:.4g}")


def verdict_table(verdicts, *, against_truth: bool = False) -> str:
    """A sortable table of verdicts: check, result, score (the value checked against the
    threshold its reason names), whether it blocks "found", reason. A table of scores
    against the truth (``against_truth``) is marked so: it never decides "found"."""
    rows = "".join((replace(v, blocking=False) if against_truth else v).html_row() for v in verdicts)
    classes = "sortable verdicts" + (" truth" if against_truth else "")
    return (f"<table class='{classes}'><thead><tr><th>check</th><th>result</th><th>score</th><th>role</th>"
            f"<th>reason</th></tr></thead><tbody>{rows}</tbody></table>")


def _status(section: Section) -> str:
    return section.verdict_labels[0] if section.passed else section.verdict_labels[1]


def render_section(section: Section) -> str:
    parts = [f"<section id='{html.escape(section.key)}'><h2>{html.escape(section.title)} "]
    badge = f"<span class='badge {'ok' if section.passed else 'bad'}'>{html.escape(_status(section))}</span>"
    parts.append(badge + "</h2>")
    parts.append(f"<p>{html.escape(section.text)}</p>")
    for interp in section.interpretations:
        status = "found" if interp.found else "nothing trustworthy found"
        parts.append(
            f"<div class='interpretation' data-found='{str(bool(interp.found)).lower()}'><h3>{html.escape(interp.method)}: {html.escape(status)}</h3>"
            f"<p class='tax'>taxonomy: {html.escape(str(interp.taxonomy))}</p>"
        )
        if interp.summary:
            parts.append(f"<p>{html.escape(interp.summary)}</p>")
        if interp.expressions:
            parts.append("<div class='eq'>" + equations_mathml(interp.expressions, kind=interp.kind,
                                                               uncertainty=interp.values.get("uncertainty")) + "</div>")
        if interp.reasons and not interp.found:
            parts.append("<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in interp.reasons) + "</ul>")
        if interp.verdicts:
            parts.append(verdict_table(interp.verdicts))
        parts.append("</div>")
    for frame in section.tables:
        parts.append(frame if isinstance(frame, str) else dataframe_html(frame))
    for figure in section.figures:
        parts.append(f"<figure>{figure.svg}<figcaption>{html.escape(figure.caption)}</figcaption></figure>")
    parts.append("</section>")
    return "".join(parts)


def render_page(title: str, intro: str, sections: Iterable[Section]) -> str:
    sections = list(sections)
    index = "".join(
        f"<li><a href='#{html.escape(s.key)}'>{html.escape(s.title)}</a> - {html.escape(_status(s))}</li>"
        for s in sections
    )
    body = "".join(render_section(s) for s in sections)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p><ul>{index}</ul>{body}"
        f"<script>{_SORT_SCRIPT}</script></body></html>"
    )
