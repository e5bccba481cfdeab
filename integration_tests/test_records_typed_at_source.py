"""The connector types TikTok's records where it builds them, and they are the records the CDK's
schema normalization made, byte for byte.

Every business stream used to cast its records to the types its schema declares with the selector's
``schema_normalization``, which walks every field of every record through jsonschema validators
(about half of a business sync's CPU). The streams that make many records of an answer now cast the
few fields TikTok sends as text where the rows are built (``PageRecordsExtractor`` and
``ArrayRowsExtractor``'s ``integer_fields``, an ``AddFields``' ``value_type``). This test reads every
stream of both modes twice from one emulator at one clock: with the shipped manifest, and with the
same manifest turned back into the normalizing one (normalization on every selector, none of the
connector's own casts). A cast forgotten, or one the schema would not make, changes a byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from source_tiktok_organic import source
from testkit.catalogs import configure
from testkit.clock import utc_clock
from testkit.connector_output import ConnectorOutput
from testkit.in_process import run_in_process
from tiktok_emulator import TikTokEmulator

from .test_record_schemas import EVERY_BUSINESS_STREAM

READ_AT = datetime(2026, 11, 16, 6, 0, tzinfo=timezone.utc)
CASTING_EXTRACTOR = "source_declarative_manifest.components.PageRecordsExtractor"


def normalizing(node: Any) -> Any:
    """``node`` of the manifest as it typed records before: every record selector normalizes by
    its schema, and the connector casts nothing itself."""
    if isinstance(node, list):
        return [normalizing(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("class_name") == CASTING_EXTRACTOR:
        return {"type": "DpathExtractor", "field_path": node["path"]}
    typed = {
        key: normalizing(value) for key, value in node.items() if key not in ("integer_fields", "value_type")
    }
    if typed.get("type") == "RecordSelector":
        typed["schema_normalization"] = "Default"
    return typed


def records_by_stream(run: ConnectorOutput, streams: list[str]) -> dict[str, list[str]]:
    """Each stream's records as the JSON text of their data, in one order whatever the threads'."""
    assert run.returncode in (0, None) and not run.errors, run.transcript()
    return {
        stream: sorted(json.dumps(record, ensure_ascii=False) for record in run.records(stream))
        for stream in streams
    }


@pytest.mark.parametrize("mode", ["display", "business"])
def test_every_stream_reads_the_records_schema_normalization_made(
    tmp_path: Path,
    emulator: Callable[..., TikTokEmulator],
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    tiktok = emulator(video_count=20, seed=11, rotate_refresh_tokens=False)
    tiktok.today = READ_AT.date()  # the day the metrics are served up to: the connector's clock
    if mode == "business":
        config = tiktok.business_connector_config(**EVERY_BUSINESS_STREAM)
    else:
        config = tiktok.connector_config(requests_per_minute=600)
    catalog = configure(run_in_process(tmp_path, "discover", config).catalog)

    shipped_manifest = yaml.safe_load(source.MANIFEST_PATH.read_text())
    before = normalizing(shipped_manifest)
    assert before != shipped_manifest, "the shipped manifest casts nothing of its own"
    before_path = tmp_path / "normalizing_manifest.yaml"
    before_path.write_text(yaml.safe_dump(before, sort_keys=False))

    streams = [configured.stream.name for configured in catalog.streams]
    with utc_clock(READ_AT):
        typed_at_source = records_by_stream(run_in_process(tmp_path, "read", config, catalog), streams)
        monkeypatch.setattr(source, "MANIFEST_PATH", before_path)
        normalized = records_by_stream(run_in_process(tmp_path, "read", config, catalog), streams)

    for stream in streams:
        assert normalized[stream], f"{stream}: no record to compare"
        assert len(typed_at_source[stream]) == len(normalized[stream]), stream
        pairs = zip(typed_at_source[stream], normalized[stream], strict=True)
        differing = [(ours, before) for ours, before in pairs if ours != before]
        assert not differing, f"{stream}: typed at the source / normalized by schema: {differing[0]}"
