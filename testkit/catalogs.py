"""Configured catalogs: which streams a ``read`` syncs, and how.

``configured_catalog`` restricts the repository's catalog (the file the README reads with) for a
test; ``configure`` turns a discovered catalog into a configured one, as the platform's defaults do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from airbyte_cdk.models import (
    AirbyteCatalog,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
)

__all__ = ["BUSINESS_STREAMS", "CONFIGURED_CATALOG_PATH", "catalog_json", "configure", "configured_catalog"]

CONFIGURED_CATALOG_PATH = (
    Path(__file__).resolve().parent.parent / "integration_tests" / "configured_catalog.json"
)
# What discover offers with API for Business credentials, in the manifest's order.
BUSINESS_STREAMS = (
    "business_profile",
    "business_videos",
    "business_profile_daily",
    "business_audience_activity",
    "business_follower_demographics",
    "business_video_breakdowns",
    "profile_snapshots",
    "video_snapshots",
)
# The stream that offers incremental sync, and its cursor.
INCREMENTAL_STREAM, CURSOR_FIELD = "videos", ["create_time"]


def configured_catalog(*streams: str, incremental: bool = False) -> ConfiguredAirbyteCatalog:
    """The repository's configured catalog (``integration_tests/configured_catalog.json``), with
    only ``streams`` (all when none given); with ``incremental``, videos is read incrementally."""
    catalog = ConfiguredAirbyteCatalogSerializer.load(json.loads(CONFIGURED_CATALOG_PATH.read_text()))
    chosen = [s for s in catalog.streams if not streams or s.stream.name in streams]
    missing = set(streams) - {s.stream.name for s in chosen}
    assert not missing, f"{CONFIGURED_CATALOG_PATH.name} has no stream {sorted(missing)}"
    if incremental:
        for configured in chosen:
            if configured.stream.name == INCREMENTAL_STREAM:
                configured.sync_mode = SyncMode.incremental
                configured.destination_sync_mode = DestinationSyncMode.append_dedup
                configured.cursor_field = CURSOR_FIELD
                if SyncMode.incremental not in configured.stream.supported_sync_modes:
                    configured.stream.supported_sync_modes.append(SyncMode.incremental)
    return ConfiguredAirbyteCatalog(streams=chosen)


def configure(discovered: AirbyteCatalog, incremental: bool = False) -> ConfiguredAirbyteCatalog:
    """Every discovered stream, in full refresh (overwrite); with ``incremental``, the streams
    that offer it are read incrementally (append + deduped) on their default cursor."""
    streams = []
    for stream in discovered.streams:
        if incremental and SyncMode.incremental in stream.supported_sync_modes:
            streams.append(
                ConfiguredAirbyteStream(
                    stream=stream,
                    sync_mode=SyncMode.incremental,
                    destination_sync_mode=DestinationSyncMode.append_dedup,
                    cursor_field=stream.default_cursor_field or [],
                    primary_key=stream.source_defined_primary_key,
                )
            )
        else:
            streams.append(
                ConfiguredAirbyteStream(
                    stream=stream,
                    sync_mode=SyncMode.full_refresh,
                    destination_sync_mode=DestinationSyncMode.overwrite,
                    primary_key=stream.source_defined_primary_key or [],
                )
            )
    return ConfiguredAirbyteCatalog(streams=streams)


def catalog_json(catalog: ConfiguredAirbyteCatalog) -> dict[str, Any]:
    """The catalog as the JSON of a ``--catalog`` file."""
    dumped: dict[str, Any] = ConfiguredAirbyteCatalogSerializer.dump(catalog)
    return dumped
