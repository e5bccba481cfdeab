"""What the tests of ``tiktok-organic-auth`` share: an in-memory terminal, browsers that play
TikTok's consent page (the emulator's auto-consenting authorize route), the command's arguments
and the Display and business runs the tests repeat."""

from __future__ import annotations

import io
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from source_tiktok_organic.auth import cli, common
from tiktok_emulator import TikTokEmulator

BIN = Path(sys.executable).parent
AUTH_COMMAND = BIN / "tiktok-organic-auth"


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


def revoke_term(emulator: TikTokEmulator) -> FakeTerminal:
    """No key or secret given: both come from the config file, like the api_base_url."""
    term = FakeTerminal(emulator, browser=lambda url: None)
    term.environ = {}
    return term


# The business app's https redirect URI, which the paste-mode tests play.
BUSINESS_REDIRECT = "https://app.example.invalid/tiktok/business-callback"
Start = Callable[..., TikTokEmulator]


def business_consent(
    emulator: TikTokEmulator, parameter: str = "auth_code", account: int = 0
) -> Callable[[str], str]:
    """TikTok's consent page for a business app, signed in as business account ``account``: the
    redirect it sends the browser to."""

    def consent(url: str) -> str:
        params = query_of(url)
        assert params["client_key"] == emulator.app_id, params
        granted = [s for s in params["scope"].split(",") if s in emulator.business_granted_scopes]
        code = emulator.issue_business_auth_code(params["redirect_uri"], scopes=granted, account=account)
        return with_query(params["redirect_uri"], **{parameter: code, "state": params["state"]})

    return consent


def business_args(emulator: TikTokEmulator, output: Path, redirect_uri: str) -> list[str]:
    return [
        *common_args(emulator, output, redirect_uri),
        "--business",
        "--business-api-base-url",
        emulator.base_url,
    ]


def mint_business_paste(
    emulator: TikTokEmulator,
    output: Path,
    *extra: str,
    parameter: str = "auth_code",
    account: int = 0,
    **kwargs: Any,
) -> tuple[int, FakeTerminal]:
    ref: list[FakeTerminal] = []
    consent = business_consent(emulator, parameter, account)
    term = FakeTerminal(emulator, paste_browser(ref, consent=consent, **kwargs))
    ref.append(term)
    return run_cli([*business_args(emulator, output, BUSINESS_REDIRECT), *extra], term), term


def printed_url(term: FakeTerminal) -> str:
    return next(line for line in term.stdout.getvalue().splitlines() if line.startswith("http"))
