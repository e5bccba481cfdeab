"""What TikTok documents about the Open API v2 (Display API and Login Kit), as the emulator serves it.

Why the emulator keeps its own copy rather than importing the connector's ``tiktok_protocol``: an
emulator that imports the connector's assumptions can only agree with them.  These facts were read
from TikTok's developer documentation, each group citing its page; ``unit_tests/test_protocol_facts.py``
compares them with the connector's independent copy and names the page when the two differ.  The
Accounts API's facts are in ``documented.business``.
"""

from __future__ import annotations

from typing import Final

# The pages cited below (TikTok for Developers).
_DOC: Final = "developers.tiktok.com/doc"
LOGIN_KIT_PAGE: Final = f"{_DOC}/login-kit-web"
TOKEN_MANAGEMENT_PAGE: Final = f"{_DOC}/oauth-user-access-token-management"
REFRESH_PAGE: Final = "developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token (November 2026)"
TOKEN_LIFETIMES_PAGE: Final = (
    "developers.tiktok.com/docs/zh-Hans/oauth-user-access-token-management (November 2026)"
)
USER_INFO_PAGE: Final = f"{_DOC}/tiktok-api-v2-get-user-info"
VIDEO_LIST_PAGE: Final = f"{_DOC}/tiktok-api-v2-video-list"
VIDEO_QUERY_PAGE: Final = f"{_DOC}/tiktok-api-v2-video-query"
VIDEO_OBJECT_PAGE: Final = "developers.tiktok.com/docs/en/tiktok-api-v2-video-object (August 2026)"
SCOPES_PAGE: Final = f"{_DOC}/tiktok-api-scopes"
RATE_LIMIT_PAGE: Final = f"{_DOC}/tiktok-api-v2-rate-limit"
ERRORS_PAGE: Final = f"{_DOC}/tiktok-api-v2-error-handling"

# LOGIN_KIT_PAGE (the consent page, /v2/auth/authorize/ on www.tiktok.com) and
# TOKEN_MANAGEMENT_PAGE (the token and revoke endpoints).
AUTHORIZE_PATH: Final = "/v2/auth/authorize/"
TOKEN_PATH: Final = "/v2/oauth/token/"
REVOKE_PATH: Final = "/v2/oauth/revoke/"

# Token lifetimes, as of November 2026: REFRESH_PAGE (access tokens expire within 2 hours; refresh
# tokens rotate on every refresh and the previous one stops working at once) and
# TOKEN_LIFETIMES_PAGE (2 hours, 180 days).  The older TOKEN_MANAGEMENT_PAGE said 24 hours and 365
# days from the initial issuance: the refresh token's lifetime counts from the consent, not the refresh.
ACCESS_TOKEN_LIFETIME_SECONDS: Final = 2 * 3600
REFRESH_TOKEN_LIFETIME_SECONDS: Final = 180 * 86400
LEGACY_ACCESS_TOKEN_LIFETIME_SECONDS: Final = 86400
LEGACY_REFRESH_TOKEN_LIFETIME_SECONDS: Final = 365 * 86400

# Display API endpoints: USER_INFO_PAGE, VIDEO_LIST_PAGE and VIDEO_QUERY_PAGE.
USER_INFO_PATH: Final = "/v2/user/info/"
VIDEO_LIST_PATH: Final = "/v2/video/list/"
VIDEO_QUERY_PATH: Final = "/v2/video/query/"

# user/info's fields and the scope each needs: USER_INFO_PAGE (the user object) and SCOPES_PAGE.
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
#: The scope without which user/info serves nothing (scope_not_authorized).
BASIC_SCOPE: Final = "user.info.basic"

# The video object: VIDEO_OBJECT_PAGE (updated August 2026, which added is_aigc, a boolean: the video
# is AI-generated content).  Scope video.list.
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
    "is_aigc",
)
VIDEO_SCOPE: Final = "video.list"
#: Every scope the Display API's fields need, in the order the scopes page lists them.
DISPLAY_SCOPES: Final[tuple[str, ...]] = (*dict.fromkeys(USER_FIELD_SCOPES.values()), VIDEO_SCOPE)

# Paging: VIDEO_LIST_PAGE (max_count 1..20, default 10; the cursor is a UTC timestamp in
# milliseconds) and VIDEO_QUERY_PAGE (at most 20 ids).
VIDEO_LIST_MAX_COUNT: Final = 20
VIDEO_LIST_DEFAULT_COUNT: Final = 10
VIDEO_QUERY_MAX_IDS: Final = 20

# RATE_LIMIT_PAGE: per endpoint, per sliding minute.
REQUESTS_PER_ENDPOINT_MINUTE: Final = 600

# ERRORS_PAGE: error.code -> HTTP status.
ERROR_STATUS: Final[dict[str, int]] = {
    "ok": 200,
    "access_token_invalid": 401,
    "scope_not_authorized": 401,
    "scope_permission_missed": 400,
    "invalid_params": 400,
    "rate_limit_exceeded": 429,
    "internal_error": 500,
}
