"""Plain helpers for the emulator's own tests: the HTTP calls a TikTok client makes.

Each takes the emulator and a ``requests.Session`` (the ``http_session`` fixture), so that one test
can talk to several emulators over kept-alive connections.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests

import tiktok_emulator
from tiktok_emulator import (
    AUTHORIZE_PATH,
    TOKEN_PATH,
    USER_FIELD_SCOPES,
    USER_INFO_PATH,
    VIDEO_FIELDS,
    VIDEO_LIST_PATH,
    TikTokEmulator,
)
from tiktok_emulator.documented.business import ACCESS_TOKEN_HEADER, REFRESH_TOKEN_PATH

#: The emulator's shape fixtures: bodies in the shape of the reference pages' examples.
FIXTURES = Path(tiktok_emulator.__file__).parent / "fixtures"

ALL_VIDEO_FIELDS = ",".join(VIDEO_FIELDS)
ALL_USER_FIELDS = ",".join(USER_FIELD_SCOPES)
#: Where ``authorize`` and ``exchange`` send the user back by default.
REDIRECT_URI = "http://127.0.0.1:8765/callback"


def refresh(emu: TikTokEmulator, s: requests.Session, **overrides: str) -> requests.Response:
    form = {
        "client_key": emu.client_key,
        "client_secret": emu.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": emu.current_refresh_token,
        **overrides,
    }
    return s.post(emu.base_url + TOKEN_PATH, data=form, timeout=5)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_info(
    emu: TikTokEmulator, s: requests.Session, token: str, fields: str = ALL_USER_FIELDS
) -> requests.Response:
    return s.get(emu.base_url + USER_INFO_PATH, params={"fields": fields}, headers=bearer(token), timeout=5)


def video_list(
    emu: TikTokEmulator, s: requests.Session, token: str, body: Any = None, fields: str = ALL_VIDEO_FIELDS
) -> requests.Response:
    return s.post(
        emu.base_url + VIDEO_LIST_PATH,
        params={"fields": fields},
        json={"max_count": 20} if body is None else body,
        headers=bearer(token),
        timeout=5,
    )


def error_code(response: requests.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def page_all(
    emu: TikTokEmulator, s: requests.Session, token: str, max_count: int = 20
) -> list[list[dict[str, Any]]]:
    """Follow the cursor like a correct client; guard against loops so a bug fails fast."""
    pages: list[list[dict[str, Any]]] = []
    body: dict[str, Any] = {"max_count": max_count}
    for _ in range(10_000):
        response = video_list(emu, s, token, body)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        pages.append(data["videos"])
        if not data["has_more"]:
            return pages
        assert data["cursor"] != body.get("cursor"), "cursor did not advance"
        body = {"max_count": max_count, "cursor": data["cursor"]}
    raise AssertionError("paging never finished")


def pkce_pair(verifier: str = "v" * 43 + "-._~") -> tuple[str, str]:
    return verifier, hashlib.sha256(verifier.encode()).hexdigest()


def authorize(emu: TikTokEmulator, s: requests.Session, **overrides: str) -> requests.Response:
    params = {
        "client_key": emu.client_key,
        "scope": "user.info.basic,video.list,user.info.unknown",
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "state": "st@te/42",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
        **overrides,
    }
    return s.get(emu.base_url + AUTHORIZE_PATH, params=params, allow_redirects=False, timeout=5)


def exchange(
    emu: TikTokEmulator, s: requests.Session, code: str, verifier: str, **overrides: str
) -> requests.Response:
    form = {
        "client_key": emu.client_key,
        "client_secret": emu.client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        **overrides,
    }
    return s.post(emu.base_url + TOKEN_PATH, data=form, timeout=5)


# -- the Accounts API (API for Business) ---------------------------------------------------------
def business_refresh(emu: TikTokEmulator, s: requests.Session, **overrides: str) -> requests.Response:
    body = {
        "client_id": emu.app_id,
        "client_secret": emu.app_secret,
        "grant_type": "refresh_token",
        "refresh_token": emu.current_business_refresh_token,
        **overrides,
    }
    return s.post(emu.base_url + REFRESH_TOKEN_PATH, json=body, timeout=5)


def business_call(
    emu: TikTokEmulator,
    s: requests.Session,
    path: str,
    token: str,
    fields: Iterable[str] | str | None = None,
    **params: Any,
) -> requests.Response:
    """GET a business data endpoint as a client does: ``Access-Token`` header, ``business_id`` of
    the emulated account and ``fields`` as a JSON array (unless overridden in ``params``).  A
    ``fields`` string goes to the query as it is, to send what a client should not."""
    query: dict[str, Any] = {"business_id": emu.user["open_id"]}
    if isinstance(fields, str):
        query["fields"] = fields
    elif fields is not None:
        query["fields"] = json.dumps(list(fields))
    query.update(params)
    return s.get(emu.base_url + path, params=query, headers={ACCESS_TOKEN_HEADER: token}, timeout=5)


def business_code(response: requests.Response) -> int:
    """The ``code`` of an API for Business answer, which is HTTP 200 whatever the outcome."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "data"}, body
    return int(body["code"])


def business_data(response: requests.Response) -> dict[str, Any]:
    """The ``data`` of a successful API for Business answer."""
    assert business_code(response) == 0, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def business_pages(
    emu: TikTokEmulator, s: requests.Session, path: str, token: str, **params: Any
) -> list[dict[str, Any]]:
    """Every page's ``data`` of a cursor-paged business endpoint, following ``cursor`` like a client
    (guarded, so a cursor that never ends fails fast)."""
    pages: list[dict[str, Any]] = []
    cursor = params.pop("cursor", 0)
    for _ in range(1000):
        data = business_data(business_call(emu, s, path, token, cursor=cursor, **params))
        pages.append(data)
        if not data["has_more"]:
            return pages
        assert data["cursor"] != cursor, "cursor did not advance"
        cursor = data["cursor"]
    raise AssertionError("paging never finished")


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return loaded


def shape(value: Any) -> Any:
    """What JSON Schema would call the value's type, recursively: an object's keys, an array's
    element shape (every element must have the same one), and ``integer`` apart from ``number``."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        shapes = [shape(item) for item in value]
        assert all(s == shapes[0] for s in shapes), f"array elements differ in shape: {shapes}"
        return shapes[:1]
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    assert value is None, value
    return "null"
