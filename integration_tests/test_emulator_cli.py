"""Tests of ``python -m tiktok_emulator``: it announces its address, writes a usable config and
serves until stopped.

Why: scripts start the emulator as a subprocess and read its address and config from it.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from integration_tests.emulator_helpers import bearer
from tiktok_emulator import TOKEN_PATH, VIDEO_LIST_PATH
from tiktok_emulator.documented.business import ACCESS_TOKEN_HEADER, BENCHMARK_PATH, REFRESH_TOKEN_PATH
from tiktok_emulator.documented.business import VIDEO_LIST_PATH as BUSINESS_VIDEO_LIST_PATH

REPO_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def emulator_process(*args: str) -> Iterator[str]:
    """``python -m tiktok_emulator ARGS`` running; yields the address it announced. It must stop
    cleanly (exit 0) when terminated."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tiktok_emulator", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 15)
        assert ready, "the emulator did not announce itself"
        line = process.stdout.readline().strip()
        assert line.startswith("TikTok emulator listening on http://127.0.0.1:")
        yield line.rsplit(" ", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0


def test_cli_prints_its_address_and_writes_config(tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    with emulator_process(
        "--port", "0", "--videos", "30", "--no-rotation", "--write-config", str(config_path)
    ) as url:
        config = json.loads(config_path.read_text())
        assert config["api_base_url"] == url
        credentials = config["credentials"]
        with requests.Session() as s:
            form = {
                "client_key": credentials["client_id"],
                "client_secret": credentials["client_secret"],
                "grant_type": "refresh_token",
                "refresh_token": credentials["refresh_token"],
            }
            for _ in range(2):  # --no-rotation keeps the written token usable
                token = s.post(url + TOKEN_PATH, data=form, timeout=5).json()["access_token"]
            response = s.post(
                url + VIDEO_LIST_PATH + "?fields=id", json={"max_count": 20}, headers=bearer(token), timeout=5
            )
            assert len(response.json()["data"]["videos"]) == 20
            stats = s.get(url + "/__emulator__/stats", timeout=5).json()
            assert stats["requests_by_endpoint"][VIDEO_LIST_PATH] == 1


def test_cli_flags_reach_the_emulator(tmp_path: Path) -> None:
    business_path = tmp_path / "business.json"
    with emulator_process(
        "--videos",
        "3",
        "--access-token-expires-in",
        "60",
        "--business-throttle-code",
        "40132",
        "--fault",
        f"http_429,endpoint={BENCHMARK_PATH}",
        "--today",
        "2026-03-15",
        "--refuse-field",
        "video_views",
        "--refusals-unnamed",
        "--write-business-config",
        str(business_path),
    ) as url:
        credentials = json.loads(business_path.read_text())["credentials"]
        assert json.loads(business_path.read_text())["business_api_base_url"] == url
        with requests.Session() as s:
            body = {
                "client_id": credentials["app_id"],
                "client_secret": credentials["app_secret"],
                "grant_type": "refresh_token",
                "refresh_token": credentials["refresh_token"],
            }
            data = s.post(url + REFRESH_TOKEN_PATH, json=body, timeout=5).json()["data"]
            throttled = s.get(
                url + BENCHMARK_PATH,
                params={"business_id": data["open_id"], "business_category": "PETS"},
                headers={ACCESS_TOKEN_HEADER: data["access_token"]},
                timeout=5,
            )
            assert throttled.json()["code"] == 40132
            refused = s.get(
                url + BUSINESS_VIDEO_LIST_PATH,
                params={"business_id": data["open_id"], "fields": '["item_id","video_views"]'},
                headers={ACCESS_TOKEN_HEADER: data["access_token"]},
                timeout=5,
            ).json()
            assert refused["code"] == 40002 and "video_views" not in refused["message"]


def test_cli_help_names_every_fault_kind() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tiktok_emulator", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=30,
    )
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for flag in (
        "--user-info-omit-ungranted",
        "--business-missing-scope-code {40130,40001}",
        "--business-throttle-code {40100,40132,61000}",
        "--comments-repeat-after",
        "--refresh-expires-in",
        "access_token_expired",
        "access_token_invalid",
    ):
        assert flag in text, flag
