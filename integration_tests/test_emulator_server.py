"""Tests of the emulator's HTTP server and lifecycle: routing errors, keep-alive, counters,
concurrency, stop.

Why: the benchmark and the end-to-end tests read the counters and rely on parallel,
kept-alive connections and on a quick stop.
"""

from __future__ import annotations

import http.client
import json
import threading
from types import SimpleNamespace

import pytest
import requests

from integration_tests.emulator_helpers import bearer, refresh, user_info
from tiktok_emulator import USER_INFO_PATH, VIDEO_LIST_PATH, FaultRule, TikTokEmulator
from tiktok_emulator import emulator as emulator_module

# How long a test waits for something that, done right, takes milliseconds: only a hang, or a server
# that serves one request at a time, ever uses it up. No assertion depends on the machine's speed.
HANG = 30.0


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


def test_counters_and_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests are served in parallel, and the counters see them so.

    The latency's sleep (the emulator's only use of ``time``) is the test's: it returns once all four
    requests are sleeping in it together, which a server taking one request at a time never reaches
    (the barrier then breaks after ``HANG`` seconds, and the requests fail).
    """
    together = threading.Barrier(4)
    slept: list[float] = []

    def latency(seconds: float) -> None:
        slept.append(seconds)
        together.wait(timeout=HANG)

    monkeypatch.setattr(emulator_module, "time", SimpleNamespace(sleep=latency))
    with TikTokEmulator(video_count=5, latency=0.3) as emu:
        token = emu.issue_access_token()
        emu.reset_counters()
        results: list[int] = []

        def call() -> None:
            with requests.Session() as s:
                url = emu.base_url + USER_INFO_PATH
                response = s.get(url, params={"fields": "open_id"}, headers=bearer(token), timeout=2 * HANG)
                results.append(response.status_code)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [200] * 4, "all four were inside the server at once: served in parallel"
        assert slept == [0.3] * 4, "each request waited out the latency"
        assert emu.max_concurrent == 4
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
    kept = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=HANG)
    kept.request("GET", "/v2/nothing/")
    answer = kept.getresponse()
    answer.read()
    assert answer.status == 404 and not answer.will_close  # and a second one, that the test can watch
    serving = emu._thread
    # What a quick stop means, observed rather than timed: stop() returns (run aside, so that a stop
    # waiting for the clients' connections fails the test instead of hanging it), its serving thread
    # has ended (stop() waits a few seconds for it, then gives up and leaves it running), and the
    # kept-alive connections are closed from the server's side.
    stopping = threading.Thread(target=lambda: (emu.stop(), emu.stop()), daemon=True)
    stopping.start()
    stopping.join(timeout=HANG)
    assert not stopping.is_alive(), "stop() hangs while clients hold kept-alive connections"
    assert serving is not None and not serving.is_alive(), "stop() left the serving thread running"
    assert kept.sock is not None and kept.sock.recv(1) == b"", "the server closed the kept-alive connection"
    kept.close()
    with pytest.raises(requests.ConnectionError):  # nothing listens any more
        refresh(emu, http_session)
