"""TikTok Open API v2 (Display API and Login Kit) protocol facts, in one place.

Standard library only, so that the auth command, the loopback emulator and the tests can import it
without the CDK. The manifest cannot import Python, so it repeats some of these values (the base URL,
the paths, the field lists, the scopes); ``unit_tests/test_protocol_facts.py`` keeps those copies
equal to this module. Source: TikTok's developer documentation for the Display API and Login Kit
(developers.tiktok.com/doc).
"""

from __future__ import annotations

from typing import Final

API_BASE_URL: Final = "https://open.tiktokapis.com"
# The consent page lives on www.tiktok.com, not on the API host.
AUTHORIZE_URL: Final = "https://www.tiktok.com/v2/auth/authorize/"

TOKEN_PATH: Final = "/v2/oauth/token/"
REVOKE_PATH: Final = "/v2/oauth/revoke/"
AUTHORIZE_PATH: Final = "/v2/auth/authorize/"
USER_INFO_PATH: Final = "/v2/user/info/"
VIDEO_LIST_PATH: Final = "/v2/video/list/"
VIDEO_QUERY_PATH: Final = "/v2/video/query/"

# user/info field -> the scope that must have been granted to read it.
USER_FIELD_SCOPES: Final[dict[str, str]] = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "username": "user.info.profile",
    "is_verified": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}
USER_FIELDS: Final[tuple[str, ...]] = tuple(USER_FIELD_SCOPES)

# Every video field, in the order TikTok documents them (scope video.list).
VIDEO_FIELDS: Final[tuple[str, ...]] = (
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "title",
    "duration",
    "height",
    "width",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
    "is_aigc",  # added by TikTok in August 2026
)
VIDEO_SCOPE: Final = "video.list"

# Every scope a full sync needs, in the order TikTok's consent screen lists them.
REQUIRED_SCOPES: Final[tuple[str, ...]] = (
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    VIDEO_SCOPE,
)
# The scopes that need TikTok's app review before an app may request them.
REVIEWED_SCOPES: Final[tuple[str, ...]] = ("user.info.profile", "user.info.stats", "video.list")

# The largest page video/list serves.
VIDEO_LIST_MAX_COUNT: Final = 20
# TikTok's limit per endpoint per sliding minute.
REQUESTS_PER_ENDPOINT_MINUTE: Final = 600
