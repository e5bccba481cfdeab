"""The Accounts API's account-level data: lifetime profile, daily metrics and follower demographics.

Why computed per request from ``(seed, date)`` rather than stored: the metrics window moves with the
emulated "today", any day must give the same numbers on every request and in every run (so a test
can compare two syncs), and nothing has to be generated for days nobody asks for.  The videos are in
``business.media``, the comments in ``business.comments``.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping, Sequence
from typing import Any, Final

from tiktok_emulator.documented.insights import (
    AGE_GROUPS,
    ALL_ACCOUNTS_METRIC_FIELDS,
    AUDIENCE_ACTIVITY_FIELD,
    DAILY_METRIC_FIELDS,
    DEMOGRAPHIC_FIELDS,
    GENDERS,
)

#: The day the account's follower curve is anchored to (its followers then = the setting).
_ANCHOR_DAY: Final = datetime.date(2025, 11, 13)
_NET_FOLLOWERS_PER_DAY: Final = 25

#: The values of each audience breakdown (the profile's and the videos'), by field.
AUDIENCE_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "audience_ages": AGE_GROUPS,
    "audience_genders": GENDERS,
    "audience_countries": ("US", "GB", "DE", "JP", "BR", "FR", "SA", "IN"),
    "audience_cities": ("New York", "London", "Berlin", "東京", "São Paulo", "Paris", "الرياض", "Mumbai"),
}


def _rng(*parts: object) -> random.Random:
    """A generator seeded by ``parts`` alone (string seeds hash the same in every process)."""
    return random.Random(":".join(str(p) for p in parts))


def shares(rng: random.Random, key: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    """``[{key: value, percentage}]`` with decreasing shares that sum to 1 (to 4 decimals)."""
    weights = sorted((rng.uniform(0.05, 1.0) for _ in values), reverse=True)
    total = sum(weights)
    rows = [{key: value, "percentage": round(w / total, 4)} for value, w in zip(values, weights, strict=True)]
    rows[0]["percentage"] = round(1.0 - sum(r["percentage"] for r in rows[1:]), 4)
    return rows


def profile(user: Mapping[str, Any], *, is_business_account: bool, followers: int) -> dict[str, Any]:
    """Every lifetime field, drawn from the Display API's user so both APIs describe one creator."""
    return {
        "is_business_account": is_business_account,
        "profile_image": user["avatar_url"],
        "display_name": user["display_name"],
        "username": user["username"],
        "profile_deep_link": user["profile_deep_link"],
        "bio_description": user["bio_description"],
        "is_verified": user["is_verified"],
        "following_count": user["following_count"],
        "followers_count": followers,
        "total_likes": user["likes_count"],
        "videos_count": user["video_count"],
    }


def followers_on(day: datetime.date, followers: int) -> int:
    """Total followers at the end of ``day``: a steady climb through ``followers`` at the anchor day."""
    return max(0, followers + _NET_FOLLOWERS_PER_DAY * (day - _ANCHOR_DAY).days)


def daily_metrics(seed: int, day: datetime.date, *, followers: int, is_business: bool) -> dict[str, Any]:
    """One day's metrics object with every field (business-only ones null for a personal account),
    ``audience_activity`` included."""
    rng = _rng(seed, "metrics", day.isoformat())
    views = rng.randint(800, 60_000)
    likes = int(views * rng.uniform(0.03, 0.12))
    new_followers = rng.randint(10, 200)
    lost_followers = rng.randint(0, new_followers // 2)
    values: dict[str, Any] = {
        "video_views": views,
        "profile_views": int(views * rng.uniform(0.01, 0.05)),
        "likes": likes,
        "comments": int(likes * rng.uniform(0.01, 0.05)),
        "shares": int(likes * rng.uniform(0.005, 0.03)),
        "followers_count": followers_on(day, followers),
        "unique_video_views": int(views * rng.uniform(0.55, 0.9)),
        "daily_total_followers": new_followers - lost_followers,  # net change (unverified reading)
        "daily_new_followers": new_followers,
        "daily_lost_followers": lost_followers,
        "engaged_audience": int(likes * rng.uniform(0.4, 0.8)),
        "bio_link_clicks": rng.randint(0, 60),
        "phone_number_clicks": rng.randint(0, 5),
        "email_clicks": rng.randint(0, 8),
        "address_clicks": rng.randint(0, 4),
        "app_download_clicks": rng.randint(0, 10),
        "lead_submissions": rng.randint(0, 3),
    }
    assert set(values) == set(DAILY_METRIC_FIELDS), "keep in step with documented_business"
    if not is_business:
        values.update(dict.fromkeys(f for f in DAILY_METRIC_FIELDS if f not in ALL_ACCOUNTS_METRIC_FIELDS))
    return {"date": day.isoformat(), **values, AUDIENCE_ACTIVITY_FIELD: audience_activity(seed, day, views)}


def audience_activity(seed: int, day: datetime.date, views: int) -> list[dict[str, Any]]:
    """Followers online per UTC hour: quiet at night, busy in the evening; the hour is a string
    ("0".."23"), as TikTok's reference page shows it."""
    rng = _rng(seed, "activity", day.isoformat())
    base = max(1, views // 40)
    shape = (3, 2, 1, 1, 1, 2, 3, 5, 6, 6, 7, 7, 8, 8, 8, 9, 10, 12, 14, 15, 14, 12, 8, 5)
    return [
        {"hour": str(hour), "count": int(base * s * rng.uniform(0.8, 1.2))} for hour, s in enumerate(shape)
    ]


def demographics(seed: int) -> dict[str, list[dict[str, Any]]]:
    """Every undated follower breakdown, each summing to 1."""
    rng = _rng(seed, "demographics")
    return {field: shares(rng, key, AUDIENCE_VALUES[field]) for field, key in DEMOGRAPHIC_FIELDS.items()}


def metric_days(
    start: datetime.date, end: datetime.date, today: datetime.date, analytics_days: int
) -> list[datetime.date]:
    """The days of ``[start, end]`` that have metrics: from Analytics' start, up to yesterday."""
    first = max(start, today - datetime.timedelta(days=analytics_days))
    last = min(end, today - datetime.timedelta(days=1))  # data arrives a day late
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
