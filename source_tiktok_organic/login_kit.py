"""TikTok Login Kit's authorisation-code flow, step by step, for ``tiktok-organic-auth``.

The steps: a PKCE pair computed TikTok's way, the consent URL, receiving the redirect (a listener
on 127.0.0.1, or a URL the user pastes), checking ``state``, exchanging the code at TikTok's token
endpoint, checking the granted scopes and the credentials as the connector config holds them. The
API for Business flow (``business_login``) shares the consent page, the redirect (whose code it
may name ``auth_code``), the scope check and the config helpers. Standard library and ``requests``
only, so the command runs without the CDK. Every message a step raises has gone through a
``Redactor`` or holds no secret.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from source_tiktok_organic import tiktok_protocol as tiktok

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
# The redirect's query parameter(s) carrying the authorisation code, first found wins.
CODE_PARAMETERS: tuple[str, ...] = ("code",)
HTTP_TIMEOUT = (10.0, 30.0)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
EXIT_ERROR = 1
EXIT_MISSING_SCOPES = 3


class AuthError(Exception):
    """A failure the user can act on: printed as one message, never as a traceback.

    ``tiktok_error``: the ``error`` of TikTok's answer (``invalid_grant``, ...) when TikTok refused.
    """

    def __init__(self, message: str, exit_code: int = EXIT_ERROR, tiktok_error: str | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.tiktok_error = tiktok_error


@dataclass
class Redactor:
    """Replaces every secret seen so far by ``****`` in anything about to be printed.

    Why: error descriptions from TikTok, exception texts and URLs can echo what was sent. Every
    message goes through here, so a secret can only leak if it was never registered.
    """

    secrets: set[str] = field(default_factory=set)

    def add(self, *values: str | None) -> None:
        self.secrets.update(v for v in values if v and len(v) >= 4)

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "****")
        return text


@dataclass(frozen=True)
class PkcePair:
    verifier: str
    challenge: str


def make_pkce_pair() -> PkcePair:
    """A fresh PKCE pair the way TikTok checks it: challenge = hex(SHA-256(verifier)).

    Why hex: TikTok's Login Kit compares the verifier's hex digest with the challenge; an RFC 7636
    base64url challenge is rejected at the code exchange. The verifier is 64 characters of
    [A-Za-z0-9_-], inside TikTok's 43-128 unreserved-character range.
    """
    verifier = secrets.token_urlsafe(48)
    return PkcePair(verifier, hashlib.sha256(verifier.encode("ascii")).hexdigest())


def authorization_url(
    authorize_url: str,
    client_key: str,
    scopes: Sequence[str],
    redirect_uri: str,
    state: str,
    code_challenge: str | None,
    always_consent: bool = False,
) -> str:
    """TikTok's consent URL (Login Kit v2), keeping any query the base URL already has.

    ``code_challenge`` None: no PKCE (the API for Business's consent takes none). ``always_consent``:
    the consent screen even for an app the user approved before (Login Kit's ``disable_auto_auth``),
    where a silent re-approval can grant fewer scopes than requested.
    """
    params = {
        "client_key": client_key,
        "scope": ",".join(scopes),
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if code_challenge is not None:
        params.update(code_challenge=code_challenge, code_challenge_method="S256")
    if always_consent:
        params["disable_auto_auth"] = "1"
    query = urlencode(params)
    return f"{authorize_url}{'&' if urlsplit(authorize_url).query else '?'}{query}"


# --------------------------------------------------------------------------------------------
# Receiving the redirect
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedirectTarget:
    """How the redirect comes back: to a local listener, or pasted by the user."""

    uri: str
    listen_port: int | None  # None: paste mode
    path: str

    @classmethod
    def parse(cls, redirect_uri: str) -> RedirectTarget:
        """Why the rules: TikTok accepts http only for desktop apps on the loopback host; web apps
        must register a static https URI, which only the user's browser (not this command) can
        reach, so its redirect is pasted back."""
        parts = urlsplit(redirect_uri)
        if parts.scheme == "https" and parts.hostname:
            return cls(redirect_uri, None, parts.path or "/")
        if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
            try:
                port = parts.port
            except ValueError:
                port = None
            if not port:
                raise AuthError(
                    f"The redirect URI needs an explicit port: {redirect_uri}. Pass the URI "
                    f"registered in your TikTok app, for example {DEFAULT_REDIRECT_URI}."
                )
            return cls(redirect_uri, port, parts.path or "/")
        raise AuthError(
            f"The redirect URI is not usable: {redirect_uri}. Use http://127.0.0.1:<port>/<path> "
            "(desktop apps; this command listens there) or the https redirect URI registered for "
            "your web app (you then paste the URL TikTok redirects to)."
        )


def _callback_params(url_or_query: str) -> dict[str, str]:
    query = urlsplit(url_or_query.strip()).query if "?" in url_or_query else url_or_query.strip()
    return {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}


_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>TikTok Organic</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)


def wait_for_local_redirect(
    target: RedirectTarget,
    expected_state: str,
    timeout: float,
    ready: Callable[[], None],
    code_parameters: Sequence[str] = CODE_PARAMETERS,
) -> dict[str, str]:
    """Serve 127.0.0.1:<port> until TikTok's redirect reaches ``target.path``; its query params.

    Why 127.0.0.1 only: the code must not be reachable from the network, and TikTok's desktop
    redirect URIs are loopback ones. Requests to other paths (a browser's favicon) are answered
    404 and ignored; the listener stops after the first request on the callback path.
    """
    received: dict[str, str] = {}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base-class signature
            """Silenced: the request line carries the authorisation code."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != target.path or done.is_set():
                self._answer(404, "Not found", "This is not the TikTok authorisation callback.")
                return
            received.update(_callback_params(parts.query) if parts.query else {})
            done.set()
            if any(received.get(p) for p in code_parameters) and received.get("state") == expected_state:
                self._answer(
                    200, "TikTok authorisation received", "You can close this tab and return to the terminal."
                )
            else:
                self._answer(400, "TikTok authorisation failed", "Return to the terminal for details.")

        def _answer(self, status: int, title: str, text: str) -> None:
            body = _PAGE.format(title=title, text=text).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

    assert target.listen_port is not None
    try:
        server = HTTPServer(("127.0.0.1", target.listen_port), Handler)
    except OSError as error:
        raise AuthError(
            f"Cannot listen on 127.0.0.1:{target.listen_port} for the redirect ({error.strerror or error}). "
            "Free the port or register and pass another --redirect-uri."
        ) from None
    server.timeout = 0.2
    deadline = time.monotonic() + timeout
    try:
        ready()
        while not done.is_set():
            if time.monotonic() >= deadline:
                raise AuthError(
                    f"No redirect from TikTok reached {target.uri} within {timeout:.0f} s. Open the "
                    "authorisation URL in a browser on this machine, approve, and run again "
                    "(--timeout sets how long to wait)."
                )
            server.handle_request()
    finally:
        server.server_close()
    return received


def read_pasted_redirect(stdin: TextIO, stderr: TextIO) -> dict[str, str]:
    """The query of the redirected URL the user pastes (web apps with an https redirect URI)."""
    stderr.write(
        "After approving, your browser lands on your redirect URI (the page itself may show an "
        "error; that is fine).\nPaste the full URL from the address bar here and press Enter:\n"
    )
    stderr.flush()
    line = stdin.readline()
    if not line.strip():
        raise AuthError("No redirected URL was pasted; nothing was written.")
    return _callback_params(line)


def check_callback(
    params: Mapping[str, str], expected_state: str, code_parameters: Sequence[str] = CODE_PARAMETERS
) -> str:
    """The authorisation code, once ``state`` matches and TikTok reported no error.

    Why check ``state`` before anything else: a redirect carrying another state was not started
    by this command (a stale tab, or a forged request), and its code must not be used.
    """
    if params.get("state") != expected_state:
        raise AuthError(
            "The redirect's state does not match this run's (a URL from an earlier attempt, or a "
            "forged request). Nothing was written; run the command again and use the new URL."
        )
    if params.get("error"):
        description = params.get("error_description") or "no description"
        raise AuthError(f"TikTok did not authorise the app: {params['error']}: {description}.")
    code = next((params[p] for p in code_parameters if params.get(p)), None)
    if not code:
        raise AuthError(
            "The redirect has no authorisation code; paste the complete URL, including everything after '?'."
        )
    return code


# --------------------------------------------------------------------------------------------
# Token endpoint
# --------------------------------------------------------------------------------------------


def post_form(
    url: str, form: Mapping[str, str], redact: Redactor, what: str, empty_ok: bool = False
) -> dict[str, Any]:
    """POST a form to TikTok's OAuth host; the JSON body, or AuthError on any failure.

    Why check the body and not only the status: TikTok's OAuth endpoints can answer HTTP 200
    with ``{"error": ...}``. ``empty_ok``: an empty HTTP 200 is success too (``{}``), as the
    revoke endpoint answers.
    """
    try:
        response = requests.post(
            url,
            data=dict(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
    except requests.exceptions.RequestException as error:
        raise AuthError(
            redact(
                f"Could not reach TikTok's OAuth endpoint {url} to {what} ({type(error).__name__}). "
                "Check --api-base-url and the network."
            )
        ) from None
    if empty_ok and response.status_code == 200 and not response.content.strip():
        return {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AuthError(
            f"The OAuth endpoint answered without a JSON object: {url} (HTTP {response.status_code}) "
            "is not TikTok's. Check --api-base-url."
        )
    if body.get("error"):
        description = redact(str(body.get("error_description") or "no description"))
        raise AuthError(
            f"TikTok refused to {what}: {body['error']}: {description} "
            f"(HTTP {response.status_code}, log_id {body.get('log_id') or 'none'}).",
            tiktok_error=str(body["error"]),
        )
    if response.status_code >= 400:
        raise AuthError(
            f"TikTok refused to {what} (HTTP {response.status_code}, log_id {body.get('log_id') or 'none'})."
        )
    return body


def exchange_code(
    api_base_url: str,
    client_key: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    verifier: str,
    redact: Redactor,
) -> dict[str, Any]:
    """TikTok's token response for the authorisation code (grant_type=authorization_code).

    The verifier goes with it: TikTok hashes it and compares with the challenge of the consent
    URL, so only the process that started the flow can finish it. The new tokens are registered
    as secrets before anything else can print.
    """
    body = post_form(
        api_base_url + tiktok.TOKEN_PATH,
        {
            "client_key": client_key,
            "client_secret": client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        redact,
        "exchange the authorisation code",
    )
    return with_tokens(body, redact)


def with_tokens(body: dict[str, Any], redact: Redactor) -> dict[str, Any]:
    """A token answer that holds both tokens, which are registered as secrets at once."""
    if not body.get("access_token") or not body.get("refresh_token"):
        raise AuthError(
            "TikTok's token endpoint answered without an access and refresh token "
            f"(log_id {body.get('log_id') or 'none'})."
        )
    redact.add(str(body["access_token"]), str(body["refresh_token"]))
    return body


def granted_scopes(token_body: Mapping[str, Any]) -> list[str] | None:
    """The scopes TikTok actually granted (its comma-separated ``scope``); None if not reported."""
    scope = token_body.get("scope")
    if not isinstance(scope, str):
        return None
    return [s.strip() for s in scope.split(",") if s.strip()]


def requested_scopes(option: str | None, defaults: Sequence[str]) -> list[str]:
    """``--scopes`` as a list, or the flow's ``defaults``."""
    scopes = list(defaults) if option is None else [s.strip() for s in option.split(",") if s.strip()]
    if not scopes:
        raise AuthError("--scopes is empty; the connector needs " + ",".join(defaults) + ".")
    return scopes


def require_granted(
    scopes: Sequence[str], granted: list[str] | None, output: Path, how_to_enable: str
) -> None:
    """Exit code 3, and nothing written, unless every requested scope was granted (when reported)."""
    missing = [s for s in scopes if granted is not None and s not in granted]
    if missing:
        raise AuthError(
            "TikTok did not grant every scope requested: it granted "
            f"{', '.join(granted or []) or 'no scope'} but not {', '.join(missing)}. {how_to_enable}, "
            f"run this command again and leave every scope ticked on the consent screen. {output} was "
            "not changed.",
            EXIT_MISSING_SCOPES,
        )


# --------------------------------------------------------------------------------------------
# The credentials in the connector config
# --------------------------------------------------------------------------------------------


def credentials_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``credentials`` object, or an empty one."""
    credentials = config.get("credentials")
    return dict(credentials) if isinstance(credentials, dict) else {}


# Credentials without an auth_type are the Display API's: configs were written so before the API
# for Business existed.
DISPLAY_AUTH_TYPE = "oauth2.0"


def config_with_credentials(
    existing: Mapping[str, Any],
    credentials: Mapping[str, Any],
    expires_in: Any,
    now: datetime,
    base_url: tuple[str, str, str],
) -> dict[str, Any]:
    """The connector config with new ``credentials`` (their ``auth_type`` included); every other
    key of ``existing`` kept as it was.

    Earlier credentials of the same API keep their other keys; another API's are replaced whole (a
    client secret has no place under another API's credentials). ``token_expiry_date`` comes from
    the token answer's ``expires_in``, and is dropped when none is given. ``base_url`` is the config
    key, the URL the token was minted at and TikTok's own URL: the key is written only when the URL
    is not TikTok's (the token must be used where it was minted), and dropped when it is, so an old
    emulator or proxy URL cannot outlive the token.
    """
    config = dict(existing)
    merged = credentials_of(existing)
    if merged.get("auth_type", DISPLAY_AUTH_TYPE) != credentials["auth_type"]:
        merged = {}
    merged.update(credentials)
    if isinstance(expires_in, (int, float)) and expires_in > 0:
        merged["token_expiry_date"] = (now + timedelta(seconds=int(expires_in))).isoformat(timespec="seconds")
    else:
        merged.pop("token_expiry_date", None)
    config["credentials"] = merged
    key, url, tiktoks_url = base_url
    if url == tiktoks_url:
        config.pop(key, None)
    else:
        config[key] = url
    return config


def build_config(
    existing: Mapping[str, Any],
    client_key: str,
    client_secret: str,
    token_body: Mapping[str, Any],
    api_base_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The connector config with Display API credentials (see ``config_with_credentials``)."""
    credentials = {
        "auth_type": DISPLAY_AUTH_TYPE,
        "client_id": client_key,
        "client_secret": client_secret,
        "refresh_token": str(token_body["refresh_token"]),
        "access_token": str(token_body["access_token"]),
    }
    return config_with_credentials(
        existing,
        credentials,
        token_body.get("expires_in"),
        now,
        ("api_base_url", api_base_url, tiktok.API_BASE_URL),
    )
