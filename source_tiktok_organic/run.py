"""Console entrypoint: ``source-tiktok-organic spec|check|discover|read``."""

from __future__ import annotations

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

from source_tiktok_organic.source import SourceTikTokOrganic

SECRET_CREDENTIAL_FIELDS = ("client_secret", "refresh_token", "access_token")


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
        update_secrets(
            [str(credentials[field]) for field in SECRET_CREDENTIAL_FIELDS if credentials.get(field)]
        )


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
    try:
        source = _create_source(args)
    except Exception as error:
        _print_error_trace(error)
        sys.exit(1)
    launch(source, args)


if __name__ == "__main__":
    run()
