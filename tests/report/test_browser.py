"""The tour and comparison reports in a real browser: Debian's headless Chromium driven by
Playwright (never `playwright install`: the system browser is used).

Skipped when /usr/bin/chromium is missing, unless PHYSLENS_REQUIRE_BROWSER=1 (CI), which
turns the skip into a failure. Screenshots of every section are left in tests/artifacts/
(git-ignored; PHYSLENS_ARTIFACTS names another folder) for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("PHYSLENS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PHYSLENS_REQUIRE_BROWSER=1)")
    pytest.skip(f"{reason}; set PHYSLENS_REQUIRE_BROWSER=1 to make this a failure")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """compare.html from a small quick comparison: a law, ODEs, couplings, a T_c."""
    from physlens.bench.store import ResultsStore
    from physlens.compare.export import to_html
    from physlens.compare.run import plan, run_compare

    folder = tmp_path_factory.mktemp("compare")
    tasks, refused = plan(quick=True, seed=0, methods=["symbolic", "dynamics", "pseudo_likelihood", "mean_field"],
                          datasets=["oscillator-accelerations", "mass-spring-phase-space", "ising-couplings"])
    with ResultsStore(folder / "compare.sqlite") as store:
        pairs = run_compare(tasks, store)
    page = folder / "compare.html"
    page.write_text(to_html(pairs, refused, quick=True, seed=0), encoding="utf-8")
    return page


def _playwright():
    _require(CHROMIUM.exists(), f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "Python Playwright is not installed (pip install -e '.[dev]')")
    return sync_playwright


def test_report_renders_in_headless_chromium(report, tmp_path):
    sync_playwright = _playwright()

    console_errors, failed, requests = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri(), wait_until="load")

            assert console_errors == []
            assert failed == []
            assert [url for url in requests if not url.startswith(("file:", "data:"))] == [], "the report reached for the network"

            # equations are MathML laid out by the browser's MathML engine, with a size
            maths = page.evaluate("""() => Array.from(document.querySelectorAll('math')).map(m => {
                const box = m.getBoundingClientRect();
                return {ns: m.namespaceURI, display: getComputedStyle(m).display, width: box.width, height: box.height};
            })""")
            assert len(maths) >= 2  # a = -k x / m and the two ODEs at least
            for math in maths:
                assert math["ns"] == "http://www.w3.org/1998/Math/MathML"
                assert "math" in math["display"]
                assert math["width"] > 0 and math["height"] > 0

            # clicking a header of the matrix sorts its rows by that column, both ways
            seconds_column = "table.matrix tbody tr td:nth-child(7)"
            before = page.locator(seconds_column).all_text_contents()
            header = page.locator("table.matrix thead th", has_text="seconds")
            header.click()
            ascending = [float(v) for v in page.locator(seconds_column).all_text_contents()]
            header.click()
            descending = [float(v) for v in page.locator(seconds_column).all_text_contents()]
            assert sorted(float(v) for v in before) == ascending
            assert descending == sorted(ascending, reverse=True) and descending != ascending
            assert console_errors == []

            shot = tmp_path / "compare.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()


# -- the tour and `physlens compare --quick` as a reader sees them ----------------------

ARTIFACTS = Path(os.environ.get("PHYSLENS_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))

# boxes of top-level math elements that intersect by more than a pixel each way
OVERLAPS = """() => {
  const boxes = Array.from(document.querySelectorAll('math')).map(m => m.getBoundingClientRect())
      .filter(b => b.width > 0 && b.height > 0);
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) out.push([i, j, Math.round(w), Math.round(h)]);
  }
  return out;
}"""

# elements that reach past the page's right edge, other than inside a scrolling box
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let parent = el.parentElement, scrolls = false;
    for (; parent && !scrolls; parent = parent.parentElement) scrolls = getComputedStyle(parent).overflowX !== 'visible';
    if (!scrolls) out.push(el.tagName + ': ' + el.textContent.slice(0, 80));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: width, wide: out.slice(0, 10)};
}"""

# each interpretation's "found" against the blocking rows of its own checks (not the truth table)
FOUND_VS_CHECKS = """() => Array.from(document.querySelectorAll('.interpretation')).map(block => ({
  title: block.querySelector('h3').textContent,
  found: {true: true, false: false}[block.dataset.found] ?? null,
  reasons: block.querySelectorAll('ul li').length,
  failedBlocking: Array.from(block.querySelectorAll('table.verdicts:not(.truth) tr.blocking td.fail'))
      .map(td => td.parentElement.cells[0].textContent),
}))"""


@pytest.fixture(scope="module")
def reader_pages(quick_tour) -> dict[str, Path]:
    """The quick tour's page, and the compare page of the quick suite's pairs (the tour's
    comparison section runs `physlens compare --quick`'s plan)."""
    import json

    from physlens.compare.export import to_html

    out, _ = quick_tour
    results = json.loads((out / "results.json").read_text())
    pairs = next(s for s in results["sections"] if s["key"] == "comparison")["values"]["pairs"]
    compare = out / "compare.html"
    compare.write_text(to_html(pairs, [], quick=True, seed=results["seed"]), encoding="utf-8")
    return {"tour": out / "index.html", "compare": compare}


@pytest.mark.parametrize("name", ["tour", "compare"])
def test_report_reads_cleanly_at_1280_px(reader_pages, name):
    """No two equations overlap, nothing is wider than the page, and every "found" agrees
    with the blocking checks shown under it; each section is saved as a screenshot."""
    sync_playwright = _playwright()
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(reader_pages[name].as_uri(), wait_until="load")
            assert errors == []

            assert page.evaluate(OVERLAPS) == []
            width = page.evaluate(TOO_WIDE)
            assert width["wide"] == [] and width["scrollWidth"] <= width["width"], width

            blocks = page.evaluate(FOUND_VS_CHECKS)
            assert blocks, "no interpretation blocks on the page"
            # found only with every blocking check passed; not found says why (a failed check or a reason)
            assert [b for b in blocks if b["found"] and b["failedBlocking"]] == []
            assert [b for b in blocks if b["found"] is False and not b["failedBlocking"] and not b["reasons"]] == []
            if name == "tour":  # a section's heading ("method: found") says what data-found says
                assert all(("nothing trustworthy found" not in b["title"]) == b["found"] for b in blocks if b["title"].endswith("found"))
            else:  # the matrix's "found" column says what each pair's details say
                column = page.locator("table.matrix tbody tr td:nth-child(6)").all_text_contents()
                assert column == [{True: "yes", False: "no", None: "-"}[b["found"]] for b in blocks]

            for section in page.locator("section").all():
                key = section.get_attribute("id")
                section.screenshot(path=str(folder / f"{key}.png"))
                assert (folder / f"{key}.png").stat().st_size > 5_000
        finally:
            browser.close()
