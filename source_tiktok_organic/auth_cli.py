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
import json
import os
import secrets
import sys
import tempfile
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.login_kit import (
    DEFAULT_REDIRECT_URI,
    EXIT_ERROR,
    AuthError,
    Redactor,
    RedirectTarget,
    authorization_url,
    check_callback,
    exchange_code,
    granted_scopes,
    make_pkce_pair,
    post_form,
    read_pasted_redirect,
    wait_for_local_redirect,
)

DEFAULT_OUTPUT = "secrets/config.json"
DEFAULT_TIMEOUT_SECONDS = 300.0

EXIT_OK = 0
EXIT_MISSING_SCOPES = 3
EXIT_INTERRUPTED = 130


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
    if api_base_url == tiktok.API_BASE_URL:
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
        raise AuthError(f"The API base URL is not an http(s) URL: {url} (for example {tiktok.API_BASE_URL}).")
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
        default=",".join(tiktok.REQUIRED_SCOPES),
        help=f"comma-separated scopes to request (default: {','.join(tiktok.REQUIRED_SCOPES)})",
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help=f"config file to write, mode 0600; its other keys are kept (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--api-base-url",
        default=tiktok.API_BASE_URL,
        help="host of TikTok's token endpoint; written to the config when not the default "
        f"(default: {tiktok.API_BASE_URL})",
    )
    parser.add_argument(
        "--authorize-url",
        default=tiktok.AUTHORIZE_URL,
        help=f"TikTok's consent page (default: {tiktok.AUTHORIZE_URL})",
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
        raise AuthError("--scopes is empty; the connector needs " + ",".join(tiktok.REQUIRED_SCOPES) + ".")
    target = RedirectTarget.parse(args.redirect_uri)
    existing = read_config(output)  # fail before the user approves anything, not after
    client_key, client_secret = _client_credentials(args, term, credentials_of(existing))
    redact.add(client_secret)
    not_requested = [s for s in tiktok.REQUIRED_SCOPES if s not in scopes]
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
    explicit = args.api_base_url != tiktok.API_BASE_URL
    api_base_url = _normalise_base_url(
        args.api_base_url if explicit else str(config.get("api_base_url") or tiktok.API_BASE_URL)
    )
    # Both tokens: TikTok's docs name the access token for revocation, the refresh token is what
    # must die. Either one ends the authorisation; only when TikTok refuses both is it an error.
    refusals: list[AuthError] = []
    for name, token in tokens.items():
        try:
            post_form(
                api_base_url + tiktok.REVOKE_PATH,
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


def main(argv: Sequence[str] | None = None, terminal: Terminal | None = None) -> int:
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
