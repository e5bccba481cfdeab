"""The TikTok Organic source: the declarative manifest next to this file, plus what a check needs."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    Status,
)
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

from source_tiktok_organic import components
from source_tiktok_organic.cdk_internals import check_failure_reason, record_queue_of
from source_tiktok_organic.components import token_refresh_session
from source_tiktok_organic.tiktok_protocol import API_BASE_URL

MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.yaml"

# The manifest names its classes as Airbyte's manifest-only runtime (and the Connector Builder)
# loads them, from the module `source_declarative_manifest.components`; as a package, that module
# is this package's components.py. The CDK imports the name, which finds it here first.
SDM_COMPONENTS_MODULE = "source_declarative_manifest.components"
sys.modules.setdefault(SDM_COMPONENTS_MODULE, components)

# A check runs while a person waits at the setup form: it must answer within a minute whatever
# api_base_url points at, while a sync keeps retrying transient failures for minutes.
CHECK_TOKEN_REFRESH_RETRY_SECONDS = 15.0
CHECK_DEADLINE_SECONDS = 50.0

# Records read but not yet printed. Before TikTok's rate limit binds, a minute's burst of requests
# lets 20 workers outpace the one thread that prints, and the CDK's 10,000 waiting records (with the
# heap they fragment) would set the sync's peak memory; a tenth of that keeps every worker busy.
RECORD_QUEUE_SIZE = 1_000


class SourceTikTokOrganic(YamlDeclarativeSource):
    def __init__(
        self,
        catalog: ConfiguredAirbyteCatalog | None = None,
        config: Mapping[str, Any] | None = None,
        state: list[AirbyteStateMessage] | None = None,
        config_path: str | None = None,
    ) -> None:
        super().__init__(
            path_to_yaml=str(MANIFEST_PATH),
            catalog=catalog,
            config=config,
            state=state,
            config_path=config_path,
        )
        record_queue_of(self).maxsize = RECORD_QUEUE_SIZE

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """The manifest's check, bounded in time (naming every missing scope is the manifest's own
        ScopeNamingErrorHandler's job, so it happens under the manifest-only runtime too)."""
        with token_refresh_session(CHECK_TOKEN_REFRESH_RETRY_SECONDS):
            status = _call_with_deadline(
                lambda: super(SourceTikTokOrganic, self).check(logger, config),
                CHECK_DEADLINE_SECONDS,
            )
        if status is None:
            return AirbyteConnectionStatus(
                status=Status.FAILED,
                message=(
                    f"TikTok did not answer within {CHECK_DEADLINE_SECONDS:.0f} s at "
                    f"{config.get('api_base_url') or API_BASE_URL}. Check "
                    "api_base_url and the network between Airbyte and TikTok."
                ),
            )
        if status.status == Status.FAILED and status.message:
            status.message = check_failure_reason(status.message)
        return status


def _call_with_deadline(call: Any, seconds: float) -> AirbyteConnectionStatus | None:
    """Run ``call`` in a daemon thread; None if it has not returned within ``seconds``.

    A daemon thread because a request hanging on an unreachable host cannot be interrupted, and
    must not keep the process alive once the check has answered.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["status"] = call()
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=target, name="tiktok-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("status")
