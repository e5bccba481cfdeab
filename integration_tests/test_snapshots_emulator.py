"""The daily snapshot streams against the emulator, with the connector's clock set by the test.

In-process (``testkit.in_process``): only a connector in this process reads the test's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from testkit.catalogs import configure
from testkit.clock import utc_clock
from testkit.connector_output import ConnectorOutput
from testkit.in_process import run_in_process
from tiktok_emulator import TikTokEmulator

MONDAY_MORNING = datetime(2026, 11, 16, 7, 0, tzinfo=timezone.utc)


def snapshot_catalog(workdir: Path, config: dict[str, Any]) -> Any:
    discovered = run_in_process(workdir, "discover", config).catalog
    discovered.streams = [s for s in discovered.streams if s.name in ("profile_snapshots", "video_snapshots")]
    return configure(discovered, incremental=True)


def cursor_dates(run: ConnectorOutput) -> dict[str, str]:
    return {
        s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"]["date"] for s in run.final_state
    }


@pytest.mark.parametrize("mode", ["display", "business"])
def test_metrics_that_change_between_days_give_a_row_per_day_and_one_per_day(
    tmp_path: Path, emulator: Callable[..., TikTokEmulator], mode: str
) -> None:
    tiktok = emulator(video_count=30)
    config = tiktok.connector_config() if mode == "display" else tiktok.business_connector_config()
    video_id, views = ("id", "view_count") if mode == "display" else ("item_id", "video_views")
    account, followers = (
        ("open_id", "follower_count") if mode == "display" else ("business_id", "followers_count")
    )
    catalog = snapshot_catalog(tmp_path, config)
    newest = tiktok.videos[0]["id"]

    with utc_clock(MONDAY_MORNING) as clock:
        monday = run_in_process(tmp_path, "read", config, catalog)
        config = monday.latest_config or config
        clock.advance(hours=9)
        monday_evening = run_in_process(tmp_path, "read", config, catalog, state=monday.final_state)
        config = monday_evening.latest_config or config
        tiktok.videos[0]["view_count"] += 1000
        if mode == "display":
            tiktok.user["follower_count"] += 7
        else:
            tiktok.followers += 7
        clock.advance(days=1)
        tuesday = run_in_process(tmp_path, "read", config, catalog, state=monday_evening.final_state)

    def by_video(run: ConnectorOutput) -> dict[str, dict[str, Any]]:
        return {r[video_id]: r for r in run.records("video_snapshots")}

    assert len(by_video(monday)) == len(tiktok.videos) == len(by_video(tuesday))
    assert by_video(monday)[newest]["date"] == "2026-11-16"
    assert by_video(tuesday)[newest]["date"] == "2026-11-17"
    assert by_video(tuesday)[newest][views] == by_video(monday)[newest][views] + 1000
    [monday_profile], [tuesday_profile] = (
        monday.records("profile_snapshots"),
        tuesday.records("profile_snapshots"),
    )
    assert tuesday_profile[followers] == monday_profile[followers] + 7
    # Two syncs on Monday: the same primary keys, so append + dedupe keeps one row per video and day.
    keys = {(r[video_id], r["date"]) for r in monday.records("video_snapshots")}
    assert keys == {(r[video_id], r["date"]) for r in monday_evening.records("video_snapshots")}
    [evening_profile] = monday_evening.records("profile_snapshots")
    assert (evening_profile[account], evening_profile["date"]) == (monday_profile[account], "2026-11-16")
    assert evening_profile["read_at"] == "2026-11-16T16:00:00Z"
    # State moves forward a day, and each run above started from the previous run's saved state.
    assert cursor_dates(monday) == {"profile_snapshots": "2026-11-16", "video_snapshots": "2026-11-16"}
    assert cursor_dates(tuesday) == {"profile_snapshots": "2026-11-17", "video_snapshots": "2026-11-17"}
