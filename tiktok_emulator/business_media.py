"""The Accounts API's per-video data: the Display videos seen as business items, insights, comments.

Why built on the Display API's videos: both APIs describe one creator, so the same ids and creation
times come back from either (a connector that joins them must find every video in both).  Insights
and comments are computed per request from ``(seed, video id)``: the same on every call, never
stored, and cheap for the one page a request asks for.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from source_tiktok_organic.business_protocol import (
    BUSINESS_ACCOUNT_VIDEO_FIELDS,
    VIDEO_BREAKDOWN_KEYS,
    VIDEO_INSIGHT_FIELDS,
    VIDEO_LIST_FIELDS,
)
from tiktok_emulator.business_data import AUDIENCE_VALUES, shares
from tiktok_emulator.data import AWKWARD_TEXTS

#: The insight fields a personal (non-business) account gets as null.
BUSINESS_ONLY_VIDEO_FIELDS: Final = frozenset(BUSINESS_ACCOUNT_VIDEO_FIELDS)
#: How many seconds of a video the retention and like curves cover at most.
CURVE_SECONDS: Final = 60
_BREAKDOWN_VALUES: Final[dict[str, tuple[str, ...]]] = {
    **AUDIENCE_VALUES,
    "impression_sources": ("For You", "Follow", "Personal Profile", "Search", "Sound", "Hashtag"),
    "audience_types": ("New viewers", "Returning viewers"),
}
#: Videos with this many comments or more get a long thread, so comment paging is exercised.
LONG_THREAD_MIN_COMMENTS: Final = 80
_LONG_THREAD_COMMENTS: Final = 45
_LONG_THREAD_REPLIES: Final = 35
COMMENT_STATUSES: Final = ("PUBLIC", "HIDDEN")


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def business_video(video: Mapping[str, Any], seed: int, *, is_business: bool) -> dict[str, Any]:
    """Every video/list field of one Display video (projection to the requested fields is the API's)."""
    rng = _rng(seed, "video", video["id"])
    views, likes = video["view_count"], video["like_count"]
    duration = float(video["duration"])
    item: dict[str, Any] = {
        "item_id": video["id"],
        "media_type": "VIDEO",
        "is_ad": rng.random() < 0.05,
        "thumbnail_url": video["cover_image_url"],
        "share_url": video["share_url"],
        "embed_url": video["embed_link"],
        "caption": video["video_description"],
        "create_time": video["create_time"],
        "video_duration": duration,
        "likes": likes,
        "comments": video["comment_count"],
        "shares": video["share_count"],
        "favorites": int(likes * rng.uniform(0.05, 0.3)),
        "reach": int(views * rng.uniform(0.6, 0.95)),
        "video_views": views,
    }
    average = round(duration * rng.uniform(0.2, 0.7), 2) if views else 0.0
    item.update(
        {
            "total_time_watched": round(average * views, 2),
            "average_time_watched": average,
            "full_video_watched_rate": round(rng.uniform(0.02, 0.4), 4) if views else 0.0,
            "new_followers": int(views * rng.uniform(0.0005, 0.005)),
            "profile_views": int(views * rng.uniform(0.005, 0.03)),
        }
    )
    for name in sorted(BUSINESS_ONLY_VIDEO_FIELDS):
        item[name] = rng.randint(0, 40) if views and is_business else (0 if is_business else None)
    seconds = list(range(min(int(duration), CURVE_SECONDS) + 1))
    item["video_view_retention"] = _retention(rng, seconds) if views else []
    item["engagement_likes"] = shares(rng, "second", seconds) if likes else []
    for name, values in _BREAKDOWN_VALUES.items():
        if name in VIDEO_BREAKDOWN_KEYS:  # the videos have no age breakdown
            item[name] = shares(rng, VIDEO_BREAKDOWN_KEYS[name], values) if views else []
    assert set(item) == {*VIDEO_LIST_FIELDS, *VIDEO_INSIGHT_FIELDS}, "keep in step with business_protocol"
    return item


def _retention(rng: random.Random, seconds: list[int]) -> list[dict[str, Any]]:
    """Share of viewers still watching at each second: 1 at the start, falling."""
    rows, share = [], 1.0
    for second in seconds:
        rows.append({"second": second, "percentage": round(share, 4)})
        share *= rng.uniform(0.9, 0.99)
    return rows


@dataclass
class Thread:
    """A video's comments: the top-level ones (newest first) and each one's replies (oldest first)."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _comment(rng: random.Random, video_id: str, after: int, parent: str | None, n: int) -> dict[str, Any]:
    create_time = after + rng.randint(30, 20 * 86_400)
    fan = rng.randrange(100_000)
    text = AWKWARD_TEXTS[n % len(AWKWARD_TEXTS)] if n % 4 == 1 else f"Love this! #{n} \U0001f60d"
    return {
        "comment_id": str((create_time << 32) | rng.getrandbits(32)),
        "video_id": video_id,
        "create_time": create_time,
        "text": text,
        "likes": rng.randint(0, 500),
        "replies": 0,
        "username": f"fan_{fan:05d}",
        "display_name": f"Fan {fan} \u2728",
        "parent_comment_id": parent,
        "status": COMMENT_STATUSES[1] if rng.random() < 0.1 else COMMENT_STATUSES[0],
        "owner": False,
    }


def thread(video: Mapping[str, Any], seed: int) -> Thread:
    """A few comments per commented video, some with replies; much-commented videos get long threads."""
    result = Thread()
    if not video["comment_count"]:
        return result
    rng = _rng(seed, "comments", video["id"])
    long_thread = video["comment_count"] >= LONG_THREAD_MIN_COMMENTS
    count = min(video["comment_count"], _LONG_THREAD_COMMENTS if long_thread else rng.randint(1, 6))
    for n in range(count):
        comment = _comment(rng, video["id"], video["create_time"], None, n)
        reply_count = 0 if rng.random() < 0.6 else rng.randint(1, 4)
        if long_thread and n == 0:
            reply_count = _LONG_THREAD_REPLIES
        replies = [
            _comment(rng, video["id"], comment["create_time"], comment["comment_id"], n + k)
            for k in range(reply_count)
        ]
        replies.sort(key=lambda r: r["create_time"])
        comment["replies"] = len(replies)
        result.comments.append(comment)
        if replies:
            result.replies[comment["comment_id"]] = replies
    result.comments.sort(key=lambda c: c["create_time"], reverse=True)
    return result
