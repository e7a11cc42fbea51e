"""`physlens compare`, in process: JSON on stdout, the four report files, exit codes."""

import json

import pytest

from physlens.bench.store import ResultsStore
from physlens.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_compare_json_and_report_files(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "--quick", "--out", str(out), "--datasets", "ising-couplings,oscillator-accelerations",
            "--methods", "mean_field,pseudo_likelihood,symbolic", "--json"]
    code, stdout, stderr = run(argv, capsys)
    assert code in (0, None), stderr
    payload = json.loads(stdout)  # exactly one JSON object
    pairs = {(p["dataset"], p["method"]): p for p in payload["pairs"]}
    assert set(pairs) == {("ising-couplings", "mean_field"), ("ising-couplings", "pseudo_likelihood"),
                          ("oscillator-accelerations", "symbolic")}
    assert pairs[("oscillator-accelerations", "symbolic")]["truth"][0]["passed"] is True
    assert payload["summary"] == {"pairs": 3, "errors": 0, "found": 3, "matched_truth": 3}
    assert payload["methods"]["symbolic"]["origin"] == "intrinsic" and payload["methods"]["mean_field"]["consumes"] == "spin_samples"
    assert payload["quick"] is True and payload["seed"] == 0
    for name in ("compare.html", "compare.md", "compare.tex", "compare.json", "compare.sqlite"):
        assert (out / name).stat().st_size > 0
    page = (out / "compare.html").read_text()
    assert "<math" in page and "class='sortable matrix'" in page and "http" not in page.split("</title>", 1)[1].replace("http://www.w3.org/1998/Math/MathML", "")
    assert json.loads((out / "compare.json").read_text())["summary"] == payload["summary"]

    # the same command again: every pair comes from the store
    code, stdout, stderr = run(argv[:-1] + ["--markdown"], capsys)
    assert code in (0, None)
    assert len([line for line in stdout.splitlines() if line.startswith("| ")]) == 1 + 3  # header, 3 pairs
    assert "3 pairs" in stderr
    with ResultsStore(out / "compare.sqlite") as store:
        assert store.count() == 3  # nothing was run twice


def test_unknown_names_are_bad_input(tmp_path, capsys):
    code, _, stderr = run(["compare", "--quick", "--out", str(tmp_path), "--methods", "nope"], capsys)
    assert code == 2
    assert "unknown method 'nope'" in stderr and "Traceback" not in stderr
    code, _, stderr = run(["compare", "--quick", "--out", str(tmp_path), "--json", "--latex"], capsys)
    assert code == 2 and "one of --json, --markdown, --latex" in stderr


def test_help_has_an_example(capsys):
    code, stdout, _ = run(["compare", "--help"], capsys)
    assert code == 0
    assert "Example: physlens compare" in stdout
