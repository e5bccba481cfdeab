"""Configured catalogs: which streams a ``read`` syncs, and how.

``configured_catalog`` restricts the repository's catalog (the file the README reads with) for a
test; ``configure`` turns a discovered catalog into a configured one, as the platform's defaults do.
``discovered`` is discover's catalog for a config, discovered once per test process.
``generated_catalogs`` is what the committed catalog files must hold: discover's streams, configured
so (``python -m tools.catalogs`` writes them; a test checks they are current).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Collection
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

__all__ = [
    "BUSINESS_STREAMS",
    "MENTION_STREAMS",
    "CONFIGURED_CATALOG_PATH",
    "catalog_json",
    "configure",
    "configured_catalog",
    "discovered",
    "generated_catalogs",
]

INTEGRATION_TESTS = Path(__file__).resolve().parent.parent / "integration_tests"
CONFIGURED_CATALOG_PATH = INTEGRATION_TESTS / "configured_catalog.json"
BUSINESS_CATALOG_PATH = INTEGRATION_TESTS / "configured_catalog_business.json"
# The Display API streams the README's read and the standard tests sync (the snapshots have their own tests).
DISPLAY_CATALOG_STREAMS = ("user_info", "videos")
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
# What discover adds with include_mentions (the Mentions API), in the manifest's order.
MENTION_STREAMS = (
    "business_mentioned_posts",
    "business_mentioned_comments",
    "business_brand_hashtag_posts",
    "business_mention_keywords",
    "business_brand_hashtags",
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


_DISCOVERED: dict[str, AirbyteCatalog] = {}


def discovered(run_connector: Callable[..., Any], config: dict[str, Any]) -> AirbyteCatalog:
    """The catalog ``discover`` gives for ``config``, discovered by the first test that asks and
    copied for each (a discover builds every stream: about 0.7 s of CPU). Discover asks TikTok
    nothing, so it is a function of the config; a test of discover itself runs it."""
    key = json.dumps(config, sort_keys=True)
    if key not in _DISCOVERED:
        _DISCOVERED[key] = run_connector("discover", config).catalog
    return copy.deepcopy(_DISCOVERED[key])


def configure(
    discovered: AirbyteCatalog, incremental: bool = False, only: Collection[str] = ()
) -> ConfiguredAirbyteCatalog:
    """Every discovered stream (or the ``only`` ones), in full refresh (overwrite); with
    ``incremental``, the streams that offer it are read incrementally (append + deduped) on their
    default cursor."""
    streams = []
    for stream in discovered.streams:
        if only and stream.name not in only:
            continue
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


def generated_catalogs() -> dict[Path, dict[str, Any]]:
    """Each committed catalog file and the JSON it must hold: the streams discover offers with the
    emulator configs of ``acceptance-test-config.yml``, in full refresh."""
    import logging

    from source_tiktok_organic import SourceTikTokOrganic

    wanted = {
        CONFIGURED_CATALOG_PATH: (INTEGRATION_TESTS / "emulator_config.json", DISPLAY_CATALOG_STREAMS),
        BUSINESS_CATALOG_PATH: (INTEGRATION_TESTS / "emulator_business_config.json", BUSINESS_STREAMS),
    }
    catalogs = {}
    for path, (config_path, streams) in wanted.items():
        config = json.loads(config_path.read_text())
        discovered = SourceTikTokOrganic(config=config).discover(logging.getLogger("catalogs"), config)
        discovered.streams = [s for s in discovered.streams if s.name in streams]
        catalogs[path] = catalog_json(configure(discovered))
    return catalogs
