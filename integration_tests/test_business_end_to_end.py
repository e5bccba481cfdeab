"""Business mode (TikTok API for Business) end to end: the installed connector, run as Airbyte runs
it (a subprocess), against the emulator's Accounts API on 127.0.0.1."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import Status

from source_tiktok_organic.business_protocol import (
    BUSINESS_COMMENT_LIST_PATH,
    BUSINESS_COMMENT_REPLY_LIST_PATH,
    BUSINESS_GET_PATH,
    BUSINESS_REFRESH_TOKEN_PATH,
    BUSINESS_VIDEO_LIST_PATH,
)
from source_tiktok_organic.components import SharedPageRequester
from testkit.catalogs import BUSINESS_STREAMS, configure
from testkit.clock import utc_clock
from testkit.connector_output import ConnectorOutput
from testkit.in_process import run_in_process
from testkit.platform_oauth import business_form
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
    # The fields tiktok-organic-auth --business wrote for a consent that granted these scopes only,
    # pasted into the form: the token inspector tells the scopes of the live access token.
    config = business_form(tiktok, 1, profile_only)

    first = run_connector("check", config)
    again = run_connector("check", config)

    for check in (first, again):
        status = check.connection_status
        assert status.status == Status.FAILED
        listed = (status.message or "").split("missing the scope(s) ")[1].split(" (granted")[0]
        assert listed.split(", ") == ["user.account.type", "user.insights", "video.list", "video.insights"]
        assert check.latest_config is None, "no check spends the refresh token"
    assert tiktok.requests_by_endpoint.get("/open_api/v1.3/tt_user/oauth2/refresh_token/", 0) == 0


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


def business_catalog(
    run_connector: Callable[..., ConnectorOutput], config: dict[str, Any], *streams: str
) -> Any:
    """Every business stream discover offers (or only ``streams``), in full refresh."""
    catalog = configure(run_connector("discover", config).catalog)
    catalog.streams = [s for s in catalog.streams if not streams or s.stream.name in streams]
    return catalog


SNAPSHOT_VIDEO_FIELDS = {
    "item_id",
    "create_time",
    "video_views",
    "likes",
    "comments",
    "shares",
    "favorites",
    "reach",
    "total_time_watched",
    "average_time_watched",
    "full_video_watched_rate",
    "new_followers",
}


def breakdown_rows(videos: list[dict[str, Any]]) -> Counter[str]:
    """The rows business_video_breakdowns makes of these business_videos records, per video."""
    arrays = ("video_view_retention", "engagement_likes", "impression_sources", "audience_genders")
    arrays += ("audience_countries", "audience_cities", "audience_types")
    rows = Counter({v["item_id"]: sum(len(v.get(a) or ()) for a in arrays) for v in videos})
    return +rows  # videos without a breakdown make no row


def test_a_sync_of_every_stream_asks_for_each_page_once(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    """Issue 21: business_videos, its breakdowns and video_snapshots page business/video/list
    together, and five streams read business/get through two requests (with dates and without)."""
    tiktok = emulator(video_count=300)
    config = tiktok.business_connector_config(business_requests_per_minute=600)
    alone = run_connector("read", config, business_catalog(run_connector, config, "business_videos"))
    assert alone.returncode == 0 and not alone.errors, alone.transcript()
    pages = tiktok.snapshot()["requests_by_endpoint"][BUSINESS_VIDEO_LIST_PATH]
    assert pages == 15, "300 videos, 20 a page"

    config = alone.latest_config or config  # the refresh token rotated
    catalog = business_catalog(run_connector, config)
    tiktok.reset_counters()
    every = run_connector("read", config, catalog)

    assert every.returncode == 0 and not every.errors, every.transcript()
    asked = tiktok.snapshot()["requests_by_endpoint"]
    assert asked[BUSINESS_VIDEO_LIST_PATH] == pages, "each page once (the issue allows 1.25 x)"
    assert asked[BUSINESS_GET_PATH] == 2, "lifetime and demographics; daily metrics and activity"
    # Each stream keeps what it read alone, no field of the streams it shares pages with.
    ids = sorted(v["id"] for v in tiktok.videos)
    assert sorted(r["item_id"] for r in every.records("business_videos")) == ids
    assert every.records("business_videos") == alone.records("business_videos")
    snapshots = every.records("video_snapshots")
    assert sorted(r["item_id"] for r in snapshots) == ids
    assert {frozenset(r) for r in snapshots} == {
        frozenset(SNAPSHOT_VIDEO_FIELDS | {"business_id", "date", "read_at"})
    }
    (profile,) = every.records("business_profile")
    assert not {"audience_ages", "metrics"} & set(profile) and profile["username"]
    (snapshot,) = every.records("profile_snapshots")
    assert set(snapshot) == {
        "business_id",
        "date",
        "read_at",
        "followers_count",
        "following_count",
        "total_likes",
        "videos_count",
    }
    assert {r["dimension"] for r in every.records("business_follower_demographics")} == {
        "age",
        "gender",
        "country",
        "city",
    }
    assert every.records("business_audience_activity") and every.records("business_profile_daily")
    assert not any("audience_activity" in r for r in every.records("business_profile_daily"))
    assert Counter(r["item_id"] for r in every.records("business_video_breakdowns")) == breakdown_rows(
        every.records("business_videos")
    )


def test_a_stream_whose_first_page_comes_after_the_first_token_still_shares_every_page(
    tmp_path: Path, emulator: Callable[..., TikTokEmulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account's open_id is learnt from the sync's first token answer. A stream that asks its
    first page after that (here the breakdowns, held back until the videos have three pages) reads
    the same list of kept pages as the stream that asked before: a list named by the open_id was two
    lists, the first stream counted a page behind, and every breakdowns page was asked again."""
    tiktok = emulator(video_count=1000)
    config = tiktok.business_connector_config(business_requests_per_minute=600)
    catalog = configure(
        run_in_process(tmp_path, "discover", config).catalog,
        only=["business_videos", "business_video_breakdowns"],
    )
    three_video_pages = threading.Event()
    pages_by_stream: Counter[str] = Counter()
    send_request, send = SharedPageRequester.send_request, SharedPageRequester._send_as

    # Held where a request starts, before the first answer of its field list, which the other
    # requests of that list wait for (held inside, the videos would wait for the breakdowns).
    def breakdowns_start_late(self: SharedPageRequester, *args: Any, **kwargs: Any) -> Any:
        if self.name == "business_video_breakdowns" and not pages_by_stream[self.name]:
            assert three_video_pages.wait(60), "the videos never got three pages"
        return send_request(self, *args, **kwargs)

    def count_pages(self: SharedPageRequester, account: Any, request: Any) -> Any:
        answer = send(self, account, request)
        pages_by_stream[self.name] += 1
        if pages_by_stream["business_videos"] >= 3:
            three_video_pages.set()
        return answer

    monkeypatch.setattr(SharedPageRequester, "send_request", breakdowns_start_late)
    monkeypatch.setattr(SharedPageRequester, "_send_as", count_pages)
    tiktok.reset_counters()
    run = run_in_process(
        tmp_path, "read", tiktok.business_connector_config(business_requests_per_minute=600), catalog
    )

    assert not run.errors, run.transcript()
    assert len(run.records("business_videos")) == 1000
    assert tiktok.snapshot()["requests_by_endpoint"][BUSINESS_VIDEO_LIST_PATH] == 50, "each page once"


def test_a_stream_read_alone_asks_only_its_own_pages(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=60)
    config = tiktok.business_connector_config(business_requests_per_minute=600)
    for stream, video_list, business_get in (
        ("business_profile", 0, 1),
        ("business_follower_demographics", 0, 1),
        ("business_audience_activity", 0, 1),
        ("business_video_breakdowns", 3, 0),
    ):
        catalog = business_catalog(run_connector, config, stream)
        tiktok.reset_counters()
        read = run_connector("read", config, catalog)
        assert read.returncode == 0 and not read.errors and read.records(stream), read.transcript()
        config = read.latest_config or config  # the refresh token rotated
        asked = tiktok.snapshot()["requests_by_endpoint"]
        assert (asked.get(BUSINESS_VIDEO_LIST_PATH, 0), asked.get(BUSINESS_GET_PATH, 0)) == (
            video_list,
            business_get,
        ), stream


def test_two_syncs_in_one_process_share_no_page(
    tmp_path: Path, emulator: Callable[..., TikTokEmulator]
) -> None:
    """The pages of a sync are shared by its streams, never with the next sync in the process."""
    tiktok = emulator(video_count=45)
    config = tiktok.business_connector_config(business_requests_per_minute=600)
    catalog = configure(run_in_process(tmp_path, "discover", config).catalog)
    catalog.streams = [s for s in catalog.streams if s.stream.name in ("business_videos", "video_snapshots")]
    newest = tiktok.videos[0]["id"]

    first = run_in_process(tmp_path, "read", config, catalog)
    tiktok.videos[0]["view_count"] += 1000
    tiktok.reset_counters()
    second = run_in_process(tmp_path, "read", first.latest_config or config, catalog)

    assert tiktok.snapshot()["requests_by_endpoint"][BUSINESS_VIDEO_LIST_PATH] == 3, "every page asked again"
    for stream in ("business_videos", "video_snapshots"):
        views = {r["item_id"]: r["video_views"] for r in first.records(stream)}
        again = {r["item_id"]: r["video_views"] for r in second.records(stream)}
        assert again[newest] == views[newest] + 1000, stream


def test_every_stream_sharing_pages_gets_every_record_once_under_faults(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    """A throttled, failed, dropped or token-rejected answer is never handed to another stream: each
    retries for itself, and every stream still gets every video once."""
    tiktok = emulator(
        video_count=100,
        faults=[
            FaultRule("http_429", endpoint=BUSINESS_VIDEO_LIST_PATH, after=1, times=1, retry_after=1),
            FaultRule("http_500", endpoint=BUSINESS_VIDEO_LIST_PATH, after=2, times=1),
            FaultRule("access_token_invalid", endpoint=BUSINESS_VIDEO_LIST_PATH, after=3, times=1),
            FaultRule("drop_connection", endpoint=BUSINESS_VIDEO_LIST_PATH, after=4, times=1),
            FaultRule("http_429", endpoint=BUSINESS_GET_PATH, times=1, retry_after=1),
        ],
    )
    config = tiktok.business_connector_config(business_requests_per_minute=600)
    catalog = business_catalog(run_connector, config)
    tiktok.reset_counters()

    read = run_connector("read", config, catalog)

    assert read.returncode == 0 and not read.errors, read.transcript()
    ids = sorted(v["id"] for v in tiktok.videos)
    for stream in ("business_videos", "video_snapshots"):
        assert sorted(r["item_id"] for r in read.records(stream)) == ids, stream
    assert Counter(r["item_id"] for r in read.records("business_video_breakdowns")) == breakdown_rows(
        read.records("business_videos")
    )
    assert len(read.records("business_profile")) == len(read.records("profile_snapshots")) == 1
    asked = tiktok.snapshot()["requests_by_endpoint"]
    faults = tiktok.snapshot()["faults_fired"]
    assert sum(faults.values()) == 5, "every fault was met"
    # Five pages, each asked once, plus one retry per failed answer (4), and at most one more
    # request per stream sharing that answer (the other two) for each fault it waited on.
    assert asked[BUSINESS_VIDEO_LIST_PATH] <= 5 + 4 + 2 * 4
    assert asked[BUSINESS_GET_PATH] <= 2 + 1 + 2
