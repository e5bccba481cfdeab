"""TikTok API for Business, Accounts API (``business-api.tiktok.com``) protocol facts, in one place.

The Display API's facts are in ``tiktok_protocol``; this module is their counterpart for the API
that serves daily metrics, audience, video insights and comments of business and creator accounts.
Standard library only (the emulator, the auth command and the tests import it without the CDK). The
manifest repeats some of these values; ``unit_tests/test_protocol_facts.py`` keeps the copies equal.

TikTok publishes this API's documentation behind its business portal; the facts below were checked
against public verbatim copies of its reference pages (docs/tiktok-organic.md, "Assumptions", names
each page). Facts marked *unverified* are on no page; the connector accepts both readings.
"""

from __future__ import annotations

from typing import Final

BUSINESS_API_BASE_URL: Final = "https://business-api.tiktok.com"
# The connector's `credentials.auth_type` for this API (the spec's second credentials option).
BUSINESS_AUTH_TYPE: Final = "business_oauth2.0"
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

# Every answer is HTTP 200 with {"code", "message", "request_id", "data"}: decide on `code`. The codes
# are TikTok's (its SDK's code table, tiktok_business/tiktok_code.py).
CODE_OK: Final = 0
CODE_NO_PERMISSION: Final = 40001  # the token lacks a scope the request needs
CODE_INVALID_PARAMETER: Final = 40002
CODE_THROTTLED: Final = 40100  # per minute (wait about 5 minutes) or per day (until 00:00 UTC)
CODE_ACCESS_TOKEN_EXPIRED: Final = 40102
CODE_ACCESS_TOKEN_EMPTY: Final = 40104
CODE_ACCESS_TOKEN_INVALID: Final = 40105  # revoked or unknown
CODE_SCOPE_NOT_AUTHORIZED: Final = 40130
CODE_FREQUENCY_LIMITED: Final = 40132
CODE_TOO_MANY_REQUESTS: Final = 61000
# What each code asks of the connector.
REFRESH_CODES: Final[tuple[int, ...]] = (
    CODE_ACCESS_TOKEN_EXPIRED,
    CODE_ACCESS_TOKEN_EMPTY,
    CODE_ACCESS_TOKEN_INVALID,
)
MISSING_SCOPE_CODES: Final[tuple[int, ...]] = (CODE_NO_PERMISSION, CODE_SCOPE_NOT_AUTHORIZED)
THROTTLED_CODES: Final[tuple[int, ...]] = (CODE_THROTTLED, CODE_FREQUENCY_LIMITED, CODE_TOO_MANY_REQUESTS)
# System errors and time-outs (5xxxx) and maintenance (60001): transient, retried.
SYSTEM_ERROR_CODES: Final = range(50000, 60000)
CODE_MAINTENANCE: Final = 60001

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
    "audience_cities": "city_name",  # the reference page's; `city` is read too
}
# How far back business/get serves daily metrics; its dates are UTC days, both ends inclusive, and
# end_date defaults to yesterday (today has no data yet).
MAX_DAYS_BACK: Final = 60

# business/video/list fields (scope video.list), then the insights (scope video.insights).
# media_type and is_ad are on no copied reference page: is_ad from TikTok's changelog of 2026-05-15
# (a third party's transcription), media_type from SPEC.md's field list; both optional fields.
VIDEO_LIST_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "thumbnail_url",
    "share_url",
    "embed_url",
    "caption",
    "media_type",
    "is_ad",
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
REPLY_LIST_MAX_COUNT: Final = 30
# comment/list with include_replies nests at most this many replies in each comment's reply_list;
# every reply comes only from reply/list.
NESTED_REPLIES_MAX: Final = 3
# Past this many comments on a video, comment/list pages may repeat earlier comments.
COMMENTS_REPEAT_AFTER: Final = 500
# Every field of a comment or reply (parent_comment_id only on replies; create_time is a string).
COMMENT_FIELDS: Final[tuple[str, ...]] = (
    "comment_id",
    "video_id",
    "parent_comment_id",
    "user_id",
    "unique_identifier",
    "create_time",
    "text",
    "likes",
    "replies",
    "owner",
    "liked",
    "pinned",
    "status",
    "username",
    "display_name",
    "profile_image",
)
COMMENT_STATUSES: Final[tuple[str, ...]] = ("PUBLIC", "HIDDEN")

# business/benchmark/: averages over the business accounts of a category (the category's values
# are listed by a page that was not public; these are the names seen in use).
BUSINESS_BENCHMARK_PATH: Final = f"{_V13}/business/benchmark/"
BENCHMARK_FIELDS: Final[tuple[str, ...]] = (
    "average_likes",
    "average_comments",
    "average_shares",
    "average_video_count",
    "average_follower_count",
    "average_follower_growth",
    "average_engagement_rate",
    "average_video_views",
)

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

# The Mentions API (who talks about the brand): same token and business_id; GET, `fields` and
# `regions` as JSON arrays, `number_of_days` 1 to 90 (no date parameter), an offset `cursor`, at most
# 100 a page, pages that may be short while has_more is true, the top 1,000 of each list
# (unverified: TikTok's endpoint index). Times are strings of Unix seconds.
MENTION_POSTS_PATH: Final = f"{_V13}/business/mention/video/list/"
MENTION_COMMENTS_PATH: Final = f"{_V13}/business/mention/comment/list/"
BRAND_HASHTAG_POSTS_PATH: Final = f"{_V13}/business/mention/hashtag/video/list/"
MENTION_TOP_HASHTAGS_PATH: Final = f"{_V13}/business/mention/top_hashtag/list/"
MENTION_TOP_WORDS_PATH: Final = f"{_V13}/business/mention/top_word/list/"
BRAND_HASHTAGS_PATH: Final = f"{_V13}/business/mention/hashtag/manage/list/"
MENTION_POST_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "create_time",
    "video_link",
    "caption",
    "likes",
    "comments",
    "shares",
    "thumbnail_url",
    "views",  # null under 1,000
    "reach",  # null under 1,000
    "creator_handle_name",
)
MENTION_COMMENT_FIELDS: Final[tuple[str, ...]] = (
    "comment_id",
    "comment_create_time",
    "comment_type",
    "comment_text",
    "comment_likes",
    "commenter_display_name",
    "item_id",
    "video_link",
    "caption",
    "video_likes",
    "thumbnail_url",
)
BRAND_HASHTAG_POST_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "create_time",
    "video_link",
    "caption",
    "likes",
    "comments",
    "shares",
    "thumbnail_url",
    "matched_hashtags",
)
MENTION_LIST_MAX_COUNT: Final = 100  # the brand-hashtag list's page states no maximum (unverified)
MENTION_MAX_DAYS: Final = 90
# The order parameter: `sort_type` on the posts and comments lists, `sort_order` on the brand-hashtag one.
BRAND_HASHTAG_POSTS_ORDER_PARAMETER: Final = "sort_order"
# TikTok's permissions (its endpoint index); their OAuth scope is on no page: TikTok's token example
# lists biz.brand.insights (unverified), which `tiktok-organic-auth --business --mentions` asks for.
MENTION_PERMISSIONS: Final[tuple[str, ...]] = ("Mentions > Content", "Mentions > Comment")
MENTION_SCOPE: Final = "biz.brand.insights"

# Limits (unverified: no reference page gives them): per authorised account per endpoint, and per
# app at the basic level.
REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE: Final = 40
REQUESTS_PER_APP_MINUTE: Final = 600
# Access tokens live a day; the refresh token a year from the first consent.
ACCESS_TOKEN_LIFETIME_SECONDS: Final = 86400
REFRESH_TOKEN_LIFETIME_SECONDS: Final = 365 * 86400
