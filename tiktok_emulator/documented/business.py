"""What TikTok documents about the API for Business's Accounts API (v1.3), as the emulator serves it.

Why the emulator keeps its own copy rather than importing the connector's ``business_protocol``: an
emulator that imports the connector's assumptions can only agree with them.  Each group below names
the reference page it was read from (``*_PAGE``: a path in the public repository ``ckr2436/Tiktok-OPS``,
which holds TikTok's reference pages as JSON) or TikTok's SDK code table; ``unit_tests/
test_protocol_facts.py`` compares the facts with the connector's copy and names the page on a
difference.  Facts no page states are marked *inferred* or *unofficial*.
"""

from __future__ import annotations

from typing import Final

_DOCS: Final = "ckr2436/Tiktok-OPS: docs/tiktok_api/pages/API Reference/"
TOKEN_PAGE: Final = _DOCS + "Authentication/Obtain_a_short-term_access_token__2c928d27.json"
REFRESH_PAGE: Final = _DOCS + "Authentication/Renew_a_short-term_access_token__37a99199.json"
REVOKE_PAGE: Final = _DOCS + "Authentication/Revoke_a_short-term_access_token__38a7a7c4.json"
TOKEN_INFO_PAGE: Final = (
    _DOCS + "Accounts/Access token inspector/"
    "Get_the_authorized_TikTok_account_permission_scopes_via_access_token__d41824aa.json"
)
PROFILE_PAGE: Final = _DOCS + "Accounts/Insights/Get_profile_data_of_a_TikTok_account__047b9446.json"
VIDEOS_PAGE: Final = _DOCS + "Accounts/Insights/Get_video_data_of_a_TikTok_account__a6a9ada3.json"
BENCHMARK_PAGE: Final = _DOCS + "Accounts/Insights/Get_benchmarks_for_a_business_category__3d82785e.json"
COMMENTS_PAGE: Final = _DOCS + "Accounts/Comments/Get_comments_on_an_owned_video__ca7445dc.json"
REPLIES_PAGE: Final = _DOCS + "Accounts/Comments/Get_all_replies_to_a_comment__16c19620.json"
CODES_SOURCE: Final = (
    "tiktok/tiktok-business-api-sdk: python_sdk/business_api_client/tiktok_business/tiktok_code.py"
)

_V13: Final = "/open_api/v1.3"
# TOKEN_PAGE, REFRESH_PAGE, REVOKE_PAGE, TOKEN_INFO_PAGE: POST, JSON bodies, answers under `data`.
TOKEN_PATH: Final = f"{_V13}/tt_user/oauth2/token/"
REFRESH_TOKEN_PATH: Final = f"{_V13}/tt_user/oauth2/refresh_token/"
REVOKE_PATH: Final = f"{_V13}/tt_user/oauth2/revoke/"
TOKEN_INFO_PATH: Final = f"{_V13}/tt_user/token_info/get/"
# PROFILE_PAGE, VIDEOS_PAGE, COMMENTS_PAGE, REPLIES_PAGE, BENCHMARK_PAGE: every curl example is a GET
# with query parameters (the pages' own "POST" tag contradicts their examples).
GET_PATH: Final = f"{_V13}/business/get/"
VIDEO_LIST_PATH: Final = f"{_V13}/business/video/list/"
COMMENT_LIST_PATH: Final = f"{_V13}/business/comment/list/"
REPLY_LIST_PATH: Final = f"{_V13}/business/comment/reply/list/"
BENCHMARK_PATH: Final = f"{_V13}/business/benchmark/"
# Every read endpoint's page: the token rides in this header, not in Authorization.
ACCESS_TOKEN_HEADER: Final = "Access-Token"

# TOKEN_PAGE and REFRESH_PAGE: a day for the access token, a year for the refresh token; the refresh
# page's example gives less than a year left, so the year counts from the consent.
ACCESS_TOKEN_LIFETIME_SECONDS: Final = 86400
REFRESH_TOKEN_LIFETIME_SECONDS: Final = 31536000
TOKEN_DATA_FIELDS: Final[tuple[str, ...]] = (
    "access_token",
    "token_type",
    "scope",
    "expires_in",
    "refresh_token",
    "refresh_token_expires_in",
    "open_id",
)
# TOKEN_INFO_PAGE: no expiry and no open_id (creator_id is the business_id).
TOKEN_INFO_FIELDS: Final[tuple[str, ...]] = ("app_id", "creator_id", "scope")

# CODES_SOURCE (the SDK's NumericErrorCodes): every answer is HTTP 200 with {code, message,
# request_id, data}; code 0 is success.
CODE_OK: Final = 0
CODE_PERMISSION_ERROR: Final = 40001
CODE_PARAM_ERROR: Final = 40002
CODE_REQUEST_TOO_FREQUENT: Final = 40100
CODE_ACCESS_TOKEN_EXPIRE: Final = 40102
CODE_REFRESH_TOKEN_EXPIRE: Final = 40103
CODE_EMPTY_ACCESS_TOKEN: Final = 40104
CODE_INVALID_ACCESS_TOKEN: Final = 40105
CODE_INVALID_REFRESH_TOKEN: Final = 40107
CODE_INVALID_GRANT_TYPE: Final = 40108
CODE_AUTH_CODE_ERROR: Final = 40110
CODE_SCOPE_NOT_AUTHORIZED: Final = 40130
CODE_REQUEST_FREQUENCY_LIMITED: Final = 40132
CODE_SYS_ERROR: Final = 50000
CODE_SYS_TIMEOUT: Final = 50002
CODE_TOO_MANY_REQUESTS_BL: Final = 61000
THROTTLE_CODES: Final[tuple[int, ...]] = (
    CODE_REQUEST_TOO_FREQUENT,
    CODE_REQUEST_FREQUENCY_LIMITED,
    CODE_TOO_MANY_REQUESTS_BL,
)
MISSING_SCOPE_CODES: Final[tuple[int, ...]] = (CODE_SCOPE_NOT_AUTHORIZED, CODE_PERMISSION_ERROR)

# Scope names: those in TOKEN_PAGE's and TOKEN_INFO_PAGE's examples.  Only one field's scope is
# documented (PROFILE_PAGE: is_business_account needs user.account.type); the emulator's other
# field -> scope choices (business_scopes) are *inferred* from the names.
ACCOUNT_TYPE_SCOPE: Final = "user.account.type"
SCOPE_NAMES: Final[frozenset[str]] = frozenset(
    {
        "user.info.basic",
        "user.info.username",
        "user.info.profile",
        "user.info.stats",
        ACCOUNT_TYPE_SCOPE,
        "user.insights",
        "user.insights.creator",
        "video.list",
        "video.insights",
        "video.upload",
        "video.publish",
        "comment.list",
        "comment.list.manage",
        "biz.brand.insights",
        "biz.spark.auth",
        "biz.ads.recommend",
        "biz.creator.info",
        "biz.creator.insights",
        "tcm.order.update",
        "message.list.manage",
        "message.list.send",
        "message.list.read",
    }
)

# RATE_LIMITS_PAGE: the Accounts API's limits, per sliding minute.  The page is not among the
# reference copies above; its numbers are as quoted from it in public notes that cite it
# (documented there as "40 QPM per authorized TikTok account per endpoint" and "600 QPM across all
# Accounts API endpoints combined" at the Basic app level, 1,000 at higher levels), so read them
# as documented but not checked against a verbatim copy.  Throttled answers carry a throttle code
# (THROTTLE_CODES).
RATE_LIMITS_PAGE: Final = "https://business-api.tiktok.com/portal/docs/accounts-api-rate-limits/v1.3"
REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE: Final = 40
REQUESTS_PER_APP_MINUTE: Final = 600
