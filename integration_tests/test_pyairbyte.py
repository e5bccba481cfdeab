"""PyAirbyte runs the connector against the loopback TikTok emulator, installed and as an image.

PyAirbyte (``airbyte`` on PyPI) pins its own dependency ranges, so it lives in its own virtualenv,
.venv-pyairbyte, built by ``scripts/pyairbyte_test.sh`` (which then runs this test). This test runs
in the connector's environment: it starts the emulator, runs ``python -m tools.pyairbyte_driver``
(from the repository root) under PyAirbyte's interpreter, and checks the driver's report against
what the emulator served. Every test runs twice:

- ``local_executable``: the connector's console script in .venv;
- ``docker_image``: the connector's image, which PyAirbyte starts with ``docker run --rm -i
  --network host`` (``use_host_network=True``), the way it runs registry connectors. The image is
  the one ``scripts/image_test.sh`` left under ``airbyte/source-tiktok-organic:dev`` when it was
  built from the current sources (as in ``scripts/test.sh``, which runs the image test first), else
  it is built here once (``tools.container_engine``). The engine is set up as the image test does.

Skipped only on a developer machine without .venv-pyairbyte (where the ``CI`` environment variable
is set, a missing PyAirbyte environment is a failure), and, for the image, where no container
engine can be set up at all.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from testkit.console_script import console_script
from testkit.secrets import assert_no_secrets
from tiktok_emulator import USER_FIELD_SCOPES, VIDEO_FIELDS, TikTokEmulator
from tools.container_engine import IMAGE_TAG, EngineError, docker_cli, ensure_engine, ensure_image

pytestmark = pytest.mark.side_environments

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
def connector_image(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path | None]:
    """The image's tag, and a directory to put first on PATH when ``docker`` must run podman."""
    try:
        engine = ensure_engine(print)
    except EngineError as no_engine:
        pytest.skip(f"no container engine could be set up to run the image: {no_engine}")
    print(ensure_image(engine, IMAGE_TAG))
    return IMAGE_TAG, docker_cli(engine, tmp_path_factory.mktemp("docker-cli"))


def pyairbyte_env(workdir: Path) -> dict[str, str]:
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
    return env


def drive(
    pyairbyte_python: Path,
    workdir: Path,
    env: dict[str, str],
    runs: list[str],
    config: dict[str, Any],
    streams: str = "user_info,videos",
) -> tuple[dict[str, Any], str]:
    """Run the PyAirbyte driver; its JSON report and its stderr."""
    (workdir / "config.json").write_text(json.dumps(config))
    report_path = workdir / "report.json"
    completed = subprocess.run(
        [
            str(pyairbyte_python),
            "-m",
            DRIVER,
            *runs,
            "--config",
            str(workdir / "config.json"),
            "--workdir",
            str(workdir),
            "--report",
            str(report_path),
            "--streams",
            streams,
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
    return json.loads(report_path.read_text()), completed.stderr


@pytest.fixture(scope="module", params=["local_executable", "docker_image"])
def outcome(
    request: pytest.FixtureRequest, pyairbyte_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    workdir = tmp_path_factory.mktemp(f"pyairbyte-{request.param}")
    env = pyairbyte_env(workdir)
    if request.param == "docker_image":
        tag, docker_dir = request.getfixturevalue("connector_image")
        runs = ["--docker-image", tag]
        # PyAirbyte writes the config and catalog files here and mounts it at /airbyte/tmp: the
        # image's unprivileged user must be able to enter it.
        (workdir / "tmp").mkdir(mode=0o755)
        (workdir / "tmp").chmod(0o755)
        env["AIRBYTE_TEMP_DIR"] = str(workdir / "tmp")
        if docker_dir:
            env["PATH"] = f"{docker_dir}{os.pathsep}{env['PATH']}"
    else:
        runs = ["--executable", str(console_script())]
    # Rotation on, as TikTok does: PyAirbyte must hand the rotated config back between runs.
    with TikTokEmulator(video_count=VIDEO_COUNT, rotate_refresh_tokens=True) as emulator:
        config = emulator.connector_config()
        report, stderr = drive(pyairbyte_python, workdir, env, runs, config)
        return {
            "mode": request.param,
            "report": report,
            "videos": {v["id"]: v for v in emulator.videos},
            "user": emulator.user,
            "current_refresh_token": emulator.current_refresh_token,
            "initial_refresh_token": config["credentials"]["refresh_token"],
            "stderr": stderr,
        }


def test_business_mode_reads_into_the_cache_with_rotation(pyairbyte_python: Path, tmp_path: Path) -> None:
    streams = "business_profile,business_videos,business_profile_daily,video_snapshots"
    with TikTokEmulator(video_count=VIDEO_COUNT, rotate_refresh_tokens=True) as emulator:
        config = emulator.business_connector_config()
        report, stderr = drive(
            pyairbyte_python,
            tmp_path,
            pyairbyte_env(tmp_path),
            ["--executable", str(console_script())],
            config,
            streams,
        )
        current = emulator.current_business_refresh_token

    records = report["first_read"]["records"]
    assert sorted(r["item_id"] for r in records["business_videos"]) == sorted(
        v["id"] for v in emulator.videos
    )
    assert len(records["business_profile"]) == 1 and records["business_profile_daily"]
    assert report["second_read"]["rows_in_cache"]["business_videos"] == VIDEO_COUNT, "one row per primary key"
    assert report["rotations"] >= 1 and report["final_refresh_token"] == current
    assert_no_secrets(stderr, {config["credentials"]["app_secret"], current})


def test_pyairbyte_runs_the_connector_as_asked(outcome: dict) -> None:
    executor = outcome["report"]["executor"]
    if outcome["mode"] == "docker_image":
        command = executor["command"]
        assert executor["type"] == "DockerExecutor"
        assert command[:4] == ["docker", "run", "--rm", "-i"], command
        assert "--network host" in " ".join(command), "use_host_network=True: the emulator is on 127.0.0.1"
        assert command[-1] == IMAGE_TAG
    else:
        assert executor["command"] == [str(console_script())]


def test_config_validation_uses_the_connector_spec(outcome: dict) -> None:
    steps = outcome["report"]["steps"]
    assert steps["validate_config"] == "ok"
    # Rejected by the spec's JSON schema (credentials is a oneOf: the message names the branch
    # jsonschema judged closest, not always the missing field).
    assert steps["validate_config_without_secret"].startswith("rejected")


def test_check_succeeds_without_spending_the_refresh_token(outcome: dict) -> None:
    """The check leaves the refresh token to the read (docs, "Set-up in the Airbyte UI"), whose
    rotated tokens PyAirbyte hands back (test_pyairbyte_ends_with_the_valid_refresh_token)."""
    report = outcome["report"]
    assert report["steps"]["check"] == "ok"
    assert report["rotations_after_check"] == 0, (
        "check spent the refresh token: PyAirbyte got CONNECTOR_CONFIG"
    )
    assert report["rotations"] >= 1, "the read refreshed, and PyAirbyte handed the rotated config back"


def test_both_streams_are_read(outcome: dict) -> None:
    report = outcome["report"]
    assert {"user_info", "videos"} <= set(report["available_streams"])
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
    ids = [r["id"] for r in records]
    assert len(ids) == VIDEO_COUNT and len(set(ids)) == len(ids), "every video exactly once"
    assert sorted(ids) == sorted(expected)  # string ids, no precision lost
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
