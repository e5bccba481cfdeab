"""TikTok's consent page and its redirect, the steps both flows of ``tiktok-organic-auth`` share.

The steps: the consent URL, receiving the redirect (a listener on 127.0.0.1, or a URL the user
pastes), checking ``state``, and checking the scopes TikTok granted. The Display API's flow
(``display``) adds PKCE to the consent URL; the API for Business's (``business``) adds none, and
its redirect may name the code ``auth_code``.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlencode, urlsplit

from source_tiktok_organic.auth.common import EXIT_MISSING_SCOPES, AuthError, Terminal

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
# The redirect's query parameter(s) carrying the authorisation code, first found wins.
CODE_PARAMETERS: tuple[str, ...] = ("code",)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


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


def receive_redirect(
    args: argparse.Namespace,
    term: Terminal,
    target: RedirectTarget,
    url: str,
    state: str,
    code_parameters: Sequence[str] = CODE_PARAMETERS,
) -> dict[str, str]:
    """Show the consent URL (and open a browser), then the redirect's query: listened for or pasted."""

    def show_url() -> None:
        term.say("Open this URL in a browser, log in to the TikTok account to sync and approve every scope:")
        term.say(url)
        if target.listen_port is not None:
            term.say(f"Waiting for TikTok's redirect on {target.uri} (up to {args.timeout:.0f} s) ...")
        if not args.no_browser:
            with contextlib.suppress(Exception):  # no browser is fine: the URL is printed
                term.open_browser(url)

    if target.listen_port is not None:
        return wait_for_local_redirect(target, state, args.timeout, show_url, code_parameters)
    show_url()
    return read_pasted_redirect(term.stdin, term.stderr)


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
# Scopes
# --------------------------------------------------------------------------------------------


def requested_scopes(option: str | None, defaults: Sequence[str]) -> list[str]:
    """``--scopes`` as a list, or the flow's ``defaults``."""
    scopes = list(defaults) if option is None else [s.strip() for s in option.split(",") if s.strip()]
    if not scopes:
        raise AuthError("--scopes is empty; the connector needs " + ",".join(defaults) + ".")
    return scopes


def granted_scopes(token_body: Mapping[str, Any]) -> list[str] | None:
    """The scopes TikTok actually granted (its comma-separated ``scope``); None if not reported."""
    scope = token_body.get("scope")
    if not isinstance(scope, str):
        return None
    return [s.strip() for s in scope.split(",") if s.strip()]


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
