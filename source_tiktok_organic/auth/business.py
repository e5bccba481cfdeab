"""``tiktok-organic-auth --business``: the first refresh token of TikTok's API for Business (Accounts API).

Why a flow of its own: the consent page and the redirect are Login Kit's, but every other detail
differs. The app is identified by its App ID and Secret, the consent URL carries no PKCE, the
redirect may name the code ``auth_code`` or ``code``, the token endpoints take JSON bodies and
answer HTTP 200 whatever the outcome (the ``code`` field decides, tokens are under ``data``), the
answer names the account (``open_id``, which every business request needs), and the refresh token
lives a year from the consent. The steps both flows share (app credentials, receiving the
redirect, the scope check, the config file) are ``common``'s, ``consent``'s and ``config_file``'s;
the revocation is ``revoke``'s.

Several accounts of the same app can share one config, as in the Display flow (the rules both
share are ``accounts``'): ``--add-account`` adds the consenting account to
``credentials.accounts``, plain ``--business`` writes the first account, and either replaces in
place the tokens of an account the config already holds (same ``open_id``), so that the yearly
re-consent of any account is the same command; ``--label`` names the account.

Like the Display flow, it never prints a secret: the app secret, the code and the tokens are
registered with the ``Redactor`` before anything that could echo them is printed.
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

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
    RedirectTarget,
    authorization_url,
    check_callback,
    granted_scopes,
    receive_redirect,
    requested_scopes,
    require_granted,
)
from source_tiktok_organic.business_protocol import (
    BUSINESS_API_BASE_URL,
    BUSINESS_AUTH_CODE_PARAMETERS,
    BUSINESS_REFRESH_TOKEN_PATH,
    BUSINESS_REQUIRED_SCOPES,
    BUSINESS_TOKEN_PATH,
    CODE_OK,
    MENTION_PERMISSIONS,
    MENTION_SCOPE,
)
from source_tiktok_organic.credential_fields import BUSINESS_AUTH_TYPE

BUSINESS_API = accounts.Api(BUSINESS_AUTH_TYPE, "API for Business", "tiktok-organic-auth --business")
BUSINESS_APP = AppNames(
    "App ID of your TikTok API for Business app",
    "Secret of your TikTok API for Business app",
    ("TIKTOK_APP_ID", "TIKTOK_APP_SECRET"),
    ("--app-id", "--app-secret"),
    ("app_id", "app_secret"),
)


# --------------------------------------------------------------------------------------------
# Token endpoints
# --------------------------------------------------------------------------------------------


def post_json(url: str, body: Mapping[str, str], redact: Redactor, what: str) -> dict[str, Any]:
    """POST a JSON body to an API for Business OAuth endpoint; its ``data``, or AuthError.

    Why decide on ``code`` and not on the status: these endpoints answer HTTP 200 for their errors.
    """
    try:
        response = requests.post(
            url, json=dict(body), headers={"Accept": "application/json"}, timeout=HTTP_TIMEOUT
        )
    except requests.exceptions.RequestException as error:
        raise AuthError(
            redact(
                f"Could not reach TikTok's API for Business endpoint {url} to {what} "
                f"({type(error).__name__}). Check --business-api-base-url and the network."
            )
        ) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("code"), int):
        raise AuthError(
            f"The API for Business endpoint answered without a code: {url} (HTTP {response.status_code}) "
            "is not TikTok's. Check --business-api-base-url."
        )
    request_id = answer.get("request_id") or "none"
    if answer["code"] != CODE_OK:
        said = redact(str(answer.get("message") or "no message"))
        raise AuthError(
            f"TikTok refused to {what}: code {answer['code']}: {said} "
            f"(HTTP {response.status_code}, request_id {request_id})."
        )
    if response.status_code >= 400:
        raise AuthError(f"TikTok refused to {what} (HTTP {response.status_code}, request_id {request_id}).")
    data = answer.get("data")
    return dict(data) if isinstance(data, dict) else {}


def _tokens(data: dict[str, Any], redact: Redactor) -> dict[str, Any]:
    """``data`` of a token answer, once it has the tokens and the account; the tokens registered."""
    if not all(data.get(name) for name in ("access_token", "refresh_token", "open_id")):
        raise AuthError(
            "TikTok's Business token endpoint answered without an access token, refresh token and "
            f"open_id (it sent {', '.join(sorted(data)) or 'nothing'})."
        )
    redact.add(str(data["access_token"]), str(data["refresh_token"]))
    return data


def exchange_auth_code(
    base_url: str, app_id: str, app_secret: str, auth_code: str, redirect_uri: str, redact: Redactor
) -> dict[str, Any]:
    """The token answer's ``data`` for the authorisation code (``tt_user/oauth2/token/``)."""
    body = {
        "client_id": app_id,
        "client_secret": app_secret,
        "grant_type": "authorization_code",
        "auth_code": auth_code,
        "redirect_uri": redirect_uri,
    }
    return _tokens(
        post_json(base_url + BUSINESS_TOKEN_PATH, body, redact, "exchange the authorisation code"), redact
    )


def refresh_tokens(
    base_url: str, app_id: str, app_secret: str, refresh_token: str, redact: Redactor
) -> dict[str, Any]:
    """The token answer's ``data`` for a refresh (``tt_user/oauth2/refresh_token/``)."""
    body = {
        "client_id": app_id,
        "client_secret": app_secret,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    url = base_url + BUSINESS_REFRESH_TOKEN_PATH
    return _tokens(post_json(url, body, redact, "refresh the Business token before revoking it"), redact)


def business_app(app_id: str, app_secret: str, base_url: str) -> accounts.App:
    """What every account of business credentials shares: the app, and the base URL its tokens
    were minted at (written when not TikTok's)."""
    credentials = {"auth_type": BUSINESS_AUTH_TYPE, "app_id": app_id, "app_secret": app_secret}
    return accounts.App(credentials, ("business_api_base_url", base_url, BUSINESS_API_BASE_URL))


def build_business_config(
    existing: Mapping[str, Any],
    app_id: str,
    app_secret: str,
    data: Mapping[str, Any],
    base_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The connector config with business credentials (see ``config_with_credentials``): the token
    answer ``data`` as its first account, its ``open_id`` (the ``business_id`` of every business
    request) included."""
    return accounts.first_account_config(existing, business_app(app_id, app_secret, base_url), data, now)


def build_account_config(
    existing: Mapping[str, Any],
    app: tuple[str, str],
    data: Mapping[str, Any],
    base_url: str,
    now: datetime,
    where: tuple[int, Path],
    label: str | None = None,
) -> dict[str, Any]:
    """The connector config with the token answer ``data`` written as the business account at
    position ``where[0]`` (see ``accounts.config_with_account``). ``app`` (id, secret) and the base
    URL are the config's, shared by every account."""
    return accounts.config_with_account(
        existing, business_app(app[0], app[1], base_url), data, now, where, label
    )


def stored_base_url(config: Mapping[str, Any]) -> str:
    """The base URL the config's business tokens were minted at (TikTok's when it names none)."""
    return str(config.get("business_api_base_url") or BUSINESS_API_BASE_URL)


# --------------------------------------------------------------------------------------------
# The command's --business mode
# --------------------------------------------------------------------------------------------


def _business_base_url(args: argparse.Namespace, existing: Mapping[str, Any], several: bool) -> str:
    """The host to mint at: ``--business-api-base-url``; for a config with several accounts (or
    one about to get them), the config's own (``accounts.shared_base_url``)."""
    if not several:
        return normalise_base_url(args.business_api_base_url, BUSINESS_API_BASE_URL)
    return accounts.shared_base_url(
        args.business_api_base_url, BUSINESS_API_BASE_URL, stored_base_url(existing), Path(args.output)
    )


def mint(args: argparse.Namespace, term: Terminal, redact: Redactor) -> int:
    """The Accounts API's authorisation-code flow, end to end; writes the config once all checked out.

    As in the Display flow, what can be checked before the user approves is checked first. Where
    the consenting account goes: the config's account with the same open_id, if any, gets the new
    tokens in place (the yearly re-consent of any account); otherwise ``--add-account`` appends it
    to ``credentials.accounts`` and plain ``--business`` makes it the first account, as before
    accounts existed (``accounts`` kept). ``--label`` labels it.
    """
    output = Path(args.output)
    scopes = requested_scopes(args.scopes, BUSINESS_REQUIRED_SCOPES)
    if args.mentions and MENTION_SCOPE not in scopes:
        scopes.append(MENTION_SCOPE)
    if not args.redirect_uri:
        raise AuthError(
            "--business needs --redirect-uri: the https redirect URI registered for your app in the "
            "TikTok API for Business portal (it accepts https redirect URIs only)."
        )
    target = RedirectTarget.parse(args.redirect_uri)
    existing = read_config(output)
    stored = credentials_of(existing)
    held = accounts.held_accounts(stored, BUSINESS_API, args.add_account, output)
    redact.add_credentials(stored)
    several = args.add_account or len(held) > 1
    base_url = _business_base_url(args, existing, several)
    app_id, app_secret = client_credentials(
        (args.app_id, args.app_secret), term, credentials_of(existing), BUSINESS_APP
    )
    redact.add(app_secret)
    if several:
        accounts.check_same_app(stored.get("app_id"), app_id, output)
    not_requested = [s for s in BUSINESS_REQUIRED_SCOPES if s not in scopes]
    if not_requested:
        term.stderr.write(f"Note: without {', '.join(not_requested)} some business streams will fail.\n")

    state = secrets.token_urlsafe(24)
    url = authorization_url(args.authorize_url, app_id, scopes, args.redirect_uri, state, None)
    params = receive_redirect(args, term, target, url, state, BUSINESS_AUTH_CODE_PARAMETERS)
    auth_code = check_callback(params, state, BUSINESS_AUTH_CODE_PARAMETERS)
    redact.add(auth_code)

    data = exchange_auth_code(base_url, app_id, app_secret, auth_code, args.redirect_uri, redact)
    granted = granted_scopes(data)
    # The Mentions permissions' scope is unverified: its absence is said, never fatal.
    require_granted(
        [s for s in scopes if s != MENTION_SCOPE],
        granted,
        output,
        "Enable the missing scopes for your app in the TikTok API for Business portal (its TikTok "
        "Accounts permission)",
    )
    place = accounts.place(output, existing, held, str(data["open_id"]), (args.add_account, args.label))
    config = build_account_config(
        place.existing,
        (app_id, app_secret),
        data,
        base_url,
        datetime.now(timezone.utc),
        (place.position, output),
        args.label,
    )
    lifetime = data.get("refresh_token_expires_in")
    days = f"{int(lifetime) // 86400} days" if isinstance(lifetime, (int, float)) else "a year"
    note = (
        f"The refresh token lasts {days} from now (a year from this consent): re-authorise with "
        "tiktok-organic-auth --business before then, and keep the config the connector writes back."
    )
    account = accounts.accounts_of(credentials_of(config), output)[place.position]
    summary = (data.get("open_id"), granted, note)
    notes = [
        accounts.placed(output, config, place),
        accounts.form_fields_note(output, config, place.position),
    ]
    if args.mentions:
        config = {**config, "include_mentions": True}
        notes.append(_mentions_note(granted))
    save_and_report(
        term,
        output,
        existing,
        config,
        ("credentials", "business_api_base_url", *(("include_mentions",) if args.mentions else ())),
        summary,
        account=account.describe(),
        notes=notes,
    )
    return EXIT_OK


def _mentions_note(granted: list[str] | None) -> str:
    """What --mentions did, and whether TikTok granted the scope asked for the Mentions API."""
    permissions = " and ".join(f'"{p}"' for p in MENTION_PERMISSIONS)
    if granted is None or MENTION_SCOPE in granted:
        return f"Mentions: include_mentions is on; {MENTION_SCOPE} was granted."
    return (
        f"Mentions: include_mentions is on, but TikTok did not grant {MENTION_SCOPE}, the scope asked "
        f"for its {permissions} permissions (their scope name is unverified). If the mention streams "
        "fail naming a permission, add it to your app in the TikTok API for Business portal and run "
        "this command again."
    )
