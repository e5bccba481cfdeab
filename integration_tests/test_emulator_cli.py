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
from pathlib import Path

import requests

from integration_tests.emulator_helpers import bearer
from tiktok_emulator import TOKEN_PATH, VIDEO_LIST_PATH

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_cli_prints_its_address_and_writes_config(tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tiktok_emulator",
            "--port",
            "0",
            "--videos",
            "30",
            "--no-rotation",
            "--write-config",
            str(config_path),
        ],
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
        url = line.rsplit(" ", 1)[1]
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
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
