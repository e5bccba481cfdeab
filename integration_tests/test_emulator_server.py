"""Tests of the emulator's HTTP server and lifecycle: routing errors, keep-alive, counters,
concurrency, stop.

Why: the benchmark and the end-to-end tests read the counters and rely on parallel,
kept-alive connections and on a quick stop.
"""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
import requests

from integration_tests.emulator_helpers import refresh, user_info
from tiktok_emulator import USER_INFO_PATH, VIDEO_LIST_PATH, FaultRule, TikTokEmulator


def test_routing_errors_and_keep_alive(shared_emulator: TikTokEmulator) -> None:
    connection = http.client.HTTPConnection(
        "127.0.0.1", int(shared_emulator.base_url.rsplit(":", 1)[1]), timeout=5
    )
    try:
        connection.request("GET", "/v2/nothing/")
        missing = connection.getresponse()
        assert missing.status == 404 and json.loads(missing.read())["error"]["log_id"]
        sock = connection.sock
        connection.request("GET", VIDEO_LIST_PATH)
        wrong = connection.getresponse()
        body = wrong.read()
        assert wrong.status == 405 and wrong.getheader("Allow") == "POST"
        assert int(wrong.getheader("Content-Length")) == len(body)
        assert connection.sock is sock  # the same TCP connection served both
    finally:
        connection.close()


def test_counters_and_concurrency() -> None:
    with TikTokEmulator(video_count=5, latency=0.3) as emu:
        token = emu.issue_access_token()
        emu.reset_counters()
        start = time.perf_counter()
        results: list[int] = []

        def call() -> None:
            with requests.Session() as s:
                results.append(user_info(emu, s, token).status_code)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert time.perf_counter() - start < 1.0  # served in parallel, not 4 x 0.3 s
        assert results == [200] * 4
        assert emu.max_concurrent >= 2
        snapshot = emu.snapshot()
        json.dumps(snapshot)
        assert snapshot["requests_by_endpoint"] == {USER_INFO_PATH: 4}
        assert snapshot["responses_by_status"] == {200: 4} and snapshot["in_flight"] == 0
        emu.reset_counters()
        assert emu.requests_by_endpoint == {} and emu.max_concurrent == 0


def test_counters_are_current_as_soon_as_a_response_arrives(http_session: requests.Session) -> None:
    with TikTokEmulator(video_count=1, faults=[FaultRule("http_500", every=3)]) as emu:
        token = emu.issue_access_token()
        for n in range(1, 16):
            user_info(emu, http_session, token, "open_id")
            snapshot = emu.snapshot()
            assert snapshot["in_flight"] == 0
            assert sum(snapshot["responses_by_status"].values()) == n == snapshot["total_requests"]
        assert emu.responses_by_status == {200: 10, 500: 5}


def test_log_ids_are_unique(shared_emulator: TikTokEmulator, http_session: requests.Session) -> None:
    token = shared_emulator.issue_access_token()
    responses = [user_info(shared_emulator, http_session, token, "open_id") for _ in range(5)]
    ids = {response.json()["error"]["log_id"] for response in responses}
    assert len(ids) == 5


def test_connector_config_and_stop_with_open_connection(http_session: requests.Session) -> None:
    emu = TikTokEmulator(video_count=1)
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    url = emu.start()
    config = emu.connector_config(start_date="2020-01-01T00:00:00Z")
    assert config == {
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "emulator-client-key",
            "client_secret": "emulator-client-secret",
            "refresh_token": "emulator-refresh-token-0",
        },
        "api_base_url": url,
        "start_date": "2020-01-01T00:00:00Z",
    }
    assert refresh(emu, http_session).status_code == 200  # leaves a keep-alive connection open
    began = time.perf_counter()
    emu.stop()
    emu.stop()
    assert time.perf_counter() - began < 2
