"""Which scope each Accounts API field and endpoint needs in the emulator: *inferred*, not documented.

Why a module of its own: the reference pages lost their "Required permission" column, so apart from
``is_business_account`` (``user.account.type``) every link below is the emulator's reading of the
scope names (``documented.business.SCOPE_NAMES``); keeping the guesses here keeps them out of the
documented facts.  A connector that needs other scopes than these fails here, not silently.
"""

from __future__ import annotations

from typing import Final

from tiktok_emulator.documented.business import ACCOUNT_TYPE_SCOPE
from tiktok_emulator.documented.insights import (
    AUDIENCE_ACTIVITY_FIELD,
    DAILY_METRIC_FIELDS,
    DEMOGRAPHIC_FIELDS,
    VIDEO_FIELDS,
)
from tiktok_emulator.documented.mentions import MENTION_SCOPE

BASIC_SCOPE: Final = "user.info.basic"
USERNAME_SCOPE: Final = "user.info.username"
PROFILE_SCOPE: Final = "user.info.profile"
STATS_SCOPE: Final = "user.info.stats"
INSIGHTS_SCOPE: Final = "user.insights"
VIDEO_LIST_SCOPE: Final = "video.list"
VIDEO_INSIGHTS_SCOPE: Final = "video.insights"
COMMENT_SCOPE: Final = "comment.list"
PROFILE_SCOPES: Final[tuple[str, ...]] = (
    BASIC_SCOPE,
    USERNAME_SCOPE,
    PROFILE_SCOPE,
    STATS_SCOPE,
    ACCOUNT_TYPE_SCOPE,
)
#: What the emulated authorisation grants unless a test says otherwise: every scope above.
DEFAULT_GRANTED_SCOPES: Final[tuple[str, ...]] = (
    *PROFILE_SCOPES,
    INSIGHTS_SCOPE,
    VIDEO_LIST_SCOPE,
    VIDEO_INSIGHTS_SCOPE,
    COMMENT_SCOPE,
    MENTION_SCOPE,
)

# Lifetime fields, modelled on the Display API's user fields.
PROFILE_FIELD_SCOPES: Final[dict[str, str]] = {
    "is_business_account": ACCOUNT_TYPE_SCOPE,  # the one documented link
    "profile_image": BASIC_SCOPE,
    "display_name": BASIC_SCOPE,
    "username": USERNAME_SCOPE,
    "profile_deep_link": PROFILE_SCOPE,
    "bio_description": PROFILE_SCOPE,
    "is_verified": PROFILE_SCOPE,
    "following_count": STATS_SCOPE,
    "followers_count": STATS_SCOPE,
    "total_likes": STATS_SCOPE,
    "videos_count": STATS_SCOPE,
}
#: business/get's fields: daily, hourly and demographic ones need user.insights.  followers_count
#: keeps its lifetime scope (its daily copy comes with it).
GET_FIELD_SCOPES: Final[dict[str, str]] = {
    **dict.fromkeys((*DAILY_METRIC_FIELDS, AUDIENCE_ACTIVITY_FIELD, *DEMOGRAPHIC_FIELDS), INSIGHTS_SCOPE),
    **PROFILE_FIELD_SCOPES,
}
#: video/list: the identity and engagement counts need video.list, the analytics video.insights.
VIDEO_IDENTITY_FIELDS: Final = VIDEO_FIELDS[: VIDEO_FIELDS.index("video_views") + 1]
VIDEO_FIELD_SCOPES: Final[dict[str, str]] = {
    f: VIDEO_LIST_SCOPE if f in VIDEO_IDENTITY_FIELDS else VIDEO_INSIGHTS_SCOPE for f in VIDEO_FIELDS
}
