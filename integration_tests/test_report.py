"""The report: one HTML page drawn from the marts, opened in headless Chromium with no network.

The page is rendered from the session's warehouses (``report_warehouses``: two emulator syncs a day
apart, dbt build) and opened by ``tools.report.browser_check`` under .venv-report, which routes
every request (anything but file:// is aborted and listed) and counts the marks each chart drew.
The last test runs the command users run, ``bash scripts/sync.sh --report``, end to end.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from integration_tests.report_warehouses import Warehouse, built_warehouse, run_report_module
from tools.report import REPO_ROOT
from tools.report.dbt_build import REPORT_VENV

ACCOUNT = "@emu.creator_5305"  # the emulator's default account (seed 7)
CHARTS = {
    "display": ["Followers", "Views per day", "Top 10 videos by views gained in the last 7 days"],
    "business": [
        "Followers",
        "Views per day",
        "Top 10 videos by views gained in the last 7 days",
        f"{ACCOUNT}: retention of the most viewed video",
        f"{ACCOUNT}: followers by country",
        f"{ACCOUNT}: followers by age",
        f"{ACCOUNT}: followers online by hour",
    ],
}


@pytest.fixture(scope="module", params=["display", "business"])
def rendered(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Warehouse, Path, dict[str, Any]]:
    """The mode's warehouse, its report, and what Chromium saw of it."""
    warehouse = built_warehouse(request.param, tmp_path_factory)
    report = warehouse.workdir / "report.html"
    subprocess.run(
        [str(REPORT_VENV / "bin" / "python"), "-m", "tools.report.render"]
        + ["--db-path", str(warehouse.db_path), "--output", str(report), "--label", "test"],
        cwd=REPO_ROOT,
        check=True,
        timeout=120,
    )
    return warehouse, report, run_report_module("browser_check", str(report))


def test_every_chart_renders_with_marks_in_chromium(rendered: tuple[Warehouse, Path, dict[str, Any]]) -> None:
    warehouse, _, seen = rendered
    titles = [chart["title"] for chart in seen["charts"]]
    expected = CHARTS[warehouse.mode]
    assert len(titles) == len(expected)
    for title, start in zip(titles, expected, strict=True):
        assert title.startswith(start)
    for chart in seen["charts"]:
        assert chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["marks"] > 0, f"nothing drawn in {chart['title']}"
    assert seen["page_errors"] == []


def test_the_page_asks_nothing_of_any_server(rendered: tuple[Warehouse, Path, dict[str, Any]]) -> None:
    _, report, seen = rendered
    assert seen["blocked"] == []
    assert seen["requests"] == [report.resolve().as_uri()]  # the page itself, and nothing else
    page = report.read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", page)
    assert page.count("plotly.js v") >= 1  # the library is inlined


def test_sync_sh_report_writes_the_report_and_prints_its_path(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", "scripts/sync.sh", "--report", "--days", "2", "--videos", "4", "--output", str(tmp_path)]
        # Never the real account of secrets/config.json: the emulator.
        + ["--config", str(tmp_path / "no-such-config.json")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = tmp_path / "report-display.html"
    assert done.stdout.strip().splitlines()[-1] == f"Report: {report}"
    seen = run_report_module("browser_check", str(report))
    assert [chart["title"] for chart in seen["charts"]] == CHARTS["display"]
    assert all(chart["marks"] > 0 for chart in seen["charts"])
