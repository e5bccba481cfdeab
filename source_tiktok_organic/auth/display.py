"""``tiktok-organic-auth``: TikTok Login Kit's authorisation-code flow for the Display API.

The steps of its own: a PKCE pair computed TikTok's way, the code exchanged at TikTok's token
endpoint (a form POST), and the Display credentials as the connector config holds them. The
consent page, the redirect and the scope check are ``consent``'s, the config file
``config_file``'s. The refresh and revocation of these credentials are ``revoke``'s.

Several accounts of the same app can share one config, as with the API for Business (the rules are
``accounts``'): ``--add-account`` adds the consenting account to ``credentials.accounts``, plain
``tiktok-organic-auth`` writes the first account, and either replaces in place the tokens of an
account the config already holds (same ``open_id``, which TikTok's token answer names), so that the
re-consent of any account is the same command; ``--label`` names the account. A config that names
no account (no ``accounts``, no ``label``, no ``open_id``: a single account, as written before
accounts existed) is written, and the run reported, exactly as before: no ``open_id`` is added to it
unless it gets a label or further accounts.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.auth import accounts
from source_tiktok_organic.auth.common import (
    EXIT_OK,
    HTTP_TIMEOUT,
    AppNames,
    AuthError,
    Redactor,
    Terminal,
    client_credentials,
    normalise_base_url,
)
from source_tiktok_organic.auth.config_file import credentials_of, read_config, save_and_report
from source_tiktok_organic.auth.consent import (
    DEFAULT_REDIRECT_URI,
    RedirectTarget,
    authorization_url,
    check_callback,
    granted_scopes,
    receive_redirect,
    requested_scopes,
    require_granted,
)
from source_tiktok_organic.credential_fields import DISPLAY_AUTH_TYPE

DISPLAY_API = accounts.Api(DISPLAY_AUTH_TYPE, "Display API", "tiktok-organic-auth")
DISPLAY_APP = AppNames(
    "Client key of your TikTok app",
    "Client secret of your TikTok app",
    ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET"),
    ("--client-key", "--client-secret"),
    ("client_id", "client_secret"),
)


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


def display_app(
    client_key: str, client_secret: str, api_base_url: str, names_first: bool = True
) -> accounts.App:
    """What every account of Display credentials shares: the app, and the base URL its tokens were
    minted at (written when not TikTok's). ``names_first``: whether the first account's ``open_id``
    is written (not in a config that names no account, as written before accounts existed)."""
    credentials = {"auth_type": DISPLAY_AUTH_TYPE, "client_id": client_key, "client_secret": client_secret}
    return accounts.App(credentials, ("api_base_url", api_base_url, tiktok.API_BASE_URL), names_first)


def build_config(
    existing: Mapping[str, Any],
    client_key: str,
    client_secret: str,
    token_body: Mapping[str, Any],
    api_base_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The connector config with Display API credentials (see ``config_with_credentials``), the
    token answer as the first account of a config that names no account."""
    app = display_app(client_key, client_secret, api_base_url, names_first=False)
    return accounts.first_account_config(existing, app, token_body, now)


# --------------------------------------------------------------------------------------------
# The command's default mode
# --------------------------------------------------------------------------------------------


def _api_base_url(args: argparse.Namespace, existing: Mapping[str, Any], several: bool) -> str:
    """The host to mint at: ``--api-base-url``; for a config with several accounts (or one about to
    get them), the config's own (``accounts.shared_base_url``)."""
    if not several:
        return normalise_base_url(args.api_base_url)
    stored = existing.get("api_base_url")
    return accounts.shared_base_url(
        args.api_base_url, tiktok.API_BASE_URL, str(stored) if stored else None, Path(args.output)
    )


def mint(args: argparse.Namespace, term: Terminal, redact: Redactor) -> int:
    """The authorisation-code flow, end to end; writes the config only once everything checked out.

    Everything that can be checked before the user approves (redirect URI, output file, app
    credentials, where an added account can go) is checked first, so that a consent is never wasted
    on a run that cannot finish. Where the consenting account goes: see ``accounts.place``; in a
    config that names no account and gets none, the first account, as before accounts existed.
    """
    output = Path(args.output)
    scopes = requested_scopes(args.scopes, tiktok.REQUIRED_SCOPES)
    redirect_uri = args.redirect_uri or DEFAULT_REDIRECT_URI
    target = RedirectTarget.parse(redirect_uri)
    existing = read_config(output)  # fail before the user approves anything, not after
    stored = credentials_of(existing)
    held = accounts.held_accounts(stored, DISPLAY_API, args.add_account, output)
    redact.add_credentials(stored)
    several = args.add_account or len(held) > 1
    # Whether the accounts are named (open_id, label): not in a config as written before accounts.
    named = several or bool(args.label) or (bool(held) and accounts.names_accounts(stored))
    api_base_url = _api_base_url(args, existing, several)
    client_key, client_secret = client_credentials(
        (args.client_key, args.client_secret), term, stored, DISPLAY_APP
    )
    redact.add(client_secret)
    if several:
        accounts.check_same_app(stored.get("client_id"), client_key, output)
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
    place = (
        accounts.place(output, existing, held, accounts.open_id_of(body), (args.add_account, args.label))
        if named
        else accounts.Target(0, False, existing)
    )
    config = accounts.config_with_account(
        place.existing,
        display_app(client_key, client_secret, api_base_url, names_first=named),
        body,
        datetime.now(timezone.utc),
        (place.position, output),
        args.label,
    )
    lifetime = body.get("refresh_expires_in")
    days = (
        f"; it expires in {int(lifetime) // 86400} days unless the connector rotates it first"
        if isinstance(lifetime, (int, float))
        else ""
    )
    note = f"The refresh token rotates on every refresh: keep the config the connector writes back{days}."
    account: str | None = None
    notes: tuple[str, ...] = ()
    if named:
        account = accounts.accounts_of(credentials_of(config), output)[place.position].describe()
        notes = (accounts.placed(output, config, place),)
        if place.position > 0:  # an added account: pasted into More Accounts (no OAuth button there)
            notes += (accounts.form_fields_note(output, config, place.position),)
    save_and_report(
        term,
        output,
        existing,
        config,
        ("credentials", "api_base_url"),
        (body.get("open_id"), granted, note),
        account=account,
        notes=notes,
    )
    return EXIT_OK
