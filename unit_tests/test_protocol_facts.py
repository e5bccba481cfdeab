"""TikTok's protocol facts agree wherever they are written down.

Two kinds of copies are compared.  The manifest's copies equal the connector's ``tiktok_protocol``
and ``business_protocol``, their one home in the connector: YAML cannot import Python, so the
manifest spells out the base URL, the paths, the fields and the scopes again.  And the connector's
facts equal the emulator's independent copy (``tiktok_emulator.documented``: ``display``,
``business``, ``insights``, ``comments``), read from TikTok's pages:
the emulator never imports the connector, so an end-to-end test against it proves the connector
agrees with TikTok rather than with itself.  A difference names the page the emulator's copy was
read from; the emulator serves the documented value, so the connector is the copy to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
import yaml

from source_tiktok_organic import business_protocol as business
from source_tiktok_organic import components
from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.source import MANIFEST_PATH
from testkit.configs import credentials_option
from tiktok_emulator.documented import business as documented_business
from tiktok_emulator.documented import comments as documented_comments
from tiktok_emulator.documented import display as documented_display
from tiktok_emulator.documented import insights as documented_insights
from tiktok_emulator.documented import mentions as documented_mentions


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
    assert manifest["definitions"]["user_info_retriever"]["requester"]["path"] == tiktok.USER_INFO_PATH
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

    # One field list per kind of request: every stream reading it shares the answer (issue 21).
    assert tuple(definitions["business_profile_fields"]) == business.PROFILE_FIELDS
    assert tuple(definitions["business_demographic_fields"]) == tuple(business.DEMOGRAPHIC_FIELDS)
    assert tuple(definitions["business_daily_fields"]) == (
        *business.DAILY_METRIC_FIELDS,
        business.AUDIENCE_ACTIVITY_FIELD,
    )
    video_fields = tuple(definitions["business_video_fields"])
    assert video_fields == business.VIDEO_LIST_FIELDS + business.VIDEO_INSIGHT_FIELDS
    assert {"item_id", *business.VIDEO_BREAKDOWN_KEYS} <= set(video_fields)
    breakdowns = definitions["business_video_breakdowns_stream"]["retriever"]["record_selector"]["extractor"]
    assert breakdowns["arrays"] == business.VIDEO_BREAKDOWN_KEYS
    demographics = definitions["business_follower_demographics_stream"]["retriever"]["record_selector"]
    assert demographics["extractor"]["arrays"] == business.DEMOGRAPHIC_FIELDS


def test_business_codes_and_limits_match_the_accounts_api_facts(manifest: dict[str, Any]) -> None:
    text = MANIFEST_PATH.read_text()
    for codes in (business.THROTTLED_CODES, business.REFRESH_CODES, business.MISSING_SCOPE_CODES):
        assert f"in {list(codes)}" in text, codes
    assert tuple(components._BUSINESS_THROTTLED_CODES) == business.THROTTLED_CODES
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


# -- the connector's facts against the emulator's, read from TikTok's pages ----------------------
_ABSENT = object()


@dataclass(frozen=True)
class SharedFact:
    """One fact both copies hold: the connector's name for it, both values, the emulator's source."""

    connector: ModuleType
    name: str
    documented: Any
    source: str
    #: How to compare: sets ignore order (the connector lists fields in its own order).
    as_set: bool = False

    def connector_value(self) -> Any:
        value: Any = getattr(self.connector, self.name, _ABSENT)
        if value is _ABSENT or not self.as_set:
            return value
        return set(value)

    def documented_value(self) -> Any:
        return set(self.documented) if self.as_set else self.documented


_D, _B, _I, _C = documented_display, documented_business, documented_insights, documented_comments

DISPLAY_FACTS: tuple[SharedFact, ...] = (
    SharedFact(tiktok, "AUTHORIZE_PATH", _D.AUTHORIZE_PATH, _D.LOGIN_KIT_PAGE),
    SharedFact(tiktok, "TOKEN_PATH", _D.TOKEN_PATH, _D.TOKEN_MANAGEMENT_PAGE),
    SharedFact(tiktok, "REVOKE_PATH", _D.REVOKE_PATH, _D.TOKEN_MANAGEMENT_PAGE),
    SharedFact(tiktok, "USER_INFO_PATH", _D.USER_INFO_PATH, _D.USER_INFO_PAGE),
    SharedFact(tiktok, "VIDEO_LIST_PATH", _D.VIDEO_LIST_PATH, _D.VIDEO_LIST_PAGE),
    SharedFact(tiktok, "VIDEO_QUERY_PATH", _D.VIDEO_QUERY_PATH, _D.VIDEO_QUERY_PAGE),
    SharedFact(tiktok, "USER_FIELD_SCOPES", _D.USER_FIELD_SCOPES, _D.USER_INFO_PAGE),
    SharedFact(tiktok, "VIDEO_FIELDS", _D.VIDEO_FIELDS, _D.VIDEO_OBJECT_PAGE, as_set=True),
    SharedFact(tiktok, "VIDEO_SCOPE", _D.VIDEO_SCOPE, _D.SCOPES_PAGE),
    SharedFact(tiktok, "REQUIRED_SCOPES", _D.DISPLAY_SCOPES, _D.SCOPES_PAGE, as_set=True),
    SharedFact(tiktok, "VIDEO_LIST_MAX_COUNT", _D.VIDEO_LIST_MAX_COUNT, _D.VIDEO_LIST_PAGE),
    SharedFact(tiktok, "REQUESTS_PER_ENDPOINT_MINUTE", _D.REQUESTS_PER_ENDPOINT_MINUTE, _D.RATE_LIMIT_PAGE),
)
BUSINESS_FACTS: tuple[SharedFact, ...] = (
    SharedFact(business, "BUSINESS_TOKEN_PATH", _B.TOKEN_PATH, _B.TOKEN_PAGE),
    SharedFact(business, "BUSINESS_REFRESH_TOKEN_PATH", _B.REFRESH_TOKEN_PATH, _B.REFRESH_PAGE),
    SharedFact(business, "BUSINESS_REVOKE_PATH", _B.REVOKE_PATH, _B.REVOKE_PAGE),
    SharedFact(business, "BUSINESS_TOKEN_INFO_PATH", _B.TOKEN_INFO_PATH, _B.TOKEN_INFO_PAGE),
    SharedFact(business, "BUSINESS_GET_PATH", _B.GET_PATH, _B.PROFILE_PAGE),
    SharedFact(business, "BUSINESS_VIDEO_LIST_PATH", _B.VIDEO_LIST_PATH, _B.VIDEOS_PAGE),
    SharedFact(business, "BUSINESS_COMMENT_LIST_PATH", _B.COMMENT_LIST_PATH, _B.COMMENTS_PAGE),
    SharedFact(business, "BUSINESS_COMMENT_REPLY_LIST_PATH", _B.REPLY_LIST_PATH, _B.REPLIES_PAGE),
    SharedFact(business, "BUSINESS_BENCHMARK_PATH", _B.BENCHMARK_PATH, _B.BENCHMARK_PAGE),
    SharedFact(business, "ACCESS_TOKEN_HEADER", _B.ACCESS_TOKEN_HEADER, _B.PROFILE_PAGE),
    SharedFact(business, "ACCESS_TOKEN_LIFETIME_SECONDS", _B.ACCESS_TOKEN_LIFETIME_SECONDS, _B.TOKEN_PAGE),
    SharedFact(business, "REFRESH_TOKEN_LIFETIME_SECONDS", _B.REFRESH_TOKEN_LIFETIME_SECONDS, _B.TOKEN_PAGE),
    SharedFact(business, "CODE_OK", _B.CODE_OK, _B.CODES_SOURCE),
    SharedFact(business, "CODE_NO_PERMISSION", _B.CODE_PERMISSION_ERROR, _B.CODES_SOURCE),
    SharedFact(business, "CODE_INVALID_PARAMETER", _B.CODE_PARAM_ERROR, _B.CODES_SOURCE),
    SharedFact(business, "CODE_THROTTLED", _B.CODE_REQUEST_TOO_FREQUENT, _B.CODES_SOURCE),
    SharedFact(business, "CODE_ACCESS_TOKEN_EXPIRED", _B.CODE_ACCESS_TOKEN_EXPIRE, _B.CODES_SOURCE),
    SharedFact(business, "CODE_ACCESS_TOKEN_EMPTY", _B.CODE_EMPTY_ACCESS_TOKEN, _B.CODES_SOURCE),
    SharedFact(business, "CODE_ACCESS_TOKEN_INVALID", _B.CODE_INVALID_ACCESS_TOKEN, _B.CODES_SOURCE),
    SharedFact(business, "CODE_SCOPE_NOT_AUTHORIZED", _B.CODE_SCOPE_NOT_AUTHORIZED, _B.CODES_SOURCE),
    SharedFact(business, "CODE_FREQUENCY_LIMITED", _B.CODE_REQUEST_FREQUENCY_LIMITED, _B.CODES_SOURCE),
    SharedFact(business, "CODE_TOO_MANY_REQUESTS", _B.CODE_TOO_MANY_REQUESTS_BL, _B.CODES_SOURCE),
    SharedFact(business, "THROTTLED_CODES", _B.THROTTLE_CODES, _B.CODES_SOURCE, as_set=True),
    SharedFact(business, "MISSING_SCOPE_CODES", _B.MISSING_SCOPE_CODES, _B.CODES_SOURCE, as_set=True),
    SharedFact(business, "PROFILE_FIELDS", _I.PROFILE_FIELDS, _B.PROFILE_PAGE, as_set=True),
    SharedFact(business, "DAILY_METRIC_FIELDS", _I.DAILY_METRIC_FIELDS, _B.PROFILE_PAGE, as_set=True),
    SharedFact(business, "AUDIENCE_ACTIVITY_FIELD", _I.AUDIENCE_ACTIVITY_FIELD, _B.PROFILE_PAGE),
    SharedFact(business, "DEMOGRAPHIC_FIELDS", _I.DEMOGRAPHIC_FIELDS, _B.PROFILE_PAGE),
    SharedFact(business, "MAX_DAYS_BACK", _I.MAX_DAYS_BACK, _B.PROFILE_PAGE),
    SharedFact(
        business,
        "BUSINESS_ACCOUNT_VIDEO_FIELDS",
        _I.REGISTERED_BUSINESS_VIDEO_FIELDS,
        _B.VIDEOS_PAGE,
        as_set=True,
    ),
    SharedFact(business, "VIDEO_BREAKDOWN_KEYS", _I.VIDEO_BREAKDOWN_KEYS, _B.VIDEOS_PAGE),
    SharedFact(business, "VIDEO_LIST_MAX_COUNT", _I.VIDEO_LIST_MAX_COUNT, _B.VIDEOS_PAGE),
    SharedFact(business, "BENCHMARK_FIELDS", _I.BENCHMARK_FIELDS, _B.BENCHMARK_PAGE, as_set=True),
    SharedFact(business, "COMMENT_LIST_MAX_COUNT", _C.COMMENT_LIST_MAX_COUNT, _B.COMMENTS_PAGE),
    SharedFact(business, "REPLY_LIST_MAX_COUNT", _C.REPLY_LIST_MAX_COUNT, _B.REPLIES_PAGE),
    SharedFact(business, "NESTED_REPLIES_MAX", _C.NESTED_REPLIES_MAX, _B.COMMENTS_PAGE),
    SharedFact(business, "COMMENTS_REPEAT_AFTER", _C.COMMENTS_REPEAT_AFTER, _B.COMMENTS_PAGE),
    # The connector's one list covers comments and replies: parent_comment_id only on replies.
    SharedFact(business, "COMMENT_FIELDS", _C.REPLY_FIELDS, _B.REPLIES_PAGE, as_set=True),
    SharedFact(business, "COMMENT_STATUSES", _C.COMMENT_STATUSES, _B.COMMENTS_PAGE, as_set=True),
    SharedFact(
        business,
        "REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE",
        _B.REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE,
        _B.RATE_LIMITS_PAGE,
    ),
    SharedFact(business, "REQUESTS_PER_APP_MINUTE", _B.REQUESTS_PER_APP_MINUTE, _B.RATE_LIMITS_PAGE),
)
_M = documented_mentions
MENTION_FACTS: tuple[SharedFact, ...] = (
    SharedFact(business, "MENTION_POSTS_PATH", _M.POSTS_PATH, _M.POSTS_PAGE),
    SharedFact(business, "MENTION_COMMENTS_PATH", _M.COMMENTS_PATH, _M.COMMENTS_PAGE),
    SharedFact(business, "BRAND_HASHTAG_POSTS_PATH", _M.HASHTAG_POSTS_PATH, _M.HASHTAG_POSTS_PAGE),
    SharedFact(business, "MENTION_TOP_HASHTAGS_PATH", _M.TOP_HASHTAGS_PATH, _M.TOP_HASHTAGS_PAGE),
    SharedFact(business, "MENTION_TOP_WORDS_PATH", _M.TOP_WORDS_PATH, _M.TOP_WORDS_PAGE),
    SharedFact(business, "BRAND_HASHTAGS_PATH", _M.BRAND_HASHTAGS_PATH, _M.BRAND_HASHTAGS_PAGE),
    SharedFact(business, "MENTION_POST_FIELDS", _M.POST_FIELDS, _M.POSTS_PAGE, as_set=True),
    SharedFact(business, "MENTION_COMMENT_FIELDS", _M.COMMENT_FIELDS, _M.COMMENTS_PAGE, as_set=True),
    SharedFact(
        business, "BRAND_HASHTAG_POST_FIELDS", _M.HASHTAG_POST_FIELDS, _M.HASHTAG_POSTS_PAGE, as_set=True
    ),
    SharedFact(business, "MENTION_LIST_MAX_COUNT", _M.MAX_COUNT, _M.POSTS_PAGE),
    SharedFact(business, "MENTION_MAX_DAYS", _M.MAX_DAYS, _M.POSTS_PAGE),
    SharedFact(
        business,
        "BRAND_HASHTAG_POSTS_ORDER_PARAMETER",
        _M.HASHTAG_POSTS_ORDER_PARAMETER,
        _M.HASHTAG_POSTS_PAGE,
    ),
    SharedFact(
        business, "MENTION_PERMISSIONS", (_M.CONTENT_PERMISSION, _M.COMMENT_PERMISSION), _M.POSTS_PAGE
    ),
    SharedFact(business, "MENTION_SCOPE", _M.MENTION_SCOPE, _B.TOKEN_PAGE),
)


def _module_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]


@pytest.mark.parametrize(
    "fact",
    DISPLAY_FACTS + BUSINESS_FACTS + MENTION_FACTS,
    ids=lambda f: f"{_module_name(f.connector)}.{f.name}",
)
def test_the_connector_agrees_with_tiktoks_pages(fact: SharedFact) -> None:
    where = f"{_module_name(fact.connector)}.{fact.name}"
    connector_value = fact.connector_value()
    assert connector_value is not _ABSENT, (
        f"the connector has no {where}; TikTok documents it as {fact.documented_value()!r} ({fact.source})"
    )
    documented_value = fact.documented_value()
    if isinstance(documented_value, set):
        said = (
            f"{where} holds {sorted(connector_value - documented_value)} that TikTok does not document "
            f"and lacks {sorted(documented_value - connector_value)}"
        )
    else:
        said = f"{where} is {connector_value!r}, but TikTok documents {documented_value!r}"
    assert connector_value == documented_value, (
        f"{said} ({fact.source}); the emulator serves the documented value"
    )


def test_the_connectors_business_video_fields_are_documented() -> None:
    fields = {*business.VIDEO_LIST_FIELDS, *business.VIDEO_INSIGHT_FIELDS}
    documented_fields = set(documented_insights.VIDEO_FIELDS)
    assert fields == documented_fields, (
        f"business_protocol.VIDEO_LIST_FIELDS + VIDEO_INSIGHT_FIELDS: not on the page "
        f"{sorted(fields - documented_fields)}, missing {sorted(documented_fields - fields)} "
        f"({documented_business.VIDEOS_PAGE}); the emulator refuses undocumented fields with 40002"
    )


def test_the_connectors_scope_names_are_documented() -> None:
    scopes = {
        *business.PROFILE_SCOPES,
        business.INSIGHTS_SCOPE,
        business.VIDEO_LIST_SCOPE,
        business.VIDEO_INSIGHTS_SCOPE,
        business.COMMENT_SCOPE,
        *business.BUSINESS_REQUIRED_SCOPES,
    }
    unknown = sorted(scopes - documented_business.SCOPE_NAMES)
    assert not unknown, (
        f"business_protocol names scopes no page shows: {unknown} "
        f"({documented_business.TOKEN_PAGE}, {documented_business.TOKEN_INFO_PAGE})"
    )


def test_the_app_wide_business_pace_stays_under_tiktoks_limit_for_an_app(manifest: dict[str, Any]) -> None:
    rate = manifest["spec"]["connection_specification"]["properties"]["business_app_requests_per_minute"]
    assert rate["maximum"] == business.REQUESTS_PER_APP_MINUTE
    assert rate["default"] < business.REQUESTS_PER_APP_MINUTE
    [app_policy] = [
        policy
        for policy in manifest["api_budget"]["policies"]
        if policy["matchers"][0]["url_path_pattern"].startswith("^/open_api/")
    ]
    assert app_policy["rates"] == [{"$ref": "#/definitions/business_requests_per_app_minute"}]
    limit = manifest["definitions"]["business_requests_per_app_minute"]["limit"]
    assert f"config.get('business_app_requests_per_minute') or {rate['default']}" in limit


def test_the_mention_streams_ask_tiktoks_paths_fields_and_limits(manifest: dict[str, Any]) -> None:
    definitions = manifest["definitions"]
    streams = {
        "business_mentioned_posts_stream": (business.MENTION_POSTS_PATH, "mention_post_fields"),
        "business_mentioned_comments_stream": (business.MENTION_COMMENTS_PATH, "mention_comment_fields"),
        "business_brand_hashtag_posts_stream": (
            business.BRAND_HASHTAG_POSTS_PATH,
            "brand_hashtag_post_fields",
        ),
    }
    for stream, (path, fields) in streams.items():
        requester = definitions[stream]["retriever"]["requester"]
        assert requester["path"].startswith(path + "?fields="), stream
        assert tuple(definitions[fields]) == getattr(business, fields.upper()), stream
        order = "sort_order" if path == business.BRAND_HASHTAG_POSTS_PATH else "sort_type"
        assert requester["request_parameters"][order] == "DESC", stream
        assert {"sort_order", "sort_type"} - {order} - set(requester["request_parameters"]), stream
    parameters = definitions["mention_requester"]["request_parameters"]
    assert int(parameters["max_count"]) == business.MENTION_LIST_MAX_COUNT
    days = manifest["spec"]["connection_specification"]["properties"]["mention_days"]
    assert (days["minimum"], days["maximum"], days["default"]) == (1, business.MENTION_MAX_DAYS, 90)
    keywords = definitions["business_mention_keywords_stream"]["retriever"]
    kinds = keywords["partition_router"][1]["values"]
    assert {keywords["requester"]["path"].replace("{{ stream_partition.kind }}", k) for k in kinds} == {
        business.MENTION_TOP_HASHTAGS_PATH,
        business.MENTION_TOP_WORDS_PATH,
    }
    brand = definitions["business_brand_hashtags_stream"]["retriever"]["requester"]
    assert brand["path"] == business.BRAND_HASHTAGS_PATH
    for permission in business.MENTION_PERMISSIONS:
        assert permission in " ".join(
            (definitions["mention_content_permission"], definitions["mention_comment_permission"])
        )
