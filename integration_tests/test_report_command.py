"""The command users run for the report, ``bash scripts/sync.sh --report``, end to end: its own two
emulator syncs, dbt build and page, opened in headless Chromium with no network. (Its own file: it
reads none of the shared warehouses, so it runs beside them, not after them; testkit/xdist_scopes.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from integration_tests.report_warehouses import run_report_module
from integration_tests.test_report import CHARTS
from tools.report import REPO_ROOT

pytestmark = pytest.mark.side_environments


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
