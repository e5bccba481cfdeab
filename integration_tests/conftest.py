"""Fixtures for tests that run the installed connector against the loopback TikTok emulator.

What the tests read and build (connector output, catalogs, the console script) is in ``testkit``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from airbyte_cdk.models import ConfiguredAirbyteCatalog

from testkit import manifest_memo
from testkit.catalogs import catalog_json, configured_catalog
from testkit.connector_output import ConnectorOutput
from testkit.console_script import run_console_script
from tiktok_emulator import TikTokEmulator

REPO_ROOT = Path(__file__).resolve().parent.parent

# The emulator that acceptance-test-config.yml's emulator_*.json configs point at.
ACCEPTANCE_EMULATOR_PORT = 41807
BASIC_SCOPE_REFRESH_TOKEN = "emulator-basic-scope-refresh-token"


def pytest_configure(config: pytest.Config) -> None:
    manifest_memo.install()  # the CDK's parse of the manifest once per process (testkit.manifest_memo)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what cannot run here, saying why: real-credential scenarios without
    secrets/config.json, and the standard suite's own image tests."""
    needs_creds = pytest.mark.skip(reason="needs real TikTok credentials in secrets/config.json")
    has_creds = (REPO_ROOT / "secrets" / "config.json").exists()
    # Not this repo's image: the CDK builds one from Dockerfile templates it downloads from GitHub,
    # and runs it without host networking, so it could reach neither GitHub nor the loopback
    # emulator here.
    cdk_image_tests = pytest.mark.skip(
        reason="the CDK's image tests build from Dockerfile templates on GitHub and run without host "
        "networking; scripts/image_test.sh builds this repo's Dockerfile and runs every command in it"
    )
    for item in items:
        if item.get_closest_marker("requires_creds") and not has_creds:
            item.add_marker(needs_creds)
        if item.name.startswith("test_docker_image"):
            item.add_marker(cdk_image_tests)


@pytest.fixture(scope="session")
def acceptance_emulator() -> Iterator[TikTokEmulator]:
    # No rotation: every scenario of the standard tests runs with the same config file.
    emulator = TikTokEmulator(video_count=60, rotate_refresh_tokens=False)
    emulator.add_refresh_token(BASIC_SCOPE_REFRESH_TOKEN, ("user.info.basic",))
    emulator.start(port=ACCEPTANCE_EMULATOR_PORT)
    yield emulator
    emulator.stop()


@pytest.fixture
def run_connector(tmp_path: Path) -> Callable[..., ConnectorOutput]:
    """Run the installed console script in a subprocess with a config (and, for read, a catalog:
    the repository's configured catalog unless one is given)."""

    def run(
        command: str,
        config: dict[str, Any] | None = None,
        catalog: ConfiguredAirbyteCatalog | None = None,
        timeout: float = 300,
        state: list[dict[str, Any]] | None = None,
    ) -> ConnectorOutput:
        args = [command]
        if config is not None:
            config_path = tmp_path / f"{command}-config.json"
            config_path.write_text(json.dumps(config))
            args += ["--config", str(config_path)]
        if command == "read":
            catalog_path = tmp_path / "catalog.json"
            catalog_path.write_text(json.dumps(catalog_json(catalog or configured_catalog())))
            args += ["--catalog", str(catalog_path)]
        if state is not None:
            state_path = tmp_path / "state.json"
            state_path.write_text(json.dumps(state))
            args += ["--state", str(state_path)]
        return run_console_script(args, timeout=timeout, cwd=tmp_path)

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


@pytest.fixture
def emu(emulator: Callable[..., TikTokEmulator]) -> Callable[..., TikTokEmulator]:
    """Small emulators: these tests need an account, not a long video history."""
    return lambda **options: emulator(video_count=25, **options)
