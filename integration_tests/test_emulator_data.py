"""Tests of the emulator's generated account: big string ids, awkward text, deterministic
posting patterns.

Why: the data must keep exercising what breaks pipelines, and the same seed must always give
the same account so that tests can assert on it.
"""

from __future__ import annotations

import statistics

import requests

from integration_tests.emulator_helpers import video_list
from tiktok_emulator import TikTokEmulator


def test_ids_are_big_unique_strings_and_data_is_awkward(
    shared_emulator: TikTokEmulator, http_session: requests.Session
) -> None:
    raw = video_list(shared_emulator, http_session, shared_emulator.issue_access_token()).text
    assert f'"id":"{shared_emulator.videos[0]["id"]}"' in raw  # a JSON string, never a number
    for video in shared_emulator.videos:
        assert isinstance(video["id"], str) and len(video["id"]) == 19 and int(video["id"]) > 2**53
        assert len(video["video_description"]) <= 150 and len(video.get("title", "")) <= 150
    texts = "".join(v["video_description"] + v.get("title", "") for v in shared_emulator.videos)
    for needle in ("\U0001f602", "東京", "مرحبا", "e\u0301", '"', "'", "\\", "\n", "\t", "<b>Bold &amp;"):
        assert needle in texts, needle
    assert any(v["video_description"] == "" for v in shared_emulator.videos)
    assert any("title" not in v for v in shared_emulator.videos)
    count_fields = ("like_count", "comment_count", "share_count", "view_count")
    counts = [v[f] for v in shared_emulator.videos for f in count_fields]
    assert all(isinstance(c, int) for c in counts)
    assert 0 in counts and max(counts) > 2**31
    assert "x-expires=" in shared_emulator.videos[0]["cover_image_url"]


def test_generation_is_deterministic_and_patterns_differ() -> None:
    assert TikTokEmulator(video_count=30, seed=3).videos == TikTokEmulator(video_count=30, seed=3).videos
    assert TikTokEmulator(video_count=30, seed=3).videos != TikTokEmulator(video_count=30, seed=4).videos

    def gaps(pattern: str) -> list[int]:
        times = [v["create_time"] for v in TikTokEmulator(video_count=95, posting_pattern=pattern).videos]
        return [a - b for a, b in zip(times, times[1:], strict=False)]

    day = 86_400
    assert 0.8 * day < statistics.median(gaps("uniform")) < 1.2 * day
    clustered = gaps("clustered")
    assert min(clustered) < 3600 and max(clustered) > 30 * day
    assert min(gaps("sparse")) > day
    assert TikTokEmulator(video_count=3, now=1_700_000_000).videos[0]["create_time"] == 1_700_000_000
