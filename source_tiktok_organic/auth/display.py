"""``tiktok-organic-auth``: TikTok Login Kit's authorisation-code flow for the Display API.

The steps of its own: a PKCE pair computed TikTok's way, the code exchanged at TikTok's token
endpoint (a form POST), and the Display credentials as the connector config holds them. The
consent page, the redirect and the scope check are ``consent``'s, the config file
``config_file``'s. The refresh and revocation of these credentials are ``revoke``'s.
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
from source_tiktok_organic.auth.config_file import (
    config_with_credentials,
    credentials_of,
    read_config,
    save_and_report,
)
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
    }
    return config_with_credentials(
        existing,
        credentials,
        token_body,
        now,
        ("api_base_url", api_base_url, tiktok.API_BASE_URL),
    )


# --------------------------------------------------------------------------------------------
# The command's default mode
# --------------------------------------------------------------------------------------------


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
