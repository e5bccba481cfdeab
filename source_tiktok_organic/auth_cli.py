"""``tiktok-organic-auth``: mint the first TikTok refresh token and write the connector config.

Why this exists: the connector only ever *refreshes* tokens. The first refresh token comes from
TikTok's authorisation-code flow, which needs a browser, a consenting TikTok user, ``state`` and a
PKCE pair computed TikTok's way (hex SHA-256, not RFC 7636's base64url). Inside Airbyte the
platform runs that flow (the spec's ``advanced_auth``); this command is the same flow for
everyone else (docker, the CLI, PyAirbyte, CI secrets). It uses only the standard library and
``requests`` so that it runs wherever the connector is installed.

Secrets (client secret, tokens, the authorisation code, the PKCE verifier) are never printed: the
only things written to the terminal are the authorisation URL (client key, scopes, redirect URI,
state and challenge, all public) and plain-language progress and error messages.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import json
import os
import secrets
import sys
import tempfile
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, TextIO
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

DEFAULT_API_BASE_URL = "https://open.tiktokapis.com"
DEFAULT_AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
DEFAULT_OUTPUT = "secrets/config.json"
DEFAULT_TIMEOUT_SECONDS = 300.0
# Every scope a full sync needs: source.REQUIRED_SCOPES, repeated so that this module does not
# depend on the CDK (integration_tests/test_auth_cli.py checks that the two agree).
DEFAULT_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")
TOKEN_PATH = "/v2/oauth/token/"
REVOKE_PATH = "/v2/oauth/revoke/"
HTTP_TIMEOUT = (10.0, 30.0)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_MISSING_SCOPES = 3
EXIT_INTERRUPTED = 130


class AuthError(Exception):
    """A failure the user can act on: printed as one message, never as a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Redactor:
    """Replaces every secret seen so far by ``****`` in anything about to be printed.

    Why: error descriptions from TikTok, exception texts and URLs can echo what was sent. Every
    message goes through here, so a secret can only leak if it was never registered.
    """

    secrets: set[str] = field(default_factory=set)

    def add(self, *values: Optional[str]) -> None:
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
    code_challenge: str,
) -> str:
    """TikTok's consent URL (Login Kit v2), keeping any query the base URL already has."""
    query = urlencode(
        {
            "client_key": client_key,
            "scope": ",".join(scopes),
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{authorize_url}{'&' if urlsplit(authorize_url).query else '?'}{query}"


# --------------------------------------------------------------------------------------------
# Receiving the redirect
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedirectTarget:
    """How the redirect comes back: to a local listener, or pasted by the user."""

    uri: str
    listen_port: Optional[int]  # None: paste mode
    path: str

    @classmethod
    def parse(cls, redirect_uri: str) -> "RedirectTarget":
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
    target: RedirectTarget, expected_state: str, timeout: float, ready: Callable[[], None]
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
            if "code" in received and received.get("state") == expected_state:
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


def check_callback(params: Mapping[str, str], expected_state: str) -> str:
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
    code = params.get("code")
    if not code:
        raise AuthError(
            "The redirect has no authorisation code; paste the complete URL, including everything after '?'."
        )
    return code


# --------------------------------------------------------------------------------------------
# Token endpoint
# --------------------------------------------------------------------------------------------


def _post_form(url: str, form: Mapping[str, str], redact: Redactor, what: str) -> dict[str, Any]:
    """POST a form to TikTok's OAuth host; the JSON body, or AuthError on any failure.

    Why check the body and not only the status: TikTok's OAuth endpoints can answer HTTP 200
    with ``{"error": ...}``.
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
            f"(HTTP {response.status_code}, log_id {body.get('log_id') or 'none'})."
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
    body = _post_form(
        api_base_url + TOKEN_PATH,
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
    if not body.get("access_token") or not body.get("refresh_token"):
        raise AuthError(
            "TikTok's token endpoint answered without an access and refresh token "
            f"(log_id {body.get('log_id') or 'none'})."
        )
    redact.add(str(body["access_token"]), str(body["refresh_token"]))
    return body


def granted_scopes(token_body: Mapping[str, Any]) -> Optional[list[str]]:
    """The scopes TikTok actually granted (its comma-separated ``scope``); None if not reported."""
    scope = token_body.get("scope")
    if not isinstance(scope, str):
        return None
    return [s.strip() for s in scope.split(",") if s.strip()]


# --------------------------------------------------------------------------------------------
# Config file
# --------------------------------------------------------------------------------------------


def read_config(path: Path) -> dict[str, Any]:
    """The existing config at ``path`` (``{}`` if none), so that its other keys survive."""
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AuthError(
            f"The config file is not readable JSON: {path} ({type(error).__name__}). Move it away or "
            "pick another --output."
        ) from None
    if not isinstance(config, dict):
        raise AuthError(
            f"The config file does not hold a JSON object: {path}. Move it away or pick another --output."
        )
    return config


def credentials_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``credentials`` object, or an empty one."""
    credentials = config.get("credentials")
    return dict(credentials) if isinstance(credentials, dict) else {}


def write_config_file(path: Path, config: Mapping[str, Any]) -> None:
    """Write ``config`` to ``path`` with mode 0600, atomically.

    Why atomically: a half-written config would lose the only copy of a freshly minted (and, as
    TikTok rotates, irreplaceable) refresh token. Why 0600 from the first byte: the file is
    created by ``mkstemp`` (mode 0600) and renamed over the target, so it is never readable by
    others, whatever the umask or the old file's mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(config, stream, indent=2)
            stream.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build_config(
    existing: Mapping[str, Any],
    client_key: str,
    client_secret: str,
    token_body: Mapping[str, Any],
    api_base_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The connector config: new credentials, every other key of ``existing`` kept as it was.

    ``api_base_url`` is written only when it is not TikTok's (the token must be used where it was
    minted), and dropped when it is, so an old emulator or proxy URL cannot outlive the token.
    """
    config = dict(existing)
    credentials = credentials_of(existing)
    credentials.update(
        {
            "auth_type": "oauth2.0",
            "client_id": client_key,
            "client_secret": client_secret,
            "refresh_token": str(token_body["refresh_token"]),
            "access_token": str(token_body["access_token"]),
        }
    )
    expires_in = token_body.get("expires_in")
    if isinstance(expires_in, (int, float)) and expires_in > 0:
        credentials["token_expiry_date"] = (now + timedelta(seconds=int(expires_in))).isoformat(
            timespec="seconds"
        )
    else:
        credentials.pop("token_expiry_date", None)
    config["credentials"] = credentials
    if api_base_url == DEFAULT_API_BASE_URL:
        config.pop("api_base_url", None)
    else:
        config["api_base_url"] = api_base_url
    return config


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _normalise_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AuthError(
            f"The API base URL is not an http(s) URL: {url} (for example {DEFAULT_API_BASE_URL})."
        )
    return url.rstrip("/")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tiktok-organic-auth",
        description=(
            "Authorise your TikTok account for the TikTok Organic connector: opens TikTok's consent "
            "page, receives the redirect, exchanges the code and writes the connector config "
            "(mode 0600) with the first refresh token. Secrets are never printed."
        ),
    )
    parser.add_argument(
        "--client-key", help="Client key of your TikTok app (default: $TIKTOK_CLIENT_KEY, else asked)"
    )
    parser.add_argument(
        "--client-secret",
        help="Client secret of your TikTok app (default: $TIKTOK_CLIENT_SECRET, else asked without echo; "
        "prefer those: command-line arguments are visible to other local users)",
    )
    parser.add_argument(
        "--redirect-uri",
        default=DEFAULT_REDIRECT_URI,
        help="redirect URI registered in your TikTok app. http://127.0.0.1:<port>/... or "
        "http://localhost:<port>/... "
        "(desktop apps): this command listens on 127.0.0.1 there. https://... (web apps): you paste the URL "
        f"TikTok redirects to. Default: {DEFAULT_REDIRECT_URI}",
    )
    parser.add_argument(
        "--scopes",
        default=",".join(DEFAULT_SCOPES),
        help=f"comma-separated scopes to request (default: {','.join(DEFAULT_SCOPES)})",
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help=f"config file to write, mode 0600; its other keys are kept (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--api-base-url",
        default=DEFAULT_API_BASE_URL,
        help="host of TikTok's token endpoint; written to the config when not the default "
        f"(default: {DEFAULT_API_BASE_URL})",
    )
    parser.add_argument(
        "--authorize-url",
        default=DEFAULT_AUTHORIZE_URL,
        help=f"TikTok's consent page (default: {DEFAULT_AUTHORIZE_URL})",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="only print the authorisation URL; do not open a browser"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="seconds to wait for the redirect on the local listener "
        f"(default: {DEFAULT_TIMEOUT_SECONDS:.0f})",
    )
    parser.add_argument(
        "--revoke",
        action="store_true",
        help="revoke the refresh token (and access token) in --output at TikTok instead of minting one",
    )
    return parser


@dataclass
class Terminal:
    """Where the command talks to the user; injectable so tests can drive it in-process."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    ask_secret: Callable[[str], str] = getpass.getpass
    open_browser: Callable[[str], bool] = webbrowser.open

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        self.stderr.write(prompt)
        self.stderr.flush()
        return self.stdin.readline().strip()


def _client_credentials(
    args: argparse.Namespace, term: Terminal, defaults: Mapping[str, Any]
) -> tuple[str, str]:
    """Client key and secret: options, then environment, then the existing config, then asked.

    The secret is asked with getpass (no echo), and only on a terminal: a piped stdin gets a clear
    error instead of a prompt nobody sees.
    """
    interactive = term.stdin.isatty() if hasattr(term.stdin, "isatty") else False
    key = args.client_key or term.environ.get("TIKTOK_CLIENT_KEY") or defaults.get("client_id")
    if not key and interactive:
        key = term.ask("Client key of your TikTok app: ")
    secret = args.client_secret or term.environ.get("TIKTOK_CLIENT_SECRET") or defaults.get("client_secret")
    if not secret and interactive:
        secret = term.ask_secret("Client secret of your TikTok app (not shown): ")
    if not key or not secret:
        raise AuthError(
            "The Client key and Client secret of your TikTok app are needed: set TIKTOK_CLIENT_KEY and "
            "TIKTOK_CLIENT_SECRET, pass --client-key and --client-secret, or run in a terminal to be asked."
        )
    return str(key).strip(), str(secret).strip()


def mint(args: argparse.Namespace, term: Terminal, redact: Redactor) -> int:
    """The authorisation-code flow, end to end; writes the config only once everything checked out.

    Everything that can be checked before the user approves (redirect URI, output file, app
    credentials) is checked first, so that a consent is never wasted on a run that cannot finish.
    """
    output = Path(args.output)
    api_base_url = _normalise_base_url(args.api_base_url)
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    if not scopes:
        raise AuthError("--scopes is empty; the connector needs " + ",".join(DEFAULT_SCOPES) + ".")
    target = RedirectTarget.parse(args.redirect_uri)
    existing = read_config(output)  # fail before the user approves anything, not after
    client_key, client_secret = _client_credentials(args, term, credentials_of(existing))
    redact.add(client_secret)
    not_requested = [s for s in DEFAULT_SCOPES if s not in scopes]
    if not_requested:
        term.stderr.write(f"Note: without {', '.join(not_requested)} the connector's check will fail.\n")

    state = secrets.token_urlsafe(24)
    pkce = make_pkce_pair()
    redact.add(pkce.verifier)
    url = authorization_url(args.authorize_url, client_key, scopes, args.redirect_uri, state, pkce.challenge)

    def show_url() -> None:
        term.say("Open this URL in a browser, log in to the TikTok account to sync and approve every scope:")
        term.say(url)
        if target.listen_port is not None:
            term.say(f"Waiting for TikTok's redirect on {args.redirect_uri} (up to {args.timeout:.0f} s) ...")
        if not args.no_browser:
            with contextlib.suppress(Exception):  # no browser is fine: the URL is printed
                term.open_browser(url)

    if target.listen_port is not None:
        params = wait_for_local_redirect(target, state, args.timeout, show_url)
    else:
        show_url()
        params = read_pasted_redirect(term.stdin, term.stderr)
    code = check_callback(params, state)
    redact.add(code)

    body = exchange_code(
        api_base_url, client_key, client_secret, code, args.redirect_uri, pkce.verifier, redact
    )
    granted = granted_scopes(body)
    if granted is not None:
        missing = [s for s in scopes if s not in granted]
        if missing:
            raise AuthError(
                f"TikTok did not grant every scope requested: it granted {', '.join(granted) or 'no scope'} "
                f"but not {', '.join(missing)}. "
                "Enable the missing scopes for your app (developers.tiktok.com, Login Kit; all but "
                "user.info.basic need TikTok's review), run this command again and leave every scope "
                f"ticked on the consent screen. {output} was not changed.",
                EXIT_MISSING_SCOPES,
            )

    config = build_config(existing, client_key, client_secret, body, api_base_url, datetime.now(timezone.utc))
    try:
        write_config_file(output, config)
    except OSError as error:
        raise AuthError(
            f"Could not write the config file {output} ({error.strerror or type(error).__name__})."
        ) from None

    lifetime = body.get("refresh_expires_in")
    days = (
        f"; it expires in {int(lifetime) // 86400} days unless the connector rotates it first"
        if isinstance(lifetime, (int, float))
        else ""
    )
    kept = sorted(k for k in existing if k not in ("credentials", "api_base_url"))
    term.say(f"Wrote {output} (mode 0600) for TikTok account open_id {body.get('open_id') or 'unknown'}.")
    term.say(f"Granted scopes: {', '.join(granted) if granted is not None else 'not reported by TikTok'}.")
    term.say(f"The refresh token rotates on every refresh: keep the config the connector writes back{days}.")
    if kept:
        term.say(f"Kept from the existing file: {', '.join(kept)}.")
    term.say(f"Next: source-tiktok-organic check --config {output}")
    return EXIT_OK


def revoke(args: argparse.Namespace, term: Terminal, redact: Redactor) -> int:
    """Revoke the tokens of the config file at TikTok (POST /v2/oauth/revoke/).

    Why: a leaked or retired config should stop working at once, not at refresh-token expiry.
    The file is left as it is; it no longer authenticates.
    """
    output = Path(args.output)
    config = read_config(output)
    credentials = credentials_of(config)
    tokens = {
        name: str(credentials[name]) for name in ("refresh_token", "access_token") if credentials.get(name)
    }
    if "refresh_token" not in tokens:
        raise AuthError(f"Nothing to revoke: {output} has no credentials.refresh_token.")
    redact.add(*tokens.values())
    client_key, client_secret = _client_credentials(args, term, credentials)
    redact.add(client_secret)
    explicit = args.api_base_url != DEFAULT_API_BASE_URL
    api_base_url = _normalise_base_url(
        args.api_base_url if explicit else str(config.get("api_base_url") or DEFAULT_API_BASE_URL)
    )
    # Both tokens: TikTok's docs name the access token for revocation, the refresh token is what
    # must die. Either one ends the authorisation; only when TikTok refuses both is it an error.
    refusals: list[AuthError] = []
    for name, token in tokens.items():
        try:
            _post_form(
                api_base_url + REVOKE_PATH,
                {"client_key": client_key, "client_secret": client_secret, "token": token},
                redact,
                f"revoke the {name.replace('_', ' ')}",
            )
        except AuthError as error:
            refusals.append(error)
    if len(refusals) == len(tokens):
        raise refusals[0]
    for refusal in refusals:
        term.stderr.write(f"Note: {redact(str(refusal))}\n")
    term.say(f"Revoked the tokens of {output} at {api_base_url}; that config no longer authenticates.")
    term.say("Run tiktok-organic-auth again (or Authenticate in Airbyte) to authorise anew.")
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None, terminal: Optional[Terminal] = None) -> int:
    """Console entry point; returns (and, run as a script, exits with) the exit code."""
    term = terminal or Terminal()
    args = build_parser().parse_args(argv)
    redact = Redactor()
    redact.add(args.client_secret)
    try:
        code = revoke(args, term, redact) if args.revoke else mint(args, term, redact)
    except AuthError as error:
        term.stderr.write(f"error: {redact(str(error))}\n")
        code = error.exit_code
    except KeyboardInterrupt:
        term.stderr.write("\nInterrupted; nothing was written.\n")
        code = EXIT_INTERRUPTED
    except Exception as error:  # a bug: still one line, still redacted, never a traceback
        term.stderr.write(f"error: unexpected {type(error).__name__}: {redact(str(error))}\n")
        code = EXIT_ERROR
    if terminal is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
