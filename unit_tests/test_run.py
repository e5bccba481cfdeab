"""The console entrypoint: a source that cannot be built reports an Airbyte TRACE, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from source_tiktok_organic.run import run
from unit_tests.conftest import CLIENT_SECRET, REFRESH_TOKEN


def printed_messages(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


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
    (trace,) = [m for m in printed_messages(capsys) if m["type"] == "TRACE"]
    assert trace["trace"]["error"]["failure_type"] == "config_error"
    assert "could not start" in trace["trace"]["error"]["message"]


def test_startup_failure_does_not_leak_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credentials": {"client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN}}))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(f'{{"streams": "{REFRESH_TOKEN} {CLIENT_SECRET}"}}')

    with pytest.raises(SystemExit):
        run(["read", "--config", str(config), "--catalog", str(catalog)])

    output = capsys.readouterr()
    assert '"TRACE"' in output.out
    assert REFRESH_TOKEN not in output.out + output.err
    assert CLIENT_SECRET not in output.out + output.err


def test_spec_runs_without_any_file(capsys: pytest.CaptureFixture[str]) -> None:
    run(["spec"])

    (spec,) = [m for m in printed_messages(capsys) if m["type"] == "SPEC"]
    assert "credentials" in spec["spec"]["connectionSpecification"]["properties"]
