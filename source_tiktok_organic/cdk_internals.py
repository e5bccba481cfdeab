"""Every use of an airbyte-cdk internal (private names, undocumented shapes), listed in one place.

The CDK is pinned to one minor version in ``pyproject.toml``. On an upgrade, re-check each item
below; ``unit_tests/test_cdk_contract.py`` exercises every one and fails with a message naming the
item that moved, so an upgrade breaks in one clear test rather than in the middle of a sync.

Kept in ``components.py`` (which must stand alone under Airbyte's manifest-only runtime, so it
cannot import this module) and re-exported here:

1. ``token_request_without_retries``: ``AbstractOauth2Authenticator._make_handled_request`` is the
   CDK's token request, wrapped by ``backoff.on_exception(max_time=300)``; its ``__wrapped__`` is
   the undecorated request. ``TikTokOAuthAuthenticator`` overrides ``_make_handled_request``.
2. ``adopt_authenticator_state``: the authenticator the factory builds from the nested
   ``OAuthAuthenticator`` definition keeps its whole state in instance attributes.
3. ``token_error_body``: ``AbstractOauth2Authenticator._parse_error_response_content``.
4. ``redact_token_secrets``: ``AbstractOauth2Authenticator._redact_credentials``.
5. ``refresh_token_error_values``: ``AbstractOauth2Authenticator._refresh_token_error_values``.
6. ``config_value`` and ``set_config_value``: the rotating authenticator's
   ``_get_config_value_by_path`` / ``_set_config_value_by_path``, on the config it emits.
12. ``sync_scoped_attribute``: the component factory hands its API budget to every custom
    component that declares an ``api_budget`` field, and builds a new budget each time it builds
    the streams (``_prepare_for_stream_build``, once per command), so ``SharedPageRequester``
    keeps the pages of one sync on that sync's budget.

Defined here, for the package's entrypoint and the tests:

7. ``check_failure_reason``: ``CheckStream`` reports a failed stream as ``repr(reason)``.
8. ``run_command``: ``airbyte_cdk.test.entrypoint_wrapper._run_command`` runs a command through
   the real entrypoint with a source the caller built (there is no public ``check`` helper).
9. ``api_budget_of``: a declarative source keeps the API budget it built in
   ``_constructor._api_budget``.
10. ``interpolation_globals``: the manifest's Jinja macros (``now_utc``, ``today_utc``) are the
    globals of the CDK's one module-level environment, ``jinja._ENVIRONMENT``; tests replace the
    clock there.
11. ``record_queue_of``: a declarative source hands records from its worker threads to the main
    thread through one ``queue.Queue``, kept as ``_concurrent_source._queue`` (its ``maxsize``,
    10,000 in the CDK, is read on every ``put``).
"""

from __future__ import annotations

import ast
from collections.abc import MutableMapping
from queue import Queue
from typing import TYPE_CHECKING, Any

from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.sources.streams.call_rate import APIBudget

from source_tiktok_organic.components import (
    adopt_authenticator_state,
    config_value,
    redact_token_secrets,
    refresh_token_error_values,
    set_config_value,
    token_error_body,
    token_request_without_retries,
)

if TYPE_CHECKING:
    from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

__all__ = [
    "adopt_authenticator_state",
    "api_budget_of",
    "check_failure_reason",
    "config_value",
    "interpolation_globals",
    "record_queue_of",
    "set_config_value",
    "redact_token_secrets",
    "refresh_token_error_values",
    "run_command",
    "token_error_body",
    "token_request_without_retries",
]


def check_failure_reason(message: str) -> str:
    """The reason a failed ``CheckStream`` gave, not its ``repr``."""
    if len(message) >= 2 and message[0] == message[-1] and message[0] in "'\"":
        try:
            value = ast.literal_eval(message)
        except (ValueError, SyntaxError):
            return message
        return value if isinstance(value, str) else message
    return message


def run_command(source: Any, args: list[str]) -> EntrypointOutput:
    """Run ``args`` (``check --config ...``) through the CDK entrypoint with ``source``.

    Imported when called: the connector itself never loads the CDK's test helpers."""
    from airbyte_cdk.test.entrypoint_wrapper import _run_command

    return _run_command(source, args)


def api_budget_of(source: ConcurrentDeclarativeSource) -> APIBudget | None:
    """The API budget the source built from its manifest (after ``streams()`` was called)."""
    budget: APIBudget | None = source._constructor._api_budget
    return budget


def interpolation_globals() -> MutableMapping[str, Any]:
    """The globals (macros included) every manifest Jinja template renders with."""
    from airbyte_cdk.sources.declarative.interpolation import jinja

    environment_globals: MutableMapping[str, Any] = jinja._ENVIRONMENT.globals
    return environment_globals


def record_queue_of(source: ConcurrentDeclarativeSource) -> Queue[Any]:
    """The queue through which the source's workers hand records to the main thread."""
    queue: Queue[Any] = source._concurrent_source._queue
    return queue
