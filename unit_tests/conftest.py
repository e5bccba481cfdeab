"""Fixtures: the connector run in-process through its real entrypoint, mocked HTTP, recorded sleeps.

The TikTok answers, configs and catalogs the tests build are in ``testkit``. Unit tests are the quick
loop (``scripts/test.sh --fast``): ``offline`` fails any of them that opens a network connection,
starts a server or a process (an emulator, an image, a console script); those belong in
integration_tests.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests_mock as requests_mock_module

from testkit import manifest_memo
from testkit.connector_output import ConnectorOutput
from testkit.in_process import run_in_process


def pytest_configure(config: pytest.Config) -> None:
    manifest_memo.install()  # the CDK's parse of the manifest once per process (testkit.manifest_memo)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the quick loop quick and self-contained: no real network, server or process."""

    def refuse(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(
                f"a unit test {what}: unit tests mock HTTP (requests-mock) and run the connector in "
                "this process; a test needing the emulator, an image or a console script belongs in "
                "integration_tests"
            )

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("opened a network connection"))
    monkeypatch.setattr(socket.socket, "bind", refuse("started a server"))
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("started a process"))


@pytest.fixture
def run_connector(tmp_path: Path) -> Callable[..., ConnectorOutput]:
    """Run a command the way `source-tiktok-organic` does, in this process (``testkit.in_process``)."""

    def run(command: str, config: dict[str, Any], *args: Any, **kwargs: Any) -> ConnectorOutput:
        return run_in_process(tmp_path, command, config, *args, **kwargs)

    return run


@pytest.fixture
def requests_mock() -> Iterator[requests_mock_module.Mocker]:
    with requests_mock_module.Mocker() as mocker:
        yield mocker


@pytest.fixture
def recorded_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits of the CDK's backoff instead of sleeping them (the tests assert on them)."""
    sleeps: list[float] = []
    real_sleep = time.sleep

    def fake_sleep(seconds: float) -> None:
        if seconds >= 0.5:
            sleeps.append(seconds)
        else:
            real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", fake_sleep)
    return sleeps
