"""Tests of the emulator's Login Kit endpoints: token refresh and rotation, code exchange with
PKCE, authorize and revoke.

Why: the connector's token handling (rotation, early death, refusal) is only as well tested as
the emulator is faithful to TikTok's OAuth behaviour.
These tests pin the emulated protocol down over real HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from integration_tests.emulator_helpers import authorize, error_code, exchange, pkce_pair, refresh, user_info
from tiktok_emulator import REVOKE_PATH, TOKEN_PATH, USER_INFO_PATH, TikTokEmulator, tokens


def test_refresh_succeeds_and_rotation_invalidates_the_old_refresh_token(
    http_session: requests.Session,
) -> None:
    with TikTokEmulator(video_count=3) as emu:
        old = emu.current_refresh_token
        response = refresh(emu, http_session)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {
            "access_token",
            "expires_in",
            "open_id",
            "refresh_token",
            "refresh_expires_in",
            "scope",
            "token_type",
        }
        assert body["access_token"].startswith("act.")
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "user.info.basic,user.info.profile,user.info.stats,video.list"
        assert body["open_id"] == emu.user["open_id"]
        # November 2026: two hours, and 180 days counted from the consent.
        assert body["expires_in"] == 7200 and 15552000 - 5 < body["refresh_expires_in"] <= 15552000
        assert body["refresh_token"] != old and body["refresh_token"].startswith("rft.")
        assert emu.current_refresh_token == body["refresh_token"]

        reused = refresh(emu, http_session, refresh_token=old)
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        assert reused.json()["log_id"]
        assert refresh(emu, http_session).status_code == 200  # the rotated token works
        assert user_info(emu, http_session, body["access_token"]).status_code == 200


def test_rotation_does_not_reset_the_refresh_tokens_clock(
    http_session: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    day, real_time = 86400, time.time
    with TikTokEmulator(video_count=1, refresh_expires_in=30 * day, access_token_expires_in=600) as emu:
        first = refresh(emu, http_session).json()
        assert first["expires_in"] == 600 and 30 * day - 5 < first["refresh_expires_in"] <= 30 * day
        monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: real_time() + 10 * day))
        later = refresh(emu, http_session).json()
        assert 20 * day - 5 < later["refresh_expires_in"] <= 20 * day  # counted from the consent
        monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: real_time() + 31 * day))
        expired = refresh(emu, http_session)
        assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"


def test_refresh_without_rotation_returns_the_same_refresh_token(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, rotate_refresh_tokens=False) as emu:
        first = refresh(emu, http_session).json()
        second = refresh(emu, http_session).json()
        assert first["refresh_token"] == second["refresh_token"] == "emulator-refresh-token-0"
        assert first["access_token"] != second["access_token"]


def test_wrong_client_secret_is_invalid_client(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    response = refresh(shared_emulator, http_session, client_secret="nope")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]


def test_unknown_refresh_token_is_invalid_grant(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    response = refresh(shared_emulator, http_session, refresh_token="rft.never-issued")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_endpoint_rejects_json_bodies(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    response = http_session.post(
        shared_emulator.base_url + TOKEN_PATH,
        json={
            "client_key": shared_emulator.client_key,
            "client_secret": shared_emulator.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": shared_emulator.current_refresh_token,
        },
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_endpoint_error_in_200(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, token_endpoint_error_in_200=True) as emu:
        response = refresh(emu, http_session)
        assert response.status_code == 200
        assert response.json()["error"] == "invalid_grant"
        assert "access_token" not in response.json()


def test_access_token_dies_after_its_request_budget(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, access_token_lifetime_requests=3) as emu:
        token = refresh(emu, http_session).json()["access_token"]
        statuses = [user_info(emu, http_session, token, "open_id").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 401, 401]
        fresh = refresh(emu, http_session).json()["access_token"]
        assert user_info(emu, http_session, fresh, "open_id").status_code == 200


def test_invalidate_access_tokens_and_bad_bearer(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        token = emu.issue_access_token()
        assert user_info(emu, http_session, token).status_code == 200
        emu.invalidate_access_tokens()
        response = user_info(emu, http_session, token)
        assert response.status_code == 401 and error_code(response) == "access_token_invalid"
        assert user_info(emu, http_session, "None").status_code == 401
        no_header = http_session.get(emu.base_url + USER_INFO_PATH, params={"fields": "open_id"}, timeout=5)
        assert no_header.status_code == 401 and error_code(no_header) == "access_token_invalid"


def test_authorization_code_with_hex_pkce(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        verifier, challenge = pkce_pair()
        response = authorize(emu, http_session)
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == "http://127.0.0.1:8765/callback"
        query = parse_qs(location.query)
        assert query["state"] == ["st@te/42"]
        assert query["scopes"] == ["user.info.basic,video.list"]  # intersection, unknown scope dropped
        code = query["code"][0]

        granted = exchange(emu, http_session, code, verifier)
        assert granted.status_code == 200, granted.text
        body = granted.json()
        assert body["scope"] == "user.info.basic,video.list"
        assert emu.current_refresh_token == body["refresh_token"]
        assert refresh(emu, http_session, refresh_token=body["refresh_token"]).status_code == 200
        # The grant only has basic scopes: stats fields are refused.
        denied = user_info(emu, http_session, body["access_token"], "follower_count")
        assert error_code(denied) == "scope_permission_missed"

        # Single use: the same code never works twice.
        again = exchange(emu, http_session, code, verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_authorization_code_rejects_wrong_verifier_redirect_and_base64url(
    http_session: requests.Session,
) -> None:
    with TikTokEmulator(video_count=1) as emu:
        verifier, _ = pkce_pair()

        def new_code(challenge: str | None = None) -> str:
            overrides = {"code_challenge": challenge} if challenge else {}
            location = authorize(emu, http_session, **overrides).headers["Location"]
            return parse_qs(urlsplit(location).query)["code"][0]

        wrong = exchange(emu, http_session, new_code(), "another-verifier-" + "x" * 30)
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        mismatch = exchange(emu, http_session, new_code(), verifier, redirect_uri="http://127.0.0.1:9/other")
        assert mismatch.json()["error"] == "invalid_grant"
        # RFC 7636 base64url challenges do not work: TikTok wants hex.
        b64 = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        assert exchange(emu, http_session, new_code(b64), verifier).json()["error"] == "invalid_grant"
        assert exchange(emu, http_session, new_code(), verifier).status_code == 200


def test_authorize_validates_parameters(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    no_pkce = authorize(shared_emulator, http_session, code_challenge="")
    assert no_pkce.status_code == 302
    assert parse_qs(urlsplit(no_pkce.headers["Location"]).query)["error"] == ["invalid_request"]
    plain = authorize(shared_emulator, http_session, code_challenge_method="plain")
    assert parse_qs(urlsplit(plain.headers["Location"]).query)["error"] == ["invalid_request"]
    token_type = authorize(shared_emulator, http_session, response_type="token")
    assert parse_qs(urlsplit(token_type.headers["Location"]).query)["error"] == ["unsupported_response_type"]
    bad_redirect = authorize(shared_emulator, http_session, redirect_uri="not a url")
    assert bad_redirect.status_code == 400 and bad_redirect.json()["error"] == "invalid_request"
    bad_client = authorize(shared_emulator, http_session, client_key="someone-else")
    assert bad_client.status_code == 400 and bad_client.json()["error"] == "invalid_client"


def test_revoke_ends_the_whole_grant(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1) as emu:
        token = refresh(emu, http_session).json()["access_token"]
        form = {"client_key": emu.client_key, "client_secret": emu.client_secret, "token": token}
        wrong = http_session.post(emu.base_url + REVOKE_PATH, data={**form, "client_secret": "x"}, timeout=5)
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        response = http_session.post(emu.base_url + REVOKE_PATH, data=form, timeout=5)
        assert response.status_code == 200 and response.content == b"", "TikTok answers an empty 200"
        assert user_info(emu, http_session, token).status_code == 401
        assert refresh(emu, http_session).json()["error"] == "invalid_grant"
