"""Open the report in headless Chromium and say what rendered, as JSON; run under .venv-report.

Every request the page makes is routed here: file:// ones go on, any other is aborted and listed,
so a page that reaches for a CDN shows up in ``blocked``. For each chart section it counts the
drawn marks (lines, bars, heat-map images) inside the chart's SVG. ``--screenshot`` also saves a
picture of the whole page. Chromium is Debian's (/usr/bin/chromium): playwright downloads no browser.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Per chart section: its title, the SVG's size, the marks plotly drew in its plot area (line paths,
# markers and bars, heat-map images), and per series (trace) its name and the marks it drew: plotly
# binds each trace's group to its calculated data, whose first point carries the trace.
CHARTS_JS = """
() => [...document.querySelectorAll('section.chart')].map(section => {
  const svg = section.querySelector('svg.main-svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = section.querySelectorAll(
    '.cartesianlayer path.js-line, .cartesianlayer .point, .cartesianlayer .hm image');
  const series = [...section.querySelectorAll('.cartesianlayer g.trace, .cartesianlayer g.hm')].map(group => {
    const data = group.__data__;
    const trace = Array.isArray(data) && data[0] ? data[0].trace : null;
    return {
      name: trace ? trace.name : null,
      marks: group.querySelectorAll('path.js-line, .point, image').length,
    };
  });
  return {title: section.dataset.title, width: box.width, height: box.height, marks: marks.length, series};
})
"""


def check(report: Path, screenshot: Path | None) -> dict[str, Any]:
    requests: list[str] = []
    blocked: list[str] = []
    errors: list[str] = []

    def route(handled: Route) -> None:
        url = handled.request.url
        requests.append(url)
        if url.startswith("file://"):
            handled.continue_()
        else:
            blocked.append(url)
            handled.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", route)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(report.resolve().as_uri(), wait_until="load")
            # Plotly draws after load; a chart that never draws fails in the test, not here.
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('section.chart')]"
                    ".every(s => s.querySelector('.cartesianlayer path.js-line, .cartesianlayer .point,"
                    " .cartesianlayer .hm image'))",
                    timeout=20_000,
                )
            except PlaywrightTimeout:
                errors.append("not every chart had drawn after 20 s")
            charts = page.evaluate(CHARTS_JS)
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return {"charts": charts, "requests": requests, "blocked": blocked, "page_errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.report.browser_check")
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    print(json.dumps(check(args.report, args.screenshot)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
