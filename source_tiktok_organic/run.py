"""Console entrypoint: ``source-tiktok-organic spec|check|discover|read``."""

from __future__ import annotations

import ctypes
import sys
import traceback
from datetime import datetime, timezone
from typing import Any

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets, update_secrets

from source_tiktok_organic.config_write_back import config_written_back
from source_tiktok_organic.credential_fields import secret_values
from source_tiktok_organic.source import SourceTikTokOrganic

# glibc's mallopt options (malloc.h), and what the connector sets them to.
_GLIBC_M_MMAP_THRESHOLD = -3
_GLIBC_M_ARENA_MAX = -8
MALLOC_TUNING = {
    # Blocks of 16 KiB and more (response bodies, their decoded text) get pages of their own, given
    # back when freed, instead of heap space that the next small allocation pins.
    _GLIBC_M_MMAP_THRESHOLD: 16 * 1024,
    # Two arenas instead of eight per core, so the 20 workers share their free space.
    _GLIBC_M_ARENA_MAX: 2,
}


def tune_malloc() -> bool:
    """Keep the heap from growing with the account: a sync's peak memory (benchmark (c)).

    Why: while TikTok's rate limit has not yet bound, 20 workers read a minute's burst of pages at
    once; with glibc's defaults each burst left more freed-but-kept heap behind (peak memory grew
    from 88 MiB at 1,000 videos to 163 MiB at 50,000). This is MALLOC_MMAP_THRESHOLD_ and
    MALLOC_ARENA_MAX set from inside, so that it holds however the connector is started (the image,
    a virtualenv, PyAirbyte). It must run before the first worker thread; on a C library other than
    glibc it does nothing. True if every option took effect.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return False
    # A list, not a generator: every option is set even when an earlier one is refused.
    return all([bool(mallopt(option, value)) for option, value in MALLOC_TUNING.items()])


def _create_source(args: list[str]) -> SourceTikTokOrganic:
    """Build the source with catalog, config and state: the CDK 7 declarative source ignores
    config and state handed only to read()."""
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    config_path = AirbyteEntrypoint.extract_config(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    config = SourceTikTokOrganic.read_config(config_path) if config_path else None
    if config:
        _register_secrets(config)
    return SourceTikTokOrganic(
        catalog=SourceTikTokOrganic.read_catalog(catalog_path) if catalog_path else None,
        config=config,
        state=SourceTikTokOrganic.read_state(state_path) if state_path else None,
        config_path=config_path,
    )


def _register_secrets(config: Any) -> None:
    """Mask the secrets before anything can fail, not only once the entrypoint reads the spec."""
    credentials = config.get("credentials") if isinstance(config, dict) else None
    if isinstance(credentials, dict):
        # Every account's (the CDK masks the spec's secret fields, and cannot reach those in a list).
        update_secrets(secret_values(credentials))


def _print_error_trace(error: Exception) -> None:
    message = AirbyteMessage(
        type=Type.TRACE,
        trace=AirbyteTraceMessage(
            type=TraceType.ERROR,
            emitted_at=int(datetime.now(timezone.utc).timestamp() * 1000),
            error=AirbyteErrorTraceMessage(
                message=filter_secrets(
                    "The TikTok Organic source could not start: "
                    f"{error}. Check the config, catalog and state files it was given."
                ),
                internal_message=filter_secrets(repr(error)),
                stack_trace=filter_secrets(traceback.format_exc()),
                failure_type=FailureType.config_error,
            ),
        ),
    )
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode())


def run(args: list[str] | None = None) -> None:
    args = sys.argv[1:] if args is None else args
    tune_malloc()
    # Run by hand, the --config file is all that carries the rotated refresh token to the next run.
    with config_written_back(AirbyteEntrypoint.extract_config(args)):
        try:
            source = _create_source(args)
        except Exception as error:
            _print_error_trace(error)
            sys.exit(1)
        launch(source, args)


if __name__ == "__main__":
    run()
