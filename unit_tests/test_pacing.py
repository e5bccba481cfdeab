"""The API budget paces each TikTok endpoint separately under its per-minute limit."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit

from source_tiktok_organic.source import SourceTikTokOrganic
from testkit.configs import make_config
from testkit.tiktok_responses import USER_INFO_URL, VIDEO_LIST_URL


def budget_for(config: dict[str, Any]) -> Any:
    source = SourceTikTokOrganic(config=config)
    source.streams(config)  # builds the components, the budget among them
    return source._constructor._api_budget


def request_to(url: str) -> requests.PreparedRequest:
    method = "GET" if url == USER_INFO_URL else "POST"
    return requests.Request(method, f"{url}?fields=id", json={"cursor": 1}).prepare()


@pytest.mark.parametrize("url", [VIDEO_LIST_URL, USER_INFO_URL])
def test_each_endpoint_gets_the_configured_calls_per_minute_and_no_more(url: str) -> None:
    budget = budget_for(make_config(requests_per_minute=3))

    for _ in range(3):
        budget.acquire_call(request_to(url), block=False)
    with pytest.raises(CallRateLimitHit):
        budget.acquire_call(request_to(url), block=False)


def test_endpoints_are_counted_separately_like_tiktok_does() -> None:
    budget = budget_for(make_config(requests_per_minute=2))
    for _ in range(2):
        budget.acquire_call(request_to(VIDEO_LIST_URL), block=False)

    budget.acquire_call(request_to(USER_INFO_URL), block=False)  # its own minute, not video/list's


def test_the_default_keeps_a_margin_below_tiktoks_600() -> None:
    budget = budget_for(make_config())

    for _ in range(580):
        budget.acquire_call(request_to(VIDEO_LIST_URL), block=False)
    with pytest.raises(CallRateLimitHit):
        budget.acquire_call(request_to(VIDEO_LIST_URL), block=False)


@pytest.mark.parametrize("retry_after", ["1", None], ids=["retry-after-1", "no-retry-after"])
def test_a_429_from_tiktok_neither_blocks_the_budget_nor_lifts_its_pace(retry_after: str | None) -> None:
    """A 429 is the error handler's to wait out, as long as TikTok's Retry-After says and no longer
    (test_error_handling.py): the budget does not also treat the endpoint's minute as spent, and
    the connector's own pace stays what was configured."""
    budget = budget_for(make_config(requests_per_minute=3))
    throttled = requests.Response()
    throttled.status_code = 429
    if retry_after:
        throttled.headers["Retry-After"] = retry_after

    budget.acquire_call(request_to(VIDEO_LIST_URL), block=False)
    budget.update_from_response(request_to(VIDEO_LIST_URL), throttled)

    for _ in range(2):  # the rest of the minute's 3, at once
        budget.acquire_call(request_to(VIDEO_LIST_URL), block=False)
    with pytest.raises(CallRateLimitHit):
        budget.acquire_call(request_to(VIDEO_LIST_URL), block=False)
