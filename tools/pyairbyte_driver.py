"""Drive the connector with PyAirbyte and report what PyAirbyte saw, as JSON.

Runs under the PyAirbyte virtualenv (.venv-pyairbyte, built by scripts/pyairbyte_test.sh), which is
separate from the connector's because PyAirbyte pins its own dependency ranges. It imports nothing
from this repository. integration_tests/test_pyairbyte.py starts the emulator, runs it from the
repository root as ``python -m tools.pyairbyte_driver`` and asserts on its report; run that test,
not this program.

Steps, as a PyAirbyte user would take them:

1. ``ab.get_source(..., local_executable=<console script>, config=...)`` (the installed connector),
   or ``ab.get_source(..., docker_image=<tag>, use_host_network=True, config=...)`` (the image, run
   with ``docker run --rm -i`` the way PyAirbyte runs registry connectors; the host network reaches
   the emulator on 127.0.0.1), with a ``config_change_callback`` that keeps each rotated config
   TikTok's refresh-token rotation produces, and hands it back to the source before the next step
   (``set_config``);
2. ``validate_config`` on the good config and on one without ``client_secret``;
3. ``check``;
4. ``read`` of the creator streams (user_info, videos) into a DuckDB cache in a temporary
   directory, then the records back out of the cache;
5. a second ``read`` into the same cache (incremental where the connector offers it), then the
   row counts of the cache again.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def rows(cache: Any, stream: str) -> list[dict[str, Any]]:
    """The stream's rows in the cache, PyAirbyte's bookkeeping columns dropped."""
    frame = cache.get_pandas_dataframe(stream)
    records = json.loads(frame.to_json(orient="records", date_format="iso"))
    return [{k: v for k, v in record.items() if not k.startswith("_airbyte_")} for record in records]


def main() -> int:
    if not (os.environ.get("AIRBYTE_OFFLINE_MODE") and os.environ.get("DO_NOT_TRACK")):
        # Set before importing airbyte: it reads them at import time.
        sys.exit(
            "set AIRBYTE_OFFLINE_MODE=1 and DO_NOT_TRACK=1: this machine cannot reach Airbyte's registry"
        )
    import airbyte as ab
    from airbyte import exceptions as ab_exceptions

    parser = argparse.ArgumentParser(prog="python -m tools.pyairbyte_driver")
    runs = parser.add_mutually_exclusive_group(required=True)
    runs.add_argument("--executable", help="the connector's console script")
    runs.add_argument("--docker-image", help="the connector's image, tag included")
    parser.add_argument("--config", required=True, help="connector config JSON")
    parser.add_argument("--workdir", required=True, help="temporary directory for the cache")
    parser.add_argument("--report", required=True, help="where to write the JSON report")
    parser.add_argument(
        "--streams",
        default="user_info,videos",
        help="the streams to read, comma-separated (default: Display API's)",
    )
    args = parser.parse_args()

    report: dict[str, Any] = {"airbyte_version": importlib.metadata.version("airbyte"), "steps": {}}
    timings: dict[str, float] = {}
    config = json.loads(Path(args.config).read_text())
    rotations: list[dict[str, Any]] = []

    def keep_rotated(new_config: dict[str, Any]) -> None:
        rotations.append(new_config)

    how: dict[str, Any] = (
        {"docker_image": args.docker_image, "use_host_network": True}
        if args.docker_image
        else {"local_executable": args.executable}
    )
    source = ab.get_source(
        "source-tiktok-organic",
        config=config,
        config_change_callback=keep_rotated,
        install_if_missing=False,
        **how,
    )
    # How PyAirbyte starts the connector: the console script, or the `docker run ...` command.
    report["executor"] = {
        "type": type(source.executor).__name__,
        "command": [str(part) for part in getattr(source.executor, "_cli", [])],
    }

    def adopt_rotation() -> None:
        # What a PyAirbyte user persists between runs: the last config the connector emitted.
        if rotations:
            source.set_config(rotations[-1], validate=True)

    started = time.monotonic()
    source.validate_config()
    report["steps"]["validate_config"] = "ok"
    streams = args.streams.split(",")
    broken = json.loads(json.dumps(config))
    broken["credentials"].pop("client_secret", None)
    broken["credentials"].pop("app_secret", None)
    try:
        source.validate_config(broken)
        report["steps"]["validate_config_without_secret"] = "accepted"
    except ab_exceptions.AirbyteConnectorValidationFailedError as error:
        reason = error.context.get("error_message") if error.context else None
        report["steps"]["validate_config_without_secret"] = f"rejected: {reason}"
    timings["validate_config"] = time.monotonic() - started

    started = time.monotonic()
    source.check()
    report["steps"]["check"] = "ok"
    report["rotations_after_check"] = len(rotations)
    adopt_rotation()
    timings["check"] = time.monotonic() - started

    report["available_streams"] = sorted(source.get_available_streams())
    source.select_streams(streams)
    report["supported_sync_modes"] = {
        stream.name: sorted(mode.value for mode in stream.supported_sync_modes)
        for stream in source.discovered_catalog.streams
    }

    cache = ab.new_local_cache(cache_name="tiktok_pyairbyte_test", cache_dir=Path(args.workdir) / "cache")
    started = time.monotonic()
    result = source.read(cache=cache)
    timings["read"] = time.monotonic() - started
    report["first_read"] = {
        "processed_records": result.processed_records,
        "streams_in_result": sorted(result.streams),
        "records": {stream: rows(cache, stream) for stream in streams},
    }
    adopt_rotation()

    started = time.monotonic()
    second = source.read(cache=cache)
    timings["second_read"] = time.monotonic() - started
    report["second_read"] = {
        "processed_records": second.processed_records,
        "rows_in_cache": {stream: len(rows(cache, stream)) for stream in streams},
    }
    adopt_rotation()

    report["rotations"] = len(rotations)
    report["final_refresh_token"] = source.get_config()["credentials"]["refresh_token"]
    report["timings"] = timings
    Path(args.report).write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
