"""Fixtures for tests that run the installed connector against the loopback TikTok emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
import requests

from tiktok_emulator import TikTokEmulator

REPO_ROOT = Path(__file__).resolve().parent.parent
CONNECTOR = Path(sys.executable).with_name("source-tiktok-organic")
CONFIGURED_CATALOG = REPO_ROOT / "integration_tests" / "configured_catalog.json"

# The emulator that acceptance-test-config.yml's emulator_*.json configs point at.
ACCEPTANCE_EMULATOR_PORT = 41807
BASIC_SCOPE_REFRESH_TOKEN = "emulator-basic-scope-refresh-token"


def _docker_engine_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what cannot run here, saying why: real-credential scenarios without
    secrets/config.json, and the standard suite's image tests without a Docker engine."""
    needs_creds = pytest.mark.skip(reason="needs real TikTok credentials in secrets/config.json")
    has_creds = (REPO_ROOT / "secrets" / "config.json").exists()
    needs_docker = pytest.mark.skip(
        reason="no Docker engine here; scripts/image_test.sh tests the image with podman instead"
    )
    docker = None
    for item in items:
        if item.get_closest_marker("requires_creds") and not has_creds:
            item.add_marker(needs_creds)
        if item.name.startswith("test_docker_image"):
            docker = _docker_engine_available() if docker is None else docker
            if not docker:
                item.add_marker(needs_docker)


@pytest.fixture(scope="session")
def acceptance_emulator() -> Iterator[TikTokEmulator]:
    # No rotation: every scenario of the standard tests runs with the same config file.
    emulator = TikTokEmulator(video_count=60, rotate_refresh_tokens=False)
    emulator.add_refresh_token(BASIC_SCOPE_REFRESH_TOKEN, ("user.info.basic",))
    emulator.start(port=ACCEPTANCE_EMULATOR_PORT)
    yield emulator
    emulator.stop()


@dataclass
class ConnectorRun:
    """One run of the installed `source-tiktok-organic` command, as Airbyte runs it."""

    command: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    messages: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # split("\n"): JSON strings may contain U+2028 and friends, which splitlines() splits on.
        self.messages = [json.loads(line) for line in self.stdout.split("\n") if line.startswith("{")]

    def of_type(self, message_type: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == message_type]

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"]["data"] for m in self.of_type("RECORD") if m["record"]["stream"] == stream]

    @property
    def connection_status(self) -> dict[str, Any]:
        (status,) = [m["connectionStatus"] for m in self.of_type("CONNECTION_STATUS")]
        return status

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"]["type"] == "ERROR"]

    @property
    def emitted_configs(self) -> list[dict[str, Any]]:
        return [m["control"]["connectorConfig"]["config"] for m in self.of_type("CONTROL")]

    @property
    def latest_config(self) -> Optional[dict[str, Any]]:
        configs = self.emitted_configs
        return configs[-1] if configs else None


@pytest.fixture
def run_connector(tmp_path: Path) -> Callable[..., ConnectorRun]:
    """Run the installed console script in a subprocess with a config (and catalog for read)."""

    def run(command: str, config: Optional[dict[str, Any]] = None, catalog: Optional[dict[str, Any]] = None,
            timeout: float = 300) -> ConnectorRun:
        args = [str(CONNECTOR), command]
        if config is not None:
            config_path = tmp_path / f"{command}-config.json"
            config_path.write_text(json.dumps(config))
            args += ["--config", str(config_path)]
        if command == "read":
            catalog_path = tmp_path / "catalog.json"
            catalog_path.write_text(json.dumps(catalog) if catalog else CONFIGURED_CATALOG.read_text())
            args += ["--catalog", str(catalog_path)]
        started = time.perf_counter()
        completed = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        return ConnectorRun(command, completed.returncode, completed.stdout, completed.stderr,
                            time.perf_counter() - started)

    return run


@pytest.fixture
def emulator() -> Iterator[Callable[..., TikTokEmulator]]:
    """Start fresh emulators (any free port on 127.0.0.1); all are stopped after the test."""
    started: list[TikTokEmulator] = []

    def start(**options: Any) -> TikTokEmulator:
        instance = TikTokEmulator(**options)
        instance.start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def catalog_of(*streams: str) -> dict[str, Any]:
    """The configured catalog restricted to ``streams``."""
    full = json.loads(CONFIGURED_CATALOG.read_text())
    return {"streams": [s for s in full["streams"] if s["stream"]["name"] in streams]}


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[TikTokEmulator]:
    """One read-only emulator (95 videos) per module, for tests that neither add faults nor change tokens."""
    with TikTokEmulator(video_count=95) as emulator:
        yield emulator


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    """A ``requests`` session (kept-alive connections), closed after the test."""
    with requests.Session() as session:
        yield session
