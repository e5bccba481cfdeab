"""The TikTok Organic source: the declarative manifest next to this file, plus what a check needs."""

from __future__ import annotations

import ast
import logging
import threading
from pathlib import Path
from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    Status,
)
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

from source_tiktok_organic.components import REAUTHENTICATE_HINT, TikTokOAuthAuthenticator

MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.yaml"

# Every scope a full sync needs, in the order TikTok's consent screen lists them.
REQUIRED_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")

# A check runs while a person waits at the setup form: it must answer within a minute whatever
# api_base_url points at, while a sync keeps retrying transient failures for minutes.
CHECK_TOKEN_REFRESH_RETRY_SECONDS = 15.0
CHECK_DEADLINE_SECONDS = 50.0


class SourceTikTokOrganic(YamlDeclarativeSource):
    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
        config_path: Optional[str] = None,
    ) -> None:
        super().__init__(
            path_to_yaml=str(MANIFEST_PATH),
            catalog=catalog,
            config=config,
            state=state,
            config_path=config_path,
        )

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """The manifest's CheckStream, bounded in time and naming every missing scope at once."""
        TikTokOAuthAuthenticator.granted_scopes = None
        with TikTokOAuthAuthenticator.token_refresh_retry_window(CHECK_TOKEN_REFRESH_RETRY_SECONDS):
            status = _call_with_deadline(
                lambda: super(SourceTikTokOrganic, self).check(logger, config),
                CHECK_DEADLINE_SECONDS,
            )
        if status is None:
            return AirbyteConnectionStatus(
                status=Status.FAILED,
                message=(
                    f"TikTok did not answer within {CHECK_DEADLINE_SECONDS:.0f} s at "
                    f"{config.get('api_base_url') or 'https://open.tiktokapis.com'}. Check "
                    "api_base_url and the network between Airbyte and TikTok."
                ),
            )
        missing = missing_scopes(TikTokOAuthAuthenticator.granted_scopes)
        if missing:
            return AirbyteConnectionStatus(status=Status.FAILED, message=missing_scopes_message(missing))
        if status.status == Status.FAILED and status.message:
            status.message = _unrepr(status.message)
        return status


def missing_scopes(granted: Optional[frozenset[str]]) -> List[str]:
    """The required scopes absent from ``granted``; nothing when the grant is unknown."""
    if granted is None:
        return []
    return [scope for scope in REQUIRED_SCOPES if scope not in granted]


def missing_scopes_message(missing: List[str]) -> str:
    granted = sorted(TikTokOAuthAuthenticator.granted_scopes or ())
    return (
        f"The TikTok authorisation is missing the scope(s) {', '.join(missing)} "
        f"(granted: {', '.join(granted) or 'none'}). The connector needs {', '.join(REQUIRED_SCOPES)}. "
        "Add the missing scopes to your app in the TikTok developer portal (Login Kit; "
        "user.info.profile, user.info.stats and video.list need TikTok's app review) and grant "
        "every scope on TikTok's consent screen. " + REAUTHENTICATE_HINT
    )


def _call_with_deadline(call: Any, seconds: float) -> Optional[AirbyteConnectionStatus]:
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


def _unrepr(message: str) -> str:
    """The CDK reports a failed check as repr(reason); show the reason itself."""
    if len(message) >= 2 and message[0] == message[-1] and message[0] in "'\"":
        try:
            value = ast.literal_eval(message)
        except (ValueError, SyntaxError):
            return message
        return value if isinstance(value, str) else message
    return message
