"""Shared helpers: TikTok responses, configs and a runner that goes through the real entrypoint."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import pytest
import requests_mock as requests_mock_module

from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, SyncMode, Type
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, make_file
from source_tiktok_organic.cdk_internals import run_command
from airbyte_cdk.models import AirbyteMessageSerializer, ConfiguredAirbyteCatalogSerializer

from source_tiktok_organic.run import _create_source

API = "https://open.tiktokapis.com"
TOKEN_URL = f"{API}/v2/oauth/token/"
USER_INFO_URL = f"{API}/v2/user/info/"
VIDEO_LIST_URL = f"{API}/v2/video/list/"

CLIENT_SECRET = "client-secret-Zq81"
REFRESH_TOKEN = "rft.original-refresh-token-Xk42"
ROTATED_REFRESH_TOKEN = "rft.rotated-refresh-token-Pw77"
ACCESS_TOKEN = "act.first-access-token-Lm53"
SECOND_ACCESS_TOKEN = "act.second-access-token-Yb19"
SECRETS = (CLIENT_SECRET, REFRESH_TOKEN, ROTATED_REFRESH_TOKEN, ACCESS_TOKEN, SECOND_ACCESS_TOKEN)

ALL_SCOPES = "user.info.basic,user.info.profile,user.info.stats,video.list"

USER_FIELDS = (
    "open_id,union_id,avatar_url,avatar_url_100,avatar_large_url,display_name,bio_description,"
    "profile_deep_link,username,is_verified,follower_count,following_count,likes_count,video_count"
).split(",")
VIDEO_FIELDS = (
    "id,create_time,cover_image_url,share_url,video_description,title,duration,height,width,"
    "embed_html,embed_link,like_count,comment_count,share_count,view_count"
).split(",")


# One time window from the start date to now, so a test scripts TikTok's answers in the order one
# sequential pager asks for them; test_windows.py covers many concurrent windows.
SINGLE_WINDOW = {"start_date": "2023-01-01T00:00:00Z", "window_days": 3650}


def make_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "awclientkey123",
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
        },
        **SINGLE_WINDOW,
    }
    config.update(overrides)
    return config


def whole_history_config(**overrides: Any) -> dict[str, Any]:
    """A config without the single window: the history since 2014, in many windows."""
    config = make_config(**overrides)
    if "start_date" not in overrides:
        del config["start_date"]
    return config


def envelope(data: Any, code: str = "ok", message: str = "", log_id: str = "202611220000LOGID") -> dict[str, Any]:
    return {"data": data, "error": {"code": code, "message": message, "log_id": log_id}}


def token_body(
    access_token: str = ACCESS_TOKEN,
    refresh_token: str = ROTATED_REFRESH_TOKEN,
    scope: str = ALL_SCOPES,
    expires_in: int = 86400,
) -> dict[str, Any]:
    return {
        "access_token": access_token,
        "expires_in": expires_in,
        "open_id": "open-id-1",
        "refresh_token": refresh_token,
        "refresh_expires_in": 31536000,
        "scope": scope,
        "token_type": "Bearer",
    }


def user() -> dict[str, Any]:
    return {
        "open_id": "open-id-1",
        "union_id": "union-id-1",
        "avatar_url": "https://p16.example/avatar.jpeg",
        "avatar_url_100": "https://p16.example/avatar100.jpeg",
        "avatar_large_url": "https://p16.example/avatar-large.jpeg",
        "display_name": "Zoë 🎬 創作者",
        "bio_description": "Line one\nline \"two\"",
        "profile_deep_link": "https://vm.tiktok.com/ZMabc/",
        "username": "zoe.creates",
        "is_verified": False,
        "follower_count": 12345,
        "following_count": 12,
        "likes_count": 3000000000,
        "video_count": 3,
    }


def video(index: int, create_time: int) -> dict[str, Any]:
    return {
        "id": str(7_300_000_000_000_000_000 + index),
        "create_time": create_time,
        "cover_image_url": f"https://p16.example/cover{index}.jpeg?x-expires=1",
        "share_url": f"https://www.tiktok.com/@zoe.creates/video/{7_300_000_000_000_000_000 + index}",
        "video_description": f"video {index} ✨",
        "title": f"title {index}",
        "duration": 15 + index,
        "height": 1920,
        "width": 1080,
        "embed_html": "<blockquote>embed</blockquote>",
        "embed_link": f"https://www.tiktok.com/embed/v2/{index}",
        "like_count": 10 * index,
        "comment_count": index,
        "share_count": 0,
        "view_count": 1000 * index,
    }


def videos_page(videos: List[dict[str, Any]], has_more: bool, cursor: Optional[int] = None) -> dict[str, Any]:
    if cursor is None:
        cursor = videos[-1]["create_time"] * 1000 if videos else 0
    return envelope({"videos": videos, "cursor": cursor, "has_more": has_more})


def catalog(*streams: str, incremental: bool = False) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for name in streams or ("user_info", "videos"):
        mode = SyncMode.incremental if incremental and name == "videos" else SyncMode.full_refresh
        builder.with_stream(name, mode)
    return builder.build()


@dataclass
class Run:
    """What one connector command printed: the entrypoint's messages plus anything on stdout."""

    output: EntrypointOutput
    stdout_messages: List[AirbyteMessage] = field(default_factory=list)
    raw_text: str = ""

    def records(self, stream: str) -> List[dict[str, Any]]:
        return [m.record.data for m in self.output.records if m.record.stream == stream]

    @property
    def control_configs(self) -> List[dict[str, Any]]:
        return [
            m.control.connectorConfig.config
            for m in self.stdout_messages
            if m.type == Type.CONTROL
        ]

    @property
    def final_state(self) -> List[dict[str, Any]]:
        """The last state of each stream, as the platform would pass it to the next sync."""
        latest: dict[str, dict[str, Any]] = {}
        for message in self.output.state_messages:
            stream = message.state.stream
            latest[stream.stream_descriptor.name] = {
                "type": "STREAM",
                "stream": {
                    "stream_descriptor": {"name": stream.stream_descriptor.name},
                    "stream_state": stream.stream_state.__dict__,
                },
            }
        return list(latest.values())

    @property
    def connection_status(self) -> Any:
        return self.output.connection_status_messages[-1].connectionStatus

    @property
    def error_traces(self) -> List[Any]:
        return [m.trace.error for m in self.output.errors]

    @property
    def config_error(self) -> Any:
        """The first config error: the stream's own (the CDK adds a summary of all failures after it)."""
        errors = [e for e in self.error_traces if e.failure_type.value == "config_error"]
        assert errors, f"expected a config error, got {[e.message for e in self.error_traces]}"
        return errors[0]


@pytest.fixture
def run_connector(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run a command the way `source-tiktok-organic` does: source built by run.py, then the CDK entrypoint."""

    def run(
        command: str,
        config: dict[str, Any],
        configured_catalog: Optional[ConfiguredAirbyteCatalog] = None,
        debug: bool = False,
        state: Optional[List[dict[str, Any]]] = None,
    ) -> Run:

        args = [command]
        if command != "spec":
            args += ["--config", make_file(tmp_path / "config.json", config)]
        if command == "read":
            configured_catalog = configured_catalog or catalog()
            args += [
                "--catalog",
                make_file(tmp_path / "catalog.json", ConfiguredAirbyteCatalogSerializer.dump(configured_catalog)),
            ]
        if state is not None:
            args += ["--state", make_file(tmp_path / "state.json", state)]
        if debug:
            args.append("--debug")
        capsys.readouterr()
        output = run_command(_create_source(args), args)
        printed = capsys.readouterr()
        stdout_messages = []
        for line in printed.out.splitlines():
            if line.startswith("{"):
                try:
                    stdout_messages.append(AirbyteMessageSerializer.load(json.loads(line)))
                except Exception:
                    pass
        raw = "\n".join(
            [json.dumps(AirbyteMessageSerializer.dump(m)) for m in output.get_message_iterator()]
            + [printed.out, printed.err]
        )
        return Run(output=output, stdout_messages=stdout_messages, raw_text=raw)

    return run


@pytest.fixture
def requests_mock() -> Iterator[requests_mock_module.Mocker]:
    with requests_mock_module.Mocker() as mocker:
        yield mocker


@pytest.fixture
def recorded_sleeps(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """Record the waits of the CDK's backoff instead of sleeping them (the tests assert on them)."""
    sleeps: List[float] = []
    real_sleep = time.sleep

    def fake_sleep(seconds: float) -> None:
        if seconds >= 0.5:
            sleeps.append(seconds)
        else:
            real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", fake_sleep)
    return sleeps


def mock_token_ok(requests_mock: requests_mock_module.Mocker, **kwargs: Any) -> Any:
    return requests_mock.post(TOKEN_URL, json=token_body(**kwargs))


class FakeVideoList:
    """Answers POST /v2/video/list/ like TikTok: newest first, only videos created before the cursor.

    Records every cursor it was sent and the peak number of requests in flight at once.
    """

    def __init__(self, videos: List[dict[str, Any]], delay: float = 0.0) -> None:
        self.videos = sorted(videos, key=lambda v: -v["create_time"])
        self.delay = delay
        self.cursors: List[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        body = request.json()
        with self._lock:
            self.cursors.append(body["cursor"])
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            older = [v for v in self.videos if v["create_time"] * 1000 < body["cursor"]]
            page = older[: body.get("max_count", 10)]
            next_cursor = page[-1]["create_time"] * 1000 if page else body["cursor"]
            return videos_page(page, has_more=len(older) > len(page), cursor=next_cursor)
        finally:
            with self._lock:
                self.in_flight -= 1


def posting_history(pattern: str, count: int, newest: int = 1_763_000_000) -> List[dict[str, Any]]:
    """Videos with unique create_times: `clustered` bursts minutes apart separated by months,
    `sparse` a video every 10 to 50 days, `daily` one a day."""
    times: List[int] = []
    moment = newest
    for index in range(count):
        times.append(moment)
        if pattern == "clustered":
            moment -= 240 if (index + 1) % 25 else 200 * 86_400
        elif pattern == "sparse":
            moment -= (10 + (index * 37) % 40) * 86_400
        else:
            moment -= 86_400
    return [video(index, create_time) for index, create_time in enumerate(times)]
