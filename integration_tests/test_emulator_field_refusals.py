"""The emulator's refusal mode: fields an app or region is not served, refused in both APIs.

TikTok refuses such a field as it refuses an unknown one (HTTP 400 ``invalid_params`` on the Display
API, code 40002 on the Accounts API), for the whole request; whether its message names the field is
not documented, so the emulator does it either way. A request that does not ask for a refused field
is served as before, and the emulator's own answer to a field it does not know is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from integration_tests.emulator_helpers import business_call, business_code, error_code, user_info, video_list
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.documented.business import CODE_PARAM_ERROR, GET_PATH, VIDEO_LIST_PATH

DISPLAY_VIDEO_FIELDS = "id,create_time,is_aigc,title"
BUSINESS_VIDEO_FIELDS = ["item_id", "create_time", "video_views", "caption"]


@pytest.fixture(scope="module")
def tiktok() -> Iterator[TikTokEmulator]:
    with TikTokEmulator(video_count=3) as emulator:
        yield emulator


@pytest.mark.parametrize("named", [True, False], ids=["named", "unnamed"])
def test_display_api_refuses_a_field_it_is_not_serving(
    tiktok: TikTokEmulator, http_session: requests.Session, named: bool
) -> None:
    token = tiktok.issue_access_token()
    tiktok.refuse_fields(["is_aigc", "follower_count"], named=named)
    try:
        videos = video_list(tiktok, http_session, token, fields=DISPLAY_VIDEO_FIELDS)
        user = user_info(tiktok, http_session, token, "open_id,display_name,follower_count")
        without = video_list(tiktok, http_session, token, fields="id,create_time,title")
    finally:
        tiktok.refuse_fields([])

    for refused, field in ((videos, "is_aigc"), (user, "follower_count")):
        assert refused.status_code == 400 and error_code(refused) == "invalid_params"
        assert (field in refused.json()["error"]["message"]) is named
    assert without.status_code == 200 and len(without.json()["data"]["videos"]) == 3
    served = video_list(tiktok, http_session, token, fields=DISPLAY_VIDEO_FIELDS)
    assert served.status_code == 200 and "is_aigc" in served.json()["data"]["videos"][0]


@pytest.mark.parametrize("named", [True, False], ids=["named", "unnamed"])
def test_accounts_api_refuses_a_field_it_is_not_serving(
    tiktok: TikTokEmulator, http_session: requests.Session, named: bool
) -> None:
    token = tiktok.issue_business_access_token()
    tiktok.refuse_fields(["video_views", "followers_count"], named=named)
    try:
        videos = business_call(tiktok, http_session, VIDEO_LIST_PATH, token, BUSINESS_VIDEO_FIELDS)
        profile = business_call(tiktok, http_session, GET_PATH, token, ["display_name", "followers_count"])
        without = business_call(tiktok, http_session, VIDEO_LIST_PATH, token, ["item_id", "caption"])
    finally:
        tiktok.refuse_fields([])

    for refused, field in ((videos, "video_views"), (profile, "followers_count")):
        assert business_code(refused) == CODE_PARAM_ERROR
        assert (field in refused.json()["message"]) is named
    assert business_code(without) == 0 and len(without.json()["data"]["videos"]) == 3
    assert (
        business_code(business_call(tiktok, http_session, VIDEO_LIST_PATH, token, BUSINESS_VIDEO_FIELDS)) == 0
    )


def test_an_unknown_field_is_still_named_whatever_the_refusal_mode(
    tiktok: TikTokEmulator, http_session: requests.Session
) -> None:
    tiktok.refuse_fields(["is_aigc"], named=False)
    try:
        display = video_list(tiktok, http_session, tiktok.issue_access_token(), fields="id,favourite_colour")
        business = business_call(
            tiktok, http_session, VIDEO_LIST_PATH, tiktok.issue_business_access_token(), ["item_id", "mood"]
        )
    finally:
        tiktok.refuse_fields([])

    assert (
        error_code(display) == "invalid_params" and "favourite_colour" in display.json()["error"]["message"]
    )
    assert business_code(business) == CODE_PARAM_ERROR and "mood" in business.json()["message"]


def test_refused_fields_are_a_constructor_setting_too(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, refused_fields=["is_aigc"], refusals_name_fields=False) as emulator:
        refused = video_list(
            emulator, http_session, emulator.issue_access_token(), fields=DISPLAY_VIDEO_FIELDS
        )

    assert refused.status_code == 400 and "is_aigc" not in refused.json()["error"]["message"]
