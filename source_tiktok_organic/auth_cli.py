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

``--business`` runs the API for Business's flow instead (``business_login``), with the steps of
this module that both flows share: credentials, the redirect, the scope check, the config file.
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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple, TextIO
from urllib.parse import urlsplit

from source_tiktok_organic import login_kit
from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.business_protocol import BUSINESS_API_BASE_URL
from source_tiktok_organic.login_kit import (
    CODE_PARAMETERS,
    DEFAULT_REDIRECT_URI,
    EXIT_ERROR,
    AuthError,
    Redactor,
    RedirectTarget,
    authorization_url,
    build_config,
    check_callback,
    credentials_of,
    exchange_code,
    granted_scopes,
    make_pkce_pair,
    read_pasted_redirect,
    requested_scopes,
    require_granted,
    wait_for_local_redirect,
)

DEFAULT_OUTPUT = "secrets/config.json"
DEFAULT_TIMEOUT_SECONDS = 300.0

EXIT_OK = 0
EXIT_MISSING_SCOPES = login_kit.EXIT_MISSING_SCOPES  # the granted scopes fall short
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


def save_config(output: Path, config: Mapping[str, Any]) -> None:
    """``write_config_file``, its failure said in one line."""
    try:
        write_config_file(output, config)
    except OSError as error:
        raise AuthError(
            f"Could not write the config file {output} ({error.strerror or type(error).__name__})."
        ) from None


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def normalise_base_url(url: str, example: str = tiktok.API_BASE_URL) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AuthError(f"The API base URL is not an http(s) URL: {url} (for example {example}).")
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
        help="redirect URI registered in your TikTok app. http://127.0.0.1:<port>/... or "
        "http://localhost:<port>/... "
        "(desktop apps): this command listens on 127.0.0.1 there. https://... (web apps): you paste the URL "
        f"TikTok redirects to. Default: {DEFAULT_REDIRECT_URI}; with --business, required (https)",
    )
    parser.add_argument(
        "--scopes",
        help=f"comma-separated scopes to request (default: {','.join(tiktok.REQUIRED_SCOPES)}; "
        "with --business the eight the business streams need)",
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
        help="end the authorisation of the config in --output at TikTok (refreshes its token, revokes, "
        "then confirms) instead of minting one",
    )
    business = parser.add_argument_group("TikTok API for Business (Accounts API)")
    business.add_argument(
        "--business",
        action="store_true",
        help="authorise for the API for Business (business_oauth2.0 credentials) instead of the Display API",
    )
    business.add_argument(
        "--app-id", help="App ID of your business app (default: $TIKTOK_APP_ID, else asked)"
    )
    business.add_argument(
        "--app-secret",
        help="Secret of your business app (default: $TIKTOK_APP_SECRET, else asked without echo)",
    )
    business.add_argument(
        "--business-api-base-url",
        default=BUSINESS_API_BASE_URL,
        help=f"host of its token endpoints; written to the config when not {BUSINESS_API_BASE_URL}",
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


class AppNames(NamedTuple):
    """What an app's id and secret are called: prompts, environment variables, options, config keys."""

    id_label: str
    secret_label: str
    env: tuple[str, str]
    options: tuple[str, str]
    config_keys: tuple[str, str]


DISPLAY_APP = AppNames(
    "Client key of your TikTok app",
    "Client secret of your TikTok app",
    ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET"),
    ("--client-key", "--client-secret"),
    ("client_id", "client_secret"),
)


def client_credentials(
    given: tuple[str | None, str | None], term: Terminal, defaults: Mapping[str, Any], names: AppNames
) -> tuple[str, str]:
    """An app's id and secret: options, then environment, then the existing config, then asked.

    The secret is asked with getpass (no echo), and only on a terminal: a piped stdin gets a clear
    error instead of a prompt nobody sees.
    """
    interactive = term.stdin.isatty() if hasattr(term.stdin, "isatty") else False
    key = given[0] or term.environ.get(names.env[0]) or defaults.get(names.config_keys[0])
    if not key and interactive:
        key = term.ask(f"{names.id_label}: ")
    secret = given[1] or term.environ.get(names.env[1]) or defaults.get(names.config_keys[1])
    if not secret and interactive:
        secret = term.ask_secret(f"{names.secret_label} (not shown): ")
    if not key or not secret:
        raise AuthError(
            f"The {names.id_label} and its secret are needed: set {' and '.join(names.env)}, pass "
            f"{' and '.join(names.options)}, or run in a terminal to be asked."
        )
    return str(key).strip(), str(secret).strip()


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


def save_and_report(
    term: Terminal,
    output: Path,
    existing: Mapping[str, Any],
    config: Mapping[str, Any],
    own_keys: tuple[str, ...],
    summary: tuple[Any, list[str] | None, str],
) -> None:
    """Write the config; then say for which account, with which scopes, what was kept, what next.

    ``summary``: the account's open_id, the granted scopes and a sentence on the refresh token.
    """
    save_config(output, config)
    open_id, granted, token_note = summary
    kept = sorted(k for k in existing if k not in own_keys)
    term.say(f"Wrote {output} (mode 0600) for TikTok account open_id {open_id or 'unknown'}.")
    term.say(f"Granted scopes: {', '.join(granted) if granted is not None else 'not reported by TikTok'}.")
    term.say(token_note)
    if kept:
        term.say(f"Kept from the existing file: {', '.join(kept)}.")
    term.say(f"Next: source-tiktok-organic check --config {output}")


def mint(args: argparse.Namespace, term: Terminal, redact: Redactor) -> int:
    """The authorisation-code flow, end to end; writes the config only once everything checked out.

    Everything that can be checked before the user approves (redirect URI, output file, app
    credentials) is checked first, so that a consent is never wasted on a run that cannot finish.
    """
    output = Path(args.output)
    api_base_url = normalise_base_url(args.api_base_url)
    scopes = requested_scopes(args.scopes, tiktok.REQUIRED_SCOPES)
    redirect_uri = args.redirect_uri or DEFAULT_REDIRECT_URI
    target = RedirectTarget.parse(redirect_uri)
    existing = read_config(output)  # fail before the user approves anything, not after
    client_key, client_secret = client_credentials(
        (args.client_key, args.client_secret), term, credentials_of(existing), DISPLAY_APP
    )
    redact.add(client_secret)
    not_requested = [s for s in tiktok.REQUIRED_SCOPES if s not in scopes]
    if not_requested:
        term.stderr.write(f"Note: without {', '.join(not_requested)} the connector's check will fail.\n")

    state = secrets.token_urlsafe(24)
    pkce = make_pkce_pair()
    redact.add(pkce.verifier)
    url = authorization_url(
        args.authorize_url, client_key, scopes, redirect_uri, state, pkce.challenge, always_consent=True
    )
    code = check_callback(receive_redirect(args, term, target, url, state), state)
    redact.add(code)

    body = exchange_code(api_base_url, client_key, client_secret, code, redirect_uri, pkce.verifier, redact)
    granted = granted_scopes(body)
    require_granted(
        scopes,
        granted,
        output,
        "Enable the missing scopes for your app (developers.tiktok.com, Login Kit; all but "
        "user.info.basic need TikTok's review)",
    )
    config = build_config(existing, client_key, client_secret, body, api_base_url, datetime.now(timezone.utc))
    lifetime = body.get("refresh_expires_in")
    days = (
        f"; it expires in {int(lifetime) // 86400} days unless the connector rotates it first"
        if isinstance(lifetime, (int, float))
        else ""
    )
    note = f"The refresh token rotates on every refresh: keep the config the connector writes back{days}."
    save_and_report(
        term, output, existing, config, ("credentials", "api_base_url"), (body.get("open_id"), granted, note)
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None, terminal: Terminal | None = None) -> int:
    """Console entry point; returns (and, run as a script, exits with) the exit code."""
    term = terminal or Terminal()
    args = build_parser().parse_args(argv)
    redact = Redactor()
    redact.add(args.client_secret, args.app_secret)
    try:
        if args.business:
            # Imported here: business_login builds on this module's shared steps.
            from source_tiktok_organic import business_login

            code = (business_login.revoke if args.revoke else business_login.mint)(args, term, redact)
        elif args.revoke:
            from source_tiktok_organic import display_revoke  # builds on this module's steps, too

            code = display_revoke.revoke(args, term, redact)
        else:
            code = mint(args, term, redact)
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
