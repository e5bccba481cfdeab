"""Business mode (TikTok API for Business) end to end: the installed connector, run as Airbyte runs
it (a subprocess), against the emulator's Accounts API on 127.0.0.1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from airbyte_cdk.models import Status

from source_tiktok_organic.business_protocol import (
    BUSINESS_COMMENT_LIST_PATH,
    BUSINESS_COMMENT_REPLY_LIST_PATH,
    BUSINESS_REFRESH_TOKEN_PATH,
    BUSINESS_VIDEO_LIST_PATH,
)
from testkit.catalogs import BUSINESS_STREAMS, configure
from testkit.clock import utc_clock
from testkit.connector_output import ConnectorOutput
from testkit.in_process import run_in_process
from testkit.secrets import assert_run_leaks_no_secret
from tiktok_emulator import FaultRule, TikTokEmulator


def test_check_discover_full_then_incremental_read_with_rotation(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=45)
    # A start date years back: TikTok serves 60 days, so the start is clamped to 59 days before today.
    config = tiktok.business_connector_config(start_date="2020-01-01T00:00:00Z")

    check = run_connector("check", config)
    assert check.connection_status.status == Status.SUCCEEDED, check.transcript()
    config = check.latest_config or config

    discover = run_connector("discover", config)
    assert {s.name for s in discover.catalog.streams} == set(BUSINESS_STREAMS)
    catalog = configure(discover.catalog, incremental=True)

    first = run_connector("read", config, catalog)
    assert first.returncode == 0, first.transcript()
    assert not first.errors, first.errors
    saved = first.latest_config or config  # the check's refresh may still be valid: no new token
    open_id = saved["credentials"]["open_id"]
    videos = [r["item_id"] for r in first.records("business_videos")]
    assert sorted(videos) == sorted(v["id"] for v in tiktok.videos), "every video exactly once"
    assert all(r["business_id"] == open_id for s in BUSINESS_STREAMS for r in first.records(s))
    today = datetime.now(timezone.utc).date()
    days = [r["date"] for r in first.records("business_profile_daily")]
    assert days == sorted(set(days)) and days[0] == (today - timedelta(days=59)).isoformat()
    assert days[-1] == (today - timedelta(days=1)).isoformat()
    assert Counter(r["date"] for r in first.records("business_audience_activity"))[days[-1]] == 24
    dimensions = {r["dimension"] for r in first.records("business_follower_demographics")}
    assert dimensions == {"age", "gender", "country", "city"}
    assert {r["breakdown"] for r in first.records("business_video_breakdowns")} >= {
        "video_view_retention",
        "impression_sources",
    }
    assert len(first.records("video_snapshots")) == len(tiktok.videos)
    assert saved["credentials"]["refresh_token"] == tiktok.current_business_refresh_token
    assert_run_leaks_no_secret(first, {tiktok.app_secret, tiktok.current_business_refresh_token})

    # The next sync, with the access token expired, refreshes with the rotated token and starts
    # from the saved state, a few days back.
    expired = dict(saved, credentials=dict(saved["credentials"], token_expiry_date="2000-01-01T00:00:00Z"))
    second = run_connector("read", expired, catalog, state=first.final_state)
    assert second.returncode == 0 and not second.errors, second.transcript()
    resumed = [r["date"] for r in second.records("business_profile_daily")]
    assert resumed == days[-4:], "the newest day synced and the 3 lookback days before it"
    assert second.latest_config["credentials"]["refresh_token"] == tiktok.current_business_refresh_token


def test_a_sync_under_faults_delivers_every_video_exactly_once(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(
        video_count=60,
        faults=[
            # The emulator answers an http_429 rule as TikTok's Accounts API throttles: HTTP 200, 40100.
            FaultRule("http_429", endpoint=BUSINESS_VIDEO_LIST_PATH, after=1, times=1, retry_after=1),
            FaultRule("http_500", endpoint=BUSINESS_VIDEO_LIST_PATH, after=1, times=1),
            FaultRule("access_token_invalid", endpoint=BUSINESS_VIDEO_LIST_PATH, after=2, times=1),
            FaultRule("drop_connection", endpoint=BUSINESS_VIDEO_LIST_PATH, after=3, times=1),
            FaultRule("http_503", endpoint=BUSINESS_REFRESH_TOKEN_PATH, times=1),
        ],
    )
    config = tiktok.business_connector_config()
    discover = run_connector("discover", config)
    catalog = configure(discover.catalog)
    catalog.streams = [s for s in catalog.streams if s.stream.name == "business_videos"]

    read = run_connector("read", config, catalog)

    assert read.returncode == 0 and not read.errors, read.transcript()
    ids = [r["item_id"] for r in read.records("business_videos")]
    assert sorted(ids) == sorted(v["id"] for v in tiktok.videos)


@pytest.mark.parametrize(
    "token_death",
    [
        FaultRule("access_token_expired", endpoint=BUSINESS_COMMENT_LIST_PATH, after=5, times=1),
        FaultRule("access_token_invalid", endpoint=BUSINESS_COMMENT_REPLY_LIST_PATH, after=6, times=1),
    ],
    ids=["40102 on comment/list", "40105 on reply/list"],
)
def test_every_comment_and_reply_arrives_once_under_faults_hidden_ones_included(
    run_connector: Callable[..., ConnectorOutput],
    emulator: Callable[..., TikTokEmulator],
    token_death: FaultRule,
) -> None:
    """Threads with more than three replies and more than one page of them, a video whose comment
    pages repeat earlier comments (past a small threshold), and TikTok failing every way it can on
    the comment endpoints: throttled (40100, 40132), 5xx, a dropped connection, the access token
    dying (as 40102 or as 40105: one death a run, since the CDK refreshes a request's token once and
    a second death of the fresh token on the retried request would be a schedule, not a TikTok)."""
    tiktok = emulator(video_count=12, comments_repeat_after=40)
    comments, replies = BUSINESS_COMMENT_LIST_PATH, BUSINESS_COMMENT_REPLY_LIST_PATH
    for rule in (
        FaultRule("http_429", endpoint=comments, after=1, times=1, retry_after=1),
        FaultRule("http_429", endpoint=replies, after=2, times=1, retry_after=1, error_code="40132"),
        FaultRule("http_500", endpoint=comments, after=3, times=1),
        FaultRule("http_503", endpoint=replies, after=1, times=1),
        FaultRule("drop_connection", endpoint=replies, after=4, times=1),
        replace(token_death),
    ):
        tiktok.add_fault(rule)
    config = tiktok.business_connector_config(
        include_comments=True, comment_days=36500, business_requests_per_minute=600
    )
    catalog = configure(run_connector("discover", config).catalog)
    catalog.streams = [s for s in catalog.streams if s.stream.name.startswith("business_comment")]

    read = run_connector("read", config, catalog)

    assert read.returncode == 0 and not read.errors, read.transcript()
    threads = [tiktok.comment_thread(v["id"]) for v in tiktok.videos if v["comment_count"]]
    expected_comments = Counter(c["comment_id"] for t in threads for c in t.comments)
    expected_replies = {r["comment_id"]: r for t in threads for rs in t.replies.values() for r in rs}
    got_comments = read.records("business_comments")
    got_replies = read.records("business_comment_replies")
    assert Counter(c["comment_id"] for c in got_comments) == expected_comments, "every comment exactly once"
    assert Counter(r["comment_id"] for r in got_replies) == Counter(list(expected_replies)), (
        "every reply once"
    )
    assert all(
        r["parent_comment_id"] == expected_replies[r["comment_id"]]["parent_comment_id"] for r in got_replies
    )
    assert {c["status"] for c in got_comments} == {"PUBLIC", "HIDDEN"}
    assert "HIDDEN" in {r["status"] for r in got_replies}
    assert max(len(rs) for t in threads for rs in t.replies.values()) > 30, "a thread of several reply pages"
    assert tiktok.crowded_video_id in {c["video_id"] for c in got_comments}
    assert sum(tiktok.snapshot()["faults_fired"].values()) == 6, "every fault was met"


def test_check_names_every_missing_business_scope(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=5)
    profile_only = ("user.info.basic", "user.info.username", "user.info.profile", "user.info.stats")
    tiktok.add_business_refresh_token("profile-only", profile_only)
    config = tiktok.business_connector_config()
    config["credentials"]["refresh_token"] = "profile-only"

    first = run_connector("check", config)
    # The second check starts with the access token the first one got, still valid: no refresh
    # tells the scopes, the token inspector does.
    again = run_connector("check", first.latest_config or config)

    for check in (first, again):
        status = check.connection_status
        assert status.status == Status.FAILED
        listed = (status.message or "").split("missing the scope(s) ")[1].split(" (granted")[0]
        assert listed.split(", ") == ["user.account.type", "user.insights", "video.list", "video.insights"]
    assert (first.latest_config or {}).get("credentials", {}).get("access_token"), "a live token to reuse"


def test_two_syncs_a_day_apart_keep_one_row_per_day_and_pick_up_the_late_day(
    tmp_path: Path, emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=5)
    monday = date(2026, 11, 16)
    tiktok.today = monday
    config = tiktok.business_connector_config()
    catalog = configure(run_in_process(tmp_path, "discover", config).catalog, incremental=True)
    catalog.streams = [s for s in catalog.streams if s.stream.name == "business_profile_daily"]

    with utc_clock(datetime(2026, 11, 16, 6, 0, tzinfo=timezone.utc)) as clock:
        first = run_in_process(tmp_path, "read", config, catalog)
        clock.advance(days=1)
        tiktok.today = monday + timedelta(days=1)  # Monday's metrics have arrived
        second = run_in_process(
            tmp_path, "read", first.latest_config or config, catalog, state=first.final_state
        )

    rows = first.records("business_profile_daily") + second.records("business_profile_daily")
    kept = {(r["business_id"], r["date"]): r for r in rows}  # what append + dedupe keeps
    assert sorted(d for _, d in kept) == [(monday - timedelta(days=n)).isoformat() for n in range(59, -1, -1)]
    assert max(r["date"] for r in first.records("business_profile_daily")) == "2026-11-15"
    assert [r["date"] for r in second.records("business_profile_daily")] == [
        "2026-11-12",
        "2026-11-13",
        "2026-11-14",
        "2026-11-15",
        "2026-11-16",
    ]
