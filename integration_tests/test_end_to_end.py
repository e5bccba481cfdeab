"""The installed connector, run as Airbyte runs it (a subprocess), against the loopback emulator."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from airbyte_cdk.models import FailureType, Status, Type

from testkit.catalogs import configured_catalog
from testkit.connector_output import ConnectorOutput
from testkit.console_script import run_console_script
from testkit.platform_oauth import authenticated_config
from testkit.secrets import assert_run_leaks_no_secret
from tiktok_emulator import FaultRule, TikTokEmulator
from tiktok_emulator.wire import Request, Response

VIDEO_LIST = "/v2/video/list/"
USER_INFO = "/v2/user/info/"


def assert_every_video_exactly_once(run: ConnectorOutput, emulator: TikTokEmulator) -> None:
    ids = [record["id"] for record in run.records("videos")]
    duplicates = [video_id for video_id, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"duplicated videos: {duplicates[:5]}"
    assert sorted(ids) == sorted(video["id"] for video in emulator.videos), "every video, none lost"


def assert_no_secret_leaked(run: ConnectorOutput, emulator: TikTokEmulator, *extra_secrets: str) -> None:
    __tracebackhide__ = True  # the secrets are among this frame's arguments
    assert_run_leaks_no_secret(run, {emulator.client_secret, emulator.current_refresh_token, *extra_secrets})


def test_spec_check_discover_read(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=95, rotate_refresh_tokens=False)
    config = tiktok.connector_config()

    spec = run_connector("spec")
    assert spec.returncode == 0
    assert spec.spec.connectionSpecification["properties"]["credentials"]

    check = run_connector("check", config)
    assert check.connection_status.status == Status.SUCCEEDED

    discover = run_connector("discover", config)
    streams = {s.name: s for s in discover.catalog.streams}
    assert set(streams) == {"user_info", "videos", "profile_snapshots", "video_snapshots"}
    assert streams["videos"].source_defined_primary_key == [["id"]]

    read = run_connector("read", config)
    assert read.returncode == 0, read.stderr[-2000:]
    assert read.records("user_info") == [tiktok.user]
    assert_every_video_exactly_once(read, tiktok)
    by_id = {record["id"]: record for record in read.records("videos")}
    newest = by_id[tiktok.videos[0]["id"]]
    assert newest == {**tiktok.videos[0], "created_at": newest["created_at"]}, (
        "TikTok's fields and values kept"
    )
    assert not read.errors
    assert_no_secret_leaked(read, tiktok)


FAULTS = {
    "429-with-retry-after": [FaultRule("http_429", endpoint=VIDEO_LIST, after=1, times=2, retry_after=1)],
    "429-without-retry-after": [FaultRule("http_429", endpoint=VIDEO_LIST, after=2, times=1)],
    "500": [FaultRule("http_500", endpoint=VIDEO_LIST, after=1, times=2)],
    "503": [FaultRule("http_503", every=3)],
    "dropped-connection": [FaultRule("drop_connection", endpoint=VIDEO_LIST, after=1, times=4)],
    "access-token-dies": [FaultRule("access_token_invalid", endpoint=VIDEO_LIST, after=2, times=1)],
    "internal-error-in-200": [
        FaultRule("error_in_200", endpoint=VIDEO_LIST, after=1, times=1, error_code="internal_error")
    ],
    "rate-limit-in-200": [
        FaultRule("error_in_200", endpoint=VIDEO_LIST, after=3, times=1, error_code="rate_limit_exceeded")
    ],
    "short-pages": [FaultRule("short_page", every=1)],
    "token-endpoint-503": [FaultRule("http_503", endpoint="/v2/oauth/token/", times=1)],
}


@pytest.mark.parametrize("faults", list(FAULTS.values()), ids=list(FAULTS))
def test_a_sync_under_faults_delivers_every_video_exactly_once(
    run_connector: Callable[..., ConnectorOutput],
    emulator: Callable[..., TikTokEmulator],
    faults: list[FaultRule],
) -> None:
    tiktok = emulator(video_count=130, posting_pattern="clustered", faults=faults)

    run = run_connector("read", tiktok.connector_config())

    assert run.returncode == 0, run.stderr[-2000:]
    assert not run.errors, run.errors
    assert_every_video_exactly_once(run, tiktok)
    assert run.records("user_info") == [tiktok.user]
    assert sum(tiktok.snapshot()["faults_fired"].values()) >= 1, "the fault really happened"
    assert_no_secret_leaked(run, tiktok)


def test_access_tokens_that_die_early_are_refreshed(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    # Each token dies after 60 calls although TikTok said it lasts a day, as a token expired or
    # revoked mid-sync would: the sync needs about 100 calls, so one dies mid-sync. (The CDK
    # refreshes once per rejected request; a token dying again within the 20 requests in flight
    # would be reported as a config error, and real tokens live for hours.)
    tiktok = emulator(video_count=1200, access_token_lifetime_requests=60)

    run = run_connector("read", tiktok.connector_config())

    assert not run.errors, run.errors
    assert_every_video_exactly_once(run, tiktok)
    assert tiktok.responses_by_status.get(401, 0) >= 1, "a token really died mid-sync"
    assert len(run.emitted_configs) >= 2, "the first token and each replacement persisted"
    assert run.latest_config["credentials"]["refresh_token"] == tiktok.current_refresh_token


def test_a_repeated_cursor_ends_the_sync_without_duplicates(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=100, faults=[FaultRule("repeat_cursor", after=2, times=1000)])

    run = run_connector(
        "read", tiktok.connector_config(num_workers=2), configured_catalog("videos"), timeout=120
    )

    ids = [record["id"] for record in run.records("videos")]
    assert len(ids) == len(set(ids)), "no duplicates"
    assert set(ids) <= {video["id"] for video in tiktok.videos}
    # About 50 windows since 2014; a pager that followed the repeated cursor would use up all
    # 1000 scheduled repeats.
    assert tiktok.requests_by_endpoint[VIDEO_LIST] < 150, "paging stopped at each repeat instead of looping"
    assert any("did not move back in time" in log for log in run.logs)


def test_rotated_refresh_token_carries_across_two_syncs(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=30)
    first_config = tiktok.connector_config()

    first = run_connector("read", first_config, configured_catalog("user_info"))
    saved = first.latest_config
    assert saved["credentials"]["refresh_token"] == tiktok.current_refresh_token
    assert saved["credentials"]["refresh_token"] != first_config["credentials"]["refresh_token"]

    # Force the next refresh, as a day later when the stored access token has expired.
    saved["credentials"]["token_expiry_date"] = "2000-01-01T00:00:00+00:00"
    second = run_connector("read", saved, configured_catalog("user_info"))
    assert second.records("user_info") == [tiktok.user]
    assert second.latest_config["credentials"]["refresh_token"] == tiktok.current_refresh_token

    stale = run_connector("read", first_config, configured_catalog("user_info"))
    assert stale.records("user_info") == []
    assert stale.errors[0].failure_type == FailureType.config_error
    assert "TikTok rotates refresh tokens" in stale.errors[0].message
    assert_no_secret_leaked(stale, tiktok, first_config["credentials"]["refresh_token"])


def test_check_names_every_missing_scope(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(granted_scopes=("user.info.basic",))

    check = run_connector("check", authenticated_config(tiktok))

    status = check.connection_status
    assert status.status == Status.FAILED
    assert "missing the scope(s) user.info.profile, user.info.stats, video.list" in status.message
    assert_no_secret_leaked(check, tiktok)


def test_check_names_a_scope_whose_fields_tiktok_silently_left_out(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    """Some clients report user/info answering 200 without an ungranted scope's fields: the check
    compares the grant itself with what the streams need."""
    tiktok = emulator(
        granted_scopes=("user.info.basic", "user.info.profile", "video.list"),
        user_info_omits_ungranted_fields=True,
    )

    check = run_connector("check", authenticated_config(tiktok))

    status = check.connection_status
    assert status.status == Status.FAILED
    assert "missing the scope(s) user.info.stats (granted:" in status.message
    assert_no_secret_leaked(check, tiktok)


def test_a_stale_refresh_token_passes_the_check_unspent_and_the_sync_says_to_reauthenticate(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    """Only a refresh can tell a stale refresh token, and a check never refreshes (Set-up in the
    Airbyte UI, in the docs): the check says what it could not prove, the sync names the cause."""
    tiktok = emulator()
    config = tiktok.connector_config()
    config["credentials"]["refresh_token"] = "rft.revoked-or-rotated-away"

    check = run_connector("check", config)
    read = run_connector("read", config, configured_catalog("user_info"))

    assert check.connection_status.status == Status.SUCCEEDED
    assert "were not sent to TikTok: no access token is stored" in (check.connection_status.message or "")
    assert tiktok.requests_by_endpoint.get("/v2/oauth/token/") == 1, "the read's refresh only"
    assert read.errors and read.errors[0].failure_type == FailureType.config_error
    message = read.errors[0].message
    assert "TikTok rejected the refresh token" in message and "Re-authenticate" in message
    for run in (check, read):
        assert_no_secret_leaked(run, tiktok, "rft.revoked-or-rotated-away")


def test_a_config_that_is_not_json_gets_a_trace_not_a_traceback(
    run_connector: Callable[..., ConnectorOutput], tmp_path: Any
) -> None:
    run = run_connector("check", None)  # no --config at all
    assert run.returncode != 0
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")

    completed = run_console_script(["check", "--config", str(broken)])

    assert completed.returncode == 1
    assert [m.trace.error.failure_type for m in completed.of_type(Type.TRACE)] == [FailureType.config_error]
    assert "Traceback" not in completed.stderr


class OverlapGate(TikTokEmulator):
    """The emulator, holding each video/list request until ``parties`` of them are inside it at once;
    from then on it holds none.

    The first request passes at once: the connector sends the first request of a field list alone,
    to learn whether TikTok refuses a field before every window asks (docs, "When TikTok changes its
    fields"). This makes overlap a fact of the sync rather than of timing: a connector that pages that many
    windows at once always gets there, however slow the machine; one that pages fewer never does, and
    after ``patience`` seconds its requests go on, so that the test fails on its assertion instead
    of hanging.
    """

    def __init__(self, parties: int, patience: float = 60.0, **options: Any) -> None:
        super().__init__(**options)
        self.parties = parties
        self.patience = patience
        self._gate = threading.Condition()
        self._held = 0
        self._open = False
        self._first = True

    def _respond(self, request: Request) -> Response | None:
        if request.path == VIDEO_LIST:
            with self._gate:
                first, self._first = self._first, False
            if first:  # the sync's first video/list request goes alone (refused fields)
                return super()._respond(request)
            with self._gate:
                self._held += 1
                self._open = self._open or self._held >= self.parties
                self._gate.notify_all()
                self._gate.wait_for(lambda: self._open, timeout=self.patience)
                self._open = True  # met, or waited out: hold nobody from now on
                self._gate.notify_all()
        return super()._respond(request)


def test_windows_are_read_concurrently_and_each_video_once(
    run_connector: Callable[..., ConnectorOutput],
) -> None:
    # The emulator counts a request in flight from its arrival: four held together are a peak of at
    # least four, whatever the machine's speed (no latency needed to make the requests overlap).
    with OverlapGate(parties=4, video_count=400, posting_pattern="clustered") as tiktok:
        run = run_connector(
            "read", tiktok.connector_config(window_days=30, num_workers=8), configured_catalog("videos")
        )

    assert not run.errors, run.errors
    assert_every_video_exactly_once(run, tiktok)
    assert tiktok.max_concurrent >= 4, "windows were paged in parallel"


def test_pacing_keeps_every_endpoint_under_tiktoks_limit(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator]
) -> None:
    """TikTok's limit, enforced over its real one-minute window, never answers 429 to our pace.

    TikTok counts requests when they arrive. What arrives in any minute was sent in that minute (at
    most ``requests_per_minute``: the budget counts each request as it is sent) or was sent before it
    and still on its way (at most one per worker: each sends one request at a time). So a limit of
    ``requests_per_minute + num_workers`` holds at any speed of the machine (the default keeps that
    margin: 580, plus up to 20 workers, is TikTok's 600); 2 more absorb the budget's whole milliseconds.
    The sync lasts a little over a minute: the budget's window is TikTok's minute.
    """
    requests_per_minute, num_workers = 50, 8
    tiktok = emulator(video_count=700, rate_limit_per_minute=requests_per_minute + num_workers + 2)

    run = run_connector(
        "read",
        tiktok.connector_config(
            requests_per_minute=requests_per_minute, window_days=180, num_workers=num_workers
        ),
        timeout=240,
    )

    assert not run.errors, run.errors
    assert_every_video_exactly_once(run, tiktok)
    sent = tiktok.requests_by_endpoint[VIDEO_LIST]
    assert sent > requests_per_minute, "the sync needed more than one minute's budget"
    assert tiktok.max_concurrent <= num_workers, "one request at a time per worker, as the limit assumes"
    assert tiktok.rate_limited == 0, f"our own pace never drew a 429 ({sent} video/list requests)"
