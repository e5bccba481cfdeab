"""A source set up in the Airbyte UI and synced by the platform keeps a working TikTok token.

``testkit.airbyte_platform`` plays the platform's sequences as airbytehq/airbyte-platform's code
runs them (which configs each operation runs on, which CONNECTOR_CONFIG it keeps), against the
loopback emulator with TikTok rotating the refresh token on every refresh: setup (OAuth output or
pasted tokens, the pre-save check, the save), discover, scheduled syncs a day apart with the access
token expired, a sync's check step after a failed attempt, a retest, an edit saved from a stale
form, and a retest overlapping a sync. Both APIs, one and three accounts; then the same setup
against the check as it was before issue 30, which spent the refresh token and lost it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalog, Status

from source_tiktok_organic import components
from source_tiktok_organic.components import CheckRun, TikTokOAuthAuthenticator, granted_scopes_in
from testkit.airbyte_platform import AirbytePlatform, SyncJob, secret_paths_of
from testkit.catalogs import catalog_json
from testkit.connector_clock import set_connector_clock_ahead
from testkit.connector_output import ConnectorOutput
from testkit.in_process import run_in_process
from testkit.manifest_only import manifest_only_command, require_manifest_only
from testkit.platform_oauth import business_form, display_form, manifest_spec
from tiktok_emulator import TikTokEmulator

pytestmark = pytest.mark.side_environments

DAY = 24 * 3600.0
VIDEOS = 4
# What the syncs read: each API's profile and videos (every other stream refreshes the same way).
STREAMS = {"display": ("user_info", "videos"), "business": ("business_profile", "business_videos")}
TOKEN_PATHS = ("/v2/oauth/token/", "/open_api/v1.3/tt_user/oauth2/refresh_token/")


# --------------------------------------------------------------------------------------------------
# The connector, in each runtime, with the platform's clock
# --------------------------------------------------------------------------------------------------


def connector(runtime: str, workdir: Path) -> Any:
    """The connector as the platform runs it: the package's entrypoint (here, in this process) or
    Airbyte's manifest-only runtime (a subprocess of the CDK's own CLI)."""
    if runtime == "manifest-only":
        require_manifest_only()

    def run(
        command: str,
        config: Mapping[str, Any],
        *,
        clock_ahead: float,
        catalog: ConfiguredAirbyteCatalog | None = None,
        state: list[Mapping[str, Any]] | None = None,
    ) -> ConnectorOutput:
        if runtime == "manifest-only":
            files: dict[str, Any] = {"catalog": catalog_json(catalog)} if catalog is not None else {}
            if state is not None:
                files["state"] = state
            return manifest_only_command(workdir, command, dict(config), clock_ahead, **files)
        set_connector_clock_ahead(clock_ahead)
        try:
            return run_in_process(workdir, command, dict(config), catalog, state=state)
        finally:
            set_connector_clock_ahead(0)

    return run


# --------------------------------------------------------------------------------------------------
# TikTok's side, and what every sync must bring
# --------------------------------------------------------------------------------------------------


class TikTok:
    """The emulator as one API's TikTok: what time does to its tokens, and what it holds."""

    def __init__(self, emulator: TikTokEmulator, api: str, accounts: int) -> None:
        self.emulator = emulator
        self.api = api
        self.accounts = list(emulator.business_accounts)[:accounts]

    def a_day_passes(self, platform: AirbytePlatform) -> None:
        platform.time_passes(DAY)
        self.emulator.invalidate_access_tokens()
        self.emulator.invalidate_business_access_tokens()

    def refresh_requests(self) -> int:
        counts = self.emulator.requests_by_endpoint
        return sum(counts.get(path, 0) for path in TOKEN_PATHS)

    def current_refresh_tokens(self) -> list[str]:
        if self.api == "display":
            return [a.current_display_refresh_token for a in self.accounts]
        return [a.current_refresh_token for a in self.accounts]

    def assert_every_record(self, read: ConnectorOutput | None) -> None:
        assert read is not None and not read.errors, read.transcript() if read else "no read"
        stream, key, account_key = (
            ("videos", "id", "open_id")
            if self.api == "display"
            else ("business_videos", "item_id", "business_id")
        )
        for account in self.accounts:
            records = read.records(stream)
            if len(self.accounts) > 1:
                records = [r for r in records if r[account_key] == account.open_id]
            assert sorted(r[key] for r in records) == sorted(v["id"] for v in account.videos), account


def stored_refresh_tokens(platform: AirbytePlatform) -> list[str]:
    assert platform.stored is not None
    credentials = platform.stored["credentials"]
    return [credentials["refresh_token"], *(a["refresh_token"] for a in credentials.get("accounts", []))]


def assert_synced(tiktok: TikTok, platform: AirbytePlatform, job: SyncJob) -> None:
    assert job.succeeded, job
    tiktok.assert_every_record(job.read)
    assert stored_refresh_tokens(platform) == tiktok.current_refresh_tokens(), (
        "the platform holds the newest tokens"
    )


@pytest.fixture
def emulator() -> Iterator[TikTokEmulator]:
    with TikTokEmulator(video_count=VIDEOS, business_accounts=3, rotate_refresh_tokens=True) as instance:
        yield instance


def new_platform(connector: Any, api: str) -> AirbytePlatform:
    return AirbytePlatform(
        connector=connector,
        is_secret=secret_paths_of(manifest_spec()["connection_specification"]),
        streams=STREAMS[api],
    )


def form_for(api: str, emulator: TikTokEmulator, accounts: int) -> dict[str, Any]:
    return display_form(emulator, accounts) if api == "display" else business_form(emulator, accounts)


# --------------------------------------------------------------------------------------------------
# The sequences
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("accounts", [1, 3])
@pytest.mark.parametrize("api", ["display", "business"])
def test_every_platform_sequence_ends_with_a_working_token_and_every_record(
    emulator: TikTokEmulator, tmp_path: Path, api: str, accounts: int
) -> None:
    tiktok = TikTok(emulator, api, accounts)
    platform = new_platform(connector("package", tmp_path), api)
    form = form_for(api, emulator, accounts)

    # Set up: the pre-save check proves the live access tokens and spends no refresh token.
    refreshes = tiktok.refresh_requests()
    check = platform.create_source(form)
    assert check.connection_status.status == Status.SUCCEEDED
    assert "not sent to TikTok" not in (check.connection_status.message or ""), "the tokens were proved"
    assert tiktok.refresh_requests() == refreshes and platform.dropped == []
    assert_synced(tiktok, platform, platform.scheduled_sync())

    # A day later the access tokens have expired: the read refreshes and the platform saves the
    # rotated tokens as they come.
    tiktok.a_day_passes(platform)
    job = platform.scheduled_sync()
    assert job.check is None and job.discover is not None, "no check after a good job; discover daily"
    assert_synced(tiktok, platform, job)
    assert platform.saved, "the read's CONNECTOR_CONFIG messages were saved"

    # After a failed attempt the sync checks first, on an expired access token: it sends nothing.
    tiktok.a_day_passes(platform)
    platform.last_job_failed = True  # the day's first attempt failed (TikTok was down, say)
    refreshes = tiktok.refresh_requests()
    job = platform.scheduled_sync()
    assert job.check is not None and job.check.connection_status.status == Status.SUCCEEDED
    assert "not sent to TikTok" in (job.check.connection_status.message or "")
    assert job.check.emitted_configs == []
    assert_synced(tiktok, platform, job)
    assert tiktok.refresh_requests() == refreshes + accounts, "only the read refreshed"

    # A retest in the UI, a day after the last refresh.
    tiktok.a_day_passes(platform)
    retest = platform.retest()
    assert retest.connection_status.status == Status.SUCCEEDED and retest.emitted_configs == []

    # An edit saved from a form loaded before a sync rotated every token.
    stale_form = platform.load_edit_form()
    assert_synced(tiktok, platform, platform.scheduled_sync())
    stale_form["lookback_days"] = 7
    platform.save_edit(stale_form)
    assert platform.stored is not None and platform.stored["lookback_days"] == 7
    assert stored_refresh_tokens(platform) == tiktok.current_refresh_tokens()

    # A retest created while a sync starts, run once the sync has rotated the tokens.
    tiktok.a_day_passes(platform)
    retest_created = platform.check_source()
    read = platform.start_read().run()
    tiktok.assert_every_record(read)
    late_retest = retest_created.run()
    assert late_retest.connection_status.status == Status.SUCCEEDED
    assert stored_refresh_tokens(platform) == tiktok.current_refresh_tokens()

    # And the source goes on syncing.
    tiktok.a_day_passes(platform)
    assert_synced(tiktok, platform, platform.scheduled_sync())


@pytest.mark.parametrize("api", ["display", "business"])
def test_the_manifest_only_runtime_keeps_the_token_through_setup_and_an_expired_sync(
    emulator: TikTokEmulator, tmp_path: Path, api: str
) -> None:
    """Airbyte's manifest-only runtime runs the CDK's own check (no source.py): the command line
    tells the components not to spend a refresh token there either."""
    tiktok = TikTok(emulator, api, 1)
    platform = new_platform(connector("manifest-only", tmp_path), api)
    form = form_for(api, emulator, 1)

    refreshes = tiktok.refresh_requests()
    platform.create_source(form)
    assert tiktok.refresh_requests() == refreshes, "the setup check with a live token asked for none"
    assert_synced(tiktok, platform, platform.scheduled_sync())

    tiktok.a_day_passes(platform)
    refreshes = tiktok.refresh_requests()
    retest = platform.retest()
    assert retest.connection_status.status == Status.SUCCEEDED
    assert tiktok.refresh_requests() == refreshes, "a check with an expired token spends nothing"
    assert_synced(tiktok, platform, platform.scheduled_sync())


# --------------------------------------------------------------------------------------------------
# The check as it was before issue 30
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def check_that_spends_the_refresh_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check as it was: a check may refresh, and the Display check always refreshes to learn
    the granted scopes."""

    def learn_by_refreshing(self: TikTokOAuthAuthenticator, run: CheckRun) -> str:
        self.refresh_and_set_access_token()
        run.record_grant(granted_scopes_in(self._tiktok_config, self._account))
        return self.access_token

    monkeypatch.setattr(components, "refresh_tokens_kept", lambda: False)
    monkeypatch.setattr(TikTokOAuthAuthenticator, "_learn_granted_scopes", learn_by_refreshing)


@pytest.mark.usefixtures("check_that_spends_the_refresh_token")
@pytest.mark.parametrize("api", ["display", "business"])
def test_the_check_as_it_was_strands_the_rotated_token_at_setup(
    emulator: TikTokEmulator, tmp_path: Path, api: str
) -> None:
    """The simulator catches the defect: the setup check rotated the token, the platform dropped
    the new one, and the first sync that needs a refresh presents the spent one. (Business users
    were told to paste the refresh token and Account ID only, so that check refreshed too.)"""
    tiktok = TikTok(emulator, api, 1)
    platform = new_platform(connector("package", tmp_path), api)
    form = form_for(api, emulator, 1)
    if api == "business":
        for field in ("access_token", "token_expiry_date"):
            form["credentials"].pop(field)

    platform.create_source(form)
    assert platform.dropped, "the setup check's rotated config was dropped"

    tiktok.a_day_passes(platform)
    job = platform.scheduled_sync()
    assert not job.succeeded
    assert job.read is not None
    messages = " ".join(e.message for e in job.read.errors)
    assert "refresh token" in messages and ("already used" in messages or "already rotated" in messages)
    assert stored_refresh_tokens(platform) != tiktok.current_refresh_tokens(), (
        "the platform holds a dead token"
    )
