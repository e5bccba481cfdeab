"""The quick loop stays quick: a unit test that needs a server, a connection or a process fails,
pointing at integration_tests (``offline`` in ``conftest.py``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tiktok_emulator import TikTokEmulator


def test_a_unit_test_cannot_start_the_emulator() -> None:
    with pytest.raises(AssertionError, match="started a server.*belongs in integration_tests"):
        TikTokEmulator(video_count=1).start()


def test_a_unit_test_cannot_reach_the_network() -> None:
    with pytest.raises(AssertionError, match="opened a network connection"):
        requests.get("http://127.0.0.1:9/", timeout=1)


def test_a_unit_test_cannot_start_a_process() -> None:
    with pytest.raises(AssertionError, match="started a process"):
        subprocess.run([sys.executable, "-c", "pass"], check=False)
