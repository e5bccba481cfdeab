"""Custom components for behaviour the declarative YAML cannot express.

Each class says in its docstring what the manifest could not do. Everything else (refresh, rotation,
retries, pagination) stays the CDK's own.

This file imports nothing from its own package: Airbyte's manifest-only runtime and the Connector
Builder load ``manifest.yaml`` plus this one file, alone. For the same reason the two CDK internals
the components rely on are kept here (``adopt_authenticator_state`` and ``sync_scoped_attribute``);
``source_tiktok_organic/cdk_internals.py`` lists them with the others and re-exports them for the
contract test. Nothing here is module-level state: what components of one source share is in that
source's config, what one sync's streams share hangs on that sync's API budget, and what a check
shares with its components travels in a context variable.

Sections, in this order (each opens with a ``# ---`` banner):

- a CDK internal (``adopt_authenticator_state``);
- the scopes of a source's token, kept in its config;
- several accounts in one connection: where each account's tokens live, its name and key;
- a check in progress (``CheckRun``, ``checking``);
- when a refresh token may be spent (``refresh_tokens_kept``, ``RefreshWithheld``);
- authenticators: ``TikTokOAuthAuthenticator`` (Display API), ``TikTokBusinessOAuthAuthenticator``
  (Accounts API), ``TikTokAccountsAuthenticator`` (one of several accounts per request);
- reading TikTok's answers: ``ScopeNamingErrorHandler``, ``page_body`` (one decoding per page),
  ``PageRecordsExtractor``, ``ArrayRowsExtractor``, ``AdvancingCursorPagination``, ``WindowVideos``,
  ``FirstSightings``;
- several accounts' partitions, state and records (``partitions_by_account``, ``PerAccountState``,
  ``AddAccountFields``, ``AccountPacing``);
- pages shared within one sync (``sync_scoped_attribute``, ``SharedPages``);
- fields TikTok refuses (``RefusedFields``, ``refused_fields``);
- requesters: ``AccountRequester`` (each request as its slice's account, refused fields left out),
  ``SharedPageRequester`` (pages shared by streams), and ``KeepFields``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, Self
from urllib.parse import quote, unquote

import backoff
import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.auth.declarative_authenticator import DeclarativeAuthenticator
from airbyte_cdk.sources.declarative.auth.oauth import (
    DeclarativeSingleUseRefreshTokenOauth2Authenticator,
)
from airbyte_cdk.sources.declarative.decoders.json_decoder import JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.declarative.extractors.record_filter import RecordFilter
from airbyte_cdk.sources.declarative.interpolation.interpolated_boolean import InterpolatedBoolean
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.declarative.partition_routers.single_partition_router import SinglePartitionRouter
from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.cursor_pagination_strategy import (
    CursorPaginationStrategy,
)
from airbyte_cdk.sources.declarative.requesters.request_options.interpolated_request_options_provider import (
    InterpolatedRequestOptionsProvider,
)
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.streams.call_rate import APIBudget, MovingWindowCallRatePolicy, Rate
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.streams.http.requests_native_auth.abstract_oauth import (
    AbstractOauth2Authenticator,
)
from airbyte_cdk.sources.types import Record, StreamSlice, StreamState
from airbyte_cdk.utils import AirbyteTracedException
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from airbyte_cdk.utils.datetime_helpers import AirbyteDateTime, ab_datetime_now

logger = logging.getLogger("airbyte")

REAUTHENTICATE_HINT = (
    "Re-authenticate this source (the Authenticate button in Airbyte, or the tiktok-organic-auth "
    "command) to get a new refresh token."
)

# A token request is as patient as the CDK's own (only a sync makes one: see RefreshWithheld).
TOKEN_REFRESH_RETRY_SECONDS = 300.0

# Where an account's tokens, open_id and granted scopes are kept: the first account (the one a
# single-account config has; the Airbyte UI's OAuth button fills it for the Display API) in
# `credentials` itself, every other one in an element of
# `credentials.accounts`. Every component of one source reads the same config, and it is persisted
# with the tokens, so an account's state is kept next to its tokens.
AccountPath = tuple[str | int, ...]
FIRST_ACCOUNT: AccountPath = ("credentials",)
OTHER_ACCOUNTS_PATH: AccountPath = ("credentials", "accounts")


class _RetryableTokenAnswer(Exception):
    """A token answer worth asking again for: HTTP 429 or a server error."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


_RETRYABLE_TOKEN_REQUEST_ERRORS = (
    _RetryableTokenAnswer,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
)


# --------------------------------------------------------------------------------------------------
# A CDK internal the components rely on (airbyte-cdk 7.39; the other is sync_scoped_attribute,
# below). Re-check it on a CDK upgrade; unit_tests/test_cdk_contract.py fails with one clear
# message if it moved.
# --------------------------------------------------------------------------------------------------


def adopt_authenticator_state(target: object, built: AbstractOauth2Authenticator) -> None:
    """Make ``target`` the authenticator ``built`` is: the factory builds the CDK's OAuth
    authenticator from the nested ``OAuthAuthenticator`` definition and offers no hook to subclass
    it, so its instance attributes (all private) are taken over as they are."""
    target.__dict__.update(built.__dict__)


def take_turns_at_literal_eval() -> None:
    """Make the CDK's templates call ``ast.literal_eval`` one thread at a time, on CPython 3.11.

    CPython 3.11 keeps the ``ast`` constructor's recursion depth per interpreter, not per thread
    (gh-106905, fixed in 3.12 only): two threads parsing at once fail one of them with
    ``SystemError: AST constructor recursion depth mismatch``. The CDK renders every template in its
    worker threads and literal-evals the result (``JinjaInterpolation._literal_eval``), so a sync could
    lose a stream to it; no manifest setting reaches that code, hence a lock around it, applied when
    this file is loaded."""
    unguarded = JinjaInterpolation._literal_eval
    if sys.version_info >= (3, 12) or getattr(unguarded, "takes_turns", False):
        return
    turn = threading.Lock()

    def literal_eval_in_turn(self: JinjaInterpolation, result: str | None, valid_types: Any) -> Any:
        with turn:
            return unguarded(self, result, valid_types)

    literal_eval_in_turn.takes_turns = True  # type: ignore[attr-defined]
    JinjaInterpolation._literal_eval = literal_eval_in_turn  # type: ignore[method-assign]


take_turns_at_literal_eval()


# --------------------------------------------------------------------------------------------------
# The scopes of a source's token, kept in its config
# --------------------------------------------------------------------------------------------------


def _config_value(config: Mapping[str, Any], path: AccountPath) -> Any:
    node: Any = config
    for step in path:
        if isinstance(node, list) and isinstance(step, str) and step.isdigit():
            step = int(step)  # a dpath-style path names a list element by its digits
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
        else:
            node = node.get(step) if isinstance(node, Mapping) else None
    return node


def _set_config_value(config: Mapping[str, Any], path: AccountPath, value: Any) -> None:
    node: Any = config
    for step in path[:-1]:
        node = node[step] if isinstance(step, int) else node.setdefault(step, {})
    node[path[-1]] = value


def granted_scopes_in(
    config: Mapping[str, Any], account: AccountPath = FIRST_ACCOUNT
) -> frozenset[str] | None:
    """The scopes TikTok last said it granted the account's token; None if it never said."""
    scope = _config_value(config, (*account, "granted_scopes"))
    return _scope_set(scope) if isinstance(scope, str) else None


def _scope_set(scope: str) -> frozenset[str]:
    """The scopes of TikTok's comma-separated ``scope`` field."""
    return frozenset(s.strip() for s in scope.split(",") if s.strip())


# --------------------------------------------------------------------------------------------------
# Several accounts in one connection
# --------------------------------------------------------------------------------------------------


def account_paths(config: Mapping[str, Any]) -> list[AccountPath]:
    """Where each authorised account of the config is kept: the first account, then the others."""
    others = _config_value(config, OTHER_ACCOUNTS_PATH)
    count = len(others) if isinstance(others, list) else 0
    return [FIRST_ACCOUNT, *((*OTHER_ACCOUNTS_PATH, index) for index in range(count))]


def has_several_accounts(config: Mapping[str, Any]) -> bool:
    return len(account_paths(config)) > 1


def stored_open_id(config: Mapping[str, Any], account: AccountPath) -> str | None:
    open_id = _config_value(config, (*account, "open_id"))
    return str(open_id) if open_id else None


def account_label(config: Mapping[str, Any], account: AccountPath) -> str | None:
    label = _config_value(config, (*account, "label"))
    return str(label) if label else None


def account_name(config: Mapping[str, Any], account: AccountPath) -> str:
    """How messages name an account: its label and open_id (never a token)."""
    open_id = stored_open_id(config, account) or "not known yet"
    label = account_label(config, account)
    if label:
        return f"'{label}' (open_id {open_id})"
    return f"number {_position(account)} (open_id {open_id})"


# The partition key of an account whose open_id is unknown and could not be learnt (its token was
# refused): its reads fail with the refusal, naming it, and never reach the state.
_UNRESOLVED_ACCOUNT = "unresolved account number "


def account_partition_key(config: Mapping[str, Any], account: AccountPath) -> str:
    open_id = stored_open_id(config, account)
    if open_id:
        return open_id
    return _UNRESOLVED_ACCOUNT + str(_position(account))


def _position(account: AccountPath) -> int:
    """The account's place in the config, from 1 (the first account)."""
    return 1 if account == FIRST_ACCOUNT else int(account[-1]) + 2


def account_of_slice(config: Mapping[str, Any], stream_slice: Mapping[str, Any] | None) -> AccountPath:
    """The account a stream slice reads: the ``business_id`` (Display API: ``open_id``) of its
    partition (a comment's is in its parent's slice); the first account when the slice names none
    (a connection of one account, or the benchmark)."""
    key = _account_key_of(stream_slice)
    if key is None:
        return FIRST_ACCOUNT
    accounts = account_paths(config)
    if key.startswith(_UNRESOLVED_ACCOUNT):
        # Its open_id may have been learnt since the partition was made: the place still finds it.
        position = int(key.removeprefix(_UNRESOLVED_ACCOUNT))
        if 1 <= position <= len(accounts):
            return accounts[position - 1]
    for account in accounts:
        if stored_open_id(config, account) == key:
            return account
    raise AirbyteTracedException(
        message=f"The partition of TikTok account {key} names no account of the config.",
        failure_type=FailureType.system_error,
    )


# The partition field naming an account: its open_id, called business_id by the Accounts API.
ACCOUNT_KEY_FIELDS = ("business_id", "open_id")


def _account_key_of(stream_slice: Mapping[str, Any] | None) -> str | None:
    """The account key of a slice's partition, or of its parent's (None: the slice names none)."""
    partition = stream_slice.partition if isinstance(stream_slice, StreamSlice) else stream_slice
    while isinstance(partition, Mapping):
        for key_field in ACCOUNT_KEY_FIELDS:
            if partition.get(key_field):
                return str(partition[key_field])
        parent = partition.get("parent_slice")
        partition = parent.partition if isinstance(parent, StreamSlice) else parent
    return None


_account_in_use: ContextVar[AccountPath | None] = ContextVar("tiktok_account_in_use", default=None)


def account_in_use() -> AccountPath:
    """The account whose request this thread is sending (the first when none is named)."""
    return _account_in_use.get() or FIRST_ACCOUNT


@contextmanager
def using_account(account: AccountPath) -> Iterator[None]:
    """Send the ``with`` block's requests as ``account``: its token (and its business_id)."""
    reset = _account_in_use.set(account)
    try:
        yield
    finally:
        _account_in_use.reset(reset)


# How an error about one account of several begins: the account's name follows, then ": ".
ACCOUNT_ERROR_PREFIX = "TikTok account "

# The name the refusals of a sync hang on its API budget under.
_REFUSALS = "tiktok_refused_accounts"


class TokenRefused(AirbyteTracedException):
    """TikTok refused an account's refresh token or the app's credentials: no request of that
    account can succeed until it is re-authorised."""


def _named(
    error: AirbyteTracedException, config: Mapping[str, Any], account: AccountPath
) -> AirbyteTracedException:
    """``error``, saying which account it is about."""
    name = f"{ACCOUNT_ERROR_PREFIX}{account_name(config, account)}: "
    kind = TokenRefused if isinstance(error, TokenRefused) else AirbyteTracedException
    return kind(
        message=name + (error.message or "the request failed."),
        internal_message=name + (error.internal_message or ""),
        failure_type=error.failure_type,
    )


# --------------------------------------------------------------------------------------------------
# A check in progress
# --------------------------------------------------------------------------------------------------


@dataclass
class CheckRun:
    """What one ``check`` asks of the authenticators and error handlers it builds, and what they
    tell it back: the scopes the Accounts API's token inspector says a live access token was
    granted, the accounts whose credentials the check could not send to TikTok without spending a
    refresh token (``RefreshWithheld``), and TikTok's rate-limit answer if it throttled the check.

    It travels in a context variable that ``check`` sets for its own thread (``checking``), not in
    module state: a sync, or a second source in the same process, never sees it. The tokens and
    their scopes stay in each source's config.
    """

    # The account this check is about, when the config has several (each is checked in turn).
    account: AccountPath | None = None
    _granted_scopes: frozenset[str] | None = None
    _scopes_asked: bool = False
    _throttled_message: str | None = None
    _unverified: dict[AccountPath, str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Held while an authenticator asks TikTok for the scopes, so that only one thread asks.
    scope_lookup_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def granted_scopes(self) -> frozenset[str] | None:
        with self._lock:
            return self._granted_scopes

    @property
    def scopes_asked(self) -> bool:
        """Whether TikTok was asked for the scopes in this check (it may not have said)."""
        with self._lock:
            return self._scopes_asked

    def record_grant(self, scopes: frozenset[str] | None) -> None:
        with self._lock:
            self._scopes_asked = True
            if scopes is not None:
                self._granted_scopes = scopes

    @property
    def throttled_message(self) -> str | None:
        with self._lock:
            return self._throttled_message

    def record_throttling(self, message: str) -> None:
        with self._lock:
            self._throttled_message = message

    def record_unverified(self, account: AccountPath, reason: str) -> bool:
        """Note that ``account``'s credentials were not sent to TikTok, and why; False if it was
        already noted."""
        with self._lock:
            if account in self._unverified:
                return False
            self._unverified[account] = reason
            return True

    @property
    def unverified(self) -> dict[AccountPath, str]:
        """Each account whose credentials were not sent to TikTok, with the reason."""
        with self._lock:
            return dict(self._unverified)


_current_check: ContextVar[CheckRun | None] = ContextVar("tiktok_check_run", default=None)


def current_check() -> CheckRun | None:
    """The check this thread is running, if any."""
    return _current_check.get()


@contextmanager
def checking(account: AccountPath | None = None) -> Iterator[CheckRun]:
    """Run the ``with`` block as a check (see ``CheckRun``) of every account, or of ``account``; run
    the check's work in a copy of this context (``contextvars.copy_context()``) when it happens on
    another thread."""
    run = CheckRun(account=account)
    reset = _current_check.set(run)
    try:
        yield run
    finally:
        _current_check.reset(reset)


# --------------------------------------------------------------------------------------------------
# When a refresh token may be spent
# --------------------------------------------------------------------------------------------------

# The protocol commands that never spend a refresh token, and every command, as the CDK's entrypoint
# takes them: the first argument of the process (`check --config config.json`).
_COMMANDS_THAT_KEEP_TOKENS = ("check", "discover")
_PROTOCOL_COMMANDS = ("spec", "check", "discover", "read")


def _protocol_command() -> str | None:
    """The Airbyte protocol command this process was launched to run, if it was launched as a
    connector (the platform, ``docker run``, PyAirbyte and the manifest-only runtime all start
    ``<entrypoint> check --config ...``); None in a process that is not a connector's (a test)."""
    command = sys.argv[1] if len(sys.argv) > 1 else None
    return command if command in _PROTOCOL_COMMANDS else None


def refresh_tokens_kept() -> bool:
    """Whether this process must not spend a refresh token: it runs ``check`` or ``discover``.

    TikTok's refresh tokens work once, and the Airbyte platform drops the config a new source's
    pre-save check emits and runs each operation on a copy of the config taken when it was created
    (docs/tiktok-organic.md, "Set-up in the Airbyte UI", names the platform code). A refresh there
    would leave the saved source holding a spent token, so only ``read``, whose every
    CONNECTOR_CONFIG the platform saves at once, refreshes.

    Why the process's arguments: the CDK tells a component nothing of the command it serves, and
    the manifest-only runtime runs the CDK's own check (no ``source.py``), so the command line is
    the one fact every runtime shares. ``source.py`` also says it (``checking``), for a check run
    in a process that was launched otherwise (the tests' in-process runs).
    """
    return current_check() is not None or _protocol_command() in _COMMANDS_THAT_KEEP_TOKENS


class RefreshWithheld(AirbyteTracedException):
    """A check or discover needed a new access token, and did not spend the refresh token on it.

    A config error, so that the CDK's HTTP client hands it up from a ``REFRESH_TOKEN_THEN_RETRY``
    refresh instead of retrying with the refused token. The requester (``AccountRequester``) turns
    it into "not verified" when no usable access token was stored (``reason`` says what was
    missing), or into a failed check when TikTok ``refused`` one that had not expired: TikTok's
    tokens do not end early unless the grant was revoked.
    """

    def __init__(self, reason: str, refused: bool = False) -> None:
        if refused:
            message = (
                "TikTok refused the stored access token before its stored expiry, and a check never "
                "spends the single-use refresh token to replace it. If the account's access was "
                "revoked (in TikTok's settings, or by tiktok-organic-auth --revoke), re-authorise it; "
                "otherwise the next sync refreshes the token."
            )
        else:
            message = (
                f"The TikTok credentials were not sent to TikTok: {reason}, and a check never "
                "spends the single-use refresh token. The first sync refreshes it and proves the "
                "credentials."
            )
        super().__init__(
            message=message,
            internal_message=f"refresh withheld: {reason}",
            failure_type=FailureType.config_error,
        )
        self.reason = reason
        self.refused = refused


# --------------------------------------------------------------------------------------------------
# Authenticators
# --------------------------------------------------------------------------------------------------


class TikTokOAuthAuthenticator(DeclarativeSingleUseRefreshTokenOauth2Authenticator):
    """The CDK's rotating-refresh-token OAuth authenticator with TikTok-specific guards.

    Why not plain YAML: the ``OAuthAuthenticator`` the manifest declares (nested as ``oauth``) keeps
    the tokens in the config, rotates them and emits the CONNECTOR_CONFIG message, but four things
    cannot be said in YAML, so the token request itself (``refresh_access_token``) is this class's:

    * TikTok's token endpoint can answer HTTP 200 with an error body. The CDK's rotating
      authenticator would store ``access_token: null`` from it, persist that config and send
      ``Bearer None`` until the stored expiry. Here such a body is an error, never a token.
    * Rejections get TikTok-specific, actionable messages (``invalid_grant`` means a revoked,
      expired or already-rotated refresh token; ``invalid_client`` means a wrong Client key or
      secret), with every secret taken out of what TikTok echoed.
    * The scopes TikTok granted are written to the config (``credentials.granted_scopes``), where
      the error handlers and the check read them to name the missing ones.
    * A check or discover never spends the refresh token (``refresh_tokens_kept``): with no
      usable access token it raises ``RefreshWithheld`` instead of refreshing.

    The factory has no hook to subclass the authenticator it builds from an ``OAuthAuthenticator``
    definition, so this class takes the built one and adopts its state. The factory also hands it
    the source's config (the one the tokens are kept in).
    """

    # Declared for the component factory, which passes these by name: the nested `oauth`
    # definition, built, and the source's config.
    oauth: DeclarativeSingleUseRefreshTokenOauth2Authenticator
    config: Mapping[str, Any]

    def __init__(
        self,
        oauth: DeclarativeSingleUseRefreshTokenOauth2Authenticator,
        config: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> None:
        adopt_authenticator_state(self, oauth)
        self._tiktok_config: Mapping[str, Any] = config if config is not None else {}
        self._account: AccountPath = FIRST_ACCOUNT
        # The refusals of this sync, per account (see TikTokAccountsAuthenticator): a refused
        # refresh token is not presented again.
        self._refusals: dict[AccountPath, TokenRefused] = {}

    def _get_config_value_by_path(self, config_path: str | Sequence[str], default: str | None = None) -> Any:
        """The value at ``config_path``, looked up step by step.

        Why not the CDK's: it reads with ``dpath.get``, which walks the whole config to match the
        path as a glob. With several accounts, one account's refresh adds its keys (a first
        ``access_token``) while another account's thread reads, and the walk fails with
        ``RuntimeError: dictionary changed size during iteration``. The paths are always literal.
        """
        steps = (config_path,) if isinstance(config_path, str) else tuple(config_path)
        value = _config_value(self._connector_config, steps)
        return (default if default is not None else "") if value is None else value

    def for_account(self, account: AccountPath) -> Self:
        """The same authenticator for another account of the config: its tokens are kept at
        ``account`` (see ``account_paths``). Built with the CDK's public constructor from this one's
        settings, as the factory built this one from the manifest; under the refresh lock, since
        that constructor reads the config as the CDK does (see ``_get_config_value_by_path``)."""
        with self._token_refresh_lock:
            return self._built_for(account)

    def _built_for(self, account: AccountPath) -> Self:
        oauth = DeclarativeSingleUseRefreshTokenOauth2Authenticator(  # type: ignore[abstract]
            connector_config=self._tiktok_config,
            token_refresh_endpoint=self.get_token_refresh_endpoint(),
            client_id_name=self.get_client_id_name(),
            client_id=self.get_client_id(),
            client_secret_name=self.get_client_secret_name(),
            client_secret=self.get_client_secret(),
            refresh_token_name=self.get_refresh_token_name(),
            refresh_request_headers=self.get_refresh_request_headers(),
            access_token_config_path=[*account, "access_token"],
            refresh_token_config_path=[*account, "refresh_token"],
            token_expiry_date_config_path=[*account, "token_expiry_date"],
        )
        sibling = self._sibling(oauth)
        sibling._account = account
        sibling._refusals = self._refusals
        # The CDK masks the spec's secret fields, and cannot reach those in a list of accounts.
        for secret in (
            sibling.get_refresh_token(),
            _config_value(self._tiktok_config, (*account, "access_token")),
        ):
            if isinstance(secret, str) and secret:
                add_to_secrets(secret)
        return sibling

    def _sibling(self, oauth: DeclarativeSingleUseRefreshTokenOauth2Authenticator) -> Self:
        """An authenticator of this class over ``oauth`` (another account's tokens)."""
        return type(self)(oauth, self._tiktok_config)

    def _open_id(self) -> str | None:
        return stored_open_id(self._tiktok_config, self._account)

    def _keep_open_id(self, open_id: Any) -> None:
        """Write the account's open_id that TikTok's token answer names (every request of the
        Accounts API needs it; an account of several is told apart by it)."""
        if open_id:
            # Under the lock every config write and CONNECTOR_CONFIG message of a refresh holds.
            with self._token_refresh_lock:
                _set_config_value(self._tiktok_config, (*self._account, "open_id"), str(open_id))

    def get_access_token(self) -> str:
        token: str = super().get_access_token()
        run = current_check()
        if run is not None and not run.scopes_asked:
            with run.scope_lookup_lock:
                if not run.scopes_asked:
                    token = self._learn_granted_scopes(run)
        return token

    def _learn_granted_scopes(self, run: CheckRun) -> str:
        """Tell the check which scopes the token was granted, if TikTok can say so without a
        refresh; the access token to use afterwards.

        The Display API tells the scopes only in a token answer, never for a live access token, so
        this tells nothing, and the check goes by the grant stored with the token (``source.py``;
        the Airbyte UI's OAuth flow, tiktok-organic-auth and every refresh write it)."""
        run.record_grant(None)
        return self.access_token

    def _keep_grant(self, scope: Any) -> None:
        """Write TikTok's ``scope`` answer to the config, and tell a running check."""
        if not isinstance(scope, str):
            return
        with self._token_refresh_lock:
            _set_config_value(self._tiktok_config, (*self._account, "granted_scopes"), scope)
        run = current_check()
        if run is not None:
            run.record_grant(_scope_set(scope))

    def refresh_access_token(self) -> tuple[str, AirbyteDateTime, str | None]:  # type: ignore[override]
        """One token request (retried while the endpoint fails transiently); the new access
        token, its expiry and the rotated refresh token, for the CDK to store and emit."""
        refused = self._refusals.get(self._account)
        if refused is not None:
            raise refused
        if refresh_tokens_kept():
            raise self._withheld()
        try:
            return self._refresh_access_token()
        except TokenRefused as refusal:
            self._refusals.setdefault(self._account, refusal)
            raise

    def _withheld(self) -> RefreshWithheld:
        """Why a check that may not refresh needed a refresh."""
        if not _config_value(self._tiktok_config, (*self._account, "access_token")):
            return RefreshWithheld("no access token is stored")
        if self.token_has_expired():
            return RefreshWithheld("the stored access token has expired")
        return RefreshWithheld(
            "TikTok refused the stored access token before its stored expiry", refused=True
        )

    def _refresh_access_token(self) -> tuple[str, AirbyteDateTime, str | None]:
        request_with_retries = backoff.on_exception(
            backoff.expo,
            _RETRYABLE_TOKEN_REQUEST_ERRORS,
            max_time=TOKEN_REFRESH_RETRY_SECONDS,
            on_backoff=lambda details: logger.info(
                "TikTok token refresh failed (attempt %s); retrying in %.1f s.",
                details["tries"],
                details["wait"],
            ),
        )(self._request_token)
        try:
            body = request_with_retries()
        except _RetryableTokenAnswer as error:
            raise self._token_endpoint_error(error.response.status_code, error.response) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
            raise AirbyteTracedException(
                message=(
                    f"Could not reach TikTok's token endpoint {self.get_token_refresh_endpoint()} "
                    f"after retrying for {TOKEN_REFRESH_RETRY_SECONDS:.0f} s. Check "
                    "api_base_url and the network between Airbyte and TikTok; if both are right, "
                    "TikTok is unavailable and a later sync will succeed."
                ),
                internal_message=self._redacted(repr(error)),
                failure_type=FailureType.transient_error,
            ) from None
        except requests.exceptions.RequestException as error:
            raise AirbyteTracedException(
                message=(
                    f"The token endpoint URL {self.get_token_refresh_endpoint()!r} is not usable "
                    f"({type(error).__name__}). Fix api_base_url: it must look like "
                    "https://open.tiktokapis.com."
                ),
                internal_message=self._redacted(repr(error)),
                failure_type=FailureType.config_error,
            ) from None
        fields = self._accept_token_body(body)
        access_token = str(fields["access_token"])
        add_to_secrets(access_token)
        refresh_token = fields.get(self.get_refresh_token_name())
        if refresh_token:
            add_to_secrets(str(refresh_token))
        return access_token, _expiry(fields.get(self.get_expires_in_name())), refresh_token

    def _request_token(self) -> Any:
        """TikTok's answer to one refresh request: its JSON body when HTTP says success."""
        response = requests.post(
            self.get_token_refresh_endpoint() or "",
            data=self.build_refresh_request_body(),
            headers=self.build_refresh_request_headers(),
            params=self.build_refresh_request_query_params(),
            timeout=60,
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetryableTokenAnswer(response)
        if not response.ok:
            raise self._token_endpoint_error(response.status_code, response)
        try:
            return response.json()
        except ValueError:
            return None

    def _accept_token_body(self, body: Any) -> Mapping[str, Any]:
        """The token fields of a 2xx answer, or an error if it holds none; keeps the granted scopes."""
        if not isinstance(body, Mapping) or body.get("error") or not body.get("access_token"):
            raise self._token_endpoint_error(200, body if isinstance(body, Mapping) else None)
        self._keep_grant(body.get("scope"))
        if has_several_accounts(self._tiktok_config):
            self._keep_open_id(body.get("open_id"))
        self._log_lifetime(body.get("refresh_expires_in"), _DISPLAY_REAUTHORISE)
        return body

    # The command that re-authorises an account of this API.
    _auth_command = "tiktok-organic-auth"

    def _log_lifetime(self, seconds_left: Any, how_to_reauthorise: str) -> None:
        """The days the refresh token has left, naming the account when the config has several."""
        if has_several_accounts(self._tiktok_config):
            _log_refresh_token_lifetime(
                seconds_left,
                _ACCOUNT_REAUTHORISE.format(command=self._auth_command),
                f" of account {account_name(self._tiktok_config, self._account)}",
            )
        else:
            _log_refresh_token_lifetime(seconds_left, how_to_reauthorise)

    def _redacted(self, text: str) -> str:
        """``text`` without the app's secret and the tokens, whatever TikTok echoed."""
        for secret in (self.get_client_secret(), self.get_refresh_token(), self.access_token):
            if isinstance(secret, str) and len(secret) >= 4:
                text = text.replace(secret, "****")
        return text

    def _token_endpoint_error(
        self, status_code: int, response_or_body: requests.Response | Mapping[str, Any] | None
    ) -> AirbyteTracedException:
        body = (
            _json_object(response_or_body)
            if isinstance(response_or_body, requests.Response)
            else response_or_body
        ) or {}
        code = str(body.get("error") or "no_access_token")
        description = self._redacted(str(body.get("error_description") or ""))
        detail = f"TikTok said: {code}" + (f": {description}" if description else "")
        detail += f" (HTTP {status_code}, log_id {body.get('log_id') or 'none'})."
        if code == "invalid_grant":
            message = (
                "TikTok rejected the refresh token: it was revoked, has expired, or was already "
                "used. TikTok rotates refresh tokens on every refresh, so a copy of this config "
                "from before the last sync no longer works. " + REAUTHENTICATE_HINT
            )
            failure_type = FailureType.config_error
        elif code == "invalid_client":
            message = (
                "TikTok rejected the app credentials. Check that Client Key and Client Secret are "
                "those of your app in the TikTok developer portal (Manage apps, App details) and "
                "that the refresh token was issued to that app."
            )
            failure_type = FailureType.config_error
        elif status_code == 200 and code == "no_access_token":
            message = "TikTok's token endpoint answered without an access token."
            failure_type = FailureType.system_error
        else:
            message = "TikTok's token endpoint refused to refresh the access token."
            failure_type = FailureType.system_error
        kind = TokenRefused if failure_type == FailureType.config_error else AirbyteTracedException
        return kind(
            message=f"{message} {detail}",
            internal_message=f"Token refresh failed with HTTP {status_code}: {code}",
            failure_type=failure_type,
        )


class TikTokBusinessOAuthAuthenticator(TikTokOAuthAuthenticator):
    """The rotating OAuth authenticator for TikTok's Accounts API (API for Business).

    Why not plain YAML, beyond the Display API authenticator's reasons: the Accounts API's refresh
    endpoint takes a JSON body (the CDK sends a form), answers every outcome as HTTP 200 with a
    ``code`` (an error has a non-zero code, never an error status) and the token fields inside
    ``data``, and calls carry the token in an ``Access-Token`` header rather than
    ``Authorization: Bearer``. Every request also needs the token's ``open_id`` as ``business_id``;
    only the refresh answer tells it, so it is written to the config (``credentials.open_id``,
    persisted with the rotated refresh token) and added to each request here. The days the refresh
    token has left are logged, so the yearly re-consent is no surprise.
    """

    # The token inspector's URL (tt_user/token_info/get/), a template over the config, declared in
    # the manifest next to the refresh endpoint.
    token_info_endpoint: str
    _auth_command = "tiktok-organic-auth --business"

    def __init__(
        self,
        oauth: DeclarativeSingleUseRefreshTokenOauth2Authenticator,
        config: Mapping[str, Any] | None = None,
        token_info_endpoint: str = "",
        **_: Any,
    ) -> None:
        super().__init__(oauth, config)
        self._token_info_url = InterpolatedString.create(token_info_endpoint, parameters={}).eval(
            self._tiktok_config
        )

    def _learn_granted_scopes(self, run: CheckRun) -> str:
        """The token inspector tells the scopes of a live access token without rotating anything;
        when it does not answer them, the check goes by the grant stored with the token."""
        token: str = self.access_token
        try:
            response = requests.post(
                self._token_info_url,
                json={"app_id": str(self.get_client_id()), "access_token": token},
                timeout=30,
            )
            body = response.json()
        except (requests.RequestException, ValueError) as error:
            logger.info(
                "TikTok's token inspector did not answer (%s); the check goes on.", type(error).__name__
            )
            return super()._learn_granted_scopes(run)
        data = body.get("data") if isinstance(body, Mapping) else None
        if isinstance(data, Mapping) and body.get("code") == 0 and isinstance(data.get("scope"), str):
            self._keep_grant(data["scope"])
            return token
        return super()._learn_granted_scopes(run)

    def _sibling(
        self, oauth: DeclarativeSingleUseRefreshTokenOauth2Authenticator
    ) -> TikTokBusinessOAuthAuthenticator:
        return TikTokBusinessOAuthAuthenticator(oauth, self._tiktok_config, self._token_info_url)  # type: ignore[abstract]

    def build_refresh_request_body(self) -> Any:
        body = dict(super().build_refresh_request_body())
        # An App ID is all digits, and the CDK's interpolation reads it as a number: TikTok gets the
        # string it issued.
        body["client_id"] = str(body["client_id"])
        # requests sends a str body as it is: the JSON document the endpoint expects.
        return json.dumps(body)

    def get_auth_header(self) -> Mapping[str, Any]:
        return {"Access-Token": self.get_access_token()}

    def get_access_token(self) -> str:
        # A config saved with a live access token but no open_id (written by hand, say) refreshes
        # once: only a refresh tells the open_id every request needs.
        if not self._open_id():
            self.refresh_and_set_access_token()
        token: str = super().get_access_token()
        return token

    def _withheld(self) -> RefreshWithheld:
        if not self._open_id():
            return RefreshWithheld(
                "its Account ID (open_id) is not stored, and only a token refresh tells it"
            )
        return super()._withheld()

    def get_request_params(self) -> Mapping[str, Any]:
        self.get_access_token()
        return {"business_id": self._open_id()}

    def _accept_token_body(self, body: Any) -> Mapping[str, Any]:
        if not isinstance(body, Mapping) or body.get("code") != 0:
            raise self._business_token_error(body if isinstance(body, Mapping) else {})
        data = body.get("data")
        if not isinstance(data, Mapping) or not data.get("access_token") or not data.get("open_id"):
            raise AirbyteTracedException(
                message="TikTok's Business token endpoint answered without an access token or open_id.",
                internal_message=f"Business token refresh answered keys {sorted(data or {})}",
                failure_type=FailureType.system_error,
            )
        self._keep_grant(data.get("scope"))
        self._keep_open_id(data["open_id"])
        self._log_lifetime(data.get("refresh_token_expires_in"), _BUSINESS_REAUTHORISE)
        return data

    def _business_token_error(self, body: Mapping[str, Any]) -> AirbyteTracedException:
        code = body.get("code")
        said = self._redacted(str(body.get("message") or "no message"))
        detail = f"TikTok said: code {code}: {said} (request_id {body.get('request_id') or 'none'})."
        if code in _BUSINESS_THROTTLED_CODES:
            return AirbyteTracedException(
                message=f"TikTok throttled the token refresh; the next sync will succeed. {detail}",
                internal_message=f"Business token refresh throttled: {code}",
                failure_type=FailureType.transient_error,
            )
        return TokenRefused(
            message=(
                "TikTok refused to refresh the Business API token. Check that App ID and App Secret "
                "are those of your app in the TikTok API for Business portal; if they are, the "
                "refresh token was revoked, has expired (a year after consent) or was already used. "
                "Re-authorise with `tiktok-organic-auth --business` to get a new refresh token. " + detail
            ),
            internal_message=f"Business token refresh failed: code {code}",
            failure_type=FailureType.config_error,
        )


@dataclass
class TikTokAccountsAuthenticator(DeclarativeAuthenticator):
    """Every authorised account's authenticator, each request sent with its account's.

    Why not plain YAML: an authenticator has one token, and the CDK asks it for the token without
    the stream slice (``HttpRequester`` calls ``get_auth_header()`` with no argument), so a manifest
    cannot pick an account's token by partition. The requester names the account it is sending for
    (``using_account``, from the partition it reads) and this authenticator hands that account's
    authenticator every call: the header, ``business_id``, a refresh. The first account's is the
    one the factory built from the manifest (``first_account``); the others are made from it
    (``TikTokOAuthAuthenticator.for_account``), each keeping its rotating tokens at its own
    place in the config, which every CONNECTOR_CONFIG message carries whole.
    """

    first_account: TikTokOAuthAuthenticator
    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    # The sync's API budget, passed by the factory: the refusals of the sync hang on it, so that an
    # account whose refresh token TikTok refused is not asked again by every stream.
    api_budget: Any = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._others: dict[AccountPath, TikTokOAuthAuthenticator] = {}
        self._others_lock = threading.Lock()
        if self.api_budget is not None:
            self.first_account._refusals = sync_scoped_attribute(self.api_budget, _REFUSALS, dict)

    def refusal(self, account: AccountPath) -> TokenRefused | None:
        """Why TikTok refused the account's refresh token in this sync, if it did."""
        return self.first_account._refusals.get(account)

    def for_account(self, account: AccountPath) -> TikTokOAuthAuthenticator:
        if account == FIRST_ACCOUNT:
            return self.first_account
        with self._others_lock:
            if account not in self._others:
                self._others[account] = self.first_account.for_account(account)
            return self._others[account]

    def open_id(self, account: AccountPath) -> str | None:
        """The account's open_id, refreshing its token to learn it when the config lacks it."""
        authenticator = self.for_account(account)
        authenticator.get_access_token()
        if not authenticator._open_id():  # a live access token stored without its open_id
            authenticator.refresh_and_set_access_token()
        return authenticator._open_id()

    def _in_use(self) -> TikTokOAuthAuthenticator:
        return self.for_account(account_in_use())

    @property
    def auth_header(self) -> str:
        return "Access-Token"

    @property
    def token(self) -> str:
        return self._in_use().get_access_token()

    def get_auth_header(self) -> Mapping[str, Any]:
        return self._in_use().get_auth_header()

    def get_request_params(self) -> Mapping[str, Any]:
        return self._in_use().get_request_params()

    def get_access_token(self) -> str:
        return self._in_use().get_access_token()

    def refresh_and_set_access_token(self) -> None:
        self._in_use().refresh_and_set_access_token()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        result: requests.PreparedRequest = self._in_use()(request)
        return result


def _json_object(response: requests.Response) -> Mapping[str, Any] | None:
    """The JSON object of a response, or None if its body is none."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, Mapping) else None


def _expiry(expires_in: Any) -> AirbyteDateTime:
    """When an access token that TikTok says lives ``expires_in`` seconds expires; an hour (the
    CDK's default) when TikTok does not say."""
    said = isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool)
    return ab_datetime_now() + timedelta(seconds=expires_in if said else 3600)


# The Accounts API's "throttled" codes (request too frequent, frequency limited, too many requests);
# business_protocol.THROTTLED_CODES, which this module cannot import (see the module docstring).
_BUSINESS_THROTTLED_CODES = (40100, 40132, 61000)
# A refresh token closer than this to its end is worth a warning at every refresh.
_REFRESH_TOKEN_WARNING_DAYS = 14
_DISPLAY_REAUTHORISE = (
    "re-authenticate the source (the Authenticate button in Airbyte, or tiktok-organic-auth)"
)
_BUSINESS_REAUTHORISE = "re-authorise the source (tiktok-organic-auth --business)"
# The advice for one account of several: re-authorise that one, signed in to TikTok as it.
_ACCOUNT_REAUTHORISE = "re-authorise it ({command}, signed in as that account)"


def _log_refresh_token_lifetime(seconds_left: Any, how_to_reauthorise: str, whose: str = "") -> None:
    """Log the days the refresh token (``whose``: of which account) has left (TikTok's
    refresh_expires_in or refresh_token_expires_in), as a warning in its last two weeks."""
    if not isinstance(seconds_left, (int, float)) or isinstance(seconds_left, bool):
        return
    days = int(seconds_left // 86400)
    message = (
        f"The TikTok refresh token{whose} expires in {days} days; {how_to_reauthorise} before then "
        "to keep syncing."
    )
    if days < _REFRESH_TOKEN_WARNING_DAYS:
        logger.warning(message)
    else:
        logger.info(message)


# --------------------------------------------------------------------------------------------------
# Reading TikTok's answers: errors, pages, records
# --------------------------------------------------------------------------------------------------


@dataclass
class ScopeNamingErrorHandler(ErrorHandler):
    """The manifest's error handler, whose config errors name every scope the token lacks.

    Why not plain YAML: TikTok's scope error names no scope, and an ``HttpResponseFilter`` message
    can only say what the failing stream needs. The scopes TikTok granted are known from the last
    token answer (the authenticator writes them to the source's config, which the factory hands this
    handler too), so when a request fails with a config error and required scopes are missing, the
    message names them all at once, in ``check`` and in a sync alike, whichever runtime loads the
    manifest. A rate-limit answer during a check is told to the check (see ``CheckRun``), and
    every response it sees is decoded once for all the filters and extractors (``page_body``).
    TikTok refusing an optional field (``field_refusal``) is handed back to the requester, which
    asks again without it (``RefusedFields``), instead of failing the stream.
    Everything else is the wrapped handler's: its filters, retries and backoff strategies.
    """

    error_handler: ErrorHandler
    required_scopes: list[str]
    parameters: InitVar[Mapping[str, Any]]
    # Scopes only some streams need (comment.list, when comments are read), added by those streams.
    additional_scopes: list[str] = field(default_factory=list)
    # Where the scopes are switched on, and how to get a token that has them, for the message.
    where_to_add: str = "the TikTok developer portal"
    how_to_reauthenticate: str = REAUTHENTICATE_HINT
    # The source's config, passed by the component factory: where the granted scopes are kept.
    config: Mapping[str, Any] = field(default_factory=dict)
    # What TikTok answers a request for a field it does not serve the app or region: a condition
    # on the decoded body (see AccountRequester, which asks again without the field).
    field_refusal: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        refusal = self.field_refusal
        self._field_refusal = InterpolatedBoolean(refusal, parameters) if refusal else None

    def is_field_refusal(self, response: requests.Response | None) -> bool:
        """Whether ``response`` is TikTok refusing a field (which one, it may not say)."""
        if self._field_refusal is None or response is None:
            return False
        body = _decoded_or_none(response)
        return isinstance(body, Mapping) and bool(self._field_refusal.eval(self.config, response=body))

    @property
    def max_retries(self) -> int | None:
        return self.error_handler.max_retries

    @property
    def max_time(self) -> int | None:
        return self.error_handler.max_time

    @property
    def backoff_strategies(self) -> Any:
        # The requester hands these to its HTTP client (DefaultErrorHandler's attribute).
        return getattr(self.error_handler, "backoff_strategies", None)

    def interpret_response(
        self, response_or_exception: requests.Response | Exception | None = None
    ) -> ErrorResolution:
        if type(response_or_exception) is requests.Response:
            response_or_exception.__class__ = DecodedOnceResponse
        if (
            isinstance(response_or_exception, requests.Response)
            and _field_refusal_expected.get()
            and self.is_field_refusal(response_or_exception)
        ):
            # Handed back to the requester, which finds the refused fields and asks without them.
            return ErrorResolution(ResponseAction.IGNORE, None, "TikTok refused a field; asking without it.")
        resolution = self.error_handler.interpret_response(response_or_exception)
        run = current_check()
        if run is not None and resolution.response_action == ResponseAction.RATE_LIMITED:
            # A check that runs out of time while waiting says why (see source.py).
            run.record_throttling(resolution.error_message or "rate limited")
        if resolution.failure_type != FailureType.config_error:
            return resolution
        granted = granted_scopes_in(self.config, account_in_use())
        if granted is None:
            return resolution
        required = [*self.required_scopes, *self.additional_scopes]
        missing = [scope for scope in required if scope not in granted]
        if not missing:
            return resolution
        return ErrorResolution(
            response_action=resolution.response_action,
            failure_type=FailureType.config_error,
            error_message=(
                missing_scopes_message(
                    missing, granted, required, self.where_to_add, self.how_to_reauthenticate
                )
                + f" (The request failed with: {resolution.error_message})"
            ),
        )


def missing_scopes_message(
    missing: Iterable[str],
    granted: Iterable[str],
    required: Iterable[str],
    where_to_add: str,
    how_to_reauthenticate: str = REAUTHENTICATE_HINT,
) -> str:
    """What to do about scopes the token lacks: the words of every missing-scope error, whichever
    runtime or command reports it."""
    return (
        f"The TikTok authorisation is missing the scope(s) {', '.join(missing)} "
        f"(granted: {', '.join(sorted(granted)) or 'none'}). The connector needs "
        f"{', '.join(required)}. Add the missing scopes to your app in {where_to_add} and grant every "
        f"scope on TikTok's consent screen. {how_to_reauthenticate}"
    )


# The last page each thread decoded (see page_body).
_decoded_page = threading.local()


def page_body(response: requests.Response) -> Any:
    """The JSON body of ``response``, decoded once for everything that reads it.

    The CDK's error handler decodes a body once per predicate (ten for the Accounts API, twice over
    for a shared page), with the standard library, and then each extractor decodes it again. Here
    it is decoded once, with orjson, and kept for the page the thread decoded last: the worker that
    asks a page reads its records next, and a page kept for other streams keeps no decoded copy.
    Nothing may change what this returns: the extractors copy each record out of it.
    """
    if getattr(_decoded_page, "response", None) is response:
        return _decoded_page.body
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = requests.Response.json(response)  # raises requests' own error, which the CDK expects
    _decoded_page.response, _decoded_page.body = response, body
    return body


def _decoded_or_none(response: requests.Response) -> Any:
    """``page_body``, or None when the body is not JSON."""
    try:
        return page_body(response)
    except ValueError:
        return None


class DecodedOnceResponse(requests.Response):
    """A response whose ``json()`` is ``page_body``: what the CDK's response filters and backoff
    strategies read (``ScopeNamingErrorHandler`` gives every response this class)."""

    def json(self, **kwargs: Any) -> Any:
        return page_body(self)


class PageBodyDecoder(JsonDecoder):
    """The CDK's JSON decoder, reading ``page_body``: a paginator's look at the page its stream
    has just decoded."""

    def decode(self, response: requests.Response) -> Generator[MutableMapping[str, Any], None, None]:
        body = _decoded_or_none(response)
        yield body if isinstance(body, dict) else {}


def _objects_at(body: Any, path: list[str]) -> list[Mapping[str, Any]]:
    """The objects at ``path`` of a decoded page (None: none): the list's objects, or the one object."""
    node = body
    for step in path:
        node = node.get(step) if isinstance(node, Mapping) else None
    found = node if isinstance(node, list) else [node] if isinstance(node, Mapping) else []
    return [item for item in found if isinstance(item, Mapping)]


def _cast_integers(row: dict[str, Any], names: Iterable[str]) -> None:
    """Casts the fields TikTok sends as text (``create_time``, ``hour``) to the integers the schema
    declares, as the CDK's schema normalization did: text that is no integer stays as it is."""
    for name in names:
        value = row.get(name)
        if isinstance(value, str):
            with suppress(ValueError):
                row[name] = int(value)


@dataclass
class PageRecordsExtractor(RecordExtractor):
    """The objects at ``path`` of a page, one record each, with ``integer_fields`` cast from text.

    Why not plain YAML: a ``DpathExtractor`` yields TikTok's objects as sent, and only the
    selector's ``schema_normalization`` can then cast the few numbers TikTok sends as text; it does
    so by walking every field of every record through jsonschema validators, which was about half
    of a business sync's CPU. Here the cast touches the named fields only, where the rows are built.
    """

    path: list[str]
    parameters: InitVar[Mapping[str, Any]]
    integer_fields: list[str] = field(default_factory=list)

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        for item in _objects_at(_decoded_or_none(response), self.path):
            record = dict(item)
            _cast_integers(record, self.integer_fields)
            yield record


@dataclass
class ArrayRowsExtractor(RecordExtractor):
    """One record per element of arrays nested in the response, with the parent's identifying fields.

    Why not plain YAML: a ``DpathExtractor`` reaching into ``data.metrics[*].audience_activity[*]``
    yields the elements alone, without the ``date`` of the day they belong to, and cannot say which
    of several arrays (``audience_ages``, ``audience_genders``, ...) an element came from. TikTok
    nests hourly activity in daily rows, demographics in the profile and per-second retention,
    traffic sources and viewer breakdowns in each video; each becomes a table of rows here.

    ``parents_path``: where the parent objects are (a list, or one object). ``arrays``: array field
    -> the element key that names the row (``hour``, ``age``, ``impression_source``), with
    ``alternative_keys`` read when an element lacks it. Each row holds ``parent_fields`` of the
    parent, the array's name (renamed by ``array_names``) under ``array_name_field`` and the naming
    key's value, as a string, under ``key_field`` (when those are set; the key then leaves the
    element), then the element's other fields, ``integer_fields`` cast from text (see
    ``PageRecordsExtractor``).
    """

    parents_path: list[str]
    arrays: Mapping[str, str]
    parameters: InitVar[Mapping[str, Any]]
    parent_fields: list[str] = field(default_factory=list)
    array_name_field: str | None = None
    key_field: str | None = None
    array_names: Mapping[str, str] = field(default_factory=dict)
    alternative_keys: Mapping[str, str] = field(default_factory=dict)
    integer_fields: list[str] = field(default_factory=list)

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        for parent in _objects_at(_decoded_or_none(response), self.parents_path):
            inherited = {name: parent.get(name) for name in self.parent_fields}
            for array, key in self.arrays.items():
                for element in parent.get(array) or ():
                    if not isinstance(element, Mapping):
                        continue
                    row: dict[str, Any] = dict(inherited)
                    if self.array_name_field:
                        row[self.array_name_field] = self.array_names.get(array, array)
                    rest = dict(element)
                    if self.key_field:
                        name = key if key in rest else self.alternative_keys.get(array, key)
                        value = rest.pop(name, None)
                        row[self.key_field] = None if value is None else str(value)
                    row.update(rest)
                    _cast_integers(row, self.integer_fields)
                    yield row


@dataclass
class AdvancingCursorPagination(CursorPaginationStrategy):
    """CursorPagination that stops when TikTok's cursor stops moving back in time.

    Why not plain YAML: the video list cursor is a millisecond timestamp meaning "videos created
    before", so each next cursor must be older than the one just sent. A ``stop_condition`` cannot
    see the cursor that was sent (its context has neither the request nor the previous page
    token), and a server repeating the same cursor with ``has_more: true`` would be paged forever,
    emitting the same videos again each time. The cursor sent is read from the request body, so the
    first page of a time window (whose cursor comes from the window, not from a page token) is
    guarded too. The page that repeated the cursor is still emitted; only the next request, which
    would return the same videos again, is not sent.

    ``cursor_moves: forward`` is the same guard for an offset cursor (the Mentions API's lists),
    which must grow from page to page.
    """

    cursor_moves: str = "back"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self.decoder = PageBodyDecoder(parameters={})

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Record | None,
        last_page_token_value: Any | None = None,
        page_size_override: int | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> Any | None:
        token = super().next_page_token(
            response,
            last_page_size,
            last_record,
            last_page_token_value,
            page_size_override,
            stream_slice,
        )
        sent = _sent_cursor(response)
        if sent is None:
            sent = last_page_token_value
        if token is None or sent is None:
            return token
        try:
            forward = self.cursor_moves == "forward"
            advanced = int(token) > int(sent) if forward else int(token) < int(sent)
        except (TypeError, ValueError):
            advanced = token != sent
        if not advanced:
            logger.warning(
                "TikTok returned pagination cursor %s after cursor %s with has_more=true; the "
                "cursor did not move %s, so paging stops here instead of looping.",
                token,
                sent,
                "on" if self.cursor_moves == "forward" else "back in time",
            )
            return None
        return token


def _sent_cursor(response: requests.Response) -> Any | None:
    body = response.request.body if response.request is not None else None
    if not body:
        return None
    try:
        sent = json.loads(body)
    except (TypeError, ValueError):
        return None
    return sent.get("cursor") if isinstance(sent, dict) else None


class WindowVideos(RecordFilter):
    """Keeps the videos of the time window being read, and adds ``created_at`` to each.

    Why not plain YAML: a ``RecordFilter`` condition and an ``AddFields`` value can say the same
    (and did), but each is a Jinja template rendered once per video: together they cost about a
    sixth of a sync's CPU at full speed. Here the window bounds are read once per page, and
    ``created_at`` is ``create_time`` (Unix seconds) formatted as an RFC 3339 UTC timestamp.

    The last page of a window reaches into the next older window, which emits those videos
    itself, so each video is emitted by exactly one window.
    """

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: StreamState,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        if stream_slice is None:
            raise ValueError("WindowVideos filters the videos of a time window: it needs the window")
        start, end = int(stream_slice["start_time"]), int(stream_slice["end_time"])
        for record in records:
            create_time = record["create_time"]
            if start <= create_time <= end:
                record["created_at"] = datetime.fromtimestamp(create_time, tz=timezone.utc).strftime(  # type: ignore[index]
                    "%Y-%m-%dT%H:%M:%SZ"
                )
                yield record


@dataclass
class FirstSightings(RecordFilter):
    """Keeps the first record with each value of ``key_field`` for each account; later ones are
    repeats. With a ``condition``, keeps only the first sightings that meet it.

    Why not plain YAML: TikTok's comment/list says that past a video's 500th comment its pages may
    repeat earlier comments, and the Mentions API's offset pages repeat items when a mention arrives
    mid-read. A ``RecordFilter`` condition sees one record at a time and cannot know which came
    before; the ids seen are remembered here, for the stream's whole read (a few thousand ids at
    most), per account (a post may mention two brands of one connection). Partitions are read on
    several threads, hence the lock.
    """

    key_field: str = "id"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        self._seen: set[Any] = set()
        self._seen_lock = threading.Lock()

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: StreamState,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        kept = self._first_sightings(records, _account_key_of(stream_slice))
        if self.condition:
            return super().filter_records(kept, stream_state, stream_slice, next_page_token)
        return kept

    def _first_sightings(
        self, records: Iterable[Mapping[str, Any]], account: str | None
    ) -> Iterator[Mapping[str, Any]]:
        for record in records:
            key = (account, record.get(self.key_field))
            with self._seen_lock:
                if key in self._seen:
                    continue
                self._seen.add(key)
            yield record


# --------------------------------------------------------------------------------------------------
# Several accounts: their partitions, their state, their records
# --------------------------------------------------------------------------------------------------


@dataclass
class TikTokAccountPartitions(PartitionRouter):
    """One partition per authorised account of the config: ``{key_field: <its open_id>}``.

    Why not plain YAML: a ``ListPartitionRouter`` over the config's open_ids would miss an account
    whose open_id is not in the config yet (the Display API's first account, as the Airbyte UI's
    OAuth button authorised it, or one pasted in by hand): only a
    refresh of its token tells it, so this router asks the account's authenticator. An account whose
    token TikTok refuses still gets a partition (keyed ``unresolved account number N``): reading it
    fails with the refusal, naming the account, while the other accounts are read. A check of one
    account (``CheckRun.account``) reads that account's partition only.
    """

    authenticator: TikTokAccountsAuthenticator
    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    # The partition field: business_id for the Accounts API, open_id for the Display API.
    key_field: str = "business_id"

    def stream_slices(self) -> Iterable[StreamSlice]:
        run = current_check()
        for account in account_paths(self.config):
            if run is not None and run.account is not None and run.account != account:
                continue
            if not stored_open_id(self.config, account):
                try:
                    self.authenticator.open_id(account)
                except RefreshWithheld:
                    pass  # a check: the account's requests say it was not verified
                except AirbyteTracedException as error:
                    logger.warning(_named(error, self.config, account).message)
            yield StreamSlice(
                partition={self.key_field: account_partition_key(self.config, account)}, cursor_slice={}
            )

    def get_request_params(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_headers(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_data(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_json(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_stream_state(self) -> Mapping[str, StreamState] | None:
        return None


def partitions_by_account(
    authenticator: TikTokAccountsAuthenticator,
    config: Mapping[str, Any],
    parameters: Mapping[str, Any],
    key_field: str = "business_id",
) -> PartitionRouter:
    """The partition router of a stream that reads every account of the config: one partition per
    account (``TikTokAccountPartitions``), or, with one account, none at all.

    Why a function (the manifest's ``class_name`` names it; the component factory calls it with the
    fields a class would get): a connection with one account is what every connection was before
    several accounts were possible, and stays exactly that. The CDK keeps a partitioned stream's
    state per partition, but treats a stream whose router is its ``SinglePartitionRouter`` as not
    partitioned at all: one cursor, the state every existing connection holds.
    """
    if not has_several_accounts(config):
        return SinglePartitionRouter(parameters=parameters)
    return TikTokAccountPartitions(
        authenticator=authenticator, config=config, parameters=parameters, key_field=key_field
    )


@dataclass
class PerAccountState(StateMigration):
    """Makes an incremental stream's state one cursor per account, and no cursor for all of them.

    Why not plain YAML: the CDK's per-partition cursor starts a partition it has no state for from
    its ``state`` key, the newest cursor over every partition, so an account added to the config
    would get the last few days instead of its whole history. Dropping that key (and the lookback
    kept with it) makes a new account start from the stream's start. A state written before the
    config had several accounts (one cursor, the first account's) becomes the first account's.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    key_field: str = "business_id"

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return (
            has_several_accounts(self.config)
            and bool(stream_state)
            and ("states" not in stream_state or "state" in stream_state)
        )

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        if "states" in stream_state:
            return {"states": stream_state["states"], "use_global_cursor": False}
        open_id = stored_open_id(self.config, FIRST_ACCOUNT)
        if open_id is None:
            return {}
        return {
            "states": [{"partition": {self.key_field: open_id}, "cursor": dict(stream_state)}],
            "use_global_cursor": False,
        }


@dataclass
class AddAccountFields(RecordTransformation):
    """Adds the record's account: ``id_field`` (its open_id: ``business_id`` in the Accounts API's
    records, ``open_id`` in the Display API's) and, when the config labels it, ``account_label``.

    Why not plain YAML: an ``AddFields`` value can read the partition, but a comment's account is in
    its parent's partition (two levels up for a reply), and the label is found by open_id in a list
    of accounts, which an interpolated value cannot look up in one expression.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    id_field: str = "business_id"
    # Whether a connection with one account names it too (the Accounts API's records always did;
    # the Display API's records stay as they were).
    with_one_account: bool = True

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        # The fields each account's records get, by the account key of their slice: looked up once
        # per account, not once per record (a sync can bring hundreds of thousands); and the last
        # slice's, since a page's records come one after another with the same slice.
        self._fields_by_key: dict[str | None, dict[str, str | None]] = {}
        self._last: tuple[object, dict[str, str | None]] = (None, {})

    def transform(
        self,
        record: dict[str, Any],
        config: Mapping[str, Any] | None = None,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> None:
        last_slice, fields = self._last
        if stream_slice is None or stream_slice is not last_slice:
            fields = self._fields_of(stream_slice)
        record.update(fields)

    def _fields_of(self, stream_slice: StreamSlice | None) -> dict[str, str | None]:
        key = _account_key_of(stream_slice)
        fields = self._fields_by_key.get(key)
        if fields is None:
            fields = self._account_fields(stream_slice)
            if fields and fields[self.id_field] is None:
                return fields  # an open_id not learnt yet is asked again
            self._fields_by_key[key] = fields
        self._last = (stream_slice, fields)
        return fields

    def _account_fields(self, stream_slice: StreamSlice | None) -> dict[str, str | None]:
        if not (self.with_one_account or has_several_accounts(self.config)):
            return {}
        account = account_of_slice(self.config, stream_slice)
        fields: dict[str, str | None] = {self.id_field: stored_open_id(self.config, account)}
        label = account_label(self.config, account)
        if label:
            fields["account_label"] = label
        return fields


class AccountPacing:
    """Each account's requests per endpoint per minute, for one sync.

    TikTok limits every authorised account on its own (about 40 requests a minute per endpoint),
    and the app over all of them (the manifest's API budget): an account waits for its own minute,
    never for another's, so ten accounts' requests go out in about the time of one account's (the
    records they bring take their own CPU time: README, figure (f)). Built on the CDK's public
    rate-limit classes, one moving window per account and endpoint.
    """

    def __init__(self, calls_per_minute: int) -> None:
        self._calls_per_minute = calls_per_minute
        self._budgets: dict[tuple[str, str], APIBudget] = {}
        self._lock = threading.Lock()

    def wait_for_turn(self, account_key: str, endpoint: str) -> None:
        with self._lock:
            budget = self._budgets.get((account_key, endpoint))
            if budget is None:
                window = MovingWindowCallRatePolicy(
                    rates=[Rate(limit=self._calls_per_minute, interval=timedelta(minutes=1))], matchers=[]
                )
                budget = self._budgets[(account_key, endpoint)] = APIBudget(policies=[window])
        budget.acquire_call(f"{account_key} {endpoint}")


# --------------------------------------------------------------------------------------------------
# Pages shared within one sync
# --------------------------------------------------------------------------------------------------


def sync_scoped_attribute(api_budget: object, name: str, make: Callable[[], Any]) -> Any:
    """The object named ``name`` that lives as long as ``api_budget``, made by ``make`` on first use.

    CDK internal: the factory hands its one API budget to every custom component declaring an
    ``api_budget`` field, and builds a new budget each time it builds the streams (once per
    ``read``, ``check`` or ``discover``). So the budget is the one object that every component of a
    sync shares and no other sync sees: what hangs on it dies with the sync.
    """
    attributes = vars(api_budget)
    if name not in attributes:
        attributes[name] = make()
    return attributes[name]


class _Flight:
    """One page: asked once, awaited by every other requester that wants it meanwhile."""

    def __init__(self, page_list: str) -> None:
        self.page_list = page_list
        self.done = threading.Event()
        self.response: requests.Response | None = None
        self.failed = False


class SharedPages:
    """The answers of one sync, each asked of the API once and handed to every stream that sends
    the same request.

    A page is asked by the first requester that wants it; the others wanting it meanwhile wait for
    that answer instead of asking again. Only answers the asking stream's error handler calls a
    success are handed on: a throttled or rejected answer, or a failed request, is the asking
    stream's to handle (its retries, as without sharing), and one of those waiting asks in its
    place.

    The last ``keep`` answers of each list of pages (an account's endpoint) are kept, for the
    streams that read a list behind the first: a stream that turns a page into many records
    (``business_video_breakdowns``) reads slower than one that turns it into 20. So that none falls
    out of that window, a requester ``keep`` pages ahead of another reading the same list waits
    before asking for a new page, until the
    other catches up or has taken no page for ``idle_seconds`` (it finished, or stopped early, like
    ``video_snapshots`` with a maximum age). Waiting costs the sync nothing: it ends with its
    slowest stream. A stream that still finds its page gone asks again: a request, never a record.
    """

    def __init__(
        self, keep: int, idle_seconds: float = 15.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._keep = keep
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._changed = threading.Condition()
        self._pages: OrderedDict[str, _Flight] = OrderedDict()
        # Per list of pages, per requester: the pages it has taken, and when it took the last one.
        self._readers: dict[str, dict[int, tuple[int, float]]] = {}

    def get(
        self,
        page_list: str,
        key: str,
        reader: object,
        ask: Callable[[], requests.Response | None],
        is_success: Callable[[requests.Response], bool],
    ) -> requests.Response | None:
        """The answer to the request ``key`` names (a request to ``page_list`` by ``reader``): kept,
        awaited, or asked by ``ask`` (the reader's own request, with its retries) and kept when
        ``is_success`` says so."""
        while True:
            with self._changed:
                flight = self._pages.get(key)
                if flight is None:
                    wait = self._seconds_to_wait(page_list, id(reader))
                    if wait > 0:
                        self._changed.wait(wait)
                        continue
                    flight = self._pages[key] = _Flight(page_list)
                    leads = True
                else:
                    leads = False
            if leads:
                response = self._ask(key, flight, ask, is_success)
            else:
                flight.done.wait()
                if flight.failed:
                    continue  # the asker got no answer to hand on: ask, or wait for the next asker
                response = flight.response
            if response is not None and not flight.failed:
                self._taken(page_list, id(reader))
            return response

    def _seconds_to_wait(self, page_list: str, reader: int) -> float:
        """How long ``reader`` waits before asking a new page: while it is ``keep`` pages ahead of
        another reader of ``page_list`` that took a page within ``idle_seconds``."""
        readers = self._readers.get(page_list, {})
        ahead_of, now = readers.get(reader, (0, 0.0))[0] - self._keep, self._clock()
        waits = [
            last + self._idle_seconds - now
            for other, (taken, last) in readers.items()
            if other != reader and taken <= ahead_of and now - last < self._idle_seconds
        ]
        return max(waits, default=0.0)

    def _taken(self, page_list: str, reader: int) -> None:
        with self._changed:
            readers = self._readers.setdefault(page_list, {})
            readers[reader] = (readers.get(reader, (0, 0.0))[0] + 1, self._clock())
            self._changed.notify_all()

    def _ask(
        self,
        key: str,
        flight: _Flight,
        ask: Callable[[], requests.Response | None],
        is_success: Callable[[requests.Response], bool],
    ) -> requests.Response | None:
        try:
            response = ask()
        except BaseException:
            self._fail(key, flight)
            raise
        if response is None or not is_success(response):
            self._fail(key, flight)
            return response
        flight.response = response
        with self._changed:
            flight.done.set()
            self._forget_oldest(page_list=flight.page_list)
        return response

    def _fail(self, key: str, flight: _Flight) -> None:
        with self._changed:
            if self._pages.get(key) is flight:
                del self._pages[key]
            flight.failed = True
            flight.done.set()

    def _forget_oldest(self, page_list: str) -> None:
        answered = [
            key
            for key, flight in self._pages.items()
            if flight.page_list == page_list and flight.done.is_set()
        ]
        for key in answered[: max(0, len(answered) - self._keep)]:
            del self._pages[key]


# --------------------------------------------------------------------------------------------------
# Fields TikTok refuses
# --------------------------------------------------------------------------------------------------

# Set while a request that may be refused for its optional fields is sent: the error handler then
# hands a refusal back to the requester instead of failing the stream.
_field_refusal_expected: ContextVar[bool] = ContextVar("tiktok_field_refusal_expected", default=False)
# Fields a probe leaves out of the request being sent, besides those refused in this sync.
_probe_leaves_out: ContextVar[frozenset[str]] = ContextVar("tiktok_probe_leaves_out", default=frozenset())


class RefusedFields:
    """The fields TikTok refused in one sync, per endpoint: every stream and account asks without
    them for the rest of the sync (the next sync asks again).

    TikTok adds and retires fields often, and answers a field it does not serve the app or region
    as an invalid parameter, for the whole request. So that one refused field costs a few requests,
    not one per stream and time window asking at the same moment, the first request of each list
    of fields goes alone (``first_answer``), and one requester at a time finds out which fields an
    endpoint refuses (``finding``). Lives on the sync's API budget, like ``SharedPages``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refused: dict[str, frozenset[str]] = {}
        self._answered: dict[tuple[str, frozenset[str]], threading.Event] = {}
        self._finding: dict[str, threading.Lock] = {}

    def of(self, endpoint: str) -> frozenset[str]:
        with self._lock:
            return self._refused.get(endpoint, frozenset())

    def add(self, endpoint: str, fields: Iterable[str]) -> list[str]:
        """Note ``fields`` as refused by ``endpoint``; those not noted before."""
        with self._lock:
            before = self._refused.get(endpoint, frozenset())
            self._refused[endpoint] = before | frozenset(fields)
            return sorted(self._refused[endpoint] - before)

    def finding(self, endpoint: str) -> threading.Lock:
        with self._lock:
            return self._finding.setdefault(endpoint, threading.Lock())

    @contextmanager
    def first_answer(self, endpoint: str, fields: frozenset[str]) -> Iterator[None]:
        """The first request asking ``endpoint`` for ``fields`` runs the block alone; the others
        wait for it to end (with the refused fields found, if any) before running theirs."""
        with self._lock:
            answered = self._answered.get((endpoint, fields))
            leads = answered is None
            if answered is None:
                answered = self._answered[(endpoint, fields)] = threading.Event()
        if not leads:
            answered.wait()
        try:
            yield
        finally:
            answered.set()


def _named_in(message: str, field_name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(field_name)}(?![\w])", message) is not None


def _answer_message(response: requests.Response) -> str:
    """What an answer says: the Display API's ``error.message``, the Accounts API's ``message``."""
    body = _decoded_or_none(response)
    if not isinstance(body, Mapping):
        return ""
    error = body.get("error")
    return str((error.get("message") if isinstance(error, Mapping) else body.get("message")) or "")


def refused_fields(
    core: list[str], optional: list[str], refused_without: Callable[[frozenset[str]], bool]
) -> tuple[list[str], list[str]]:
    """Which fields an endpoint refuses, when asking for ``core`` and ``optional`` was refused and
    the refusal did not say which: the refused optional fields, and a refused core field.

    ``refused_without(left_out)`` asks again without the fields ``left_out`` and says whether that
    was refused too. Halves of the optional fields are asked for, each half only while it may hold
    a refused field: one refused field of 15 costs at most 8 requests. When even the core fields
    alone are refused, the refusal is about one of them if asking without it is served (with two or
    more core fields), else about no field: nothing is found. An endpoint with no core field is
    asked for one optional field alone (the first of the first two that is served) as the base.
    """
    base: list[str] = []

    def refused_with(kept: list[str], core_left_out: frozenset[str] = frozenset()) -> bool:
        return refused_without(frozenset(optional) - frozenset(kept) - frozenset(base) | core_left_out)

    def refused_among(candidates: list[str], known_refused: bool) -> list[str]:
        if not candidates or (not known_refused and not refused_with(candidates)):
            return []
        if len(candidates) == 1:
            return candidates
        half = len(candidates) // 2
        left = refused_among(candidates[:half], known_refused=False)
        return left + refused_among(candidates[half:], known_refused=not left)

    if core:
        if not refused_with([]):
            return refused_among(optional, known_refused=True), []
        for name in core if len(core) > 1 else []:
            if not refused_with([], core_left_out=frozenset({name})):
                return [], [name]
        return [], []
    first_refused = []
    for name in optional[:2]:
        if not refused_with([name]):
            base = [name]
            break
        first_refused.append(name)
    if not base:
        return [], []
    rest = [name for name in optional if name not in base and name not in first_refused]
    return first_refused + refused_among(rest, known_refused=not first_refused), []


# --------------------------------------------------------------------------------------------------
# Requesters
# --------------------------------------------------------------------------------------------------


@dataclass
class AccountRequester(HttpRequester):
    """The CDK's ``HttpRequester``, sending each request as the account its stream slice reads.

    Why not plain YAML: the CDK asks the authenticator for the token without the slice, so this
    requester names the slice's account (``using_account``) for the authenticator
    (``TikTokAccountsAuthenticator``) to send that account's token. An error it meets says which
    account it is about when the config has several, and an account whose refresh token TikTok
    refused in this sync fails its other reads at once, without asking TikTok again.

    ``request_parameters`` and ``request_body_json`` are the manifest's, as for an
    ``HttpRequester`` (the factory hands a custom requester its fields as written).
    """

    request_parameters: Mapping[str, Any] | None = None
    request_body_json: dict[str, Any] | None = None
    # Parameters TikTok takes as JSON text (the Mentions API's regions): the CDK evaluates a rendered
    # list as a Python list, which requests would send as one parameter per element.
    json_parameters: list[str] = field(default_factory=list)
    # The fields each endpoint's records mean nothing without (path -> fields): TikTok refusing
    # one ends the sync; every other field asked is optional, and a refusal costs its column only.
    core_fields: Mapping[str, list[str]] = field(default_factory=dict)

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        if self.request_options_provider is None:
            self.request_options_provider = InterpolatedRequestOptionsProvider(
                config=self.config,
                parameters=parameters,
                request_parameters=self.request_parameters,
                request_body_json=self.request_body_json,
            )
        super().__post_init__(parameters)
        self._core = {path.lstrip("/"): frozenset(names) for path, names in self.core_fields.items()}
        self._refused_fields: RefusedFields = self._sync_scoped("tiktok_refused_fields", RefusedFields)

    def _sync_scoped(self, name: str, make: Callable[[], Any]) -> Any:
        return sync_scoped_attribute(self.api_budget, name, make) if self.api_budget is not None else make()

    def get_path(
        self,
        *,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> str:
        """The manifest's path, without the fields left out (``fields`` as a JSON array in the
        query, as the Accounts API takes it)."""
        path = super().get_path(
            stream_state=stream_state, stream_slice=stream_slice, next_page_token=next_page_token
        )
        endpoint, marker, listed = path.partition("?fields=")
        left_out = self._left_out(endpoint)
        if not marker or not left_out:
            return path
        kept = [name for name in json.loads(unquote(listed)) if name not in left_out]
        return f"{endpoint}{marker}{quote(json.dumps(kept), safe='')}"

    def get_request_params(
        self,
        *,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> MutableMapping[str, Any]:
        """The manifest's parameters, without the fields left out (``fields`` as a comma-separated
        list, as the Display API takes it)."""
        params = super().get_request_params(
            stream_state=stream_state, stream_slice=stream_slice, next_page_token=next_page_token
        )
        for name in self.json_parameters:
            if isinstance(params.get(name), list):
                params = {**params, name: json.dumps(params[name], separators=(",", ":"))}
        listed = params.get("fields")
        if isinstance(listed, str):
            path = super().get_path(
                stream_state=stream_state, stream_slice=stream_slice, next_page_token=next_page_token
            )
            left_out = self._left_out(path.partition("?")[0])
            if left_out:
                params = {**params, "fields": ",".join(n for n in listed.split(",") if n not in left_out)}
        return params

    def _left_out(self, endpoint: str) -> frozenset[str]:
        return self._refused_fields.of(endpoint) | _probe_leaves_out.get()

    def _fields_asked(self, request: _Request) -> tuple[str, list[str]]:
        """The endpoint of ``request`` and every field the manifest asks of it, none left out."""
        state, stream_slice, page = request.stream_state, request.stream_slice, request.next_page_token
        path = HttpRequester.get_path(
            self, stream_state=state, stream_slice=stream_slice, next_page_token=page
        )
        endpoint, _, listed = path.partition("?fields=")
        if listed:
            return endpoint, list(json.loads(unquote(listed)))
        params = HttpRequester.get_request_params(
            self, stream_state=state, stream_slice=stream_slice, next_page_token=page
        )
        fields = params.get("fields")
        return endpoint, [name for name in fields.split(",") if name] if isinstance(fields, str) else []

    def send_request(
        self,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
        path: str | None = None,
        request_headers: Mapping[str, Any] | None = None,
        request_params: Mapping[str, Any] | None = None,
        request_body_data: Mapping[str, Any] | str | None = None,
        request_body_json: Mapping[str, Any] | None = None,
        log_formatter: Callable[[requests.Response], Any] | None = None,
    ) -> requests.Response | None:
        account = account_of_slice(self.config, stream_slice)
        authenticator = self.get_authenticator()
        refused = (
            authenticator.refusal(account) if isinstance(authenticator, TikTokAccountsAuthenticator) else None
        )
        if refused is not None:
            raise _named(refused, self.config, account) if has_several_accounts(self.config) else refused
        request = _Request(
            stream_state,
            stream_slice,
            next_page_token,
            path,
            request_headers,
            request_params,
            request_body_data,
            request_body_json,
            log_formatter,
        )
        try:
            with using_account(account):
                return self._send_minding_fields(account, request)
        except RefreshWithheld as withheld:
            if withheld.refused:
                if has_several_accounts(self.config):
                    raise _named(withheld, self.config, account) from None
                raise
            self._not_verified(account, withheld)
            return None
        except AirbyteTracedException as error:
            if not has_several_accounts(self.config):
                raise
            raise _named(error, self.config, account) from None

    def _not_verified(self, account: AccountPath, withheld: RefreshWithheld) -> None:
        """A check could not send ``account``'s request without spending its refresh token: the
        stream reads nothing for it, the check says so (``source.py``), and so does the log: once
        per account, or under the manifest-only runtime (whose check says nothing else) once per
        stream checked."""
        run = current_check()
        first_time = run.record_unverified(account, withheld.reason) if run is not None else True
        if first_time:
            message = withheld.message or ""
            if has_several_accounts(self.config):
                message = _named(withheld, self.config, account).message or message
            logger.warning(message)

    def _send_as(self, account: AccountPath, request: _Request) -> requests.Response | None:
        """Send ``request`` (the account's token is the one in use)."""
        return super().send_request(**request._asdict())

    def _send_minding_fields(self, account: AccountPath, request: _Request) -> requests.Response | None:
        """Send ``request``; while TikTok refuses optional fields it asks for, find which (from
        the message when it names them, else by asking for halves of them) and ask without them."""
        endpoint, asked = self._fields_asked(request)
        core = self._core.get(endpoint, frozenset()) & frozenset(asked)
        while True:
            refused = self._refused_fields.of(endpoint)
            optional = [name for name in asked if name not in core and name not in refused]
            if not optional:
                return self._send_as(account, request)
            with self._refused_fields.first_answer(endpoint, frozenset(optional)):
                response = self._send_expecting_refusal(account, request)
                if not self._is_field_refusal(response):
                    return response
                with self._refused_fields.finding(endpoint):
                    if self._refused_fields.of(endpoint) == refused and response is not None:
                        self._find_refused(endpoint, core, optional, response, account, request)

    def _send_expecting_refusal(
        self, account: AccountPath, request: _Request, probe_leaving_out: frozenset[str] | None = None
    ) -> requests.Response | None:
        """Send ``request`` (a probe: alone, without ``probe_leaving_out``), a field refusal handed
        back by the error handler rather than failing the stream."""
        expected = _field_refusal_expected.set(True)
        left_out = _probe_leaves_out.set(probe_leaving_out or frozenset())
        try:
            if probe_leaving_out is None:
                return self._send_as(account, request)
            return AccountRequester._send_as(self, account, request)  # never a shared page
        finally:
            _probe_leaves_out.reset(left_out)
            _field_refusal_expected.reset(expected)

    def _is_field_refusal(self, response: requests.Response | None) -> bool:
        handler = self.error_handler
        return isinstance(handler, ScopeNamingErrorHandler) and handler.is_field_refusal(response)

    def _find_refused(
        self,
        endpoint: str,
        core: frozenset[str],
        optional: list[str],
        refusal: requests.Response,
        account: AccountPath,
        request: _Request,
    ) -> None:
        """Note the fields of ``optional`` that ``endpoint`` refuses, warning once for each; raise a
        config error for a refused core field. A refusal not about any field (the request is
        refused without them too) fails the stream as the error handler says, TikTok's message in."""
        message = _answer_message(refusal)
        named_core = sorted(name for name in core if _named_in(message, name))
        if named_core:
            raise self._core_refused(endpoint, named_core, message)
        refused = [name for name in optional if _named_in(message, name)] or self._probe_refused(
            endpoint, sorted(core), optional, message, account, request
        )
        if not refused:
            failure = self.error_handler.interpret_response(refusal) if self.error_handler else None
            raise AirbyteTracedException(
                message=(failure.error_message if failure else None) or message,
                internal_message=f"{endpoint} refused the request whatever fields it asked for: {message}",
                failure_type=(failure.failure_type if failure else None) or FailureType.system_error,
            )
        for name in self._refused_fields.add(endpoint, refused):
            logger.warning(
                f"TikTok refused the field {name} of {endpoint} (stream {self.name}): it does not "
                "serve it to this app or region, yet or any more. This sync asks without it, so its "
                "column stays empty while every record arrives with its other fields; the next sync "
                "asks for it again. Nothing to do unless you need it: then check the app's products "
                "and scopes in TikTok's developer portal."
            )

    def _core_refused(self, endpoint: str, names: list[str], message: str) -> AirbyteTracedException:
        return AirbyteTracedException(
            message=(
                f"TikTok refused the field {', '.join(names)} of {endpoint}, which stream {self.name} "
                f"cannot do without (TikTok said: {message}). TikTok may not serve it to this app or "
                "region: check the app's products and scopes in TikTok's developer portal, or leave "
                "the stream out of the connection."
            ),
            failure_type=FailureType.config_error,
        )

    def _probe_refused(
        self,
        endpoint: str,
        core: list[str],
        optional: list[str],
        message: str,
        account: AccountPath,
        request: _Request,
    ) -> list[str]:
        """The fields of ``optional`` refused, found by asking without some (``refused_fields``);
        a core field found refused raises its config error."""

        def refused_without(left_out: frozenset[str]) -> bool:
            return self._is_field_refusal(self._send_expecting_refusal(account, request, left_out))

        refused, refused_core = refused_fields(core, optional, refused_without)
        if refused_core:
            raise self._core_refused(endpoint, refused_core, message)
        return refused


class _Request(NamedTuple):
    """What ``HttpRequester.send_request`` is asked to send."""

    stream_state: StreamState | None
    stream_slice: StreamSlice | None
    next_page_token: Mapping[str, Any] | None
    path: str | None
    request_headers: Mapping[str, Any] | None
    request_params: Mapping[str, Any] | None
    request_body_data: Mapping[str, Any] | str | None
    request_body_json: Mapping[str, Any] | None
    log_formatter: Callable[[requests.Response], Any] | None


@dataclass
class SharedPageRequester(AccountRequester):
    """An ``AccountRequester`` whose pages are shared by every stream of the sync that sends the
    same request (account, method, URL, parameters, headers and body, the token aside), and which
    paces each account on its own (``AccountPacing``).

    Why not plain YAML: several streams read the same pages (``business_videos``, its breakdowns
    and ``video_snapshots`` all page ``business/video/list``; four streams read ``business/get``)
    and the Accounts API allows an account about 40 requests a minute per endpoint, so every page
    asked twice is time. The CDK's own sharing, its HTTP cache (``use_cache``), does not fit:

    * it keeps every HTTP 200, and this API answers throttling and dead tokens with HTTP 200, so a
      retried request would be answered the cached error;
    * streams read concurrently ask for the same page at the same moment, and a cache only serves
      a page already answered, so all of them ask;
    * without ``REQUEST_CACHE_PATH`` it is one in-memory database for the whole process, shared by
      every sync in it (PyAirbyte, tests); with it, a file holding each request's headers, the
      access token among them.

    Here the pages live in a ``SharedPages`` hung on the sync's API budget (see
    ``sync_scoped_attribute``): never written anywhere, never seen by another sync. Each request
    still goes through this requester's authenticator, error handler, retries and budget, so a
    refreshed token serves the pages that follow.
    """

    # Answers kept per account and endpoint for the streams behind: about 125 KB a page of 20
    # business videos.
    pages_kept: int = 32
    # Each account's requests per endpoint per minute (see AccountPacing), a template over the
    # config; the app's limit over every account is the manifest's API budget.
    account_calls_per_minute: str | int = 38

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        # The CDK turns its HTTP cache on for parent streams; the pages are shared here instead.
        self.use_cache = False
        super().__post_init__(parameters)
        keep = self.pages_kept
        calls = int(
            InterpolatedString.create(str(self.account_calls_per_minute), parameters={}).eval(self.config)
        )

        self._shared_pages: SharedPages = self._sync_scoped("tiktok_shared_pages", lambda: SharedPages(keep))
        self._pacing: AccountPacing = self._sync_scoped("tiktok_account_pacing", lambda: AccountPacing(calls))

    def _send_as(self, account: AccountPath, request: _Request) -> requests.Response | None:
        endpoint = self.get_path(stream_slice=request.stream_slice, next_page_token=request.next_page_token)
        endpoint = endpoint.split("?")[0]

        def ask() -> requests.Response | None:
            self._pacing.wait_for_turn(str(_position(account)), endpoint)
            return super(SharedPageRequester, self)._send_as(account, request)

        key = self._page_key(
            account,
            request.stream_slice,
            request.next_page_token,
            request.path,
            request.request_headers,
            request.request_params,
            request.request_body_data,
            request.request_body_json,
        )
        # Each account's pages of an endpoint are a list of their own, read by its own streams: the
        # pages kept, and how far each stream has read, are per account.
        # Named by the account's place in the config, which a sync never changes: its open_id is
        # learnt from the first token answer, so a list named by it would be two lists, and the
        # streams whose first page came before would be counted a page behind where they are.
        account_list = f"{_position(account)} {endpoint}"
        return self._shared_pages.get(account_list, key, self, ask, self._is_success)

    def _page_key(
        self,
        account: AccountPath,
        stream_slice: StreamSlice | None,
        next_page_token: Mapping[str, Any] | None,
        path: str | None,
        headers: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
        body_data: Mapping[str, Any] | str | None,
        body_json: Mapping[str, Any] | None,
    ) -> str:
        """What the request asks, as this requester sends it for ``account``, but for what the
        authenticator adds (the token, and the account's business_id)."""
        # The path too: the CDK's get_url is the `url` field only, empty beside url_base and path.
        url = self.get_url_base(stream_slice=stream_slice, next_page_token=next_page_token) + (
            path or self.get_path(stream_slice=stream_slice, next_page_token=next_page_token)
        )
        own_params = self.get_request_params(stream_slice=stream_slice, next_page_token=next_page_token)
        own_headers = self.get_request_headers(stream_slice=stream_slice, next_page_token=next_page_token)
        own_json = self.get_request_body_json(stream_slice=stream_slice, next_page_token=next_page_token)
        own_data = self.get_request_body_data(stream_slice=stream_slice, next_page_token=next_page_token)
        return json.dumps(
            [
                list(account),
                self.get_method().value,
                url,
                {**own_params, **(params or {})},
                {**own_headers, **(headers or {})},
                {**(own_json or {}), **(body_json or {})},
                [own_data, body_data],
            ],
            sort_keys=True,
            default=str,
        )

    def _is_success(self, response: requests.Response) -> bool:
        if self.error_handler is None:
            return bool(response.ok)
        resolution = self.error_handler.interpret_response(response)
        return bool(response.ok) and resolution.response_action == ResponseAction.SUCCESS


@dataclass
class KeepFields(RecordTransformation):
    """Keeps only the named fields of a record.

    Why not plain YAML: ``RemoveFields`` names what to drop, and a shared page (see
    ``SharedPageRequester``) carries every field any stream reading it asks for: each stream keeps
    its own fields, named once, instead of listing everyone else's.
    """

    fields: list[str]
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._kept = frozenset(self.fields)

    def transform(
        self,
        record: dict[str, Any],
        config: Mapping[str, Any] | None = None,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> None:
        for name in [name for name in record if name not in self._kept]:
            del record[name]
