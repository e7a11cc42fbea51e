"""Known-answer tests of benchmark records and of the report generated from them."""

from __future__ import annotations

import json
import re

import pytest

from physlens.bench.records import figure, method_figures, read_records, records_directory, write_record
from physlens.bench.report import generate, render_results, stale_files, write_report
from physlens.errors import StoreError


def _record(directory, family, title, value, peer_value, *, date, commit="abc1234"):
    """A record file written by hand, so its date and commit are known."""
    record = {
        "family": family, "title": title, "commit": commit, "date": date,
        "machine": {"hostname": "box", "cores": 2, "python": "3.11.7"}, "load_before": [1.0, 2.0, 3.0],
        "load_after": [1.5, 2.0, 3.0], "command": f"python benchmarks/{family}.py --seed 0", "seeds": [0],
        "rows": [{"task": "t", "method": "physlens", "seed": 0, "noise": 0.0, "exact": True}],
        "headline": [figure("exact %", value, peer="operon", peer_value=peer_value, target=">= 2x operon")],
    }
    path = directory / family / f"{date.replace(':', '').replace('-', '')}-{commit}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))
    return path


@pytest.fixture
def records(tmp_path):
    folder = tmp_path / "records"
    _record(folder, "feynman", "Feynman old", 50.0, 40.0, date="2026-12-01T10:00:00Z", commit="old0001")
    _record(folder, "feynman", "Feynman new", 67.0, 20.0, date="2026-12-05T10:00:00Z", commit="new0002")
    _record(folder, "dynamics", "Dynamics", 80.0, 40.0, date="2026-12-03T10:00:00Z", commit="dyn0003")
    return folder


def test_results_show_the_newest_record_of_each_family_newest_first(records):
    text = render_results(read_records(records))
    sections = re.findall(r"^## (.*)$", text, flags=re.M)
    assert sections == ["feynman: Feynman new", "dynamics: Dynamics"]
    feynman = text.split("## feynman")[1].split("## dynamics")[0]
    assert "`new0002`" in feynman and "2026-12-05T10:00:00Z" in feynman and "load average 1, 2, 3 before / 1.5, 2, 3 after" in feynman
    assert "`python benchmarks/feynman.py --seed 0`" in feynman
    assert "| exact % | 67 | operon | 20 | 3.35 | higher | >= 2x operon |" in feynman
    assert "old0001" not in text
    assert "do not edit by hand" in text and "physlens bench report" in text
    assert "history/RESULTS-handwritten-2026-12-06.md" in text


def test_history_lists_every_record_newest_first(records):
    history = generate(records)[records.parent / "HISTORY.md"]
    commits = re.findall(r"\| (\w{7}) \|", history)
    assert commits == ["new0002", "dyn0003", "old0001"]
    assert "exact % 50 (1.25x operon)" in history


def test_check_finds_a_stale_file_and_passes_after_writing(records):
    assert len(stale_files(records)) == 2
    write_report(records)
    assert stale_files(records) == []
    (records.parent / "RESULTS.md").write_text("edited by hand\n")
    assert stale_files(records) == [records.parent / "RESULTS.md"]


def test_a_record_missing_a_field_names_the_file_and_the_field(records):
    path = next((records / "dynamics").glob("*.json"))
    record = json.loads(path.read_text())
    del record["commit"]
    path.write_text(json.dumps(record))
    with pytest.raises(StoreError, match=rf"{re.escape(str(path))} has no field 'commit'"):
        read_records(records)


def test_a_headline_figure_missing_a_field_is_named(records):
    path = next((records / "dynamics").glob("*.json"))
    record = json.loads(path.read_text())
    del record["headline"][0]["peer_value"]
    path.write_text(json.dumps(record))
    with pytest.raises(StoreError, match="headline figure 0 has no field 'peer_value'"):
        read_records(records)


def test_the_writer_records_provenance_and_a_git_describe_commit(tmp_path):
    path = write_record("demo", "A demo run", rows=[{"method": "physlens", "exact": True}],
                        headline=[figure("exact %", 100.0, peer="operon", peer_value=50.0)], seeds=[0],
                        load_before=[0.5, 0.5, 0.5], directory=tmp_path)
    record = json.loads(path.read_text())
    assert path.parent == tmp_path / "demo" and path.name.endswith(f"-{record['commit']}.json")
    assert re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?|.+-\d+-g[0-9a-f]{7,40}(-dirty)?", record["commit"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["date"])
    assert set(record["machine"]) == {"hostname", "cores", "python"} and len(record["load_after"]) == 3
    assert record["command"].startswith("python ") and record["headline"][0]["ratio"] == 2.0
    assert read_records(tmp_path)[0]["path"] == f"demo/{path.name}"


def test_method_figures_compare_each_method_with_the_best_peer_of_the_same_rows():
    rows = [{"method": m, "exact": e} for m, e in
            [("physlens", 1), ("physlens", 1), ("operon", 1), ("operon", 0), ("gplearn", 0), ("gplearn", 0)]]
    figures = method_figures(rows, "exact share", score=lambda r: r["exact"], ours=["physlens"], peers=["operon", "gplearn"])
    assert [(f["value"], f["peer"], f["peer_value"], f["ratio"]) for f in figures] == [(1.0, "operon", 0.5, 2.0)]
    lower = method_figures(rows, "miss share", score=lambda r: 1 - r["exact"], ours=["operon"],
                           peers=["physlens", "gplearn"], direction="lower")
    assert lower[0]["peer"] == "physlens" and lower[0]["ratio"] is None  # a peer value of 0 has no ratio


def test_committed_results_are_what_the_committed_records_give():
    assert stale_files(records_directory()) == [], "run `physlens bench report` and commit RESULTS.md and HISTORY.md"


def _report_command(*args) -> int:
    from physlens.cli import main

    try:
        main(["bench", "report", *map(str, args)])
    except SystemExit as exit_:
        return 0 if exit_.code is None else exit_.code
    return 0


def test_report_command_check_exits_1_on_a_stale_report(records, capsys):
    assert _report_command("--records", records, "--check") == 1
    assert "RESULTS.md differs from what the records give" in capsys.readouterr().err
    assert _report_command("--records", records) == 0
    assert _report_command("--records", records, "--check") == 0
    assert (records.parent / "HISTORY.md").exists()
