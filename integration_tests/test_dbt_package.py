"""dbt_tiktok_organic over what PyAirbyte synced from the loopback emulator, two syncs a day apart.

``dbt build`` (models, the package's tests and its data tests) passes over a Display-only and a
business-only warehouse, over both unioned by the ``tiktok_organic_sources`` variable, and over one
business connection reading several accounts (issue 23), and over one Display API connection
reading several; one figure of each mart equals what the emulator served (for each account), read
through the emulator's own Python API (``tiktok_emulator``), never through the connector. The
warehouses are built once per session (``report_warehouses``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest
import tomllib
from packaging.requirements import Requirement

from integration_tests.report_warehouses import (
    ACCOUNT_LABELS,
    ACCOUNT_VIDEOS,
    ACCOUNTS,
    DATA_TESTS,
    DISPLAY_ACCOUNT_LABELS,
    DISPLAY_ACCOUNTS,
    VIDEOS,
    YESTERDAY,
    Warehouse,
    built_warehouse,
    run_report_module,
)
from tiktok_emulator.business.accounts import BusinessAccount
from tiktok_emulator.business.data import audience_activity, daily_metrics, demographics
from tiktok_emulator.business.media import business_video
from tiktok_emulator.mentions.api import midnight, visible
from tools.report import REPO_ROOT
from tools.report.dbt_build import dbt_build
from tools.report.warehouse import LAST_DAY

pytestmark = pytest.mark.side_environments

MARTS = "analytics"


@pytest.fixture(scope="module", params=["display", "business"])
def warehouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return built_warehouse(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def display(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return built_warehouse("display", tmp_path_factory)


@pytest.fixture(scope="module")
def business(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return built_warehouse("business", tmp_path_factory)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """One business connection of ``ACCOUNTS`` accounts, labelled by ``ACCOUNT_LABELS``."""
    return built_warehouse("accounts", tmp_path_factory)


@pytest.fixture(scope="module")
def display_accounts(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """One Display API connection of ``DISPLAY_ACCOUNTS`` accounts, labelled by
    ``DISPLAY_ACCOUNT_LABELS``."""
    return built_warehouse("display_accounts", tmp_path_factory)


def one_query(warehouse: Warehouse, sql: str) -> list[list[Any]]:
    [rows] = warehouse.query(sql)
    return rows


def test_dbt_build_passes_with_every_data_test_and_empty_relations_for_the_other_mode(
    warehouse: Warehouse,
) -> None:
    assert "Completed successfully" in warehouse.dbt_output
    for data_test in DATA_TESTS:
        assert f"PASS {data_test} " in warehouse.dbt_output
    absent, present = (
        ("stg_tiktok_organic__business_profile", "stg_tiktok_organic__user_info")
        if warehouse.mode == "display"
        else ("stg_tiktok_organic__user_info", "stg_tiktok_organic__business_profile")
    )
    counts, days = warehouse.query(
        f"select (select count(*) from {MARTS}.{absent}), (select count(*) from {MARTS}.{present})",
        f"select distinct date_day from {MARTS}.tiktok_organic__video_daily order by 1",
    )
    assert counts == [[0, 1]]
    assert days == [[str(YESTERDAY)], [str(LAST_DAY)]]  # the two syncs a day apart


def test_account_daily_follower_change_is_what_the_emulator_served(display: Warehouse) -> None:
    served = display.served
    [[followers, change, views, computed_from]] = one_query(
        display,
        f"select followers, followers_net_change, views, computed_from "
        f"from {MARTS}.tiktok_organic__account_daily where date_day = '{LAST_DAY}'",
    )
    assert followers == served.followers[LAST_DAY]
    assert change == served.followers[LAST_DAY] - served.followers[YESTERDAY] != 0
    assert views == sum(
        served.videos[LAST_DAY][video]["view_count"] - served.videos[YESTERDAY][video]["view_count"]
        for video in served.videos[LAST_DAY]
    )
    assert computed_from == "profile_snapshots"


def test_account_daily_in_business_mode_is_tiktoks_daily_metrics(business: Warehouse) -> None:
    emulator = business.emulator
    metrics = daily_metrics(
        emulator.seed, YESTERDAY, followers=emulator.followers, is_business=emulator.is_business_account
    )
    [[followers, change, views, profile_views, computed_from]] = one_query(
        business,
        f"select followers, followers_net_change, views, profile_views, computed_from "
        f"from {MARTS}.tiktok_organic__account_daily where date_day = '{YESTERDAY}'",
    )
    assert (followers, change) == (metrics["followers_count"], metrics["daily_total_followers"])
    assert (views, profile_views) == (metrics["video_views"], metrics["profile_views"])
    assert computed_from == "business_profile_daily"


def test_video_daily_views_gained_is_the_difference_the_emulator_served(warehouse: Warehouse) -> None:
    served = warehouse.served
    gained = {
        video: (day, views_gained)
        for video, day, views_gained in one_query(
            warehouse,
            f"select video_id, date_day, views_gained from {MARTS}.tiktok_organic__video_daily "
            f"where views_gained is not null",
        )
    }
    assert gained == {
        video: (
            str(LAST_DAY),
            served.videos[LAST_DAY][video]["view_count"] - served.videos[YESTERDAY][video]["view_count"],
        )
        for video in served.videos[LAST_DAY]
    }
    assert len(gained) == VIDEOS


def test_video_report_lifetime_and_watch_figures_are_the_emulators(warehouse: Warehouse) -> None:
    emulator = warehouse.emulator
    report = {
        row[0]: row[1:]
        for row in one_query(
            warehouse,
            f"select video_id, views, engagement_rate, average_time_watched, completion_rate, "
            f"recent_views_gained from {MARTS}.tiktok_organic__video_report",
        )
    }
    assert len(report) == VIDEOS
    for video in emulator.videos:
        views, engagement, average, completion, recent = report[video["id"]]
        assert views == video["view_count"]
        interactions = video["like_count"] + video["comment_count"] + video["share_count"]
        assert engagement == pytest.approx(interactions / video["view_count"])
        assert recent == (
            warehouse.served.videos[LAST_DAY][video["id"]]["view_count"]
            - warehouse.served.videos[YESTERDAY][video["id"]]["view_count"]
        )
        if warehouse.mode == "business":
            insights = business_video(video, emulator.seed, is_business=emulator.is_business_account)
            assert average == insights["average_time_watched"]
            assert completion == insights["full_video_watched_rate"]
        else:
            assert (average, completion) == (None, None)  # the Display API gives no watch time


def test_audience_is_the_emulators_demographics_and_online_hours(business: Warehouse) -> None:
    emulator = business.emulator
    countries, hours = business.query(
        f"select dimension_value, share from {MARTS}.tiktok_organic__audience where dimension = 'country'",
        f"select date_day, dimension_value, followers_online from {MARTS}.tiktok_organic__audience "
        f"where dimension = 'online_hour' and date_day = '{YESTERDAY}'",
    )
    assert dict(countries) == {
        row["country"]: row["percentage"] for row in demographics(emulator.seed)["audience_countries"]
    }
    views = daily_metrics(
        emulator.seed, YESTERDAY, followers=emulator.followers, is_business=emulator.is_business_account
    )["video_views"]
    assert {int(hour): count for _, hour, count in hours} == {
        int(row["hour"]): row["count"] for row in audience_activity(emulator.seed, YESTERDAY, views)
    }


def test_posts_have_the_social_media_rollup_columns_and_the_emulators_posts(warehouse: Warehouse) -> None:
    emulator = warehouse.emulator
    columns, posts = warehouse.query(
        f"select column_name from information_schema.columns "
        f"where table_schema = '{MARTS}' and table_name = 'tiktok_organic__posts' order by ordinal_position",
        f"select post_id, post_url, impressions, likes, page_id, page_name, platform "
        f"from {MARTS}.tiktok_organic__posts where post_source = 'own'",
    )
    assert [column for [column] in columns] == [
        "created_timestamp",
        "post_id",
        "post_message",
        "post_url",
        "page_id",
        "page_name",
        "platform",
        "clicks",
        "impressions",
        "likes",
        "shares",
        "comments",
        "post_source",
        "source_relation",
    ]
    assert {post[0]: tuple(post[1:]) for post in posts} == {
        video["id"]: (
            video["share_url"],
            video["view_count"],
            video["like_count"],
            emulator.user["open_id"],
            emulator.user["display_name"],
            "tiktok",
        )
        for video in emulator.videos
    }


def test_connections_are_unioned_by_variable_each_row_keeping_its_own(
    display: Warehouse, business: Warehouse
) -> None:
    # The Display warehouse reads the business one as another database, both named in
    # tiktok_organic_sources; the union is built into a schema of its own.
    sources = [
        {"name": "creator", "schema": "tiktok_organic"},
        {"name": "brand", "database": "business", "schema": "tiktok_organic"},
    ]
    output = dbt_build(
        display.db_path,
        display.workdir / "union",
        {"tiktok_organic_sources": sources},
        schema="analytics_union",
        attach={"business": business.db_path},
    )
    assert "Completed successfully" in output
    [by_source] = run_report_module(
        "query",
        "--db-path",
        str(display.db_path),
        "select source_relation, count(*), min(computed_from) "
        "from analytics_union.tiktok_organic__account_daily group by 1 order by 1",
    )
    business_days = one_query(business, f"select count(*) from {MARTS}.tiktok_organic__account_daily")
    assert by_source == [
        ["brand", business_days[0][0], "business_profile_daily"],
        ["creator", 2, "profile_snapshots"],
    ]


def synced_accounts(warehouse: Warehouse) -> list[BusinessAccount]:
    return list(warehouse.emulator.business_accounts)[:ACCOUNTS]


def test_several_accounts_in_one_connection_build_with_every_data_test(accounts: Warehouse) -> None:
    assert "Completed successfully" in accounts.dbt_output
    for data_test in DATA_TESTS:
        assert f"PASS {data_test} " in accounts.dbt_output
    listed = one_query(
        accounts,
        f"select source_relation, account_id, account_label, username, api "
        f"from {MARTS}.int_tiktok_organic__accounts order by account_id",
    )
    assert listed == sorted(
        (
            ["tiktok_organic", account.open_id, label, account.user["username"], "business"]
            for account, label in zip(synced_accounts(accounts), ACCOUNT_LABELS, strict=True)
        ),
        key=lambda row: str(row[1]),
    )
    # Business connections are keyed by their rows' accounts, never by the connection alone.
    assert one_query(accounts, f"select count(*) from {MARTS}.int_tiktok_organic__connection_accounts") == [
        [0]
    ]


def test_account_daily_has_each_accounts_own_daily_metrics_and_label(accounts: Warehouse) -> None:
    emulator = accounts.emulator
    days = {
        account_id: row
        for account_id, *row in one_query(
            accounts,
            f"select account_id, account_label, followers, followers_net_change, views, computed_from "
            f"from {MARTS}.tiktok_organic__account_daily where date_day = '{YESTERDAY}'",
        )
    }
    expected = {}
    for account, label in zip(synced_accounts(accounts), ACCOUNT_LABELS, strict=True):
        metrics = daily_metrics(
            account.seed, YESTERDAY, followers=account.followers, is_business=emulator.is_business_account
        )
        expected[account.open_id] = [
            label,
            metrics["followers_count"],
            metrics["daily_total_followers"],
            metrics["video_views"],
            "business_profile_daily",
        ]
    assert days == expected
    assert len({row[1] for row in days.values()}) == ACCOUNTS  # three accounts, three follower counts


def test_video_marts_have_each_accounts_videos_and_gains(accounts: Warehouse) -> None:
    served = accounts.served
    daily, report, posts = accounts.query(
        f"select account_id, account_label, video_id, views_gained from {MARTS}.tiktok_organic__video_daily "
        f"where date_day = '{LAST_DAY}'",
        f"select account_id, account_label, video_id, views, recent_views_gained "
        f"from {MARTS}.tiktok_organic__video_report",
        f"select page_id, post_id, impressions from {MARTS}.tiktok_organic__posts where post_source = 'own'",
    )
    labels = {
        account.open_id: label
        for account, label in zip(synced_accounts(accounts), ACCOUNT_LABELS, strict=True)
    }
    gained = {
        video: served.videos[LAST_DAY][video]["view_count"] - served.videos[YESTERDAY][video]["view_count"]
        for video in served.videos[LAST_DAY]
    }
    owners = served.video_accounts
    assert len(owners) == len(gained) == ACCOUNTS * ACCOUNT_VIDEOS
    assert {(a, label, v): g for a, label, v, g in daily} == {
        (owners[v], labels[owners[v]], v): g for v, g in gained.items()
    }
    assert {(a, label, v): (views, recent) for a, label, v, views, recent in report} == {
        (owners[v], labels[owners[v]], v): (served.videos[LAST_DAY][v]["view_count"], g)
        for v, g in gained.items()
    }
    assert {(a, v): views for a, v, views in posts} == {
        (owners[v], v): served.videos[LAST_DAY][v]["view_count"] for v in gained
    }


def test_audience_has_each_accounts_own_demographics(accounts: Warehouse) -> None:
    countries = one_query(
        accounts,
        f"select account_id, account_label, dimension_value, share from {MARTS}.tiktok_organic__audience "
        f"where dimension = 'country'",
    )
    by_account: dict[tuple[str, str | None], dict[str, float]] = {}
    for account_id, label, country, share in countries:
        by_account.setdefault((account_id, label), {})[country] = share
    assert by_account == {
        (account.open_id, label): {
            row["country"]: row["percentage"] for row in demographics(account.seed)["audience_countries"]
        }
        for account, label in zip(synced_accounts(accounts), ACCOUNT_LABELS, strict=True)
    }


def test_several_display_accounts_in_one_connection_keep_their_own_videos_gains_and_followers(
    display_accounts: Warehouse,
) -> None:
    """A Display connection of several accounts: every videos and video_snapshots row names its
    account (open_id), so the marts give each account its own videos, gains, followers and label."""
    warehouse, served = display_accounts, display_accounts.served
    assert "Completed successfully" in warehouse.dbt_output
    for data_test in DATA_TESTS:
        assert f"PASS {data_test} " in warehouse.dbt_output
    accounts = list(warehouse.emulator.business_accounts)[:DISPLAY_ACCOUNTS]
    labels = {a.open_id: label for a, label in zip(accounts, DISPLAY_ACCOUNT_LABELS, strict=True)}
    listed, connection, daily, report, account_days = warehouse.query(
        f"select account_id, account_label, username, api from {MARTS}.int_tiktok_organic__accounts",
        f"select source_relation, account_id from {MARTS}.int_tiktok_organic__connection_accounts",
        f"select account_id, account_label, video_id, views_gained from {MARTS}.tiktok_organic__video_daily "
        f"where date_day = '{LAST_DAY}'",
        f"select account_id, account_label, video_id, views, recent_views_gained "
        f"from {MARTS}.tiktok_organic__video_report",
        f"select account_id, account_label, followers, followers_net_change, views, computed_from "
        f"from {MARTS}.tiktok_organic__account_daily where date_day = '{LAST_DAY}'",
    )
    assert sorted(map(tuple, listed)) == sorted(
        (a.open_id, labels[a.open_id], a.user["username"], "display") for a in accounts
    )
    # One account stands for the rows that name none: the account of the oldest user_info row,
    # which a connection always read several accounts from leaves to its first sync's order (it
    # has no such rows: every row names its own).
    [(relation, account_id)] = connection
    assert relation == "tiktok_organic" and account_id in labels
    owners = served.video_accounts
    gained = {
        video: served.videos[LAST_DAY][video]["view_count"] - served.videos[YESTERDAY][video]["view_count"]
        for video in served.videos[LAST_DAY]
    }
    assert len(set(owners.values())) == DISPLAY_ACCOUNTS and len(gained) == DISPLAY_ACCOUNTS * ACCOUNT_VIDEOS
    assert {(a, label, v): g for a, label, v, g in daily} == {
        (owners[v], labels[owners[v]], v): g for v, g in gained.items()
    }
    assert {(a, label, v): (views, recent) for a, label, v, views, recent in report} == {
        (owners[v], labels[owners[v]], v): (served.videos[LAST_DAY][v]["view_count"], g)
        for v, g in gained.items()
    }
    followers = {day: served.account_followers[day] for day in (YESTERDAY, LAST_DAY)}
    assert {a: tuple(row) for a, *row in account_days} == {
        account: (
            labels[account],
            followers[LAST_DAY][account],
            followers[LAST_DAY][account] - followers[YESTERDAY][account],
            sum(g for v, g in gained.items() if owners[v] == account),
            "profile_snapshots",
        )
        for account in labels
    }


def test_dbt_and_the_charts_stay_out_of_the_connectors_dependencies() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    report = {Requirement(r).name for r in project["optional-dependencies"]["report"]}
    assert {"dbt-core", "dbt-duckdb", "duckdb", "plotly", "playwright"} <= report
    assert not report & {Requirement(r).name for r in project["dependencies"]}


# Spellings that DuckDB accepts and Postgres, BigQuery or Snowflake reject (or read otherwise):
# the package says dates, casts and differences through dbt's cross-database macros instead.
NOT_PORTABLE = re.compile(
    r"::|\bqualify\b|\btry_cast\b|\bstrftime\b|\bstrptime\b|\bepoch\w*\s*\(|\bto_timestamp\s*\(|"
    r"\bdate_?diff\s*\(|\bdate_?add\s*\(|\bdate_sub\s*\(|\bilike\b|\blist_\w+\s*\(|\bexclude\s*\(",
    re.IGNORECASE,
)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def test_the_packages_sql_keeps_to_portable_spellings() -> None:
    package = REPO_ROOT / "dbt_tiktok_organic"
    files = sorted(package.glob("models/**/*.sql")) + sorted(package.glob("tests/**/*.sql"))
    assert len(files) >= 13 + 1 + 5 + 5  # staging, intermediate, marts, data tests
    for path in [*files, *sorted(package.glob("macros/*.sql"))]:
        text = path.read_text()
        # Macros build SQL inside Jinja strings: check those too, only the Jinja syntax goes.
        sql = text if path.parent.name == "macros" else JINJA.sub(" ", text)
        found = NOT_PORTABLE.findall(sql.replace("dbt.dateadd", "").replace("dbt.datediff", ""))
        assert not found, f"{path.relative_to(REPO_ROOT)}: {found}"


def _mentioned_posts_read(account: BusinessAccount) -> dict[str, dict[str, Any]]:
    """Every mentioned post the two syncs read of ``account``, by id, as the emulator served it on the
    last day that listed it (the window moves a day between the syncs)."""
    read: dict[str, dict[str, Any]] = {}
    for day in (YESTERDAY, LAST_DAY):
        anchor = midnight(day)
        read.update({row["item_id"]: row for row in visible(account.mentions.lists(anchor)[0], anchor)})
    return read


def test_mentions_daily_counts_what_the_emulator_served_and_posts_carry_the_mentions(
    business: Warehouse,
) -> None:
    account = business.emulator.business_accounts[0]
    served = _mentioned_posts_read(account)
    daily, mention_posts = business.query(
        f"select cast(date_day as varchar), mentioned_posts, mentioned_post_likes "
        f"from {MARTS}.tiktok_organic__mentions_daily where account_id = '{account.open_id}'",
        f"select post_id, impressions, likes, page_id from {MARTS}.tiktok_organic__posts "
        f"where post_source = 'mention'",
    )
    expected: dict[str, list[int]] = {}
    for row in served.values():
        day = datetime.fromtimestamp(int(row["create_time"]), timezone.utc).date().isoformat()
        counts = expected.setdefault(day, [0, 0])
        counts[0] += 1
        counts[1] += row["likes"]
    assert {day: [posts, likes] for day, posts, likes in daily if posts} == expected
    assert {post_id: (views, likes, page) for post_id, views, likes, page in mention_posts} == {
        item_id: (row["views"], row["likes"], account.open_id) for item_id, row in served.items()
    }
