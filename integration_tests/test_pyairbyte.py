"""PyAirbyte runs the locally installed connector against the loopback TikTok emulator.

PyAirbyte (``airbyte`` on PyPI) pins its own dependency ranges, so it lives in its own virtualenv,
.venv-pyairbyte, built by ``scripts/pyairbyte_test.sh`` (which then runs this test). This test runs
in the connector's environment: it starts the emulator, runs ``python -m tools.pyairbyte_driver``
(from the repository root) under PyAirbyte's interpreter with the connector's console script as
``local_executable``, and checks the driver's report against what the emulator served.

Skipped only on a developer machine without .venv-pyairbyte; where the ``CI`` environment variable
is set, a missing PyAirbyte environment is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from testkit.console_script import console_script
from testkit.secrets import assert_no_secrets
from tiktok_emulator import USER_FIELD_SCOPES, VIDEO_FIELDS, TikTokEmulator

REPO_ROOT = Path(__file__).resolve().parent.parent
PYAIRBYTE_PYTHON = Path(
    os.environ.get("PYAIRBYTE_PYTHON") or REPO_ROOT / ".venv-pyairbyte" / "bin" / "python"
)
# Run as a module from the repository root, where the tools package is importable.
DRIVER = "tools.pyairbyte_driver"
VIDEO_COUNT = 57  # two full pages and a short one


@pytest.fixture(scope="module")
def pyairbyte_python() -> Path:
    if PYAIRBYTE_PYTHON.exists():
        return PYAIRBYTE_PYTHON
    message = (
        f"{PYAIRBYTE_PYTHON} does not exist: run scripts/pyairbyte_test.sh to build it and run this test"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PyAirbyte test. {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def outcome(pyairbyte_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("pyairbyte")
    env = {
        **os.environ,
        "AIRBYTE_OFFLINE_MODE": "1",  # no registry look-up: the connector is local
        "DO_NOT_TRACK": "1",
        "AIRBYTE_CACHE_ROOT": str(workdir / "cache-root"),
        "AIRBYTE_LOGGING_ROOT": str(workdir / "logs"),
        "AIRBYTE_PROJECT_DIR": str(workdir / "project"),
        "AIRBYTE_INSTALL_DIR": str(workdir / "install"),
    }
    env.pop("VIRTUAL_ENV", None)
    # Rotation on, as TikTok does: PyAirbyte must hand the rotated config back between runs.
    with TikTokEmulator(video_count=VIDEO_COUNT, rotate_refresh_tokens=True) as emulator:
        config = emulator.connector_config()
        (workdir / "config.json").write_text(json.dumps(config))
        report_path = workdir / "report.json"
        completed = subprocess.run(
            [
                str(pyairbyte_python),
                "-m",
                DRIVER,
                "--executable",
                str(console_script()),
                "--config",
                str(workdir / "config.json"),
                "--workdir",
                str(workdir),
                "--report",
                str(report_path),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO_ROOT,
            timeout=600,
        )
        assert completed.returncode == 0 and report_path.exists(), (
            f"the PyAirbyte driver failed (exit {completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-6000:]}"
        )
        return {
            "report": json.loads(report_path.read_text()),
            "videos": {v["id"]: v for v in emulator.videos},
            "user": emulator.user,
            "current_refresh_token": emulator.current_refresh_token,
            "initial_refresh_token": config["credentials"]["refresh_token"],
            "stderr": completed.stderr,
        }


def test_config_validation_uses_the_connector_spec(outcome: dict) -> None:
    steps = outcome["report"]["steps"]
    assert steps["validate_config"] == "ok"
    assert steps["validate_config_without_client_secret"].startswith("rejected")
    assert "client_secret" in steps["validate_config_without_client_secret"]


def test_check_succeeds_and_its_rotated_token_is_handed_back(outcome: dict) -> None:
    report = outcome["report"]
    assert report["steps"]["check"] == "ok"
    assert report["rotations_after_check"] >= 1, "check refreshed the token: PyAirbyte got CONNECTOR_CONFIG"


def test_both_streams_are_read(outcome: dict) -> None:
    report = outcome["report"]
    assert report["available_streams"] == ["user_info", "videos"]
    assert report["first_read"]["streams_in_result"] == ["user_info", "videos"]
    assert report["first_read"]["processed_records"] == 1 + VIDEO_COUNT


def test_user_info_in_the_cache(outcome: dict) -> None:
    records = outcome["report"]["first_read"]["records"]["user_info"]
    assert len(records) == 1
    user, expected = records[0], outcome["user"]
    assert {field: user.get(field) for field in USER_FIELD_SCOPES} == {
        f: expected.get(f) for f in USER_FIELD_SCOPES
    }
    assert user["display_name"] == expected["display_name"]  # non-ASCII survives DuckDB
    assert user["likes_count"] == expected["likes_count"] > 2**31  # a BIGINT column


def test_every_video_in_the_cache(outcome: dict) -> None:
    records = outcome["report"]["first_read"]["records"]["videos"]
    expected = outcome["videos"]
    assert len(records) == VIDEO_COUNT
    assert sorted(r["id"] for r in records) == sorted(expected)  # string ids, no precision lost
    for record in records:
        served = expected[record["id"]]
        assert {f: record.get(f) for f in VIDEO_FIELDS} == {f: served.get(f) for f in VIDEO_FIELDS}, record[
            "id"
        ]
    newest = max(records, key=lambda r: r["create_time"])
    if "created_at" in newest:
        created = datetime.fromisoformat(newest["created_at"].replace("Z", "+00:00"))
        # DuckDB hands PyAirbyte's timestamp column to pandas in UTC, without the offset.
        created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        assert created == datetime.fromtimestamp(newest["create_time"], tz=timezone.utc)


def test_second_read_keeps_one_row_per_primary_key(outcome: dict) -> None:
    report = outcome["report"]
    second = report["second_read"]
    assert second["rows_in_cache"] == {"user_info": 1, "videos": VIDEO_COUNT}
    if "incremental" in report["supported_sync_modes"]["videos"]:
        # The state PyAirbyte kept in its cache is sent back: only the newest videos are re-read.
        assert 1 + 1 <= second["processed_records"] < 1 + VIDEO_COUNT
    else:
        assert second["processed_records"] == 1 + VIDEO_COUNT


def test_pyairbyte_ends_with_the_valid_refresh_token(outcome: dict) -> None:
    assert outcome["report"]["final_refresh_token"] == outcome["current_refresh_token"]
    assert outcome["current_refresh_token"] != outcome["initial_refresh_token"]


def test_no_secret_in_pyairbyte_output(outcome: dict) -> None:
    assert_no_secrets(
        outcome["stderr"],
        ["emulator-client-secret", outcome["initial_refresh_token"], outcome["current_refresh_token"]],
    )
