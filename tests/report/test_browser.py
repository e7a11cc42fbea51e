"""The comparison report in a real browser: Debian's headless Chromium driven by
Playwright (never `playwright install`: the system browser is used).

Skipped when /usr/bin/chromium is missing, unless PHYSLENS_REQUIRE_BROWSER=1 (CI), which
turns the skip into a failure."""

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


def test_report_renders_in_headless_chromium(report, tmp_path):
    _require(CHROMIUM.exists(), f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "Python Playwright is not installed (pip install -e '.[dev]')")

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
