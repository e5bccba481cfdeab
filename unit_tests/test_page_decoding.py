"""Each page is decoded once, with orjson, for everything that reads it: the error handler's
response filters (ten for the Accounts API), the extractor and the paginator (``page_body``).

Before, each filter decoded the body with the standard library's ``json`` and the extractor and the
paginator decoded it again: a sixth of a business sync's CPU.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import orjson
import pytest
import requests

from testkit.business_responses import (
    BUSINESS_VIDEO_LIST_URL,
    business_envelope,
    business_video,
    mock_business_token_ok,
)
from testkit.catalogs import configure
from testkit.configs import make_business_config

PAGES = [
    business_envelope({"videos": [business_video("2", 2000)], "cursor": 1999000, "has_more": True}),
    business_envelope({"videos": [business_video("1", 1000)], "cursor": 999000, "has_more": False}),
]


def test_each_page_is_decoded_once_for_the_filters_the_extractor_and_the_paginator(
    run_connector: Any, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock_business_token_ok(requests_mock)
    requests_mock.get(BUSINESS_VIDEO_LIST_URL, [{"text": json.dumps(page)} for page in PAGES])
    bodies = {json.dumps(page).encode(): number for number, page in enumerate(PAGES, 1)}
    decoded: Counter[str] = Counter()
    fast, standard = orjson.loads, requests.models.complexjson.loads

    def counted_orjson(data: Any) -> Any:
        if data in bodies:
            decoded[f"page {bodies[data]} by orjson"] += 1
        return fast(data)

    def counted_standard(text: Any, **options: Any) -> Any:
        if isinstance(text, str) and text.encode() in bodies:
            decoded[f"page {bodies[text.encode()]} by json"] += 1
        return standard(text, **options)

    monkeypatch.setattr(orjson, "loads", counted_orjson)
    monkeypatch.setattr(requests.models.complexjson, "loads", counted_standard)
    discovered = run_connector("discover", make_business_config()).catalog
    catalog = configure(discovered, only=["business_videos"])

    run = run_connector("read", make_business_config(), catalog)

    assert [video["item_id"] for video in run.records("business_videos")] == ["2", "1"]
    assert decoded == {"page 1 by orjson": 1, "page 2 by orjson": 1}
