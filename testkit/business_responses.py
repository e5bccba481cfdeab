"""TikTok API for Business (Accounts API) answers for mocked requests: URLs and body builders.

Every answer of this API is HTTP 200 with ``{"code", "message", "request_id", "data"}``;
``business_envelope`` builds one (an error is the same envelope with a non-zero code). The paths
and field names come from ``business_protocol``, the connector's one home for them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import requests_mock

from source_tiktok_organic import business_protocol as business

__all__ = [
    "BUSINESS_ACCESS_TOKEN",
    "BUSINESS_GET_URL",
    "BUSINESS_ROTATED_REFRESH_TOKEN",
    "BUSINESS_SCOPES",
    "BUSINESS_SECOND_ACCESS_TOKEN",
    "BUSINESS_VIDEO_LIST_URL",
    "COMMENT_LIST_URL",
    "OPEN_ID",
    "REFRESH_URL",
    "business_envelope",
    "business_token_body",
    "business_video",
    "daily_metrics",
    "days_back",
    "mock_business_token_ok",
]

REFRESH_URL = business.BUSINESS_API_BASE_URL + business.BUSINESS_REFRESH_TOKEN_PATH
BUSINESS_GET_URL = business.BUSINESS_API_BASE_URL + business.BUSINESS_GET_PATH
BUSINESS_VIDEO_LIST_URL = business.BUSINESS_API_BASE_URL + business.BUSINESS_VIDEO_LIST_PATH
COMMENT_LIST_URL = business.BUSINESS_API_BASE_URL + business.BUSINESS_COMMENT_LIST_PATH

OPEN_ID = "-000b5OyW3dmNhv0EFwAh3AB9lZgkd2E0yVg"
BUSINESS_ACCESS_TOKEN = "act.business-access-token-Hn24"
BUSINESS_SECOND_ACCESS_TOKEN = "act.business-second-access-token-Ur61"
BUSINESS_ROTATED_REFRESH_TOKEN = "rft.business-rotated-refresh-token-Vc38"
BUSINESS_SCOPES = ",".join((*business.BUSINESS_REQUIRED_SCOPES, business.COMMENT_SCOPE))


def business_envelope(data: Any = None, code: int = 0, message: str = "OK") -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "request_id": f"20261123{code:05d}ABCDEF",
        "data": data if data is not None else {},
    }


def business_token_body(
    access_token: str = BUSINESS_ACCESS_TOKEN,
    refresh_token: str = BUSINESS_ROTATED_REFRESH_TOKEN,
    scope: str = BUSINESS_SCOPES,
    refresh_token_expires_in: int = 300 * 86400,
) -> dict[str, Any]:
    return business_envelope(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": business.ACCESS_TOKEN_LIFETIME_SECONDS,
            "refresh_token": refresh_token,
            "refresh_token_expires_in": refresh_token_expires_in,
            "open_id": OPEN_ID,
            "scope": scope,
        }
    )


def mock_business_token_ok(mocker: requests_mock.Mocker, **token: Any) -> Any:
    return mocker.post(REFRESH_URL, json=business_token_body(**token))


def daily_metrics(day: date) -> dict[str, Any]:
    """One day of ``business/get`` metrics: every field, values derived from the day."""
    n = day.toordinal() % 97
    row: dict[str, Any] = {field: n + i for i, field in enumerate(business.DAILY_METRIC_FIELDS)}
    row["date"] = day.isoformat()
    # TikTok sends the hour as a string (its reference page's example: {"hour": "0", "count": 12}).
    row["audience_activity"] = [{"hour": str(hour), "count": n * 10 + hour} for hour in range(24)]
    return row


def days_back(today: date, count: int) -> list[date]:
    """The ``count`` days before ``today``, oldest first."""
    return [today - timedelta(days=back) for back in range(count, 0, -1)]


def business_video(item_id: str, create_time: int) -> dict[str, Any]:
    video: dict[str, Any] = {field: 1 for field in business.VIDEO_LIST_FIELDS + business.VIDEO_INSIGHT_FIELDS}
    # TikTok sends create_time as a string of Unix seconds (its reference page's example).
    video.update(item_id=item_id, create_time=str(create_time), caption=f"Video {item_id} \U0001f3ac")
    video.update(
        video_view_retention=[{"second": s, "percentage": round(1 - s / 10, 2)} for s in range(3)],
        engagement_likes=[{"second": 0, "percentage": 0.5}],
        impression_sources=[
            {"impression_source": "For You", "percentage": 0.8},
            {"impression_source": "Follow", "percentage": 0.2},
        ],
        audience_genders=[{"gender": "Female", "percentage": 0.6}, {"gender": "Male", "percentage": 0.4}],
        audience_countries=[{"country": "US", "percentage": 1.0}],
        audience_cities=[{"city_name": "Austin", "percentage": 1.0}],
        audience_types=[{"type": "New viewers", "percentage": 1.0}],
    )
    return video
