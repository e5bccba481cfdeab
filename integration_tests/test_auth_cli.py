"""tiktok-organic-auth against the loopback TikTok emulator, end to end: minting a Display API
config (listener and paste modes, PKCE, refusals) and revoking it.

The emulator's /v2/auth/authorize/ is an auto-consenting stand-in for TikTok's consent page: a
"browser" here is ``requests`` fetching the printed URL. It checks PKCE the way TikTok does (hex
SHA-256), so a successful exchange proves the challenge/verifier pair is TikTok's kind.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from airbyte_cdk.models import AirbyteConnectionStatus, Status

from integration_tests.auth_cli_helpers import (
    AUTH_COMMAND,
    FakeTerminal,
    common_args,
    free_port,
    listener_browser,
    mint_paste,
    paste_browser,
    query_of,
    refresh,
    revoke_term,
    run_cli,
    with_query,
)
from source_tiktok_organic.auth import cli, common, display
from testkit.console_script import run_console_script
from testkit.secrets import assert_no_secrets
from tiktok_emulator import FaultRule, TikTokEmulator

# ------------------------------------------------------------------------------------------
# end to end
# ------------------------------------------------------------------------------------------


def test_console_script_listener_mode_mints_a_config_that_passes_check(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """The installed command, a browser following the redirect to 127.0.0.1, then `check`."""
    emulator = emu()
    output = tmp_path / "secrets" / "config.json"
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    env = {
        **os.environ,
        "TIKTOK_CLIENT_KEY": emulator.client_key,
        "TIKTOK_CLIENT_SECRET": emulator.client_secret,
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [str(AUTH_COMMAND), "--no-browser", *common_args(emulator, output, redirect_uri)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        if line.startswith("http"):
            break
    if not printed or not printed[-1].startswith("http"):
        process.kill()
        pytest.fail(f"no authorisation URL printed: {''.join(printed)} {process.communicate()[1]}")
    url = printed[-1].strip()
    params = query_of(url)
    assert url.startswith(emulator.base_url + "/v2/auth/authorize/?")
    assert params["client_key"] == emulator.client_key
    assert params["scope"] == "user.info.basic,user.info.profile,user.info.stats,video.list"
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == redirect_uri
    assert params["code_challenge_method"] == "S256"
    assert params["disable_auto_auth"] == "1", "the consent screen, even for an app approved before"
    assert re.fullmatch(r"[0-9a-f]{64}", params["code_challenge"]), "TikTok's challenge is hex SHA-256"
    assert len(params["state"]) >= 16

    browser = requests.get(url, timeout=10)  # TikTok -> 302 -> the command's listener
    assert browser.status_code == 200 and "authorisation received" in browser.text
    code = query_of(browser.history[-1].headers["Location"])["code"]
    rest, stderr = process.communicate(timeout=30)
    stdout = "".join(printed) + rest
    assert process.returncode == 0, stderr

    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    config = json.loads(output.read_text())
    credentials = config["credentials"]
    assert credentials["auth_type"] == "oauth2.0"
    assert credentials["client_id"] == emulator.client_key
    assert credentials["client_secret"] == emulator.client_secret
    assert credentials["refresh_token"] == emulator.current_refresh_token
    assert config["api_base_url"] == emulator.base_url
    assert_no_secrets(
        stdout + stderr,
        [
            emulator.client_secret,
            credentials["refresh_token"],
            credentials["access_token"],
            code,
        ],
    )

    check = run_console_script(["check", "--config", str(output)], timeout=120)
    assert check.connection_status == AirbyteConnectionStatus(status=Status.SUCCEEDED), check.transcript()


def test_paste_mode_for_https_redirect_keeps_other_keys_and_tightens_mode(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu()
    output = tmp_path / "config.json"
    output.write_text(
        json.dumps(
            {
                "start_date": "2024-01-01T00:00:00Z",
                "credentials": {"auth_type": "oauth2.0", "refresh_token": "an-old-refresh-token"},
                "api_base_url": "http://127.0.0.1:1",
            }
        )
    )
    output.chmod(0o644)

    code, term = mint_paste(emulator, output)

    assert code == 0, term.output
    assert "Paste the full URL" in term.stderr.getvalue()
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    config = json.loads(output.read_text())
    assert config["start_date"] == "2024-01-01T00:00:00Z"
    assert config["api_base_url"] == emulator.base_url
    credentials = config["credentials"]
    assert credentials["refresh_token"] == emulator.current_refresh_token != "an-old-refresh-token"
    assert credentials["token_expiry_date"].endswith("+00:00")
    assert "start_date" in term.stdout.getvalue()  # says what it kept
    assert_no_secrets(
        term.output,
        [
            emulator.client_secret,
            credentials["refresh_token"],
            credentials["access_token"],
            term.pasted[0],
        ],
    )
    # The minted refresh token works (and rotates) at the token endpoint.
    refreshed = refresh(emulator, credentials["refresh_token"])
    assert refreshed.get("access_token") and refreshed.get("refresh_token"), refreshed


def test_pkce_challenge_is_hex_sha256_of_the_verifier_sent(
    emu: Callable[..., TikTokEmulator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs: list[display.PkcePair] = []
    original = display.make_pkce_pair

    def recording() -> display.PkcePair:
        pairs.append(original())
        return pairs[-1]

    monkeypatch.setattr(display, "make_pkce_pair", recording)
    emulator = emu()
    code, term = mint_paste(emulator, tmp_path / "config.json")
    assert code == 0, term.output
    (pair,) = pairs
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", pair.verifier)
    assert pair.challenge == hashlib.sha256(pair.verifier.encode()).hexdigest()
    printed_url = next(line for line in term.stdout.getvalue().splitlines() if line.startswith("http"))
    assert query_of(printed_url)["code_challenge"] == pair.challenge
    assert pair.verifier not in term.output


def test_an_rfc7636_base64url_challenge_would_be_rejected(
    emu: Callable[..., TikTokEmulator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the hex matters: the emulator, like TikTok, refuses a base64url challenge at the exchange."""

    def rfc7636_pair() -> display.PkcePair:
        verifier = "v" * 50
        digest = hashlib.sha256(verifier.encode()).digest()
        return display.PkcePair(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())

    monkeypatch.setattr(display, "make_pkce_pair", rfc7636_pair)
    emulator = emu()
    output = tmp_path / "config.json"
    code, term = mint_paste(emulator, output)
    assert code == 1
    assert "TikTok refused to exchange the authorisation code: invalid_grant" in term.stderr.getvalue()
    assert not output.exists()
    assert "Traceback" not in term.output


def test_listener_rejects_a_redirect_with_another_state(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu()
    output = tmp_path / "config.json"
    seen: dict[str, Any] = {}
    term = FakeTerminal(
        emulator, listener_browser(seen, tamper=lambda url: with_query(url, state="forged-state-value"))
    )
    code = run_cli(common_args(emulator, output, f"http://127.0.0.1:{free_port()}/cb"), term)
    assert code == 1
    assert "state does not match" in term.stderr.getvalue()
    seen["thread"].join(10)
    assert seen.get("status") == 400
    assert not output.exists()
    assert_no_secrets(term.output, [emulator.client_secret, seen.get("code")])


def test_paste_mode_rejects_a_url_with_another_state(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu()
    output = tmp_path / "config.json"
    code, term = mint_paste(emulator, output, tamper=lambda url: with_query(url, state="stale"))
    assert code == 1
    assert "state does not match" in term.stderr.getvalue()
    assert not output.exists()


def test_missing_granted_scopes_are_named_and_nothing_is_written(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu(granted_scopes=("user.info.basic", "video.list"))
    output = tmp_path / "config.json"
    output.write_text('{"start_date": "2024-01-01T00:00:00Z"}')
    code, term = mint_paste(emulator, output)
    assert code == common.EXIT_MISSING_SCOPES
    message = term.stderr.getvalue()
    assert "granted user.info.basic, video.list but not user.info.profile, user.info.stats" in message
    assert json.loads(output.read_text()) == {"start_date": "2024-01-01T00:00:00Z"}


def test_user_denial_is_reported(emu: Callable[..., TikTokEmulator], tmp_path: Path) -> None:
    emulator = emu()

    def deny(location: str) -> str:
        state = query_of(location)["state"]
        return "https://app.example.invalid/tiktok/callback?" + urlencode(
            {"error": "access_denied", "error_description": "The user denied the request", "state": state}
        )

    code, term = mint_paste(emulator, tmp_path / "config.json", tamper=deny)
    assert code == 1
    assert (
        "TikTok did not authorise the app: access_denied: The user denied the request."
        in term.stderr.getvalue()
    )


def test_wrong_client_secret_is_a_clear_error_without_the_secret(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu()
    ref: list[FakeTerminal] = []
    term = FakeTerminal(emulator, paste_browser(ref))
    ref.append(term)
    wrong = "not-the-right-secret-value"
    code = run_cli(
        [
            *common_args(emulator, tmp_path / "c.json", "https://app.example.invalid/cb"),
            "--client-secret",
            wrong,
        ],
        term,
    )
    assert code == 1
    assert "TikTok refused to exchange the authorisation code: invalid_client" in term.stderr.getvalue()
    assert_no_secrets(term.output, [wrong, emulator.client_secret])


def test_listener_times_out_with_a_message(emu: Callable[..., TikTokEmulator], tmp_path: Path) -> None:
    emulator = emu()
    term = FakeTerminal(emulator, browser=lambda url: None)
    args = common_args(emulator, tmp_path / "c.json", f"http://127.0.0.1:{free_port()}/cb")
    code = run_cli([*args, "--timeout", "0.3"], term)
    assert code == 1
    assert "No redirect from TikTok reached" in term.stderr.getvalue()


def test_unusable_redirect_uri_and_unreachable_token_host(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu()
    term = FakeTerminal(emulator, browser=lambda url: None)
    code = run_cli(common_args(emulator, tmp_path / "c.json", "http://example.invalid/cb"), term)
    assert code == 1 and "is not usable" in term.stderr.getvalue()

    ref: list[FakeTerminal] = []
    term = FakeTerminal(emulator, paste_browser(ref))
    ref.append(term)
    args = common_args(emulator, tmp_path / "c.json", "https://app.example.invalid/cb")
    args[args.index("--api-base-url") + 1] = f"http://127.0.0.1:{free_port()}"
    code = run_cli(args, term)
    assert code == 1 and "Could not reach" in term.stderr.getvalue()
    assert "Traceback" not in term.output


def minted_config_with_an_expired_access_token(emulator: TikTokEmulator, output: Path) -> dict[str, Any]:
    """A config as tiktok-organic-auth writes it, hours later: its access token expired so long ago
    that TikTok no longer knows it. The credentials as minted."""
    code, term = mint_paste(emulator, output)
    assert code == 0, term.output
    config = json.loads(output.read_text())
    minted = dict(config["credentials"])
    config["credentials"].update(
        access_token="act.expired-hours-ago-Qz12", token_expiry_date="2026-01-01T00:00:00+00:00"
    )
    output.write_text(json.dumps(config))
    output.chmod(0o600)
    emulator.invalidate_access_tokens()
    return minted


def test_revoke_refreshes_first_revokes_the_fresh_access_token_and_confirms(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu()  # rotating refresh tokens, as TikTok's
    output = tmp_path / "config.json"
    minted = minted_config_with_an_expired_access_token(emulator, output)

    term = revoke_term(emulator)
    assert run_cli(["--revoke", "--output", str(output)], term) == 0, term.output

    assert "and confirmed: TikTok now refuses its refresh token" in term.stdout.getvalue()
    # Refresh, revoke, confirming refresh: the revocation took the fresh access token (TikTok knew
    # no other), and the whole authorisation ended with it.
    assert emulator.requests_by_endpoint["/v2/oauth/token/"] == 1 + 2
    assert emulator.requests_by_endpoint["/v2/oauth/revoke/"] == 1
    credentials = json.loads(output.read_text())["credentials"]
    assert credentials["refresh_token"] != minted["refresh_token"], "the rotated tokens were kept"
    for refresh_token in (minted["refresh_token"], credentials["refresh_token"]):
        assert refresh(emulator, refresh_token)["error"] == "invalid_grant"
    user_info = requests.get(
        emulator.base_url + "/v2/user/info/",
        params={"fields": "open_id"},
        headers={"Authorization": f"Bearer {credentials['access_token']}"},
        timeout=10,
    ).json()
    assert user_info["error"]["code"] == "access_token_invalid"
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert_no_secrets(
        term.output,
        [
            emulator.client_secret,
            minted["refresh_token"],
            minted["access_token"],
            credentials["refresh_token"],
            credentials["access_token"],
        ],
    )


def test_a_refused_revocation_leaves_the_rotated_tokens_in_the_file(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    from tiktok_emulator import REVOKE_PATH

    emulator = emu()
    output = tmp_path / "config.json"
    minted = minted_config_with_an_expired_access_token(emulator, output)
    emulator.add_fault(
        FaultRule(kind="error_in_200", endpoint=REVOKE_PATH, times=1, error_code="invalid_request")
    )

    term = revoke_term(emulator)
    assert run_cli(["--revoke", "--output", str(output)], term) == 1

    assert "TikTok refused to revoke the authorisation: invalid_request" in term.stderr.getvalue()
    assert f"{output} holds the rotated tokens and still works." in term.stderr.getvalue()
    kept = json.loads(output.read_text())["credentials"]["refresh_token"]
    assert kept == emulator.current_refresh_token != minted["refresh_token"]
    assert "access_token" in refresh(emulator, kept), "nothing was lost: the file still authenticates"
    assert_no_secrets(term.output, [emulator.client_secret, minted["refresh_token"], kept])


def test_revoking_an_ended_authorisation_says_there_is_nothing_to_revoke(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emulator = emu()
    output = tmp_path / "config.json"
    minted_config_with_an_expired_access_token(emulator, output)
    assert run_cli(["--revoke", "--output", str(output)], revoke_term(emulator)) == 0
    revoked = output.read_text()

    term = revoke_term(emulator)
    code = run_cli(["--revoke", "--output", str(output)], term)

    assert code == 4, term.output
    assert "Nothing to revoke: TikTok refuses the refresh token of" in term.stderr.getvalue()
    assert "(invalid_grant)" in term.stderr.getvalue()
    assert emulator.requests_by_endpoint["/v2/oauth/revoke/"] == 1, "no second revocation"
    assert output.read_text() == revoked


@pytest.mark.parametrize("answer", [b"", b"{}"], ids=["empty-body", "empty-object"])
def test_a_revocation_answered_ok_is_checked_by_the_confirming_refresh(
    emu: Callable[..., TikTokEmulator], tmp_path: Path, answer: bytes
) -> None:
    """TikTok's success answer is an empty HTTP 200 (``{}`` is taken too); whether the authorisation
    ended only the confirming refresh tells. Here TikTok says OK and revokes nothing."""
    import requests_mock

    from tiktok_emulator import REVOKE_PATH

    emulator = emu()
    output = tmp_path / "config.json"
    minted = minted_config_with_an_expired_access_token(emulator, output)

    term = revoke_term(emulator)
    with requests_mock.Mocker(real_http=True) as tiktok_says_ok:
        revoke_route = tiktok_says_ok.post(emulator.base_url + REVOKE_PATH, status_code=200, content=answer)
        code = run_cli(["--revoke", "--output", str(output)], term)

    assert code == 1, term.output
    assert (
        "TikTok answered the revocation with OK, but the refresh token still works" in term.stderr.getvalue()
    )
    assert revoke_route.call_count == 1
    kept = json.loads(output.read_text())["credentials"]["refresh_token"]
    assert kept == emulator.current_refresh_token != minted["refresh_token"], "the newest tokens are kept"
    assert "access_token" in refresh(emulator, kept)
    assert_no_secrets(term.output, [emulator.client_secret, minted["refresh_token"], kept])


def test_revoke_without_a_config_is_a_clear_error(tmp_path: Path) -> None:
    term = common.Terminal(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    assert cli.main(["--revoke", "--output", str(tmp_path / "absent.json")], term) == 1
    assert "Nothing to revoke" in term.stderr.getvalue()


def test_missing_app_credentials_without_a_terminal(tmp_path: Path) -> None:
    term = common.Terminal(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    assert cli.main(["--no-browser", "--output", str(tmp_path / "c.json")], term) == 1
    assert "TIKTOK_CLIENT_SECRET" in term.stderr.getvalue()
