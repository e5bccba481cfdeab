"""The report: one HTML page drawn from the marts, opened in headless Chromium with no network.

The page is rendered from the session's warehouses (``report_warehouses``: two emulator syncs a day
apart, dbt build; Display API, API for Business, and one business connection of several accounts)
and opened by ``tools.report.browser_check`` under .venv-report, which routes every request
(anything but file:// is aborted and listed) and counts the marks each chart, and each series of
it, drew. ``test_report_command.py`` runs the command users run, ``bash scripts/sync.sh --report``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from integration_tests.report_warehouses import (
    ACCOUNT_LABELS,
    ACCOUNTS,
    Warehouse,
    built_warehouse,
    run_report_module,
)
from tools.report import REPO_ROOT
from tools.report.dbt_build import REPORT_VENV

pytestmark = pytest.mark.side_environments

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
        f"{ACCOUNT}: mentions per day",
        f"{ACCOUNT}: top mentioning creators by views",
        f"{ACCOUNT}: top hashtags in mentions",
        f"{ACCOUNT}: top words in mentions",
    ],
}


#: The charts of each account of a business connection, after the connection-wide ones.
ACCOUNT_CHARTS = (
    "retention of the most viewed video",
    "followers by country",
    "followers by age",
    "followers online by hour",
    "mentions per day",
    "top mentioning creators by views",
    "top hashtags in mentions",
    "top words in mentions",
)


def account_names(warehouse: Warehouse) -> list[str]:
    """What the page calls the accounts of the several-accounts warehouse, in the page's order: the
    config's label, else @username."""
    accounts = list(warehouse.emulator.business_accounts)[:ACCOUNTS]
    return sorted(
        label or f"@{account.user['username']}"
        for account, label in zip(accounts, ACCOUNT_LABELS, strict=True)
    )


def expected_charts(warehouse: Warehouse) -> list[str]:
    if warehouse.mode != "accounts":
        return CHARTS[warehouse.mode]
    return CHARTS["display"] + [
        f"{name}: {chart}" for name in account_names(warehouse) for chart in ACCOUNT_CHARTS
    ]


@pytest.fixture(scope="module", params=["display", "business", "accounts"])
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
    expected = expected_charts(warehouse)
    assert len(titles) == len(expected)
    for title, start in zip(titles, expected, strict=True):
        assert title.startswith(start)
    for chart in seen["charts"]:
        assert chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["marks"] > 0, f"nothing drawn in {chart['title']}"
    assert seen["page_errors"] == []


def test_each_account_draws_a_series_named_by_label_or_username(
    rendered: tuple[Warehouse, Path, dict[str, Any]],
) -> None:
    warehouse, _, seen = rendered
    charts = {chart["title"]: chart for chart in seen["charts"]}
    several = warehouse.mode == "accounts"
    names = account_names(warehouse) if several else [ACCOUNT]
    if several:
        assert "Main brand" in names and "Side project" in names  # labelled in credentials and in accounts
        assert len(names) == ACCOUNTS
    # Followers and views per day draw a series per account; with several, so do the top videos.
    for title in CHARTS["display"] if several else CHARTS["display"][:2]:
        series = charts[title]["series"]
        assert [one["name"] for one in series] == names, title
        assert all(one["marks"] > 0 for one in series), f"an account drew nothing in {title}: {series}"


def test_the_page_asks_nothing_of_any_server(rendered: tuple[Warehouse, Path, dict[str, Any]]) -> None:
    _, report, seen = rendered
    assert seen["blocked"] == []
    assert seen["requests"] == [report.resolve().as_uri()]  # the page itself, and nothing else
    page = report.read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", page)
    assert page.count("plotly.js v") >= 1  # the library is inlined
