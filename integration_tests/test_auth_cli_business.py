"""tiktok-organic-auth --business against the loopback emulator's API for Business, end to end.

TikTok's consent page is played by ``business_consent``: it reads the printed authorization URL,
lets the emulator issue an auth code for the scopes its business app grants (as the consent page
would), and sends the browser to the redirect URI with the code (as ``auth_code`` or ``code``: TikTok
uses either) and the state. The rest is real: the command's listener or paste mode, the JSON code
exchange at the emulator's ``tt_user/oauth2/token/``, and the tokens it writes working there.
"""

from __future__ import annotations

import io
import json
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from integration_tests.auth_cli_helpers import (
    BUSINESS_REDIRECT,
    FakeTerminal,
    Start,
    business_args,
    business_consent,
    free_port,
    listener_browser,
    mint_business_paste,
    printed_url,
    query_of,
    run_cli,
    with_query,
)
from integration_tests.emulator_helpers import business_code, business_refresh
from source_tiktok_organic.auth import business, cli, common
from source_tiktok_organic.business_protocol import (
    BUSINESS_API_BASE_URL,
    BUSINESS_REQUIRED_SCOPES,
    BUSINESS_REVOKE_PATH,
    CODE_OK,
    MENTION_SCOPE,
    PROFILE_SCOPES,
)
from source_tiktok_organic.tiktok_protocol import AUTHORIZE_URL
from testkit.secrets import assert_no_secrets
from tiktok_emulator import FaultRule
from tiktok_emulator.business.envelope import CODE_INVALID_CLIENT, CODE_INVALID_GRANT

# ------------------------------------------------------------------------------------------
# minting
# ------------------------------------------------------------------------------------------


def test_paste_mode_with_auth_code_writes_business_credentials(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=3)
    output = tmp_path / "config.json"
    # A Display API config: its top-level keys stay, its credentials are replaced whole.
    output.write_text(
        json.dumps(
            {
                "start_date": "2024-01-01T00:00:00Z",
                "credentials": {"auth_type": "oauth2.0", "client_id": "k", "client_secret": "old-secret"},
            }
        )
    )
    code, term = mint_business_paste(emu, output)

    assert code == 0, term.output
    url = printed_url(term)
    assert url.startswith(emu.base_url + "/v2/auth/authorize/?")
    params = query_of(url)
    assert params["scope"] == ",".join(BUSINESS_REQUIRED_SCOPES)
    assert params["response_type"] == "code" and params["redirect_uri"] == BUSINESS_REDIRECT
    assert len(params["state"]) >= 16 and "code_challenge" not in params
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    config = json.loads(output.read_text())
    credentials = config["credentials"]
    assert set(credentials) == {
        "auth_type",
        "app_id",
        "app_secret",
        "refresh_token",
        "access_token",
        "token_expiry_date",
        "open_id",
        "granted_scopes",
    }
    assert set(credentials["granted_scopes"].split(",")) == set(BUSINESS_REQUIRED_SCOPES)
    assert credentials["auth_type"] == "business_oauth2.0"
    assert (credentials["app_id"], credentials["app_secret"]) == (emu.app_id, emu.app_secret)
    assert credentials["open_id"] == emu.user["open_id"]
    assert credentials["refresh_token"] == emu.current_business_refresh_token
    assert datetime.fromisoformat(credentials["token_expiry_date"]) > datetime.now(timezone.utc)
    assert config["business_api_base_url"] == emu.base_url
    assert config["start_date"] == "2024-01-01T00:00:00Z"
    stdout = term.stdout.getvalue()
    assert f"open_id {emu.user['open_id']}" in stdout
    assert "The refresh token lasts 364 days" in stdout or "The refresh token lasts 365 days" in stdout
    assert "Kept from the existing file: start_date" in stdout
    # What a user of the Airbyte UI pastes, named (never printed): the check proves a live token.
    assert (
        "In the Airbyte UI's form, paste credentials.refresh_token, access_token, token_expiry_date "
        f"and open_id from {output} before {credentials['token_expiry_date']}"
    ) in stdout
    assert_no_secrets(
        term.output,
        [emu.app_secret, credentials["refresh_token"], credentials["access_token"], term.pasted[0]],
    )
    # The minted refresh token works at the business token endpoint.
    refreshed = business_refresh(emu, http_session, refresh_token=credentials["refresh_token"])
    assert business_code(refreshed) == CODE_OK


def test_listener_mode_accepts_the_code_parameter(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=3)
    output = tmp_path / "config.json"
    seen: dict[str, Any] = {}
    term = FakeTerminal(emu, listener_browser(seen, consent=business_consent(emu, "code")))
    redirect_uri = f"http://127.0.0.1:{free_port()}/business"
    code = run_cli(business_args(emu, output, redirect_uri), term)
    seen["thread"].join(10)
    assert code == 0, (term.output, seen)
    assert seen.get("status") == 200
    credentials = json.loads(output.read_text())["credentials"]
    assert credentials["auth_type"] == "business_oauth2.0"
    assert credentials["open_id"] == emu.user["open_id"]
    assert_no_secrets(term.output, [emu.app_secret, seen["code"], credentials["refresh_token"]])


def test_a_redirect_with_another_state_is_refused(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1)
    output = tmp_path / "config.json"
    code, term = mint_business_paste(emu, output, tamper=lambda url: with_query(url, state="stale"))
    assert code == 1
    assert "state does not match" in term.stderr.getvalue()
    assert not output.exists()


def test_a_refused_exchange_names_tiktoks_code_without_any_secret(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1)
    output = tmp_path / "config.json"
    wrong = "not-the-business-app-secret"
    code, term = mint_business_paste(emu, output, "--app-secret", wrong)
    assert code == 1
    message = term.stderr.getvalue()
    assert f"TikTok refused to exchange the authorisation code: code {CODE_INVALID_CLIENT}:" in message
    assert "request_id" in message and "Traceback" not in term.output
    assert not output.exists()
    assert_no_secrets(term.output, [wrong, emu.app_secret, term.pasted[0]])


def test_missing_scopes_exit_3_and_nothing_is_written(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1, business_granted_scopes=PROFILE_SCOPES)
    output = tmp_path / "config.json"
    output.write_text('{"start_date": "2024-01-01T00:00:00Z"}')
    code, term = mint_business_paste(emu, output)
    assert code == common.EXIT_MISSING_SCOPES
    message = term.stderr.getvalue()
    assert "TikTok did not grant every scope requested" in message
    assert "but not user.insights, video.list, video.insights" in message
    assert "TikTok API for Business portal" in message
    assert json.loads(output.read_text()) == {"start_date": "2024-01-01T00:00:00Z"}


def test_business_needs_a_redirect_uri_and_its_app_credentials(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1)
    term = FakeTerminal(emu, browser=lambda url: None)
    assert run_cli(["--business", "--output", str(tmp_path / "c.json")], term) == 1
    assert "--business needs --redirect-uri" in term.stderr.getvalue()

    term = FakeTerminal(emu, browser=lambda url: None)
    term.environ = {}
    args = ["--business", "--redirect-uri", BUSINESS_REDIRECT, "--output", str(tmp_path / "c.json")]
    assert run_cli(args, term) == 1
    assert "TIKTOK_APP_ID and TIKTOK_APP_SECRET" in term.stderr.getvalue()


# ------------------------------------------------------------------------------------------
# revoking
# ------------------------------------------------------------------------------------------


def test_revoke_business_ends_the_authorisation(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=1, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    assert mint_business_paste(emu, output)[0] == 0
    credentials = json.loads(output.read_text())["credentials"]

    # The Display revoke points at --business instead of asking for a client key.
    term = FakeTerminal(emu, browser=lambda url: None)
    assert run_cli(["--revoke", "--output", str(output)], term) == 1
    assert "revoke them with --revoke --business" in term.stderr.getvalue()

    term = FakeTerminal(emu, browser=lambda url: None)
    term.environ = {}  # the app id and secret come from the config, like the base URL
    assert run_cli(["--revoke", "--business", "--output", str(output)], term) == 0, term.output
    assert "no longer authenticates" in term.stdout.getvalue()
    assert_no_secrets(
        term.output, [emu.app_secret, credentials["refresh_token"], credentials["access_token"]]
    )
    refused = business_refresh(emu, http_session, refresh_token=credentials["refresh_token"])
    assert business_code(refused) == CODE_INVALID_GRANT


def test_revoke_business_refreshes_an_expired_access_token_first(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=1)  # rotating refresh tokens
    output = tmp_path / "config.json"
    assert mint_business_paste(emu, output)[0] == 0
    config = json.loads(output.read_text())
    old = config["credentials"]["refresh_token"]
    config["credentials"]["token_expiry_date"] = "2020-01-01T00:00:00+00:00"
    output.write_text(json.dumps(config))

    # TikTok refuses the revocation: the refreshed (rotated) tokens are in the file, still working.
    emu.add_fault(FaultRule(kind="error_in_200", endpoint=BUSINESS_REVOKE_PATH, times=1, error_code="40002"))
    term = FakeTerminal(emu, browser=lambda url: None)
    assert run_cli(["--revoke", "--business", "--output", str(output)], term) == 1
    assert "TikTok refused to revoke the Business authorisation: code 40002" in term.stderr.getvalue()
    rotated = json.loads(output.read_text())["credentials"]["refresh_token"]
    assert rotated != old and rotated == emu.current_business_refresh_token

    term = FakeTerminal(emu, browser=lambda url: None)
    assert run_cli(["--revoke", "--business", "--output", str(output)], term) == 0, term.output
    assert business_code(business_refresh(emu, http_session, refresh_token=rotated)) == CODE_INVALID_GRANT


def test_revoke_business_without_business_credentials(tmp_path: Path) -> None:
    output = tmp_path / "config.json"
    output.write_text('{"credentials": {"auth_type": "oauth2.0", "refresh_token": "rt-value"}}')
    term = common.Terminal(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    assert cli.main(["--revoke", "--business", "--output", str(output)], term) == 1
    assert "Nothing to revoke with --business" in term.stderr.getvalue()


# ------------------------------------------------------------------------------------------
# building blocks
# ------------------------------------------------------------------------------------------


def test_business_config_shape_and_defaults() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    data = {"access_token": "a" * 8, "refresh_token": "r" * 8, "open_id": "o-1", "expires_in": 86400}
    existing = {
        "business_api_base_url": "http://127.0.0.1:9",
        "credentials": {"auth_type": "business_oauth2.0", "refresh_token": "old", "note": "kept"},
    }
    config = business.build_business_config(existing, "123", "s", data, BUSINESS_API_BASE_URL, now)
    assert config == {
        "credentials": {
            "auth_type": "business_oauth2.0",
            "note": "kept",
            "app_id": "123",
            "app_secret": "s",
            "refresh_token": "r" * 8,
            "access_token": "a" * 8,
            "open_id": "o-1",
            "token_expiry_date": "2026-01-02T00:00:00+00:00",
        }
    }
    args = cli.build_parser().parse_args(["--business"])
    assert args.authorize_url == AUTHORIZE_URL and args.business_api_base_url == BUSINESS_API_BASE_URL
    assert args.redirect_uri is None and args.scopes is None


def test_mentions_asks_for_the_mention_scope_and_turns_the_mention_streams_on(
    emulator: Start, tmp_path: Path
) -> None:
    emu = emulator(video_count=1)
    output = tmp_path / "config.json"
    code, term = mint_business_paste(emu, output, "--mentions")
    assert code == 0, term.output
    assert query_of(printed_url(term))["scope"] == ",".join((*BUSINESS_REQUIRED_SCOPES, MENTION_SCOPE))
    config = json.loads(output.read_text())
    assert config["include_mentions"] is True
    assert MENTION_SCOPE in config["credentials"]["granted_scopes"].split(",")
    assert f"{MENTION_SCOPE} was granted" in term.stdout.getvalue()


def test_mentions_not_granted_is_said_but_the_config_is_written(emulator: Start, tmp_path: Path) -> None:
    # The scope name is unverified: TikTok granting something else must not cost the authorisation.
    emu = emulator(video_count=1, business_granted_scopes=BUSINESS_REQUIRED_SCOPES)
    output = tmp_path / "config.json"
    code, term = mint_business_paste(emu, output, "--mentions")
    assert code == 0, term.output
    assert json.loads(output.read_text())["include_mentions"] is True
    said = term.stdout.getvalue()
    assert f"TikTok did not grant {MENTION_SCOPE}" in said and '"Mentions > Content"' in said


def test_mentions_needs_business_and_no_revoke(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1)
    for argv in (["--mentions"], ["--business", "--revoke", "--mentions"]):
        term = FakeTerminal(emu, browser=lambda url: None)
        assert run_cli([*argv, "--output", str(tmp_path / "c.json")], term) == 1
        assert "--mentions" in term.stderr.getvalue()
