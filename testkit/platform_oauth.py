"""What the Airbyte UI's setup form holds once the user has consented, against the loopback
emulator: the platform's declarative OAuth flow (the "Authenticate" button), run as the platform
runs it (consent URL, redirect, token request, the tokens placed where the spec's
``complete_oauth_*_output_specification`` says), and, where there is no button (the API for
Business, each added account), the fields ``tiktok-organic-auth`` wrote, pasted. The form is what
the UI then checks and saves (``testkit.airbyte_platform``).

The spec's key names and templates are the connector's own; TikTok's hosts are swapped for the
emulator's. The template variables are the ones Airbyte documents (docs.airbyte.com, "OAuth
Authentication Methods", Available Template Variables).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import jinja2
import requests
import yaml

from source_tiktok_organic.auth.business import exchange_auth_code
from source_tiktok_organic.auth.common import Redactor
from source_tiktok_organic.auth.config_file import merge_tokens
from source_tiktok_organic.auth.display import exchange_code
from source_tiktok_organic.source import MANIFEST_PATH
from source_tiktok_organic.tiktok_protocol import REQUIRED_SCOPES
from tiktok_emulator import TikTokEmulator

__all__ = [
    "AIRBYTE_REDIRECT",
    "authenticated_config",
    "business_form",
    "display_form",
    "manifest_spec",
    "pasted",
    "TIKTOK_AUTHORIZE",
    "config_from_platform_output",
    "render",
    "run_platform_flow",
    "template_values",
]

TIKTOK_AUTHORIZE = "https://www.tiktok.com/v2/auth/authorize/"
# What Airbyte Cloud sends as redirect_uri (register it in the TikTok app).
AIRBYTE_REDIRECT = "https://cloud.airbyte.com/auth_flow"


def template_values(
    client_key: str, redirect_uri: str, state: str, client_secret: str = "", code: str = ""
) -> dict[str, str]:
    """The template variables Airbyte's declarative OAuth documents, for this spec's key names.

    (docs.airbyte.com, "OAuth Authentication Methods", Available Template Variables: *_key is the
    parameter name, *_value its value, *_param "name=value" with redirect_uri and scope URL-encoded.)
    """
    values = {
        "client_key": client_key,
        "client_secret": client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": ",".join(REQUIRED_SCOPES),
    }
    names = {
        "client_id": "client_key",
        "client_secret": "client_secret",
        "auth_code": "code",
        "redirect_uri": "redirect_uri",
        "scope": "scope",
        "state": "state",
    }
    encoded = {"redirect_uri", "scope"}
    out: dict[str, str] = {}
    for role, name in names.items():
        value = values[name]
        out[f"{role}_key"] = name
        out[f"{role}_value"] = value
        out[f"{role}_param"] = f"{name}={quote_plus(value) if role in encoded else value}"
    return out


def render(template: str, values: Mapping[str, str]) -> str:
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(template).render(**values)


def run_platform_flow(
    connector_input: Mapping[str, Any], emulator: TikTokEmulator, challenge: str | None = None
) -> dict[str, Any]:
    """Consent URL -> (auto-consent) -> redirect -> token request, as the platform does them.

    TikTok's hosts are swapped for the emulator's; everything else is the spec's.
    """
    state = "Ab3.-_" * 6
    consent = render(
        connector_input["consent_url"], template_values(emulator.client_key, AIRBYTE_REDIRECT, state)
    )
    consent = consent.replace(TIKTOK_AUTHORIZE, emulator.base_url + "/v2/auth/authorize/")
    if challenge is not None:
        consent = re.sub(r"code_challenge=[^&]+", f"code_challenge={challenge}", consent)
    location = requests.get(consent, allow_redirects=False, timeout=10).headers["Location"]
    assert location.startswith(AIRBYTE_REDIRECT + "?")
    callback = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert callback["state"] == state and "code" in callback, callback

    values = template_values(
        emulator.client_key, AIRBYTE_REDIRECT, state, emulator.client_secret, callback["code"]
    )
    form = {render(k, values): render(v, values) for k, v in connector_input["access_token_params"].items()}
    headers = {
        render(k, values): render(v, values) for k, v in connector_input["access_token_headers"].items()
    }
    url = connector_input["access_token_url"].replace("https://open.tiktokapis.com", emulator.base_url)
    answer: dict[str, Any] = requests.post(url, data=form, headers=headers, timeout=10).json()
    return answer


def config_from_platform_output(
    oauth: Mapping[str, Any], token: Mapping[str, Any], emulator: TikTokEmulator
) -> dict[str, Any]:
    """Place the outputs where complete_oauth_*_output_specification says, as the platform does:
    each output is the token answer's value at its ``path_in_oauth_response``, among the keys
    ``extract_output`` keeps, except that ``expires_in`` becomes ``token_expiry_date`` (now +
    expires_in, an ISO 8601 instant)."""
    kept = {key: token[key] for key in oauth["oauth_connector_input_specification"]["extract_output"]}
    expiry = (datetime.now(timezone.utc) + timedelta(seconds=int(token["expires_in"]))).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ"
    )
    extracted = {
        name: expiry if name == "token_expiry_date" else kept[output["path_in_oauth_response"][0]]
        for name, output in oauth["complete_oauth_output_specification"]["properties"].items()
    }
    config: dict[str, Any] = {"api_base_url": emulator.base_url}

    def put(path: Sequence[str], value: Any) -> None:
        node = config
        for name in path[:-1]:
            node = node.setdefault(name, {})
        node[path[-1]] = value

    put(["credentials", "auth_type"], "oauth2.0")  # the form fills the const itself
    for name, output in oauth["complete_oauth_output_specification"]["properties"].items():
        put(output["path_in_connector_config"], extracted[name])
    app = {"client_key": emulator.client_key, "client_secret": emulator.client_secret}
    for name, output in oauth["complete_oauth_server_output_specification"]["properties"].items():
        put(output["path_in_connector_config"], app[name])
    return config


def manifest_spec() -> dict[str, Any]:
    """The manifest's ``spec`` block: the form the UI renders and its OAuth flow."""
    return dict(yaml.safe_load(MANIFEST_PATH.read_text())["spec"])


def authenticated_config(emulator: TikTokEmulator) -> dict[str, Any]:
    """The config the UI's Authenticate button leaves in the form, for the emulator's account 0 (the
    connector's own spec's flow): refresh token, live access token, its expiry and the grant."""
    return display_form(emulator, 1)


# The labels the forms give the accounts after the first (the first has none).
_LABELS = (None, "Bakery", "Florist", "Cafe", "Gym")


def display_form(emulator: TikTokEmulator, accounts: int) -> dict[str, Any]:
    """The OAuth button's output for the first account, and each added account as
    ``tiktok-organic-auth --add-account`` wrote it, pasted into "More Accounts"."""
    oauth = manifest_spec()["advanced_auth"]["oauth_config_specification"]
    token = run_platform_flow(oauth["oauth_connector_input_specification"], emulator)
    form = config_from_platform_output(oauth, token, emulator)
    verifier = "platform-test-verifier-" + "x" * 30
    added = []
    for index in range(1, accounts):
        code = emulator.issue_auth_code(
            AIRBYTE_REDIRECT, hashlib.sha256(verifier.encode()).hexdigest(), account=index
        )
        answer = exchange_code(
            emulator.base_url,
            emulator.client_key,
            emulator.client_secret,
            code,
            AIRBYTE_REDIRECT,
            verifier,
            Redactor(),
        )
        added.append(pasted(answer, str(answer["open_id"]), _LABELS[index]))
    if added:
        form["credentials"]["accounts"] = added
    return form


def business_form(
    emulator: TikTokEmulator,
    accounts: int,
    scopes: Sequence[str] | None = None,
    whole_file: bool = False,
    labels: Sequence[str | None] = _LABELS,
) -> dict[str, Any]:
    """Every account as ``tiktok-organic-auth --business`` wrote it (each granted ``scopes``, all by
    default), pasted into the form (no OAuth button): refresh token, access token, its expiry and
    Account ID; with ``whole_file``, the granted scopes too, as a source created through the
    Airbyte API with the whole file holds them."""
    entries = []
    for index in range(accounts):
        code = emulator.issue_business_auth_code(AIRBYTE_REDIRECT, scopes, account=index)
        answer = exchange_auth_code(
            emulator.base_url, emulator.app_id, emulator.app_secret, code, AIRBYTE_REDIRECT, Redactor()
        )
        entries.append(pasted(answer, str(answer["open_id"]), labels[index], whole_file))
    first, *others = entries
    credentials = {
        "auth_type": "business_oauth2.0",
        "app_id": emulator.app_id,
        "app_secret": emulator.app_secret,
        **first,
    }
    if others:
        credentials["accounts"] = others
    return {"credentials": credentials, "business_api_base_url": emulator.base_url}


def pasted(
    answer: Mapping[str, Any], open_id: str, label: str | None, with_grant: bool = False
) -> dict[str, Any]:
    """The fields of one account that the form shows: what the auth command wrote, minus the grant
    (a hidden field, which nobody types) unless ``with_grant``."""
    written: dict[str, Any] = {}
    merge_tokens(written, answer, datetime.now(timezone.utc))
    if not with_grant:
        written.pop("granted_scopes", None)
    return {**written, "open_id": open_id, **({"label": label} if label else {})}
