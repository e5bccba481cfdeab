"""The console entrypoint: a source that cannot be built reports an Airbyte TRACE, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from airbyte_cdk.models import FailureType, Type

from source_tiktok_organic.run import run
from testkit.configs import CLIENT_SECRET, REFRESH_TOKEN
from testkit.connector_output import ConnectorOutput
from testkit.secrets import assert_no_secrets


@pytest.mark.parametrize(
    "config_text",
    ["{not json", '["a", "list"]'],
    ids=["malformed-json", "not-an-object"],
)
def test_unreadable_config_prints_a_config_error_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config_text: str
) -> None:
    config = tmp_path / "config.json"
    config.write_text(config_text)

    with pytest.raises(SystemExit) as exit_info:
        run(["check", "--config", str(config)])

    assert exit_info.value.code == 1
    (trace,) = ConnectorOutput(capsys.readouterr().out).of_type(Type.TRACE)
    assert trace.trace.error.failure_type == FailureType.config_error
    assert "could not start" in trace.trace.error.message


def test_startup_failure_does_not_leak_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"credentials": {"client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN}})
    )
    catalog = tmp_path / "catalog.json"
    catalog.write_text(f'{{"streams": "{REFRESH_TOKEN} {CLIENT_SECRET}"}}')

    with pytest.raises(SystemExit):
        run(["read", "--config", str(config), "--catalog", str(catalog)])

    printed = capsys.readouterr()
    assert ConnectorOutput(printed.out).of_type(Type.TRACE)
    assert_no_secrets(printed.out + printed.err, [REFRESH_TOKEN, CLIENT_SECRET])


def test_spec_runs_without_any_file(capsys: pytest.CaptureFixture[str]) -> None:
    run(["spec"])

    spec = ConnectorOutput(capsys.readouterr().out).spec
    assert "credentials" in spec.connectionSpecification["properties"]
