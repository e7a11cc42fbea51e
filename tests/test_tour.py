import json

from physlens.cli import main
import pytest


def test_quick_tour_writes_report_with_oscillator_laws(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["tour", "--out", str(tmp_path), "--quick"])
    results = json.loads((tmp_path / "results.json").read_text())
    sections = {s["key"]: s for s in results["sections"]}
    oscillator = sections["oscillator"]
    assert oscillator["passed"] is True
    assert oscillator["values"]["equation_of_motion"]["exact"] is True
    assert oscillator["values"]["period"]["exact"] is True
    page = (tmp_path / "index.html").read_text()
    assert "<math" in page and "<svg" in page and "exact recovery" in page
    # every experiment in the tour holds against its truth
    failed = [key for key, section in sections.items() if not section["passed"]]
    assert failed == [] and exit_info.value.code in (0, None)
