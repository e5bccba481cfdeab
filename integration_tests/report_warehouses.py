"""The warehouses test_dbt_package.py and test_report.py share: built once per test session.

Each is two PyAirbyte syncs of the loopback emulator a day apart (``tools.report.warehouse``), in
Display API or API for Business mode, or ("accounts") one API for Business connection reading
``ACCOUNTS`` accounts labelled by ``ACCOUNT_LABELS``, or ("display_accounts") one Display API
connection reading ``DISPLAY_ACCOUNTS`` accounts labelled by ``DISPLAY_ACCOUNT_LABELS``, then
``dbt build`` of dbt_tiktok_organic over it. The emulator is kept (stopped) with what it served,
the truth the tests compare the marts with.

The report's environments (.venv-report, .venv-pyairbyte, scripts/report_env.sh) missing: the tests
skip on a developer machine, and fail where the ``CI`` variable is set.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tiktok_emulator import TikTokEmulator
from tools.report import REPO_ROOT
from tools.report.dbt_build import REPORT_VENV, dbt_build
from tools.report.warehouse import LAST_DAY, PYAIRBYTE_PYTHON, Served, play_days

VIDEOS = 8
DAYS = 2
#: The "accounts" warehouse: one connection of three business accounts, account 0 labelled through
#: ``credentials.label``, account 2 through ``credentials.accounts``, account 1 not at all.
ACCOUNTS = 3
ACCOUNT_LABELS = ("Main brand", None, "Side project")
ACCOUNT_VIDEOS = 3
#: The "display_accounts" warehouse: one Display API connection of three accounts (of
#: ``ACCOUNT_VIDEOS`` videos each), account 1 labelled through ``credentials.accounts``.
DISPLAY_ACCOUNTS = 3
DISPLAY_ACCOUNT_LABELS = (None, "Second creator", None)
MODES = ("display", "business", "accounts", "display_accounts")
#: The package's data tests (tests/*.sql): each ties a mart to the raw streams; every build runs them.
DATA_TESTS = (
    "account_daily_followers_are_the_raw_streams",
    "video_daily_gains_are_raw_snapshot_differences",
    "video_report_views_are_the_newest_raw_read",
    "audience_figures_are_the_raw_streams",
    "posts_are_the_raw_videos",
    "mentions_daily_counts_are_the_raw_mentions",
)
YESTERDAY = LAST_DAY - timedelta(days=1)


@dataclass
class Warehouse:
    mode: str
    db_path: Path
    workdir: Path
    emulator: TikTokEmulator
    served: Served
    dbt_output: str

    def query(self, *sql: str) -> list[list[list[Any]]]:
        """Each query's rows, read with .venv-report's duckdb."""
        results: list[list[list[Any]]] = run_report_module("query", "--db-path", str(self.db_path), *sql)
        return results


_BUILT: dict[str, Warehouse] = {}


def require_report_environments() -> None:
    missing = [p for p in (REPORT_VENV / "bin" / "python", PYAIRBYTE_PYTHON) if not p.exists()]
    if not missing:
        return
    message = f"{', '.join(map(str, missing))} missing: run scripts/report_env.sh"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the report's tests. {message}")
    pytest.skip(message)


def run_report_module(module: str, *args: str) -> Any:
    """``python -m tools.report.<module>`` under .venv-report; its JSON output."""
    done = subprocess.run(
        [str(REPORT_VENV / "bin" / "python"), "-m", f"tools.report.{module}", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def built_warehouse(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The ``mode`` (one of ``MODES``) warehouse, synced and built on first use."""
    assert mode in MODES, mode
    require_report_environments()
    if mode not in _BUILT:
        workdir = tmp_path_factory.mktemp(f"warehouse-{mode}")
        db_path = workdir / "warehouse.duckdb"
        accounts, labels = {
            "accounts": (ACCOUNTS, ACCOUNT_LABELS),
            "display_accounts": (DISPLAY_ACCOUNTS, DISPLAY_ACCOUNT_LABELS),
        }.get(mode, (1, ()))
        emulator = (
            TikTokEmulator(video_count=ACCOUNT_VIDEOS, business_accounts=accounts)
            if accounts > 1
            else TikTokEmulator(video_count=VIDEOS)
        )
        with emulator:
            served = play_days(
                emulator,
                business=mode in ("business", "accounts"),
                days=DAYS,
                db_path=db_path,
                workdir=workdir,
                accounts=accounts,
                labels=labels,
            )
        _BUILT[mode] = Warehouse(mode, db_path, workdir, emulator, served, dbt_build(db_path, workdir))
    return _BUILT[mode]
