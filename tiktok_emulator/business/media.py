"""The Accounts API's per-video data: the Display videos seen as business items, with insights.

Why built on the Display API's videos: both APIs describe one creator, so the same ids and creation
times come back from either (a connector that joins them must find every video in both).  Insights
are computed per request from ``(seed, video id)``: the same on every call, never stored, and cheap
for the one page a request asks for.  The comments are in ``business.comments``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, Final

from tiktok_emulator.business.data import AUDIENCE_VALUES, shares
from tiktok_emulator.documented.insights import (
    AUDIENCE_TYPES,
    IMPRESSION_SOURCES,
    MEDIA_TYPES,
    REGISTERED_BUSINESS_VIDEO_FIELDS,
    VIDEO_AUDIENCE_MAX_ROWS,
    VIDEO_BREAKDOWN_KEYS,
    VIDEO_FIELDS,
)

#: How many seconds of a video the retention and like curves cover at most.
CURVE_SECONDS: Final = 60
#: The values of each audience breakdown (the countries and cities cut to the documented maximum).
_BREAKDOWN_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "impression_sources": IMPRESSION_SOURCES,
    "audience_genders": AUDIENCE_VALUES["audience_genders"],
    "audience_countries": AUDIENCE_VALUES["audience_countries"][:VIDEO_AUDIENCE_MAX_ROWS],
    "audience_cities": AUDIENCE_VALUES["audience_cities"][:VIDEO_AUDIENCE_MAX_ROWS],
}


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def business_video(video: Mapping[str, Any], seed: int, *, is_business: bool) -> dict[str, Any]:
    """Every video/list field of one Display video (projection to the requested fields is the API's).

    ``create_time`` is a string of epoch seconds and each curve's ``second`` a string, as TikTok's
    reference page types them; the click fields are null for an account that is not a business.
    """
    rng = _rng(seed, "video", video["id"])
    views, likes = video["view_count"], video["like_count"]
    duration = float(video["duration"])
    item: dict[str, Any] = {
        "item_id": video["id"],
        "create_time": str(video["create_time"]),
        "thumbnail_url": video["cover_image_url"],
        "share_url": video["share_url"],
        "embed_url": video["embed_link"],
        "caption": video["video_description"],
        **post_kind(video, seed),
        "video_duration": duration,
        "likes": likes,
        "comments": video["comment_count"],
        "shares": video["share_count"],
        "favorites": int(likes * rng.uniform(0.05, 0.3)),
        "reach": int(views * rng.uniform(0.6, 0.95)),
        "video_views": views,
    }
    average = round(duration * rng.uniform(0.2, 0.7), 3) if views else 0.0
    item.update(
        {
            "total_time_watched": round(average * views, 3),
            "average_time_watched": average,
            "full_video_watched_rate": round(rng.uniform(0.02, 0.4), 4) if views else 0.0,
            "new_followers": int(views * rng.uniform(0.0005, 0.005)),
            "profile_views": int(views * rng.uniform(0.005, 0.03)),
        }
    )
    for name in REGISTERED_BUSINESS_VIDEO_FIELDS:
        item[name] = rng.randint(0, 40) if views and is_business else (0 if is_business else None)
    seconds = [str(s) for s in range(min(int(duration), CURVE_SECONDS) + 1)]
    item["video_view_retention"] = _retention(rng, seconds) if views else []
    item["engagement_likes"] = shares(rng, "second", seconds) if likes else []
    for name, values in _BREAKDOWN_VALUES.items():
        item[name] = shares(rng, VIDEO_BREAKDOWN_KEYS[name], values) if views else []
    item["audience_types"] = _audience_types(rng) if views else []
    assert set(item) == set(VIDEO_FIELDS), "keep in step with documented_business"
    return item


def post_kind(video: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """``media_type`` and ``is_ad``: about one post in ten a photo post, one in twelve used in an ad.

    Drawn apart from the metrics, so that adding them moved no other value of a seeded emulator.
    """
    rng = _rng(seed, "kind", video["id"])
    return {"media_type": MEDIA_TYPES[rng.random() < 0.1], "is_ad": rng.random() < 1 / 12}


def _retention(rng: random.Random, seconds: list[str]) -> list[dict[str, Any]]:
    """Share of viewers still watching at each second: 1 at the start, falling."""
    rows, share = [], 1.0
    for second in seconds:
        rows.append({"second": second, "percentage": round(share, 4)})
        share *= rng.uniform(0.9, 0.99)
    return rows


def _audience_types(rng: random.Random) -> list[dict[str, Any]]:
    """Two splits of the viewers, each summing to 1: new vs returning, followers vs not."""
    new, follower = round(rng.uniform(0.5, 0.95), 4), round(rng.uniform(0.01, 0.3), 4)
    shares_by_type = (new, round(1 - new, 4), follower, round(1 - follower, 4))
    return [{"type": t, "percentage": p} for t, p in zip(AUDIENCE_TYPES, shares_by_type, strict=True)]
