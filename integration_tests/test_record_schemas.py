"""Every record of every stream, in both modes, fits the JSON schema discover declares for it.

The emulator answers in the shapes of TikTok's documented example bodies (numbers TikTok sends as
strings included), so a schema that promises an integer where TikTok sends a string, or a primary
key TikTok may leave out, fails here before it fails a warehouse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft7Validator

from testkit.catalogs import configure
from testkit.connector_output import ConnectorOutput
from tiktok_emulator import TikTokEmulator

# Options that switch on the optional streams, so that every stream of the mode is read.
EVERY_BUSINESS_STREAM = {
    "include_comments": True,
    "comment_days": 3650,
    "benchmark_category": "ART_AND_CRAFTS",
    # The emulator enforces no per-account limit unless asked: no need to pace at 38 a minute.
    "business_requests_per_minute": 600,
}


def primary_key_values(record: dict[str, Any], primary_key: list[list[str]]) -> list[Any]:
    values = []
    for path in primary_key:
        node: Any = record
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        values.append(node)
    return values


@pytest.mark.parametrize("mode", ["display", "business"])
def test_every_record_of_every_stream_fits_its_discovered_schema(
    run_connector: Callable[..., ConnectorOutput], emulator: Callable[..., TikTokEmulator], mode: str
) -> None:
    tiktok = emulator(video_count=30)
    if mode == "business":
        config = tiktok.business_connector_config(**EVERY_BUSINESS_STREAM)
    else:
        config = tiktok.connector_config()

    discovered = run_connector("discover", config).catalog
    run = run_connector("read", config, configure(discovered))

    assert run.returncode == 0 and not run.errors, run.transcript()
    for stream in discovered.streams:
        records = run.records(stream.name)
        assert records, f"{stream.name}: no record to check"
        validator = Draft7Validator(stream.json_schema)
        for record in records:
            problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(record)]
            assert not problems, f"{stream.name} record {record} breaks its schema: {problems}"
            key = primary_key_values(record, stream.source_defined_primary_key or [])
            assert None not in key, f"{stream.name} record {record} has a null primary key {key}"
    if mode == "display":
        # TikTok's August 2026 field: every video says whether it is labelled AI-generated.
        assert all(isinstance(video.get("is_aigc"), bool) for video in run.records("videos"))
