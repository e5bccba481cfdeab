"""Every use of an airbyte-cdk internal (private names, undocumented shapes), listed in one place.

The CDK is pinned to one minor version in ``pyproject.toml``; under Airbyte's manifest-only runtime
Airbyte chooses the version, so the connector keeps these few. On an upgrade, re-check each item;
``unit_tests/test_cdk_contract.py`` exercises every one and fails with a message naming the item that
moved, so an upgrade breaks in one clear test rather than in the middle of a sync.

Used by the connector itself (five; each has no public alternative):

1. ``adopt_authenticator_state`` (in ``components.py``, which must stand alone under the
   manifest-only runtime, so it cannot import this module; re-exported here): the factory builds the
   CDK's OAuth authenticator from the nested ``OAuthAuthenticator`` definition and has no hook to
   subclass it, so ``TikTokOAuthAuthenticator`` takes over its instance attributes. The alternative,
   building the authenticator from its public constructor, would re-implement the factory's reading
   of the manifest's OAuth options (interpolation, config paths, the message repository).
2. ``check_failure_reason``: ``CheckStream`` reports a failed stream as ``repr(reason)``; the check
   names missing scopes and throttling in plain words, so it reads the reason back.
3. ``record_queue_of``: a declarative source hands records from its worker threads to the main
   thread through one ``queue.Queue``, kept as ``_concurrent_source._queue`` (its ``maxsize``,
   10,000 in the CDK, is read on every ``put``). The source lowers it to bound memory; no option
   sets it.
4. ``sync_scoped_attribute`` (in ``components.py``, re-exported here): the component factory hands
   its API budget to every custom component that declares an ``api_budget`` field, and builds a new
   budget each time it builds the streams (``_prepare_for_stream_build``, once per command), so
   ``SharedPageRequester`` keeps the pages of one sync on that sync's budget: the one object every
   component of a sync shares and no other sync sees.
5. ``take_turns_at_literal_eval`` (in ``components.py``, re-exported here): CPython 3.11's ``ast``
   race (gh-106905) fails a stream when two of the CDK's worker threads literal-eval a rendered
   template at once, so ``JinjaInterpolation._literal_eval`` is wrapped in a lock on 3.11
   (``unit_tests/test_interpolation_threads.py`` fails without it).

Used only by the tests and tools (not by a running connector):

6. ``run_command``: ``airbyte_cdk.test.entrypoint_wrapper._run_command`` runs a command through
   the real entrypoint with a source the caller built (there is no public ``check`` helper).
7. ``api_budget_of``: a declarative source keeps the API budget it built in
   ``_constructor._api_budget``.
8. ``interpolation_globals``: the manifest's Jinja macros (``now_utc``, ``today_utc``) are the
   globals of the CDK's one module-level environment, ``jinja._ENVIRONMENT``; tests replace the
   clock there.

Two behaviours of the component factory the connector relies on, public in what they take but not
documented (both pinned by tests, not by a private name):

* a partition router that is the CDK's ``SinglePartitionRouter`` makes a stream as unpartitioned
  as one without a router (one cursor, the flat state), which ``partitions_by_account`` returns for
  a connection of one account: ``integration_tests/test_snapshots_emulator.py`` and
  ``unit_tests/test_incremental.py`` assert that state, and ``unit_tests/test_several_accounts.py``
  the per-account one;
* a custom component's ``class_name`` may name a function, called with the fields its type hints
  name, as a class is (``partitions_by_account``); every test of a sync exercises it.

What the components once reached through private names is now public: the token request is the
public ``refresh_access_token`` (built from ``build_refresh_request_body`` and friends), the config
is the one the factory hands each component, and error bodies and redaction are the components' own.
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
    sync_scoped_attribute,
    take_turns_at_literal_eval,
)

if TYPE_CHECKING:
    from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

__all__ = [
    # The connector's own uses, 1 to 5 above.
    "adopt_authenticator_state",
    "check_failure_reason",
    "record_queue_of",
    "sync_scoped_attribute",
    "take_turns_at_literal_eval",
    # The tests' and tools' uses, 6 to 8.
    "run_command",
    "api_budget_of",
    "interpolation_globals",
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
