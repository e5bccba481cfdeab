"""tiktok-organic-auth against the loopback TikTok emulator, end to end.

The emulator's /v2/auth/authorize/ is an auto-consenting stand-in for TikTok's consent page: a
"browser" here is ``requests`` fetching the printed URL. It checks PKCE the way TikTok does (hex
SHA-256), so a successful exchange proves the challenge/verifier pair is TikTok's kind.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from airbyte_cdk.models import AirbyteConnectionStatus, Status

from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.auth import cli, common, consent, display
from testkit.console_script import run_console_script
from testkit.secrets import assert_no_secrets
from tiktok_emulator import TikTokEmulator

BIN = Path(sys.executable).parent
AUTH_COMMAND = BIN / "tiktok-organic-auth"


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {**query_of(url), **changes}
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def emu(emulator: Callable[..., TikTokEmulator]) -> Callable[..., TikTokEmulator]:
    """Small emulators: these tests need an account, not a long video history."""
    return lambda **options: emulator(video_count=25, **options)


class FakeTerminal(common.Terminal):
    """The command's terminal, in memory; ``browser`` plays the user's browser."""

    def __init__(
        self, emulator: TikTokEmulator, browser: Callable[[str], None], stdin_text: str | None = None
    ) -> None:
        self.pasted: list[str] = []
        stdin = _LazyStdin(self.pasted) if stdin_text is None else io.StringIO(stdin_text)
        super().__init__(
            stdin=stdin,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            environ={
                "TIKTOK_CLIENT_KEY": emulator.client_key,
                "TIKTOK_CLIENT_SECRET": emulator.client_secret,
                "TIKTOK_APP_ID": emulator.app_id,
                "TIKTOK_APP_SECRET": emulator.app_secret,
            },
            ask_secret=lambda prompt: pytest.fail("must not prompt"),
            open_browser=lambda url: (browser(url), True)[1],
        )

    @property
    def output(self) -> str:
        return self.stdout.getvalue() + self.stderr.getvalue()


class _LazyStdin(io.StringIO):
    """stdin whose one line is what the fake browser saw in the address bar after the redirect."""

    def __init__(self, pasted: list[str]) -> None:
        super().__init__()
        self._pasted = pasted

    def readline(self, *args: Any) -> str:  # type: ignore[override]
        return (self._pasted[0] + "\n") if self._pasted else ""


def emulator_consent(url: str, account: int = 0, emulator: TikTokEmulator | None = None) -> str:
    """TikTok's consent page played by the emulator's auto-consenting authorize route: the
    address it redirects the browser to (the redirect URI with the code and the state), signed in
    as the emulator's account ``account``. The route consents as account 0; for another account
    (``emulator`` needed) its code is replaced by one the emulator issues for that account, for the
    same redirect URI, PKCE challenge and granted scopes."""
    location = str(requests.get(url, allow_redirects=False, timeout=10).headers["Location"])
    if account == 0:
        return location
    assert emulator is not None, "another account's consent needs its emulator"
    params = query_of(url)
    scopes = query_of(location)["scopes"].split(",")
    code = emulator.issue_auth_code(
        params["redirect_uri"], params["code_challenge"], scopes=scopes, account=account
    )
    return with_query(location, code=code)


def paste_browser(
    term_ref: list[FakeTerminal],
    tamper: Callable[[str], str] = lambda url: url,
    consent: Callable[[str], str] = emulator_consent,
) -> Callable[[str], None]:
    """A browser on a web app's https redirect: it lands on the redirect URI, the user copies it."""

    def browse(url: str) -> None:
        term_ref[0].pasted.append(tamper(consent(url)))

    return browse


def listener_browser(
    seen: dict[str, Any],
    tamper: Callable[[str], str] = lambda url: url,
    consent: Callable[[str], str] = emulator_consent,
) -> Callable[[str], None]:
    """A browser on a desktop app's loopback redirect: follows TikTok's redirect to the listener."""

    def fetch(url: str) -> None:
        try:
            location = tamper(consent(url))
            seen["code"] = query_of(location).get("code") or query_of(location).get("auth_code")
            seen["status"] = requests.get(location, timeout=10).status_code
        except requests.RequestException as error:  # surfaced by the assertions
            seen["error"] = repr(error)

    def browse(url: str) -> None:
        seen["url"] = url
        # Asynchronous, like a real browser: the command is about to serve the callback.
        seen["thread"] = threading.Thread(target=fetch, args=(url,), daemon=True)
        seen["thread"].start()

    return browse


def run_cli(args: list[str], term: FakeTerminal) -> int:
    return cli.main(args, term)


def common_args(emulator: TikTokEmulator, output: Path, redirect_uri: str) -> list[str]:
    return [
        "--redirect-uri",
        redirect_uri,
        "--api-base-url",
        emulator.base_url,
        "--authorize-url",
        emulator.base_url + "/v2/auth/authorize/",
        "--output",
        str(output),
        "--timeout",
        "20",
    ]


def refresh(emulator: TikTokEmulator, refresh_token: str) -> dict[str, Any]:
    response = requests.post(
        emulator.base_url + "/v2/oauth/token/",
        data={
            "client_key": emulator.client_key,
            "client_secret": emulator.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
        timeout=10,
    )
    return response.json()


def mint_paste(emulator: TikTokEmulator, output: Path, **kwargs: Any) -> tuple[int, FakeTerminal]:
    ref: list[FakeTerminal] = []
    term = FakeTerminal(emulator, paste_browser(ref, **kwargs))
    ref.append(term)
    code = run_cli(common_args(emulator, output, "https://app.example.invalid/tiktok/callback"), term)
    return code, term


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


def revoke_term(emulator: TikTokEmulator) -> FakeTerminal:
    """No key or secret given: both come from the config file, like the api_base_url."""
    term = FakeTerminal(emulator, browser=lambda url: None)
    term.environ = {}
    return term


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
    from tiktok_emulator import REVOKE_PATH, FaultRule

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


# ------------------------------------------------------------------------------------------
# building blocks
# ------------------------------------------------------------------------------------------


def test_config_shape_default_host_is_not_written() -> None:
    from datetime import datetime, timezone

    body = {"access_token": "a" * 10, "refresh_token": "r" * 10, "expires_in": 86400}
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    existing = {"api_base_url": "http://127.0.0.1:9", "start_date": "2025-01-01T00:00:00Z"}
    config = display.build_config(existing, "key", "secret", body, tiktok.API_BASE_URL, now)
    assert config == {
        "start_date": "2025-01-01T00:00:00Z",
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "key",
            "client_secret": "secret",
            "refresh_token": "r" * 10,
            "access_token": "a" * 10,
            "token_expiry_date": "2026-01-02T00:00:00+00:00",
        },
    }


def test_config_keeps_the_scopes_of_the_token_it_writes() -> None:
    """granted_scopes belongs to the access token written with it: TikTok's scope is kept, and an
    earlier token's scopes go when the new answer names none."""
    from datetime import datetime, timezone

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    tokens = {"access_token": "a" * 10, "refresh_token": "r" * 10}
    existing = {"credentials": {"auth_type": "oauth2.0", "granted_scopes": "user.info.basic"}}

    said = display.build_config(
        existing, "key", "secret", {**tokens, "scope": "user.info.basic,video.list"}, tiktok.API_BASE_URL, now
    )
    silent = display.build_config(existing, "key", "secret", tokens, tiktok.API_BASE_URL, now)

    assert said["credentials"]["granted_scopes"] == "user.info.basic,video.list"
    assert "granted_scopes" not in silent["credentials"]


def test_config_keeps_display_credentials_and_drops_another_apis() -> None:
    """Credentials without an auth_type (written before the API for Business) are the Display
    API's and keep their other keys; business credentials are replaced whole."""
    from datetime import datetime, timezone

    body = {"access_token": "a" * 10, "refresh_token": "r" * 10}
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    legacy = {"credentials": {"refresh_token": "old", "token_expiry_date": "2025-01-01", "note": "kept"}}
    business = {"credentials": {"auth_type": "business_oauth2.0", "app_secret": "other", "open_id": "o"}}

    kept = display.build_config(legacy, "key", "secret", body, tiktok.API_BASE_URL, now)["credentials"]
    replaced = display.build_config(business, "key", "secret", body, tiktok.API_BASE_URL, now)["credentials"]

    assert kept["note"] == "kept" and "token_expiry_date" not in kept  # no expires_in: no expiry
    assert replaced == {
        "auth_type": "oauth2.0",
        "client_id": "key",
        "client_secret": "secret",
        "refresh_token": "r" * 10,
        "access_token": "a" * 10,
    }


def test_redirect_uri_rules() -> None:
    assert consent.RedirectTarget.parse("http://127.0.0.1:8765/callback").listen_port == 8765
    assert consent.RedirectTarget.parse("http://localhost:9000/").listen_port == 9000
    assert consent.RedirectTarget.parse("https://example.com/cb").listen_port is None
    for bad in ("http://127.0.0.1/cb", "http://example.com/cb", "ftp://x/y", "not a url"):
        with pytest.raises(common.AuthError):
            consent.RedirectTarget.parse(bad)


def test_the_display_consent_url_always_shows_the_consent_screen(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """disable_auto_auth=1: without it TikTok may re-approve an app it knows silently, and such a
    re-approval has been seen to grant fewer scopes than requested."""
    emulator = emu()
    code, term = mint_paste(emulator, tmp_path / "config.json")
    assert code == 0, term.output
    printed_url = next(line for line in term.stdout.getvalue().splitlines() if line.startswith("http"))
    assert query_of(printed_url)["disable_auto_auth"] == "1"


def test_authorization_url_keeps_an_existing_query() -> None:
    url = consent.authorization_url(
        "https://proxy.example/authorize?tenant=1", "k", ["a", "b"], "https://r/cb", "s", "c"
    )
    assert query_of(url) == {
        "tenant": "1",
        "client_key": "k",
        "scope": "a,b",
        "response_type": "code",
        "redirect_uri": "https://r/cb",
        "state": "s",
        "code_challenge": "c",
        "code_challenge_method": "S256",
    }


def test_the_auth_package_has_no_import_cycle_and_needs_no_cdk() -> None:
    """No import cycle among the modules of source_tiktok_organic.auth (only ``__main__`` imports
    ``cli``), and each of them imports without the CDK, so that the command starts without it."""
    import ast

    prefix = "source_tiktok_organic.auth"
    graph: dict[str, set[str]] = {}
    for path in Path(display.__file__).parent.glob("*.py"):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == prefix:
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix + "."):
                imported.add(str(node.module).split(".")[2])
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[2] for a in node.names if a.name.startswith(prefix + ".")}
        graph[path.stem] = imported

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join([*path, module])}"
        for dependency in graph.get(module, set()):
            visit(dependency, (*path, module))

    for module in graph:
        visit(module, ())
    assert [module for module, imported in graph.items() if "cli" in imported] == ["__main__"]

    for module in sorted(set(graph) - {"__main__"}):
        name = prefix if module == "__init__" else f"{prefix}.{module}"
        script = f"import sys, {name}; sys.exit(any(m.split('.')[0] == 'airbyte_cdk' for m in sys.modules))"
        assert subprocess.run([sys.executable, "-c", script], timeout=60).returncode == 0, module


# ------------------------------------------------------------------------------------------
# several Display accounts in one config (--add-account, --label, --revoke --account)
# ------------------------------------------------------------------------------------------

WEB_REDIRECT = "https://app.example.invalid/tiktok/callback"


def display_secrets(config: dict[str, Any]) -> list[str]:
    """The secrets of the config's credentials and of each of its further accounts."""
    credentials = config.get("credentials") or {}
    fields = [credentials, *(credentials.get("accounts") or [])]
    keys = ("client_secret", "refresh_token", "access_token")
    return [str(f[key]) for f in fields for key in keys if f.get(key)]


def display_consent_as(
    emulator: TikTokEmulator, output: Path, account: int, *extra: str, expect: int = 0
) -> tuple[FakeTerminal, dict[str, Any]]:
    """``tiktok-organic-auth *extra`` (Display, paste mode) consented by the emulator's account
    ``account``: its terminal, and the config file afterwards. No run may print a secret: neither
    the client secret, nor the code, nor any token the file held before or holds after."""
    before = json.loads(output.read_text()) if output.exists() else {}
    ref: list[FakeTerminal] = []
    consent = functools.partial(emulator_consent, account=account, emulator=emulator)
    term = FakeTerminal(emulator, paste_browser(ref, consent=consent))
    ref.append(term)
    code = run_cli([*common_args(emulator, output, WEB_REDIRECT), *extra], term)
    assert code == expect, term.output
    after = json.loads(output.read_text()) if output.exists() else {}
    auth_code = query_of(term.pasted[0]).get("code") if term.pasted else None
    secrets = [emulator.client_secret, auth_code, *display_secrets(before), *display_secrets(after)]
    assert_no_secrets(term.output, secrets)
    return term, after


def three_display_accounts(emulator: TikTokEmulator, output: Path) -> dict[str, Any]:
    """A Display config with the emulator's accounts 0, 1 and 2 labelled "Main", "Brand B" and
    "Brand C"; the config."""
    display_consent_as(emulator, output, 0, "--label", "Main")
    display_consent_as(emulator, output, 1, "--add-account", "--label", "Brand B")
    return display_consent_as(emulator, output, 2, "--add-account", "--label", "Brand C")[1]


def revoke_display_run(emulator: TikTokEmulator, output: Path, *extra: str) -> tuple[int, FakeTerminal]:
    term = revoke_term(emulator)
    term.open_browser = lambda url: pytest.fail("revoking opens no consent page")
    return run_cli(["--revoke", "--output", str(output), *extra], term), term


def without_accounts(credentials: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in credentials.items() if key != "accounts"}


def test_a_single_display_account_is_written_and_reported_as_before_accounts_existed(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """No --add-account, no --label, no accounts in the file: no open_id, no label, no account
    sentence; the run says what it said before accounts existed, line for line."""
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    for account in (0, 1):  # a first consent, then another account's: the first account replaced
        term, config = display_consent_as(emu, output, account)
        credentials = config["credentials"]
        assert set(credentials) == {
            "auth_type",
            "client_id",
            "client_secret",
            "refresh_token",
            "access_token",
            "token_expiry_date",
            "granted_scopes",
        }
        assert credentials["refresh_token"] == emu.business_accounts[account].current_display_refresh_token
        open_id = emu.business_accounts[account].open_id
        lines = [line for line in term.stdout.getvalue().splitlines() if not line.startswith("http")]
        assert lines == [
            "Open this URL in a browser, log in to the TikTok account to sync and approve every scope:",
            f"Wrote {output} (mode 0600) for TikTok account open_id {open_id}.",
            "Granted scopes: user.info.basic, user.info.profile, user.info.stats, video.list.",
            "The refresh token rotates on every refresh: keep the config the connector writes back; it "
            "expires in 180 days unless the connector rotates it first.",
            f"Next: source-tiktok-organic check --config {output}",
        ]


def test_display_add_account_writes_each_account_with_its_own_open_id_and_tokens(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3)
    output = tmp_path / "config.json"
    output.write_text(json.dumps({"start_date": "2024-01-01T00:00:00Z"}))
    first, second, third = emu.business_accounts[:3]

    term, config = display_consent_as(emu, output, 0, "--label", "Main")
    credentials = config["credentials"]
    assert (credentials["label"], credentials["open_id"]) == ("Main", first.open_id)
    assert "accounts" not in credentials
    stdout = term.stdout.getvalue()
    assert f'for TikTok account "Main" (open_id {first.open_id}).' in stdout
    assert "the config's first account (the credentials' own fields); the config holds 1 account:" in stdout

    term, _ = display_consent_as(emu, output, 1, "--add-account", "--label", "Brand B")
    assert "added as credentials.accounts[0]; the config holds 2 accounts" in term.stdout.getvalue()
    term, config = display_consent_as(emu, output, 2, "--add-account")
    stdout = term.stdout.getvalue()
    assert f"for TikTok account open_id {third.open_id}." in stdout
    assert "added as credentials.accounts[1]; the config holds 3 accounts: " in stdout
    assert f'"Main" (open_id {first.open_id}); "Brand B" (open_id {second.open_id}); ' in stdout

    credentials = config["credentials"]
    assert config["start_date"] == "2024-01-01T00:00:00Z"
    assert config["api_base_url"] == emu.base_url
    assert (credentials["auth_type"], credentials["client_id"]) == ("oauth2.0", emu.client_key)
    assert credentials["client_secret"] == emu.client_secret
    assert credentials["refresh_token"] == first.current_display_refresh_token
    entries = credentials["accounts"]
    assert [(e.get("label"), e["open_id"]) for e in entries] == [
        ("Brand B", second.open_id),
        (None, third.open_id),
    ]
    assert [e["refresh_token"] for e in entries] == [
        second.current_display_refresh_token,
        third.current_display_refresh_token,
    ]
    assert len({first.open_id, second.open_id, third.open_id}) == 3
    assert len({credentials["refresh_token"], *(e["refresh_token"] for e in entries)}) == 3
    for entry in entries:  # each written as the first account is
        assert set(entry) - {"label"} == {
            "open_id",
            "refresh_token",
            "access_token",
            "token_expiry_date",
            "granted_scopes",
        }
        assert entry["granted_scopes"] == "user.info.basic,user.info.profile,user.info.stats,video.list"
    # Each refresh token is its own account's at TikTok: the answer names that account.
    tokens = (credentials["refresh_token"], *(e["refresh_token"] for e in entries))
    for token, account in zip(tokens, (first, second, third), strict=True):
        assert refresh(emu, token)["open_id"] == account.open_id


def test_a_display_reconsent_replaces_the_accounts_tokens_in_place(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=4)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)

    # --add-account for an account already in the file: no duplicate, its label kept.
    term, config = display_consent_as(emu, output, 1, "--add-account")
    assert "already in the config: its tokens were replaced in place" in term.stdout.getvalue()
    entries = config["credentials"]["accounts"]
    assert [e["open_id"] for e in entries] == [a["open_id"] for a in before["credentials"]["accounts"]]
    assert entries[0]["label"] == "Brand B"
    assert entries[0]["refresh_token"] == emu.business_accounts[1].current_display_refresh_token
    assert entries[0]["refresh_token"] != before["credentials"]["accounts"][0]["refresh_token"]
    assert entries[1] == before["credentials"]["accounts"][1]
    assert without_accounts(config["credentials"]) == without_accounts(before["credentials"])

    # Plain tiktok-organic-auth signed in as the third account: updated in place.
    previous = config
    term, config = display_consent_as(emu, output, 2)
    stdout = term.stdout.getvalue()
    assert f'"Brand C" (open_id {emu.business_accounts[2].open_id})' in stdout
    assert "replaced in place; the config holds 3 accounts" in stdout
    entries = config["credentials"]["accounts"]
    assert entries[1]["refresh_token"] == emu.business_accounts[2].current_display_refresh_token
    assert entries[1]["refresh_token"] != previous["credentials"]["accounts"][1]["refresh_token"]
    assert entries[0] == previous["credentials"]["accounts"][0]
    assert without_accounts(config["credentials"]) == without_accounts(previous["credentials"])

    # ... and as the first account, relabelled: it stays first, the others untouched.
    previous = config
    _, config = display_consent_as(emu, output, 0, "--label", "Main (EU)")
    credentials = config["credentials"]
    assert (credentials["label"], credentials["open_id"]) == ("Main (EU)", emu.business_accounts[0].open_id)
    assert credentials["refresh_token"] == emu.business_accounts[0].current_display_refresh_token
    assert credentials["refresh_token"] != previous["credentials"]["refresh_token"]
    assert credentials["accounts"] == previous["credentials"]["accounts"]

    # A label names one account only: refused after the consent, nothing written.
    written = output.read_bytes()
    term, _ = display_consent_as(emu, output, 3, "--add-account", "--label", "Brand B", expect=1)
    assert 'The label "Brand B" already names "Brand B"' in term.stderr.getvalue()
    assert output.read_bytes() == written

    # Plain tiktok-organic-auth by an account not in the file replaces the first one, as ever; the
    # others stay, and the old first account's label does not stick to the new one.
    term, config = display_consent_as(emu, output, 3)
    credentials = config["credentials"]
    assert credentials["open_id"] == emu.business_accounts[3].open_id and "label" not in credentials
    assert credentials["refresh_token"] == emu.business_accounts[3].current_display_refresh_token
    assert credentials["accounts"] == previous["credentials"]["accounts"]
    assert 'the config\'s first account, in place of "Main (EU)"' in term.stdout.getvalue()


def test_a_first_display_account_written_before_accounts_gets_its_open_id_once_it_has_others(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """A config minted as before accounts existed holds no open_id; once it holds further
    accounts, its first account's next consent writes it, and later re-consents find it."""
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    _, config = display_consent_as(emu, output, 0)
    assert "open_id" not in config["credentials"]
    _, config = display_consent_as(emu, output, 1, "--add-account", "--label", "Brand B")
    assert "open_id" not in config["credentials"]
    added = config["credentials"]["accounts"]

    term, config = display_consent_as(emu, output, 0)
    assert config["credentials"]["open_id"] == emu.business_accounts[0].open_id
    assert config["credentials"]["accounts"] == added
    assert (
        "the config's first account, in place of the one there, whose open_id the config did not hold; "
        "the config holds 2 accounts: "
    ) in term.stdout.getvalue()

    term, config = display_consent_as(emu, output, 0, "--add-account")
    assert "already in the config: its tokens were replaced in place" in term.stdout.getvalue()
    assert config["credentials"]["refresh_token"] == emu.business_accounts[0].current_display_refresh_token
    assert config["credentials"]["accounts"] == added


def test_display_revoke_account_removes_that_account_and_ends_only_its_authorisation(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)
    main_token = before["credentials"]["refresh_token"]
    b_token, c_token = (e["refresh_token"] for e in before["credentials"]["accounts"])
    second, third = emu.business_accounts[1], emu.business_accounts[2]

    code, term = revoke_display_run(emu, output, "--account", "Brand B")
    assert code == 0, term.output
    assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])
    stdout = term.stdout.getvalue()
    assert f'account "Brand B" (open_id {second.open_id}) at {emu.base_url} (confirmed:' in stdout
    assert f"removed it from {output}, which now holds 2 accounts" in stdout
    assert "Run tiktok-organic-auth --add-account to authorise it again." in stdout
    config = json.loads(output.read_text())
    assert config["credentials"]["accounts"] == before["credentials"]["accounts"][1:]
    assert config["credentials"]["refresh_token"] == main_token
    assert refresh(emu, b_token)["error"] == "invalid_grant"
    assert refresh(emu, main_token)["open_id"] == emu.business_accounts[0].open_id
    assert refresh(emu, c_token)["open_id"] == third.open_id
    assert stat.S_IMODE(output.stat().st_mode) == 0o600

    # By open_id: the last further account goes, and with it the accounts key.
    code, term = revoke_display_run(emu, output, f"--account={third.open_id}")
    assert code == 0, term.output
    config = json.loads(output.read_text())
    assert "accounts" not in config["credentials"]
    assert config["credentials"]["refresh_token"] == main_token
    assert refresh(emu, c_token)["error"] == "invalid_grant"
    assert refresh(emu, main_token)["open_id"] == emu.business_accounts[0].open_id

    # One account left: --revoke needs no --account again, as before accounts existed.
    code, term = revoke_display_run(emu, output)
    assert code == 0, term.output
    assert "so that config no longer authenticates" in term.stdout.getvalue()
    assert refresh(emu, main_token)["error"] == "invalid_grant"


def test_revoking_the_first_display_account_promotes_the_next(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    display_consent_as(emu, output, 0, "--label", "Main")
    display_consent_as(emu, output, 1, "--add-account")  # unlabelled: "Main" must not stick to it
    before = display_consent_as(emu, output, 2, "--add-account", "--label", "Brand C")[1]
    promoted = before["credentials"]["accounts"][0]
    assert "label" not in promoted

    code, term = revoke_display_run(emu, output, "--account", "Main")
    assert code == 0, term.output
    second = emu.business_accounts[1].open_id
    assert f"The config's first account is now open_id {second}, until now in credentials.accounts." in (
        term.stdout.getvalue()
    )
    assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])
    config = json.loads(output.read_text())
    assert config["credentials"] == {
        "auth_type": "oauth2.0",
        "client_id": emu.client_key,
        "client_secret": emu.client_secret,
        **promoted,
        "accounts": before["credentials"]["accounts"][1:],
    }
    assert config["api_base_url"] == emu.base_url
    assert refresh(emu, before["credentials"]["refresh_token"])["error"] == "invalid_grant"
    assert refresh(emu, promoted["refresh_token"])["open_id"] == emu.business_accounts[1].open_id


def test_display_revoke_on_several_accounts_names_none_until_told_which(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)
    written = output.read_bytes()
    token_calls = emu.requests_by_endpoint["/v2/oauth/token/"]
    for extra, message in (
        ((), "holds 3 accounts: name the one with --account=LABEL_OR_OPEN_ID"),
        (("--account", "Brand D"), "No account of"),
    ):
        code, term = revoke_display_run(emu, output, *extra)
        assert code == 1, term.output
        stderr = term.stderr.getvalue()
        assert message in stderr
        for index, label in enumerate(("Main", "Brand B", "Brand C")):
            assert f'"{label}" (open_id {emu.business_accounts[index].open_id})' in stderr
        assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])
        assert output.read_bytes() == written
    assert emu.requests_by_endpoint["/v2/oauth/token/"] == token_calls, "no account was touched"
    assert emu.requests_by_endpoint.get("/v2/oauth/revoke/", 0) == 0
    credentials = before["credentials"]
    for fields in (credentials, *credentials["accounts"]):  # nothing was revoked
        assert "access_token" in refresh(emu, fields["refresh_token"])


def test_display_revoke_uses_the_named_accounts_own_token(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """An account whose user withdrew the app's access has nothing to revoke, whatever the
    others': the command names it and leaves the file as it was."""
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)
    emu.revoke_display_account(2)
    written = output.read_bytes()

    code, term = revoke_display_run(emu, output, "--account", "Brand C")
    assert code == common.EXIT_ALREADY_ENDED, term.output
    stderr = term.stderr.getvalue()
    third = emu.business_accounts[2].open_id
    assert (
        f'TikTok refuses the refresh token of the account "Brand C" (open_id {third}) of {output}' in stderr
    )
    assert "so that account no longer authenticates" in stderr
    assert output.read_bytes() == written
    assert emu.requests_by_endpoint.get("/v2/oauth/revoke/", 0) == 0
    assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])


def test_display_account_options_are_refused_where_they_mean_nothing(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    business = {"credentials": {"auth_type": "business_oauth2.0", "app_id": "1", "refresh_token": "rt-b"}}
    legacy = {"credentials": {"auth_type": "oauth2.0", "client_id": "k"}}  # no refresh token
    for existing in (None, business, legacy):
        if existing is not None:
            output.write_text(json.dumps(existing))
        term = FakeTerminal(emu, browser=lambda url: pytest.fail("no consent without a Display config"))
        assert run_cli([*common_args(emu, output, WEB_REDIRECT), "--add-account"], term) == 1
        assert "--add-account adds an account to a config that holds Display API credentials" in (
            term.stderr.getvalue()
        )
        assert "Authorise its first account with tiktok-organic-auth first." in term.stderr.getvalue()
        if existing is None:
            assert not output.exists()
        else:
            assert json.loads(output.read_text()) == existing

    display_consent_as(emu, output, 0)
    written = output.read_bytes()
    refusals = {
        ("--revoke", "--add-account"): "--revoke takes --account instead",
        ("--revoke", "--label", "X"): "--revoke takes --account instead",
        ("--account", "X"): "run tiktok-organic-auth signed in as it",
        ("--label", " "): "--label is empty",
        ("--add-account", "--client-key", "another-client-key"): "are authorised for the app emulator-",
        ("--add-account", "--api-base-url", "http://127.0.0.1:9"): "every account of a config is used at one",
    }
    for options, message in refusals.items():
        term = FakeTerminal(emu, browser=lambda url: pytest.fail("refused before any consent"))
        args = [*common_args(emu, output, WEB_REDIRECT)]
        del args[args.index("--api-base-url") : args.index("--api-base-url") + 2]
        assert run_cli([*args, *options], term) == 1, options
        assert message in term.stderr.getvalue(), (options, term.output)
        assert output.read_bytes() == written
