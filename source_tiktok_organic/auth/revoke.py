"""``tiktok-organic-auth --revoke [--business]``: end the authorisation of a config file at TikTok.

Why: a leaked or retired config should stop working at once, not when its refresh token expires.
Both revocations first write any tokens they rotate to the file, so that a refused revocation
leaves a config that still works.

The Display API (``revoke_display``). What TikTok documents: ``POST /v2/oauth/revoke/`` with the
app's ``client_key`` and ``client_secret`` and an access token ends the user's authorisation of the
app, and answers HTTP 200 with an empty body. It documents no revocation by refresh token. The
access token in a config has usually expired (they live about two hours), so the command:

1. refreshes with the file's refresh token. TikTok rotates it: the new tokens are written to the
   file at once. A refresh refused with ``invalid_grant`` means this file has nothing left to
   revoke;
2. revokes the fresh access token;
3. confirms: a refresh with the newest refresh token must now be refused with ``invalid_grant``.

The API for Business (``revoke_business``): ``tt_user/oauth2/revoke/`` takes the access token and
ends the whole authorisation, refresh token included; an expired (or missing) access token is
first replaced by a refresh.

Either revokes one account: ``--account`` (a label or open_id) names it, and must on a config with
several accounts (``accounts``; without it the accounts are listed and nothing is revoked). Its
rotated tokens are written to its own place in the config. Once TikTok accepted the revocation, an
account of several is removed from the config, the next one taking the first account's place if
need be, so that the config keeps working for the others (``accounts.without_account``); a config's
only account stays in the file, which no longer authenticates.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.auth import accounts, business
from source_tiktok_organic.auth.common import (
    EXIT_ALREADY_ENDED,
    EXIT_OK,
    AuthError,
    Redactor,
    Terminal,
    client_credentials,
    normalise_base_url,
)
from source_tiktok_organic.auth.config_file import credentials_of, read_config, save_config
from source_tiktok_organic.auth.display import DISPLAY_API, DISPLAY_APP, display_app, post_form, with_tokens
from source_tiktok_organic.business_protocol import BUSINESS_API_BASE_URL, BUSINESS_REVOKE_PATH
from source_tiktok_organic.credential_fields import BUSINESS_AUTH_TYPE

INVALID_GRANT = "invalid_grant"
# A business access token this close to its expiry is refreshed before it is revoked.
EXPIRY_MARGIN = timedelta(minutes=5)


# --------------------------------------------------------------------------------------------
# The Display API
# --------------------------------------------------------------------------------------------


class DisplayApp(NamedTuple):
    """Where and as which app the command talks to TikTok's OAuth endpoints."""

    api_base_url: str
    client_key: str
    client_secret: str

    def form(self, **fields: str) -> dict[str, str]:
        return {"client_key": self.client_key, "client_secret": self.client_secret, **fields}


def refresh_tokens(app: DisplayApp, refresh_token: str, redact: Redactor, what: str) -> dict[str, Any]:
    """TikTok's token answer to a refresh; its new tokens are registered as secrets at once."""
    body = post_form(
        app.api_base_url + tiktok.TOKEN_PATH,
        app.form(grant_type="refresh_token", refresh_token=refresh_token),
        redact,
        what,
    )
    return with_tokens(body, redact)


def _save_tokens(
    output: Path, config: Mapping[str, Any], app: DisplayApp, body: Mapping[str, Any], position: int
) -> dict[str, Any]:
    """Write a refresh's rotated tokens as the account at ``position``; the config written."""
    named = accounts.names_accounts(credentials_of(config))
    written = accounts.config_with_account(
        config,
        display_app(app.client_key, app.client_secret, app.api_base_url, names_first=named),
        body,
        datetime.now(timezone.utc),
        (position, output),
    )
    save_config(output, written)
    return written


def revoke_display(args: argparse.Namespace, term: Terminal, redact: Redactor) -> int:
    """Refresh, revoke, confirm (see the module's docstring) for the account ``--account`` names (or
    the config's only one); the exit code."""
    output = Path(args.output)
    config = read_config(output)
    credentials = credentials_of(config)
    if not credentials.get("refresh_token"):
        raise AuthError(f"Nothing to revoke: {output} has no credentials.refresh_token.")
    if credentials.get("auth_type") == BUSINESS_AUTH_TYPE:
        raise AuthError(f"{output} holds API for Business credentials: revoke them with --revoke --business.")
    redact.add_credentials(credentials)
    account, fields = accounts.select_with_token(credentials, args.account, output)
    several = len(accounts.accounts_of(credentials, output)) > 1
    # Whose refresh token: the file's, or, of several accounts, the named account's.
    whose = f"the account {account.describe()} of {output}" if several else str(output)
    client_key, client_secret = client_credentials(
        (args.client_key, args.client_secret), term, credentials, DISPLAY_APP
    )
    redact.add(client_secret)
    explicit = args.api_base_url != tiktok.API_BASE_URL
    api_base_url = normalise_base_url(
        args.api_base_url if explicit else str(config.get("api_base_url") or tiktok.API_BASE_URL)
    )
    app = DisplayApp(api_base_url, client_key, client_secret)

    try:
        fresh = refresh_tokens(
            app, str(fields["refresh_token"]), redact, "refresh the access token before revoking it"
        )
    except AuthError as error:
        if error.tiktok_error != INVALID_GRANT:
            raise
        raise AuthError(
            f"Nothing to revoke: TikTok refuses the refresh token of {whose} (invalid_grant), so "
            f"{'that account' if several else 'that config'} no longer authenticates. The authorisation "
            "was revoked or has expired, or a later run rotated the token: then the config it wrote "
            "holds the live one (revoke with that file), or remove the app's access in the TikTok app's "
            "security settings.",
            EXIT_ALREADY_ENDED,
        ) from None
    config = _save_tokens(output, config, app, fresh, account.position)
    revoke_form = app.form(token=str(fresh["access_token"]))
    try:
        post_form(
            api_base_url + tiktok.REVOKE_PATH, revoke_form, redact, "revoke the authorisation", empty_ok=True
        )
    except AuthError as error:
        raise AuthError(f"{error} {output} holds the rotated tokens and still works.") from None

    try:
        unrevoked = refresh_tokens(app, str(fresh["refresh_token"]), redact, "confirm the revocation")
    except AuthError as error:
        confirmed = error.tiktok_error == INVALID_GRANT
        if not confirmed:
            term.stderr.write(
                f"Note: TikTok accepted the revocation; confirming it failed: {redact(str(error))}\n"
            )
        if several:
            outcome = "confirmed: TikTok now refuses its refresh token" if confirmed else "not confirmed"
            revoked = (
                f"Revoked the authorisation of the account {account.describe()} at {api_base_url} ({outcome})"
            )
            _remove_revoked(term, (output, config), account, revoked, DISPLAY_API)
        elif confirmed:
            term.say(
                f"Revoked the authorisation of {output} at {api_base_url}, and confirmed: TikTok now "
                "refuses its refresh token, so that config no longer authenticates."
            )
            term.say("Run tiktok-organic-auth again (or Authenticate in Airbyte) to authorise anew.")
        else:
            term.say(f"Revoked the authorisation of {output} at {api_base_url} (not confirmed).")
        return EXIT_OK
    _save_tokens(output, config, app, unrevoked, account.position)  # the check rotated the tokens once more
    raise AuthError(
        f"TikTok answered the revocation with OK, but the refresh token still works: the authorisation "
        f"of {whose} has not ended. The file holds the newest tokens, rotated by that check. Run "
        "--revoke again later, or remove the app's access in the TikTok app's security settings."
    )


def _remove_revoked(
    term: Terminal,
    file: tuple[Path, Mapping[str, Any]],
    account: accounts.Account,
    revoked: str,
    api: accounts.Api,
) -> None:
    """Remove a revoked account of several from the config (``file``: its path and content; see
    ``accounts.without_account``: the first account's place goes to the next) and say so after
    ``revoked``, the sentence on the revocation."""
    output, config = file
    remaining = accounts.without_account(credentials_of(config), account.position, output)
    save_config(output, {**config, "credentials": remaining})
    held = accounts.accounts_of(remaining, output)
    term.say(
        f"{revoked} and removed it from {output}, which now holds {accounts.count(held)}: "
        f"{accounts.listing(held)}."
    )
    if account.position == 0:
        term.say(
            f"The config's first account is now {held[0].describe()}, until now in credentials.accounts."
        )
    term.say(f"Run {api.command} --add-account to authorise it again.")


# --------------------------------------------------------------------------------------------
# The API for Business
# --------------------------------------------------------------------------------------------


def _expired(credentials: Mapping[str, Any], now: datetime) -> bool:
    """Whether the stored access token is missing or (nearly) expired; unknown expiry: not expired."""
    if not credentials.get("access_token"):
        return True
    try:
        expiry = datetime.fromisoformat(str(credentials.get("token_expiry_date")))
    except ValueError:
        return False
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=timezone.utc)
    return expiry <= now + EXPIRY_MARGIN


def revoke_business(args: argparse.Namespace, term: Terminal, redact: Redactor) -> int:
    """Revoke the business authorisation of one account of the config file (``tt_user/oauth2/revoke/``).

    The account: the one ``--account`` names (a label or open_id), or the config's only one. The
    endpoint takes the account's access token and ends its whole authorisation, refresh token
    included. An expired (or missing) access token is first replaced by a refresh, whose rotated
    tokens are written to the file before revoking, so that a refused revocation leaves a config
    that works. Once revoked, an account of a config with several is removed from it (see
    ``accounts.without_account``: the first account's place goes to the next); a config's only
    account stays in the file, which no longer authenticates.
    """
    output = Path(args.output)
    config = read_config(output)
    credentials = credentials_of(config)
    if credentials.get("auth_type") != BUSINESS_AUTH_TYPE or not credentials.get("refresh_token"):
        raise AuthError(
            f"Nothing to revoke with --business: {output} has no API for Business credentials "
            "(credentials.auth_type business_oauth2.0 with a refresh_token)."
        )
    redact.add_credentials(credentials)
    account, fields = accounts.select_with_token(credentials, args.account, output)
    app_id, app_secret = client_credentials(
        (args.app_id, args.app_secret), term, credentials, business.BUSINESS_APP
    )
    redact.add(app_secret)
    explicit = args.business_api_base_url != BUSINESS_API_BASE_URL
    stored = business.stored_base_url(config)
    base_url = normalise_base_url(args.business_api_base_url if explicit else stored, BUSINESS_API_BASE_URL)

    now = datetime.now(timezone.utc)
    access_token = str(fields.get("access_token") or "")
    if _expired(fields, now):
        data = business.refresh_tokens(base_url, app_id, app_secret, str(fields["refresh_token"]), redact)
        config = business.build_account_config(
            config, (app_id, app_secret), data, base_url, now, (account.position, output)
        )
        save_config(output, config)
        access_token = str(data["access_token"])
    body = {"client_id": app_id, "client_secret": app_secret, "access_token": access_token}
    business.post_json(base_url + BUSINESS_REVOKE_PATH, body, redact, "revoke the Business authorisation")
    if len(accounts.accounts_of(credentials, output)) == 1:
        term.say(
            f"Revoked the Business authorisation of {output} at {base_url}; that config no longer "
            "authenticates."
        )
        term.say("Run tiktok-organic-auth --business again to authorise anew.")
        return EXIT_OK
    revoked = f"Revoked the Business authorisation of the account {account.describe()} at {base_url}"
    _remove_revoked(term, (output, config), account, revoked, business.BUSINESS_API)
    return EXIT_OK
