import json
import re

from physlens.report.equations import DEFAULT_SIGNIFICANT


def test_quick_tour_writes_report_with_oscillator_laws(quick_tour):
    out, code = quick_tour
    results = json.loads((out / "results.json").read_text())
    sections = {s["key"]: s for s in results["sections"]}
    oscillator = sections["oscillator"]
    assert oscillator["passed"] is True
    assert oscillator["values"]["equation_of_motion"]["exact"] is True
    assert oscillator["values"]["period"]["exact"] is True
    page = (out / "index.html").read_text()
    assert "<math" in page and "<svg" in page and "exact recovery" in page
    # every experiment in the tour holds against its truth
    failed = [key for key, section in sections.items() if not section["passed"]]
    assert failed == [] and code in (0, None)


def test_no_section_claims_found_with_a_failed_blocking_check(quick_tour):
    out, _ = quick_tour
    results = json.loads((out / "results.json").read_text())
    claimed = [(s["key"], i["method"], v["name"]) for s in results["sections"] for i in s["interpretations"]
               if i["found"] for v in i["verdicts"] if v["blocking"] and v["passed"] is False]
    assert claimed == []


def test_dynamics_prints_derivatives_with_the_digits_the_data_support(quick_tour):
    out, _ = quick_tour
    page = (out / "index.html").read_text()
    results = json.loads((out / "results.json").read_text())
    dynamics = next(s for s in results["sections"] if s["key"] == "dynamics")
    # JSON keeps every digit; the page shows four significant digits and d x/dt
    assert any(len(text) > 30 for text in dynamics["interpretations"][0]["expressions"].values())
    assert "dx/dt = " in page and "dv/dt = " in page
    assert "<mi mathvariant='normal'>d</mi><mi>x</mi>" in page
    # no printed number carries more than the default four significant digits (no uncertainty is known here)
    numbers = re.findall(r"<mn>([0-9.]+)</mn>", page)
    assert numbers and max(len(n.replace(".", "").lstrip("0")) for n in numbers) <= DEFAULT_SIGNIFICANT
