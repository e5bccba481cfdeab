"""Who talks about the brand, end to end: the installed connector, run as Airbyte runs it, reading
the emulator's Mentions API on 127.0.0.1 (offset pages, short pages, the 90-day window, mentions
arriving mid-read, faults, a token dying mid-sync, several brands, a missing permission)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalog, FailureType, Status

from source_tiktok_organic.business_protocol import (
    BRAND_HASHTAG_POSTS_PATH,
    BUSINESS_REFRESH_TOKEN_PATH,
    MENTION_COMMENTS_PATH,
    MENTION_POSTS_PATH,
    MENTION_SCOPE,
    MENTION_TOP_WORDS_PATH,
)
from testkit.catalogs import BUSINESS_STREAMS, MENTION_STREAMS, configure
from testkit.configs import emulator_accounts_config
from testkit.connector_output import ConnectorOutput
from testkit.secrets import assert_run_leaks_no_secret
from tiktok_emulator import FaultRule, TikTokEmulator
from tiktok_emulator.business.accounts import BusinessAccount
from tiktok_emulator.business.scopes import DEFAULT_GRANTED_SCOPES
from tiktok_emulator.mentions.api import visible

# stream -> (the emulator's list of each account, the record's id field, its time field)
LISTS: dict[str, tuple[Callable[[BusinessAccount], Any], str, str]] = {
    "business_mentioned_posts": (lambda a: a.mentions.lists(_midnight())[0], "item_id", "create_time"),
    "business_mentioned_comments": (
        lambda a: a.mentions.lists(_midnight())[1],
        "comment_id",
        "comment_create_time",
    ),
    "business_brand_hashtag_posts": (lambda a: a.mentions.lists(_midnight())[2], "item_id", "create_time"),
}


def _midnight() -> int:
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return int(
        datetime.datetime(today.year, today.month, today.day, tzinfo=datetime.timezone.utc).timestamp()
    )


def _catalog(
    run_connector: Callable[..., ConnectorOutput], config: dict[str, Any]
) -> ConfiguredAirbyteCatalog:
    discovered = run_connector("discover", config)
    assert {s.name for s in discovered.catalog.streams} == {*BUSINESS_STREAMS, *MENTION_STREAMS}
    return configure(discovered.catalog, only=MENTION_STREAMS)


def _expected(account: BusinessAccount, stream: str, days: int = 90, regions: Any = None) -> list[Any]:
    listed, id_field, _ = LISTS[stream]
    return sorted(row[id_field] for row in visible(listed(account), _midnight(), days, regions))


def _assert_each_brand_read_completely(
    read: ConnectorOutput, accounts: list[BusinessAccount], **window: Any
) -> None:
    for stream, (_, id_field, time_field) in LISTS.items():
        records = read.records(stream)
        for account in accounts:
            own = [r for r in records if r["business_id"] == account.open_id]
            assert sorted(r[id_field] for r in own) == _expected(account, stream, **window), (
                f"{stream} of {account.open_id}: every item of the window exactly once"
            )
            assert all(isinstance(r[time_field], int) for r in own), "times cast to integers"
            assert all(r["read_at"].endswith("Z") for r in own)
    keywords = read.records("business_mention_keywords")
    for account in accounts:
        for kind in ("hashtag", "word"):
            served = account.mentions.top(_midnight(), kind, window.get("regions"))
            got = [
                (r["term"], r["count"])
                for r in keywords
                if r["business_id"] == account.open_id and r["kind"] == kind
            ]
            assert sorted(got) == sorted((row[kind], row["count"]) for row in served), kind
        hashtags = [
            r["hashtag"]
            for r in read.records("business_brand_hashtags")
            if r["business_id"] == account.open_id
        ]
        assert sorted(hashtags) == sorted(h["hashtag"] for h in account.mentions.brand_hashtags)


def test_every_mention_arrives_once_tagged_with_its_brand_under_faults_shifting_pages_and_a_dying_token(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(
        video_count=5,
        business_accounts=2,
        business_video_counts=[5, 5],
        # Enough for three pages of 100 in each list, so that mentions arrive between pages.
        mentioned_posts=330,
        mention_comments=330,
        brand_hashtag_posts=330,
        mention_arrivals_per_page=2,
        # Each access token dies after 12 requests: at least once per brand in this sync. (Fewer, and
        # a token refreshed for several waiting threads can die before the last of them retries.)
        access_token_lifetime_requests=12,
        faults=[
            FaultRule("http_429", endpoint=MENTION_POSTS_PATH, after=1, times=1, retry_after=1),
            FaultRule("http_500", endpoint=MENTION_COMMENTS_PATH, after=1, times=1),
            FaultRule("drop_connection", endpoint=BRAND_HASHTAG_POSTS_PATH, after=1, times=1),
            FaultRule("access_token_expired", endpoint=MENTION_TOP_WORDS_PATH, times=1),
            FaultRule("http_503", endpoint=BUSINESS_REFRESH_TOKEN_PATH, times=1),
        ],
    )
    accounts = list(tiktok.business_accounts)
    before = {stream: {a.open_id: _expected(a, stream) for a in accounts} for stream in LISTS}
    config = emulator_accounts_config(tiktok, 2, include_mentions=True)

    read = run_connector("read", config, _catalog(run_connector, config))

    assert read.returncode == 0 and not read.errors, [e.internal_message or e.message for e in read.errors]
    assert set(tiktok.counters.snapshot()["faults_fired"].values()) == {1}, "every fault fired once"
    for account in accounts:
        refreshes = tiktok.counters.business_calls(account.open_id, BUSINESS_REFRESH_TOKEN_PATH)
        assert refreshes >= 2, "the first token, then one after its death mid-sync"
    for stream, (_, id_field, _) in LISTS.items():
        for account in accounts:
            own = [r[id_field] for r in read.records(stream) if r["business_id"] == account.open_id]
            # Mentions arriving mid-read shift the pages; they are newer than the first page: unread.
            assert sorted(own) == before[stream][account.open_id], f"{stream}: the window's items, once each"
        assert _expected(accounts[0], stream) != before[stream][accounts[0].open_id], "mentions arrived"
    for account in accounts:
        kinds = {
            r["kind"]
            for r in read.records("business_mention_keywords")
            if r["business_id"] == account.open_id
        }
        assert kinds == {"hashtag", "word"}
    assert_run_leaks_no_secret(read, {tiktok.app_secret, *(a.current_refresh_token for a in accounts)})


def test_one_brand_with_a_narrow_window_and_regions_reads_exactly_that(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=5, mentioned_posts=300)
    config = tiktok.business_connector_config(
        include_mentions=True, mention_days=30, mention_regions=["US", "GB"]
    )

    read = run_connector("read", config, _catalog(run_connector, config))

    assert read.returncode == 0 and not read.errors, read.transcript()
    _assert_each_brand_read_completely(read, list(tiktok.business_accounts), days=30, regions=["US", "GB"])
    posts = read.records("business_mentioned_posts")
    assert any(r.get("views") is None for r in posts) and any(r.get("views") for r in posts), (
        "null under 1,000"
    )


def test_without_the_mention_permission_only_the_mention_streams_fail_naming_it(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(
        video_count=5,
        business_granted_scopes=tuple(s for s in DEFAULT_GRANTED_SCOPES if s != MENTION_SCOPE),
    )
    config = tiktok.business_connector_config(include_mentions=True)
    discovered = run_connector("discover", config)
    catalog = configure(discovered.catalog, only=("business_profile", "business_videos", *MENTION_STREAMS))

    read = run_connector("read", config, catalog)

    assert read.returncode != 0
    assert len(read.records("business_videos")) == 5 and len(read.records("business_profile")) == 1
    messages = [e.message for e in read.errors]
    mention_errors = [m for m in messages if "Mentions >" in m]
    assert mention_errors and all(e.failure_type == FailureType.config_error for e in read.errors), messages
    assert any('"Mentions > Comment"' in m for m in mention_errors)
    assert any('"Mentions > Content"' in m for m in mention_errors)
    assert any(MENTION_SCOPE in m for m in mention_errors), "TikTok's own words are quoted"
    assert not any(r for s in MENTION_STREAMS for r in read.records(s))


@pytest.mark.parametrize("granted", [True, False], ids=["granted", "not granted"])
def test_the_check_reads_the_mentions_when_they_are_on(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator], granted: bool
) -> None:
    scopes = (
        DEFAULT_GRANTED_SCOPES if granted else tuple(s for s in DEFAULT_GRANTED_SCOPES if s != MENTION_SCOPE)
    )
    tiktok = emulator(video_count=5, business_granted_scopes=scopes)
    config = tiktok.business_connector_config(include_mentions=True)
    # A live access token, as the Airbyte UI keeps after a sync: the check proves it with TikTok.
    first = run_connector("check", config)
    config = first.latest_config or config
    token = tiktok.issue_business_access_token(scopes)
    config["credentials"].update(
        access_token=token,
        token_expiry_date=(
            datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=20)
        ).isoformat(),
        open_id=tiktok.user["open_id"],
    )

    check = run_connector("check", config)

    mention_calls = tiktok.counters.business_calls(tiktok.user["open_id"], MENTION_POSTS_PATH)
    assert mention_calls >= 1
    if granted:
        assert check.connection_status.status == Status.SUCCEEDED, check.transcript()
    else:
        assert check.connection_status.status == Status.FAILED
        assert '"Mentions > Content"' in (check.connection_status.message or "")
