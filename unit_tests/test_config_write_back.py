"""Run by hand, the connector writes each rotated config back to its --config file.

The write-back sits on stdout (``config_write_back``); these tests drive it with the messages the
CDK prints, and once through the real entrypoint (``run``), whose PrintBuffer stands between the
CDK's prints and the process's stdout.
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from airbyte_cdk.config_observation import create_connector_config_control_message
from airbyte_cdk.models import AirbyteMessageSerializer, Type

from source_tiktok_organic import config_write_back
from source_tiktok_organic.config_write_back import ConfigWriteBack, config_written_back
from source_tiktok_organic.run import run
from testkit.catalogs import catalog_json, configured_catalog
from testkit.configs import SECRETS, make_config
from testkit.connector_output import ConnectorOutput
from testkit.secrets import assert_run_leaks_no_secret
from testkit.tiktok_responses import (
    ACCESS_TOKEN,
    ROTATED_REFRESH_TOKEN,
    TOKEN_URL,
    USER_INFO_URL,
    envelope,
    token_body,
    user,
)

RECORD_LINE = '{"type":"RECORD","record":{"stream":"videos","data":{"id":"7"},"emitted_at":1}}\n'


def control_line(config: dict[str, Any]) -> str:
    """A CONNECTOR_CONFIG message exactly as the CDK prints it (config_observation)."""
    message = create_connector_config_control_message(config)
    return orjson.dumps(AirbyteMessageSerializer.dump(message)).decode() + "\n"


def rotated(config: dict[str, Any], refresh_token: str = ROTATED_REFRESH_TOKEN) -> dict[str, Any]:
    return {**config, "credentials": {**config["credentials"], "refresh_token": refresh_token}}


def config_file(tmp_path: Path, config: dict[str, Any], mode: int = 0o640) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    path.chmod(mode)
    return path


def write_through(path: Path, *chunks: str) -> str:
    """What stdout shows after ``chunks`` were written to a write-back stream on ``path``."""
    stdout = io.StringIO()
    stream = ConfigWriteBack(stdout, path)
    for chunk in chunks:
        assert stream.write(chunk) == len(chunk)
    stream.close_line()
    return stdout.getvalue()


def own_logs(printed: str) -> list[str]:
    return [log for log in ConnectorOutput(printed).logs if "rotated TikTok credentials" in log]


def without_own_logs(printed: str) -> str:
    return "".join(
        line for line in printed.splitlines(keepends=True) if "rotated TikTok credentials" not in line
    )


def test_the_rotated_config_replaces_the_file_atomically_keeping_its_mode(tmp_path: Path) -> None:
    path = config_file(tmp_path, make_config(), mode=0o640)
    inode = path.stat().st_ino
    new_config = rotated(make_config())

    printed = write_through(path, RECORD_LINE, control_line(new_config), RECORD_LINE)

    assert json.loads(path.read_text()) == new_config
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode, "replaced by a rename, not rewritten"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"], "no temporary file left"
    assert own_logs(printed) == [
        f"Saved the rotated TikTok credentials to {path}: TikTok retired the refresh token this run "
        "started with."
    ]


def test_messages_pass_through_byte_identical_and_logs_wait_for_the_end_of_a_line(tmp_path: Path) -> None:
    path = config_file(tmp_path, make_config())
    control = control_line(rotated(make_config()))
    # The control message cut inside its "CONTROL" mark, then followed by half a record.
    split = control.index('"CONTROL"') + 4
    chunks = [RECORD_LINE[:30], RECORD_LINE[30:] + control[:split], control[split:] + RECORD_LINE[:20]]
    chunks.append(RECORD_LINE[20:])

    printed = write_through(path, *chunks)

    assert without_own_logs(printed) == "".join(chunks)
    assert printed.index("Saved the rotated") > printed.index(RECORD_LINE, printed.index('"CONTROL"'))
    assert json.loads(path.read_text()) == rotated(make_config())


def test_an_unchanged_config_is_not_rewritten(tmp_path: Path) -> None:
    path = config_file(tmp_path, make_config())
    before = (path.stat().st_ino, path.stat().st_mtime_ns, path.read_text())

    printed = write_through(path, control_line(make_config()))

    assert (path.stat().st_ino, path.stat().st_mtime_ns, path.read_text()) == before
    assert own_logs(printed) == []


def test_records_are_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    monkeypatch.setattr(config_write_back, "emitted_config", lambda line: parsed.append(line))
    path = config_file(tmp_path, make_config())

    write_through(path, RECORD_LINE * 100, '{"type":"LOG","log":{"level":"INFO","message":"x"}}\n')

    assert parsed == []


def test_a_read_only_file_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    path = config_file(tmp_path, make_config(), mode=0o444)

    printed = write_through(path, control_line(rotated(make_config())), RECORD_LINE)

    assert json.loads(path.read_text()) == make_config()
    (warning,) = own_logs(printed)
    assert warning.startswith(
        f"Could not save the rotated TikTok credentials to {path} (the file is read-only)"
    )
    assert "CONNECTOR_CONFIG" in warning
    (log,) = [m for m in ConnectorOutput(printed).of_type(Type.LOG) if "Could not save" in m.log.message]
    assert log.log.level.value == "WARN"
    assert printed.endswith(RECORD_LINE), "the output goes on"
    assert_run_leaks_no_secret(ConnectorOutput(printed), SECRETS)


def test_a_file_that_cannot_be_replaced_is_rewritten_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bind-mounted file (docker run -v file:file) cannot be renamed over: EBUSY."""
    path = config_file(tmp_path, make_config(), mode=0o600)
    inode = path.stat().st_ino

    def busy(source: Any, target: Any) -> None:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))

    monkeypatch.setattr(config_write_back.os, "replace", busy)

    printed = write_through(path, control_line(rotated(make_config())))

    assert json.loads(path.read_text()) == rotated(make_config())
    assert (path.stat().st_ino, stat.S_IMODE(path.stat().st_mode)) == (inode, 0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
    assert own_logs(printed)[0].startswith("Saved")


def test_a_failed_replacement_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = config_file(tmp_path, make_config())

    def disk_full(source: Any, target: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(config_write_back.os, "replace", disk_full)

    printed = write_through(path, control_line(rotated(make_config())))

    assert json.loads(path.read_text()) == make_config()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
    assert "No space left on device" in own_logs(printed)[0]


def test_a_symlinked_config_keeps_its_link(tmp_path: Path) -> None:
    real = config_file(tmp_path, make_config())
    link = tmp_path / "link.json"
    link.symlink_to(real)

    write_through(link, control_line(rotated(make_config())))

    assert link.is_symlink()
    assert json.loads(real.read_text()) == rotated(make_config())


def test_run_writes_back_through_the_cdks_print_buffer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], requests_mock: Any
) -> None:
    """The console entrypoint: the CDK prints the control message into its PrintBuffer, which
    flushes to sys.__stdout__; the rotated config must still reach the file."""
    requests_mock.post(
        TOKEN_URL, json=token_body(access_token=ACCESS_TOKEN, refresh_token=ROTATED_REFRESH_TOKEN)
    )
    requests_mock.get(USER_INFO_URL, json=envelope({"user": user()}))
    path = config_file(tmp_path, make_config(), mode=0o600)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_json(configured_catalog("user_info"))))
    stdout, original_stdout = sys.stdout, sys.__stdout__

    run(["read", "--config", str(path), "--catalog", str(catalog)])

    assert (sys.stdout, sys.__stdout__) == (stdout, original_stdout), "stdout restored"
    output = ConnectorOutput(capsys.readouterr().out)
    assert output.records("user_info") == [user()]
    assert output.latest_config is not None
    assert output.latest_config["credentials"]["refresh_token"] == ROTATED_REFRESH_TOKEN
    assert json.loads(path.read_text()) == output.latest_config
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any(log.startswith("Saved the rotated TikTok credentials") for log in output.logs)
    assert_run_leaks_no_secret(output, SECRETS)


def test_without_a_config_file_stdout_is_left_as_it_is() -> None:
    stdout = sys.stdout
    with config_written_back(None):
        assert sys.stdout is stdout
