"""Fixtures: the connector run in-process through its real entrypoint, mocked HTTP, recorded sleeps.

The TikTok answers, configs and catalogs the tests build are in ``testkit``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests_mock as requests_mock_module
from airbyte_cdk.models import AirbyteMessageSerializer, ConfiguredAirbyteCatalog
from airbyte_cdk.test.entrypoint_wrapper import make_file

from source_tiktok_organic.cdk_internals import run_command
from source_tiktok_organic.run import _create_source
from testkit.catalogs import catalog_json, configured_catalog
from testkit.connector_output import ConnectorOutput


@pytest.fixture
def run_connector(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., ConnectorOutput]:
    """Run a command the way `source-tiktok-organic` does: source built by run.py, then the CDK
    entrypoint, in-process. Its output is what the command would have printed: the entrypoint's
    messages, then what went to stdout directly (the CONNECTOR_CONFIG control messages)."""

    def run(
        command: str,
        config: dict[str, Any],
        catalog: ConfiguredAirbyteCatalog | None = None,
        debug: bool = False,
        state: list[dict[str, Any]] | None = None,
    ) -> ConnectorOutput:
        args = [command]
        if command != "spec":
            args += ["--config", make_file(tmp_path / "config.json", config)]
        if command == "read":
            catalog_file = tmp_path / "catalog.json"
            args += ["--catalog", make_file(catalog_file, catalog_json(catalog or configured_catalog()))]
        if state is not None:
            args += ["--state", make_file(tmp_path / "state.json", state)]
        if debug:
            args.append("--debug")
        capsys.readouterr()
        output = run_command(_create_source(args), args)
        printed = capsys.readouterr()
        messages = [json.dumps(AirbyteMessageSerializer.dump(m)) for m in output.get_message_iterator()]
        return ConnectorOutput("\n".join([*messages, printed.out]), printed.err, command=" ".join(args))

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
