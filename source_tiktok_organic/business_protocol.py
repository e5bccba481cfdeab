"""TikTok API for Business, Accounts API (``business-api.tiktok.com``) protocol facts, in one place.

The Display API's facts are in ``tiktok_protocol``; this module is their counterpart for the API
that serves daily metrics, audience, video insights and comments of business and creator accounts.
Standard library only (the emulator, the auth command and the tests import it without the CDK). The
manifest repeats some of these values; ``unit_tests/test_protocol_facts.py`` keeps the copies equal.

TikTok publishes this API's documentation behind its business portal. Facts marked *unverified*
below could not be confirmed from a public copy; the connector accepts both readings.
"""

from __future__ import annotations

from typing import Final

BUSINESS_API_BASE_URL: Final = "https://business-api.tiktok.com"
_V13: Final = "/open_api/v1.3"

# OAuth: JSON bodies in and out, tokens answered under `data`.
BUSINESS_TOKEN_PATH: Final = f"{_V13}/tt_user/oauth2/token/"
BUSINESS_REFRESH_TOKEN_PATH: Final = f"{_V13}/tt_user/oauth2/refresh_token/"
BUSINESS_REVOKE_PATH: Final = f"{_V13}/tt_user/oauth2/revoke/"
BUSINESS_TOKEN_INFO_PATH: Final = f"{_V13}/tt_user/token_info/get/"
# The consent page is the Display API's (www.tiktok.com); the redirect carries `code` or `auth_code`.
BUSINESS_AUTH_CODE_PARAMETERS: Final[tuple[str, ...]] = ("auth_code", "code")

# Data endpoints: GET with query parameters; `fields` and `filters` are JSON arrays as strings.
BUSINESS_GET_PATH: Final = f"{_V13}/business/get/"
BUSINESS_VIDEO_LIST_PATH: Final = f"{_V13}/business/video/list/"
BUSINESS_COMMENT_LIST_PATH: Final = f"{_V13}/business/comment/list/"
BUSINESS_COMMENT_REPLY_LIST_PATH: Final = f"{_V13}/business/comment/reply/list/"

# Calls carry `Access-Token: <token>`, not `Authorization: Bearer`.
ACCESS_TOKEN_HEADER: Final = "Access-Token"

# Every answer is HTTP 200 with {"code", "message", "request_id", "data"}: decide on `code`.
CODE_OK: Final = 0
CODE_THROTTLED: Final = 40100  # per minute (wait about 5 minutes) or per day (until 00:00 UTC)
CODE_ACCESS_TOKEN_INVALID: Final = 40105  # unverified: expired or revoked access token
CODE_INVALID_PARAMETER: Final = 40002  # unverified
CODE_NO_PERMISSION: Final = 40001  # unverified: the token lacks the scope the request needs

# business/get: lifetime profile fields (scopes user.info.basic/profile/stats, user.account.type).
PROFILE_FIELDS: Final[tuple[str, ...]] = (
    "is_business_account",
    "profile_image",
    "display_name",
    "username",
    "profile_deep_link",
    "bio_description",
    "is_verified",
    "following_count",
    "followers_count",
    "total_likes",
    "videos_count",
)
# business/get `metrics`: one object per date (scope user.insights). The first six exist for every
# account; the rest for business accounts (the click fields for registered business accounts).
DAILY_METRIC_FIELDS: Final[tuple[str, ...]] = (
    "video_views",
    "profile_views",
    "likes",
    "comments",
    "shares",
    "followers_count",
    "unique_video_views",
    "daily_total_followers",
    "daily_new_followers",
    "daily_lost_followers",
    "engaged_audience",
    "bio_link_clicks",
    "phone_number_clicks",
    "email_clicks",
    "address_clicks",
    "app_download_clicks",
    "lead_submissions",
)
# Hourly followers online, inside each daily metrics object: [{hour, count}].
AUDIENCE_ACTIVITY_FIELD: Final = "audience_activity"
# Undated follower demographics (accounts with 100 followers or more): field -> the key of its rows.
DEMOGRAPHIC_FIELDS: Final[dict[str, str]] = {
    "audience_ages": "age",
    "audience_genders": "gender",
    "audience_countries": "country",
    "audience_cities": "city_name",  # unverified: the key may also be `city`
}
# How far back business/get serves daily metrics; its dates are UTC days, both ends inclusive.
MAX_DAYS_BACK: Final = 60

# business/video/list fields (scope video.list), then the insights (scope video.insights).
VIDEO_LIST_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "media_type",
    "is_ad",
    "thumbnail_url",
    "share_url",
    "embed_url",
    "caption",
    "create_time",
    "video_duration",
    "likes",
    "comments",
    "shares",
    "favorites",
    "reach",
    "video_views",
)
# The video insights only business accounts get (a creator account's are empty).
BUSINESS_ACCOUNT_VIDEO_FIELDS: Final[tuple[str, ...]] = (
    "website_clicks",
    "phone_number_clicks",
    "lead_submissions",
    "app_download_clicks",
    "email_clicks",
    "address_clicks",
)
VIDEO_INSIGHT_FIELDS: Final[tuple[str, ...]] = (
    "total_time_watched",
    "average_time_watched",
    "full_video_watched_rate",
    "new_followers",
    "profile_views",
    *BUSINESS_ACCOUNT_VIDEO_FIELDS,
    "video_view_retention",
    "engagement_likes",
    "impression_sources",
    "audience_genders",
    "audience_countries",
    "audience_cities",
    "audience_types",
)
# The per-video arrays and the key each element is named by (one breakdown row per element).
VIDEO_BREAKDOWN_KEYS: Final[dict[str, str]] = {
    "video_view_retention": "second",
    "engagement_likes": "second",
    "impression_sources": "impression_source",
    "audience_genders": "gender",
    "audience_countries": "country",
    "audience_cities": "city_name",  # unverified, as for the profile's cities
    "audience_types": "type",
}
VIDEO_LIST_MAX_COUNT: Final = 20
COMMENT_LIST_MAX_COUNT: Final = 30

# Scopes: what each part of the data needs.
PROFILE_SCOPES: Final[tuple[str, ...]] = (
    "user.info.basic",
    "user.info.username",
    "user.info.profile",
    "user.info.stats",
    "user.account.type",
)
INSIGHTS_SCOPE: Final = "user.insights"
VIDEO_LIST_SCOPE: Final = "video.list"
VIDEO_INSIGHTS_SCOPE: Final = "video.insights"
COMMENT_SCOPE: Final = "comment.list"
# Every scope the business streams need (comment.list only when comments are on).
BUSINESS_REQUIRED_SCOPES: Final[tuple[str, ...]] = (
    *PROFILE_SCOPES,
    INSIGHTS_SCOPE,
    VIDEO_LIST_SCOPE,
    VIDEO_INSIGHTS_SCOPE,
)

# Limits: per authorised account per endpoint (unverified), and per app at the basic level.
REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE: Final = 40
REQUESTS_PER_APP_MINUTE: Final = 600
# Access tokens live a day; the refresh token a year from the first consent.
ACCESS_TOKEN_LIFETIME_SECONDS: Final = 86400
REFRESH_TOKEN_LIFETIME_SECONDS: Final = 365 * 86400
