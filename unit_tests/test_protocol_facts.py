"""The manifest's copies of TikTok protocol facts equal ``tiktok_protocol``, their one home.

YAML cannot import Python, so the manifest spells out the base URL, the paths, the fields and the
scopes again; these tests fail as soon as one copy drifts.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from source_tiktok_organic import business_protocol as business
from source_tiktok_organic import components
from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.source import MANIFEST_PATH
from testkit.configs import credentials_option


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST_PATH.read_text())
    return loaded


def test_every_url_starts_from_the_one_base_url(manifest: dict[str, Any]) -> None:
    definitions = manifest["definitions"]
    assert f"or '{tiktok.API_BASE_URL}'" in definitions["api_base_url"]
    token_endpoint = definitions["authenticator"]["oauth"]["token_refresh_endpoint"]
    assert f"or '{tiktok.API_BASE_URL}'" in token_endpoint
    assert token_endpoint.endswith(tiktok.TOKEN_PATH)
    spec = manifest["spec"]["connection_specification"]["properties"]["api_base_url"]
    assert spec["default"] == tiktok.API_BASE_URL


def test_streams_read_tiktoks_paths_and_every_documented_field(manifest: dict[str, Any]) -> None:
    user_info = manifest["definitions"]["user_info_stream"]
    videos = manifest["definitions"]["videos_stream"]
    assert user_info["retriever"]["requester"]["path"] == tiktok.USER_INFO_PATH
    assert videos["retriever"]["requester"]["path"] == tiktok.VIDEO_LIST_PATH
    assert tuple(user_info["$parameters"]["fields"].split(",")) == tiktok.USER_FIELDS
    assert tuple(videos["$parameters"]["fields"].split(",")) == tiktok.VIDEO_FIELDS
    assert videos["retriever"]["requester"]["request_body_json"]["max_count"] == tiktok.VIDEO_LIST_MAX_COUNT


def test_the_budget_paces_both_paths_under_tiktoks_limit(manifest: dict[str, Any]) -> None:
    patterns = [policy["matchers"][0]["url_path_pattern"] for policy in manifest["api_budget"]["policies"]]
    for path in (tiktok.USER_INFO_PATH, tiktok.VIDEO_LIST_PATH):
        assert sum(bool(re.fullmatch(p, path.rstrip("/"))) for p in patterns) == 1
    rate = manifest["spec"]["connection_specification"]["properties"]["requests_per_minute"]
    assert rate["maximum"] == tiktok.REQUESTS_PER_ENDPOINT_MINUTE
    assert rate["default"] < tiktok.REQUESTS_PER_ENDPOINT_MINUTE


def test_scope_names_match_the_fields_they_unlock(manifest: dict[str, Any]) -> None:
    definitions = manifest["definitions"]
    user_scopes = list(dict.fromkeys(tiktok.USER_FIELD_SCOPES.values()))
    assert definitions["user_info_scopes"] == f"{', '.join(user_scopes[:-1])} and {user_scopes[-1]}"
    assert definitions["videos_scopes"] == tiktok.VIDEO_SCOPE
    assert tuple(user_scopes) + (tiktok.VIDEO_SCOPE,) == tiktok.REQUIRED_SCOPES


def test_the_oauth_button_asks_for_every_required_scope(manifest: dict[str, Any]) -> None:
    oauth = manifest["spec"]["advanced_auth"]["oauth_config_specification"]
    connector_input = oauth["oauth_connector_input_specification"]
    assert tuple(connector_input["scope"].split(",")) == tiktok.REQUIRED_SCOPES
    assert connector_input["consent_url"].startswith(tiktok.AUTHORIZE_URL + "?")
    assert connector_input["access_token_url"] == tiktok.API_BASE_URL + tiktok.TOKEN_PATH
    refresh_token = credentials_option(manifest["spec"]["connection_specification"], "oauth2.0")[
        "properties"
    ]["refresh_token"]
    assert all(scope in refresh_token["description"] for scope in tiktok.REQUIRED_SCOPES)


def test_business_urls_paths_and_fields_match_the_accounts_api_facts(manifest: dict[str, Any]) -> None:
    definitions = manifest["definitions"]
    assert f"or '{business.BUSINESS_API_BASE_URL}'" in definitions["business_api_base_url"]
    token_endpoint = definitions["business_authenticator"]["oauth"]["token_refresh_endpoint"]
    assert token_endpoint.endswith(business.BUSINESS_REFRESH_TOKEN_PATH)
    assert definitions["business_get_path"].startswith(business.BUSINESS_GET_PATH + "?fields=")
    assert definitions["business_video_list_path"].startswith(business.BUSINESS_VIDEO_LIST_PATH + "?fields=")

    def fields(stream: str) -> tuple[str, ...]:
        return tuple(json.loads(definitions[f"{stream}_stream"]["$parameters"]["fields"]))

    assert fields("business_profile") == business.PROFILE_FIELDS
    assert fields("business_profile_daily") == business.DAILY_METRIC_FIELDS
    assert fields("business_audience_activity") == (business.AUDIENCE_ACTIVITY_FIELD,)
    assert fields("business_follower_demographics") == tuple(business.DEMOGRAPHIC_FIELDS)
    assert fields("business_videos") == business.VIDEO_LIST_FIELDS + business.VIDEO_INSIGHT_FIELDS
    assert fields("business_video_breakdowns") == ("item_id", *business.VIDEO_BREAKDOWN_KEYS)
    breakdowns = definitions["business_video_breakdowns_stream"]["retriever"]["record_selector"]["extractor"]
    assert breakdowns["arrays"] == business.VIDEO_BREAKDOWN_KEYS
    demographics = definitions["business_follower_demographics_stream"]["retriever"]["record_selector"]
    assert demographics["extractor"]["arrays"] == business.DEMOGRAPHIC_FIELDS


def test_business_codes_and_limits_match_the_accounts_api_facts(manifest: dict[str, Any]) -> None:
    text = MANIFEST_PATH.read_text()
    for code in (business.CODE_THROTTLED, business.CODE_ACCESS_TOKEN_INVALID, business.CODE_NO_PERMISSION):
        assert f"== {code}" in text, code
    assert components._BUSINESS_CODE_THROTTLED == business.CODE_THROTTLED
    rate = manifest["spec"]["connection_specification"]["properties"]["business_requests_per_minute"]
    assert rate["default"] < business.REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE
    lookback = manifest["spec"]["connection_specification"]["properties"]["business_lookback_days"]
    assert lookback["maximum"] < business.MAX_DAYS_BACK
    patterns = [policy["matchers"][0]["url_path_pattern"] for policy in manifest["api_budget"]["policies"]]
    for path in (
        business.BUSINESS_GET_PATH,
        business.BUSINESS_VIDEO_LIST_PATH,
        business.BUSINESS_COMMENT_LIST_PATH,
    ):
        assert sum(bool(re.fullmatch(p, path.rstrip("/"))) for p in patterns) == 1


def test_error_handlers_name_the_scopes_each_api_requires(manifest: dict[str, Any]) -> None:
    definitions = manifest["definitions"]
    assert tuple(definitions["error_handler"]["required_scopes"]) == tiktok.REQUIRED_SCOPES
    assert (
        tuple(definitions["business_error_handler"]["required_scopes"]) == business.BUSINESS_REQUIRED_SCOPES
    )
