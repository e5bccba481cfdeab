"""Tests of the emulated API for Business's token endpoints: refresh and rotation, code exchange,
revoke, token info, and the JSON-in, HTTP-200-out envelope.

Why: the connector's business authenticator is only as well tested as the emulator is faithful to
how these endpoints differ from Login Kit's (JSON bodies, app id and secret, tokens under ``data``,
a refresh token that lives a year from the consent).
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import requests

from integration_tests.emulator_helpers import (
    REDIRECT_URI,
    business_call,
    business_code,
    business_refresh,
    refresh,
    user_info,
)
from tiktok_emulator import FaultRule, TikTokEmulator, tokens
from tiktok_emulator.business.envelope import (
    CODE_BAD_AUTH_CODE,
    CODE_INTERNAL_ERROR,
    CODE_INVALID_CLIENT,
    CODE_INVALID_GRANT,
    CODE_REFRESH_EXPIRED,
)
from tiktok_emulator.business.scopes import PROFILE_SCOPES
from tiktok_emulator.documented.business import (
    ACCESS_TOKEN_LIFETIME_SECONDS,
    CODE_ACCESS_TOKEN_EXPIRE,
    CODE_INVALID_ACCESS_TOKEN,
    CODE_INVALID_GRANT_TYPE,
    CODE_OK,
    CODE_PARAM_ERROR,
    GET_PATH,
    REFRESH_TOKEN_LIFETIME_SECONDS,
    REFRESH_TOKEN_PATH,
    REVOKE_PATH,
    TOKEN_DATA_FIELDS,
    TOKEN_INFO_FIELDS,
    TOKEN_INFO_PATH,
    TOKEN_PATH,
)

PROFILE = ["display_name", "username"]


def _exchange(
    emu: TikTokEmulator, s: requests.Session, auth_code: str, **overrides: str
) -> requests.Response:
    body = {
        "client_id": emu.app_id,
        "client_secret": emu.app_secret,
        "grant_type": "authorization_code",
        "auth_code": auth_code,
        "redirect_uri": REDIRECT_URI,
        **overrides,
    }
    return s.post(emu.base_url + TOKEN_PATH, json=body, timeout=5)


def test_refresh_answers_under_data_and_rotation_kills_the_old_token(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=2) as emu:
        old = emu.current_business_refresh_token
        response = business_refresh(emu, http_session)
        assert business_code(response) == CODE_OK
        data = response.json()["data"]
        assert set(data) == set(TOKEN_DATA_FIELDS)
        assert data["expires_in"] == ACCESS_TOKEN_LIFETIME_SECONDS and data["token_type"] == "Bearer"
        assert data["open_id"] == emu.user["open_id"]
        assert data["scope"].split(",") == list(emu.business_granted_scopes)
        assert (
            REFRESH_TOKEN_LIFETIME_SECONDS - 5
            < data["refresh_token_expires_in"]
            <= REFRESH_TOKEN_LIFETIME_SECONDS
        )
        assert data["refresh_token"] != old and emu.current_business_refresh_token == data["refresh_token"]

        again = business_refresh(emu, http_session, refresh_token=old)
        assert business_code(again) == CODE_INVALID_GRANT
        assert "refresh token" in again.json()["message"].lower()
        assert business_code(business_call(emu, http_session, GET_PATH, data["access_token"], PROFILE)) == 0


def test_without_rotation_the_same_refresh_token_keeps_working(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, rotate_refresh_tokens=False) as emu:
        token = emu.current_business_refresh_token
        for _ in range(2):
            response = business_refresh(emu, http_session)
            assert business_code(response) == CODE_OK
            assert response.json()["data"]["refresh_token"] == token


def test_the_two_apps_keep_their_tokens_apart(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        display_refresh = emu.current_refresh_token
        assert business_code(business_refresh(emu, http_session, refresh_token=display_refresh)) == (
            CODE_INVALID_GRANT
        )
        business_token = business_refresh(emu, http_session).json()["data"]["access_token"]
        assert user_info(emu, http_session, business_token).status_code == 401
        display_token = refresh(emu, http_session).json()["access_token"]
        denied = business_call(emu, http_session, GET_PATH, display_token, PROFILE)
        assert business_code(denied) == CODE_INVALID_ACCESS_TOKEN


def test_token_endpoints_take_json_only(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        form = {
            "client_id": emu.app_id,
            "client_secret": emu.app_secret,
            "grant_type": "refresh_token",
            "refresh_token": emu.current_business_refresh_token,
        }
        response = http_session.post(emu.base_url + REFRESH_TOKEN_PATH, data=form, timeout=5)
        assert business_code(response) == CODE_PARAM_ERROR
        assert "application/json" in response.json()["message"]
        missing = business_refresh(emu, http_session, refresh_token="")
        assert business_code(missing) == CODE_PARAM_ERROR and "refresh_token" in missing.json()["message"]
        wrong_grant = business_refresh(emu, http_session, grant_type="authorization_code")
        assert business_code(wrong_grant) == CODE_INVALID_GRANT_TYPE
        # The token was never spent by the refused requests.
        assert business_code(business_refresh(emu, http_session)) == CODE_OK


def test_wrong_app_credentials_are_refused(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        for override in ({"client_secret": "nope"}, {"client_id": "other-app"}):
            response = business_refresh(emu, http_session, **override)
            assert business_code(response) == CODE_INVALID_CLIENT
            assert "app secret" in response.json()["message"]
        assert business_code(business_refresh(emu, http_session)) == CODE_OK


def test_auth_code_exchange_is_single_use_and_checks_the_redirect(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        code = emu.issue_business_auth_code(REDIRECT_URI, scopes=PROFILE_SCOPES)
        response = _exchange(emu, http_session, code)
        assert business_code(response) == CODE_OK
        data = response.json()["data"]
        assert data["scope"] == ",".join(PROFILE_SCOPES)
        assert emu.current_business_refresh_token == data["refresh_token"]
        assert business_code(business_call(emu, http_session, GET_PATH, data["access_token"], PROFILE)) == 0
        assert business_code(_exchange(emu, http_session, code)) == CODE_BAD_AUTH_CODE

        other = emu.issue_business_auth_code(REDIRECT_URI)
        mismatch = _exchange(emu, http_session, other, redirect_uri="https://elsewhere.example/cb")
        assert business_code(mismatch) == CODE_BAD_AUTH_CODE and "redirect_uri" in mismatch.json()["message"]
        assert (
            business_code(_exchange(emu, http_session, other)) == CODE_BAD_AUTH_CODE
        )  # spent by the failure


def test_revoke_ends_the_access_and_the_refresh_token(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        data = business_refresh(emu, http_session).json()["data"]
        body = {
            "client_id": emu.app_id,
            "client_secret": emu.app_secret,
            "access_token": data["access_token"],
        }
        assert business_code(http_session.post(emu.base_url + REVOKE_PATH, json=body, timeout=5)) == 0
        denied = business_call(emu, http_session, GET_PATH, data["access_token"], PROFILE)
        assert business_code(denied) == CODE_INVALID_ACCESS_TOKEN
        assert business_code(business_refresh(emu, http_session)) == CODE_INVALID_GRANT


def test_token_info_lists_the_granted_scopes(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        token = emu.issue_business_access_token(scopes=PROFILE_SCOPES[:2])
        url = emu.base_url + TOKEN_INFO_PATH
        response = http_session.post(url, json={"app_id": emu.app_id, "access_token": token}, timeout=5)
        assert business_code(response) == CODE_OK
        data = response.json()["data"]
        assert list(data) == list(TOKEN_INFO_FIELDS)  # as documented: no expiry, no open_id
        assert data["scope"] == ",".join(PROFILE_SCOPES[:2]) and data["creator_id"] == emu.user["open_id"]
        unknown = http_session.post(url, json={"app_id": emu.app_id, "access_token": "act.nope"}, timeout=5)
        assert business_code(unknown) == CODE_INVALID_ACCESS_TOKEN
        emu.invalidate_business_access_tokens()
        expired = http_session.post(url, json={"app_id": emu.app_id, "access_token": token}, timeout=5)
        assert business_code(expired) == CODE_ACCESS_TOKEN_EXPIRE


def test_faults_hit_a_token_endpoint_only_when_it_is_named(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("http_500", every=1)]) as emu:
        assert business_code(business_refresh(emu, http_session)) == CODE_OK
        emu.add_fault(FaultRule("http_503", endpoint=REFRESH_TOKEN_PATH))
        failed = business_refresh(emu, http_session)
        assert failed.status_code == 503 and failed.json()["code"] == CODE_INTERNAL_ERROR
        assert business_code(business_refresh(emu, http_session)) == CODE_OK


def test_the_refresh_token_lives_a_year_from_the_consent(
    http_session: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = 86400
    real_time = time.time
    with TikTokEmulator(video_count=1) as emu:
        assert business_code(business_refresh(emu, http_session)) == CODE_OK
        # The token store's clock moves on 100 days: the consent does not.
        monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: real_time() + 100 * day))
        later = business_refresh(emu, http_session).json()["data"]
        expected = REFRESH_TOKEN_LIFETIME_SECONDS - 100 * day
        assert expected - 5 < later["refresh_token_expires_in"] <= expected  # rotation does not reset it
        monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: real_time() + 366 * day))
        expired = business_refresh(emu, http_session)
        assert (
            business_code(expired) == CODE_REFRESH_EXPIRED and "authorize again" in expired.json()["message"]
        )


def test_business_config_and_further_authorisations(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        assert emu.business_connector_config(start_date="2026-01-01") == {
            "credentials": {
                "auth_type": "business_oauth2.0",
                "app_id": "emulator-app-id",
                "app_secret": "emulator-app-secret",
                "refresh_token": "emulator-business-refresh-token-0",
            },
            "business_api_base_url": emu.base_url,
            "start_date": "2026-01-01",
        }
        emu.add_business_refresh_token("limited-business-token", PROFILE_SCOPES)
        limited = business_refresh(emu, http_session, refresh_token="limited-business-token")
        assert business_code(limited) == CODE_OK and limited.json()["data"]["scope"] == ",".join(
            PROFILE_SCOPES
        )
