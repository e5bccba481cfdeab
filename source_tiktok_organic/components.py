"""Custom components for what the declarative YAML cannot express: each class's docstring says why.
Everything else (refresh, rotation, retries, pagination) stays the CDK's own.

This file stands alone: Airbyte's manifest-only runtime and the Connector Builder load ``manifest.yaml``
plus this one file, so it imports nothing from its package, and keeps the three CDK internals it relies
on (``adopt_authenticator_state``, ``sync_scoped_attribute``, ``take_turns_at_literal_eval``;
``cdk_internals.py`` lists them). No state is
module-level: a source's components share its config, a sync's streams its API budget, and a check's
components its ``CheckRun`` (through a context variable).

Sections, in this order, each opening with a ``# --- <title> ---`` banner (unit_tests/test_components_file.py
checks that these titles are the banners'):

- CPython 3.11's ast race: the CDK's templates literal-evaluated one thread at a time.
- Accounts in the config: where each account's tokens, scopes and name live; which account a request is for.
- Checks and refresh tokens: what a check shares with its components; when a refresh token may be spent.
- Authenticators: TikTok's token requests (Display API, Accounts API); each request as its account's.
- Reading TikTok's answers: errors naming missing scopes, pages decoded once, records, cursors, filters.
- Several accounts' partitions, state, records and pacing: each account's partition, cursor, fields, pace.
- Pages shared within one sync: each page asked once for every stream that reads it.
- Fields TikTok refuses: found once per sync, then left out of every request.
- Requesters: each request as its slice's account, without refused fields; pages shared; fields kept.
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
from airbyte_cdk.sources.declarative.auth.oauth import DeclarativeSingleUseRefreshTokenOauth2Authenticator
from airbyte_cdk.sources.declarative.decoders import JsonDecoder
from airbyte_cdk.sources.declarative.extractors import RecordFilter
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.declarative.interpolation import InterpolatedBoolean, InterpolatedString
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers import PartitionRouter, SinglePartitionRouter
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.declarative.requesters.paginators.strategies import CursorPaginationStrategy
from airbyte_cdk.sources.declarative.requesters.request_options import InterpolatedRequestOptionsProvider
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.streams.call_rate import APIBudget, MovingWindowCallRatePolicy, Rate
from airbyte_cdk.sources.streams.http.error_handlers import ErrorHandler, ErrorResolution, ResponseAction
from airbyte_cdk.sources.streams.http.requests_native_auth.abstract_oauth import AbstractOauth2Authenticator
from airbyte_cdk.sources.types import Record, StreamSlice, StreamState
from airbyte_cdk.utils import AirbyteTracedException
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from airbyte_cdk.utils.datetime_helpers import AirbyteDateTime, ab_datetime_now

logger = logging.getLogger("airbyte")
REAUTHENTICATE_HINT = (
    "Re-authenticate this source (the Authenticate button in Airbyte, or the tiktok-organic-auth "
    "command) to get a new refresh token."
)


# --- CPython 3.11's ast race ----------------------------------------------------------------------
def take_turns_at_literal_eval() -> None:
    """Make the CDK's templates call ``ast.literal_eval`` one thread at a time, on CPython 3.11: it
    keeps the ``ast`` constructor's recursion depth per interpreter, not per thread (gh-106905, fixed
    in 3.12 only), so two threads parsing at once fail one with ``SystemError: AST constructor
    recursion depth mismatch``. The CDK literal-evals every rendered template in its worker threads
    (``JinjaInterpolation._literal_eval``, a CDK internal) and no manifest setting reaches that code:
    a lock around it, applied when this file is loaded, keeps a sync from losing a stream to it."""
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


# --- Accounts in the config -----------------------------------------------------------------------
# An account's tokens, open_id, granted scopes and label are kept together in the config (read by every
# component, persisted with the tokens): the first's in `credentials`, the others' in `credentials.accounts`.
AccountPath = tuple[str | int, ...]
FIRST_ACCOUNT: AccountPath = ("credentials",)
OTHER_ACCOUNTS_PATH: AccountPath = ("credentials", "accounts")
# The partition field naming an account: its open_id, called business_id by the Accounts API.
ACCOUNT_KEY_FIELDS = ("business_id", "open_id")
# The partition key of an account whose open_id could not be learnt: its reads fail, and reach no state.
_UNRESOLVED_ACCOUNT = "unresolved account number "
# How an error about one account of several begins: the account's name follows, then ": ".
ACCOUNT_ERROR_PREFIX = "TikTok account "
# The account whose request this thread is sending (None: the first), set by AccountRequester.
_account_in_use: ContextVar[AccountPath | None] = ContextVar("tiktok_account_in_use", default=None)


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
    label = account_label(config, account)
    named = f"'{label}'" if label else f"number {_position(account)}"
    return f"{named} (open_id {stored_open_id(config, account) or 'not known yet'})"


def _position(account: AccountPath) -> int:
    """The account's place in the config, from 1 (the first account)."""
    return 1 if account == FIRST_ACCOUNT else int(account[-1]) + 2


def account_of_slice(config: Mapping[str, Any], stream_slice: Mapping[str, Any] | None) -> AccountPath:
    """The account a stream slice reads: the ``business_id`` (Display API: ``open_id``) of its partition or
    its parent's (a comment's); the first account when the slice names none (one account, a benchmark)."""
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


class TokenRefused(AirbyteTracedException):
    """TikTok refused an account's refresh token or the app's credentials: it must be re-authorised."""


def _named(
    error: AirbyteTracedException, config: Mapping[str, Any], account: AccountPath
) -> AirbyteTracedException:
    """``error``, saying which account it is about when the config has several."""
    if not has_several_accounts(config):
        return error
    name = f"{ACCOUNT_ERROR_PREFIX}{account_name(config, account)}: "
    kind = TokenRefused if isinstance(error, TokenRefused) else AirbyteTracedException
    return kind(
        message=name + (error.message or "the request failed."),
        internal_message=name + (error.internal_message or ""),
        failure_type=error.failure_type,
    )


# --- Checks and refresh tokens --------------------------------------------------------------------
@dataclass
class CheckRun:
    """What one ``check`` asks of the components it builds, and what they tell it: the scopes the Accounts
    API's token inspector says a live token has, the accounts whose credentials it could not send without
    spending a refresh token (``RefreshWithheld``), and TikTok's answer if it throttled the check. Set in
    ``check_in_progress`` by ``source.checking`` for its own thread: no sync or other source sees it."""

    # The account this check is about, when the config has several (each is checked in turn).
    account: AccountPath | None = None
    # Written under the lock, read without it (each is one attribute, written whole).
    granted_scopes: frozenset[str] | None = None
    scopes_asked: bool = False  # whether TikTok was asked for the scopes (it may not have said)
    throttled_message: str | None = None
    _unverified: dict[AccountPath, str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Held while an authenticator asks TikTok for the scopes, so that only one thread asks.
    scope_lookup_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_grant(self, scopes: frozenset[str] | None) -> None:
        with self._lock:
            self.scopes_asked = True
            if scopes is not None:
                self.granted_scopes = scopes

    def record_throttling(self, message: str) -> None:
        with self._lock:
            self.throttled_message = message

    def record_unverified(self, account: AccountPath, reason: str) -> bool:
        """Note that ``account``'s credentials were not sent to TikTok, and why; False if already noted."""
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


# The check this thread is running, if any.
check_in_progress: ContextVar[CheckRun | None] = ContextVar("tiktok_check_run", default=None)
# The protocol commands that never spend a refresh token: the process's first argument (`check --config`).
_COMMANDS_THAT_KEEP_TOKENS = ("check", "discover")


def refresh_tokens_kept() -> bool:
    """Whether this process must not spend a refresh token: it runs ``check`` or ``discover``. TikTok's
    refresh tokens work once, and the Airbyte platform drops the config a new source's pre-save check
    emits and runs each operation on a copy of the config taken at its creation (docs/tiktok-organic.md,
    "Set-up in the Airbyte UI"), so only ``read``, whose every CONNECTOR_CONFIG it saves at once, refreshes.
    Why the process's arguments: the CDK tells a component nothing of the command, and the manifest-only
    runtime runs the CDK's own check (no ``source.py``), but every runtime starts ``<entrypoint> check
    --config ...``; ``source.py`` also sets ``check_in_progress``, for in-process checks (the tests')."""
    command = sys.argv[1] if len(sys.argv) > 1 else None
    return check_in_progress.get() is not None or command in _COMMANDS_THAT_KEEP_TOKENS


class RefreshWithheld(AirbyteTracedException):
    """A check or discover needed a new access token, and did not spend the refresh token on it. A config
    error, so that the CDK's HTTP client hands it up from a ``REFRESH_TOKEN_THEN_RETRY`` refresh instead of
    retrying. ``AccountRequester`` makes it "not verified" when no usable access token was stored
    (``reason``: what was missing), or a failed check when TikTok ``refused`` one that had not expired (its
    tokens do not end early unless the grant was revoked)."""

    def __init__(self, reason: str, refused: bool = False) -> None:
        if refused:
            message = (
                "TikTok refused the stored access token before its stored expiry, and a check never spends "
                "the single-use refresh token to replace it. If the account's access was revoked (in "
                "TikTok's settings, or by tiktok-organic-auth --revoke), re-authorise it; otherwise the "
                "next sync refreshes the token."
            )
        else:
            message = (
                f"The TikTok credentials were not sent to TikTok: {reason}, and a check never spends the "
                "single-use refresh token. The first sync refreshes it and proves the credentials."
            )
        super().__init__(
            message=message,
            internal_message=f"refresh withheld: {reason}",
            failure_type=FailureType.config_error,
        )
        self.reason = reason
        self.refused = refused


# --- Authenticators -------------------------------------------------------------------------------
class _RetryableTokenAnswer(Exception):
    """A token answer worth asking again for: HTTP 429 or a server error."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


_RETRYABLE_TOKEN_REQUEST_ERRORS = (_RetryableTokenAnswer, requests.ConnectionError, requests.Timeout)
# A token request is as patient as the CDK's own (only a sync makes one: see RefreshWithheld).
TOKEN_REFRESH_RETRY_SECONDS = 300.0
# The CDK's rotating OAuth authenticator, as the factory builds it from the manifest's nested `oauth`.
_OAuth = DeclarativeSingleUseRefreshTokenOauth2Authenticator
# The name the refusals of a sync hang on its API budget under.
_REFUSALS = "tiktok_refused_accounts"
# The Accounts API's "throttled" codes: business_protocol.THROTTLED_CODES, which this file cannot import.
_BUSINESS_THROTTLED_CODES = (40100, 40132, 61000)
# A refresh token closer than this to its end is worth a warning at every refresh.
_REFRESH_TOKEN_WARNING_DAYS = 14
_DISPLAY_REAUTHORISE = (
    "re-authenticate the source (the Authenticate button in Airbyte, or tiktok-organic-auth)"
)
_BUSINESS_REAUTHORISE = "re-authorise the source (tiktok-organic-auth --business)"
# The advice for one account of several: re-authorise that one, signed in to TikTok as it.
_ACCOUNT_REAUTHORISE = "re-authorise it ({command}, signed in as that account)"


def adopt_authenticator_state(target: object, built: AbstractOauth2Authenticator) -> None:
    """Make ``target`` the authenticator ``built`` is, taking over its (private) instance attributes: a CDK
    internal, item 1 of ``cdk_internals.py``, which says why and how the contract test guards it."""
    target.__dict__.update(built.__dict__)


class TikTokOAuthAuthenticator(DeclarativeSingleUseRefreshTokenOauth2Authenticator):
    """The CDK's rotating-refresh-token OAuth authenticator (the manifest's nested ``oauth``, whose state this
    adopts: the factory has no hook to subclass it), with TikTok-specific guards. Why not plain YAML: the
    ``OAuthAuthenticator`` keeps, rotates and emits the tokens, but the token request itself
    (``refresh_access_token``) must be this class's. TikTok can answer HTTP 200 with an error body, from
    which the CDK would store ``access_token: null`` and send ``Bearer None``; rejections get actionable
    messages (``invalid_grant``: a revoked, expired or already-rotated refresh token; ``invalid_client``: a
    wrong Client key or secret), without the secrets TikTok echoed; the granted scopes are written to the
    config (``credentials.granted_scopes``) for the error handlers and the check; and a check or discover
    never spends the refresh token (``refresh_tokens_kept``)."""

    # Declared for the component factory, which passes these by name.
    oauth: _OAuth
    config: Mapping[str, Any]
    # The command that re-authorises an account of this API.
    _auth_command = "tiktok-organic-auth"

    def __init__(self, oauth: _OAuth, config: Mapping[str, Any] | None = None, **_: Any) -> None:
        adopt_authenticator_state(self, oauth)
        self._tiktok_config: Mapping[str, Any] = config if config is not None else {}
        self._account: AccountPath = FIRST_ACCOUNT
        # The sync's refusals per account (see TikTokAccountsAuthenticator): a refused token is not resent.
        self._refusals: dict[AccountPath, TokenRefused] = {}

    def _get_config_value_by_path(self, config_path: str | Sequence[str], default: str | None = None) -> Any:
        """The value at the (literal) ``config_path``, looked up step by step: the CDK's ``dpath.get`` walks
        the config, and fails ("dictionary changed size") when another account's refresh adds a key."""
        steps = (config_path,) if isinstance(config_path, str) else tuple(config_path)
        value = _config_value(self._connector_config, steps)
        return (default if default is not None else "") if value is None else value

    def for_account(self, account: AccountPath) -> Self:
        """The same authenticator for the account whose tokens are at ``account``, built with the CDK's public
        constructor; under the refresh lock, as it reads the config (see ``_get_config_value_by_path``)."""
        with self._token_refresh_lock:
            oauth = _OAuth(  # type: ignore[abstract]
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
            access_token = _config_value(self._tiktok_config, (*account, "access_token"))
            for secret in (sibling.get_refresh_token(), access_token):
                if isinstance(secret, str) and secret:
                    add_to_secrets(secret)
            return sibling

    def _sibling(self, oauth: _OAuth) -> Self:
        """An authenticator of this class over ``oauth`` (another account's tokens)."""
        return type(self)(oauth, self._tiktok_config)

    def _open_id(self) -> str | None:
        return stored_open_id(self._tiktok_config, self._account)

    def _keep_open_id(self, open_id: Any) -> None:
        """Write the open_id the token answer names (for the Accounts API and the partitions of accounts)."""
        if open_id:
            # Under the lock every config write and CONNECTOR_CONFIG message of a refresh holds.
            with self._token_refresh_lock:
                _set_config_value(self._tiktok_config, (*self._account, "open_id"), str(open_id))

    def get_access_token(self) -> str:
        token: str = super().get_access_token()
        run = check_in_progress.get()
        if run is not None and not run.scopes_asked:
            with run.scope_lookup_lock:
                if not run.scopes_asked:
                    token = self._learn_granted_scopes(run)
        return token

    def _learn_granted_scopes(self, run: CheckRun) -> str:
        """Tell the check the token's scopes if TikTok can without a refresh; the access token to use. The
        Display API tells them only in a token answer: the check goes by the grant stored with the token."""
        run.record_grant(None)
        return self.access_token

    def _keep_grant(self, scope: Any) -> None:
        """Write TikTok's ``scope`` answer to the config, and tell a running check."""
        if not isinstance(scope, str):
            return
        with self._token_refresh_lock:
            _set_config_value(self._tiktok_config, (*self._account, "granted_scopes"), scope)
        run = check_in_progress.get()
        if run is not None:
            run.record_grant(_scope_set(scope))

    def refresh_access_token(self) -> tuple[str, AirbyteDateTime, str | None]:  # type: ignore[override]
        """One token request (retried while the endpoint fails transiently); the new access token, its
        expiry and the rotated refresh token, for the CDK to store and emit."""
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
            on_backoff=lambda d: logger.info(
                "TikTok token refresh failed (attempt %s); retrying in %.1f s.", d["tries"], d["wait"]
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
                    f"after retrying for {TOKEN_REFRESH_RETRY_SECONDS:.0f} s. Check api_base_url and the "
                    "network between Airbyte and TikTok; if both are right, TikTok is unavailable and a "
                    "later sync will succeed."
                ),
                internal_message=self._redacted(repr(error)),
                failure_type=FailureType.transient_error,
            ) from None
        except requests.exceptions.RequestException as error:
            raise AirbyteTracedException(
                message=(
                    f"The token endpoint URL {self.get_token_refresh_endpoint()!r} is not usable "
                    f"({type(error).__name__}). Fix api_base_url: it must look like https://open.tiktokapis.com."
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
        expires_in = fields.get(self.get_expires_in_name())
        if not isinstance(expires_in, (int, float)) or isinstance(expires_in, bool):
            expires_in = 3600  # the CDK's default, when TikTok does not say how long the token lives
        return access_token, ab_datetime_now() + timedelta(seconds=expires_in), refresh_token

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

    def _log_lifetime(self, seconds_left: Any, how_to_reauthorise: str) -> None:
        """The days the refresh token has left, naming the account when the config has several."""
        whose = ""
        if has_several_accounts(self._tiktok_config):
            whose = f" of account {account_name(self._tiktok_config, self._account)}"
            how_to_reauthorise = _ACCOUNT_REAUTHORISE.format(command=self._auth_command)
        _log_refresh_token_lifetime(seconds_left, how_to_reauthorise, whose)

    def _redacted(self, text: str) -> str:
        """``text`` without the app's secret and the tokens, whatever TikTok echoed."""
        for secret in (self.get_client_secret(), self.get_refresh_token(), self.access_token):
            if isinstance(secret, str) and len(secret) >= 4:
                text = text.replace(secret, "****")
        return text

    def _token_endpoint_error(
        self, status_code: int, response_or_body: requests.Response | Mapping[str, Any] | None
    ) -> AirbyteTracedException:
        body: Any = response_or_body
        if isinstance(body, requests.Response):
            try:
                body = body.json()
            except ValueError:
                body = None
        body = body if isinstance(body, Mapping) else {}
        code = str(body.get("error") or "no_access_token")
        description = self._redacted(str(body.get("error_description") or ""))
        detail = f"TikTok said: {code}" + (f": {description}" if description else "")
        detail += f" (HTTP {status_code}, log_id {body.get('log_id') or 'none'})."
        if code == "invalid_grant":
            message = (
                "TikTok rejected the refresh token: it was revoked, has expired, or was already used. TikTok "
                "rotates refresh tokens on every refresh, so a copy of this config from before the last sync "
                "no longer works. " + REAUTHENTICATE_HINT
            )
        elif code == "invalid_client":
            message = (
                "TikTok rejected the app credentials. Check that Client Key and Client Secret are those of "
                "your app in the TikTok developer portal (Manage apps, App details) and that the refresh "
                "token was issued to that app."
            )
        elif status_code == 200 and code == "no_access_token":
            message = "TikTok's token endpoint answered without an access token."
        else:
            message = "TikTok's token endpoint refused to refresh the access token."
        refused = code in ("invalid_grant", "invalid_client")  # the others are TikTok's fault
        return (TokenRefused if refused else AirbyteTracedException)(
            message=f"{message} {detail}",
            internal_message=f"Token refresh failed with HTTP {status_code}: {code}",
            failure_type=FailureType.config_error if refused else FailureType.system_error,
        )


class TikTokBusinessOAuthAuthenticator(TikTokOAuthAuthenticator):
    """The rotating OAuth authenticator for TikTok's Accounts API (API for Business). Why not plain YAML,
    beyond the Display API's reasons: the refresh endpoint takes a JSON body (the CDK sends a form) and
    answers every outcome as HTTP 200 with a ``code`` and the token fields in ``data``; calls carry the
    token in an ``Access-Token`` header, and the token's ``open_id`` as ``business_id``, which only the
    refresh answer tells (so it is written to the config, persisted with the rotated refresh token)."""

    # The token inspector's URL (tt_user/token_info/get/), a template over the config.
    token_info_endpoint: str
    _auth_command = "tiktok-organic-auth --business"

    def __init__(
        self, oauth: _OAuth, config: Mapping[str, Any] | None = None, token_info_endpoint: str = "", **_: Any
    ) -> None:
        super().__init__(oauth, config)
        url = InterpolatedString.create(token_info_endpoint, parameters={})
        self._token_info_url = url.eval(self._tiktok_config)

    def _learn_granted_scopes(self, run: CheckRun) -> str:
        """The token inspector tells a live access token's scopes without rotating anything; when it does
        not, the check goes by the grant stored with the token."""
        token: str = self.access_token
        try:
            payload = {"app_id": str(self.get_client_id()), "access_token": token}
            body = requests.post(self._token_info_url, json=payload, timeout=30).json()
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

    def _sibling(self, oauth: _OAuth) -> TikTokBusinessOAuthAuthenticator:
        return TikTokBusinessOAuthAuthenticator(oauth, self._tiktok_config, self._token_info_url)  # type: ignore[abstract]

    def build_refresh_request_body(self) -> Any:
        body = dict(super().build_refresh_request_body())
        # The CDK's interpolation reads an App ID (all digits) as a number: TikTok gets the string it issued.
        body["client_id"] = str(body["client_id"])
        # requests sends a str body as it is: the JSON document the endpoint expects.
        return json.dumps(body)

    def get_auth_header(self) -> Mapping[str, Any]:
        return {"Access-Token": self.get_access_token()}

    def get_access_token(self) -> str:
        # A config with a live access token but no open_id (written by hand) refreshes: only that tells it.
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
                "TikTok refused to refresh the Business API token. Check that App ID and App Secret are "
                "those of your app in the TikTok API for Business portal; if they are, the refresh token "
                "was revoked, has expired (a year after consent) or was already used. Re-authorise with "
                "`tiktok-organic-auth --business` to get a new refresh token. " + detail
            ),
            internal_message=f"Business token refresh failed: code {code}",
            failure_type=FailureType.config_error,
        )


@dataclass
class TikTokAccountsAuthenticator(DeclarativeAuthenticator):
    """Every authorised account's authenticator, each request sent with its account's. Why not plain YAML:
    an authenticator has one token, which the CDK asks for without the stream slice (``get_auth_header()``),
    so a manifest cannot pick an account's token by partition. The requester names the account
    (``_account_in_use``) and this hands that account's authenticator every call; the others are made from
    the manifest's (``first_account``), each keeping its tokens at its own place in the config (which every
    CONNECTOR_CONFIG message carries whole)."""

    first_account: TikTokOAuthAuthenticator
    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    # The sync's API budget: its refusals hang on it, so no stream asks again for a refused refresh token.
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
        return self.for_account(_account_in_use.get() or FIRST_ACCOUNT)

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


def _log_refresh_token_lifetime(seconds_left: Any, how_to_reauthorise: str, whose: str = "") -> None:
    """Log the days the refresh token (``whose``: of which account) has left, as a warning in its last two
    weeks, so the yearly re-consent is no surprise."""
    if not isinstance(seconds_left, (int, float)) or isinstance(seconds_left, bool):
        return
    days = int(seconds_left // 86400)
    message = (
        f"The TikTok refresh token{whose} expires in {days} days; {how_to_reauthorise} before then to keep "
        "syncing."
    )
    (logger.warning if days < _REFRESH_TOKEN_WARNING_DAYS else logger.info)(message)


# --- Reading TikTok's answers ---------------------------------------------------------------------
# The last page each thread decoded (see page_body).
_decoded_page = threading.local()


@dataclass
class ScopeNamingErrorHandler(ErrorHandler):
    """The manifest's error handler (wrapping its filters, retries and backoff), whose config errors name
    every scope the token lacks. Why not plain YAML: TikTok's scope error names no scope, and an
    ``HttpResponseFilter`` message can only say what the failing stream needs; the granted scopes are in
    the source's config (the authenticator writes them), so a config error names every missing one, in a
    check and a sync, under any runtime. It also tells a running check of a rate-limit answer, decodes each
    response once for every filter and extractor (``page_body``), and hands TikTok refusing an optional
    field (``field_refusal``) back to the requester, which asks without it."""

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
    # A condition on the decoded body: TikTok refusing a field it does not serve the app or region.
    field_refusal: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._field_refusal = (
            InterpolatedBoolean(self.field_refusal, parameters) if self.field_refusal else None
        )

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
        run = check_in_progress.get()
        if run is not None and resolution.response_action == ResponseAction.RATE_LIMITED:
            # A check that runs out of time while waiting says why (see source.py).
            run.record_throttling(resolution.error_message or "rate limited")
        if resolution.failure_type != FailureType.config_error:
            return resolution
        granted = granted_scopes_in(self.config, _account_in_use.get() or FIRST_ACCOUNT)
        required = [*self.required_scopes, *self.additional_scopes]
        missing = [scope for scope in required if granted is not None and scope not in granted]
        if granted is None or not missing:
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
    """The words of every missing-scope error, whichever runtime or command reports it."""
    return (
        f"The TikTok authorisation is missing the scope(s) {', '.join(missing)} "
        f"(granted: {', '.join(sorted(granted)) or 'none'}). The connector needs "
        f"{', '.join(required)}. Add the missing scopes to your app in {where_to_add} and grant every "
        f"scope on TikTok's consent screen. {how_to_reauthenticate}"
    )


def page_body(response: requests.Response) -> Any:
    """The JSON body of ``response``, decoded once (with orjson) for everything that reads it: the CDK's error
    handler decodes it once per predicate (ten for the Accounts API), then each extractor again. Kept for
    the page the thread decoded last (the worker that asks a page reads its records next; a page kept for
    other streams keeps no decoded copy). Nothing may change it: the extractors copy each record out."""
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
    """The CDK's JSON decoder, reading ``page_body``: a paginator's look at the page just decoded."""

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
    """Casts the fields TikTok sends as text (``create_time``, ``hour``) to the integers the schema declares,
    as the CDK's schema normalization did: text that is no integer stays as it is."""
    for name in names:
        value = row.get(name)
        if isinstance(value, str):
            with suppress(ValueError):
                row[name] = int(value)


@dataclass
class PageRecordsExtractor(RecordExtractor):
    """The objects at ``path`` of a page, one record each, with ``integer_fields`` cast from text. Why not
    plain YAML: after a ``DpathExtractor``, only ``schema_normalization`` casts what TikTok sends as text,
    by walking every field of every record through jsonschema validators (half a business sync's CPU)."""

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
    """One record per element of arrays nested in the response, with the parent's identifying fields. Why not
    plain YAML: a ``DpathExtractor`` into ``data.metrics[*].audience_activity[*]`` yields elements without
    their day's ``date``, or which array (``audience_ages``, ``audience_genders``, ...) each came from.
    ``arrays``: array field -> the element key naming the row (``hour``, ``age``), else its
    ``alternative_keys``. A row holds the ``parent_fields`` of its parent (at ``parents_path``: a list, or
    one object), the array's name (renamed by ``array_names``) under ``array_name_field``, the key's value,
    as a string, under ``key_field`` (if set; the key then leaves the element), and the element's other
    fields, ``integer_fields`` cast from text."""

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
    """CursorPagination that stops when TikTok's cursor stops moving back in time (``cursor_moves: forward``:
    stops growing, for the Mentions API's offsets). Why not plain YAML: the video list cursor is a
    millisecond timestamp meaning "videos created before", so each must be older than the one sent, which a
    ``stop_condition`` cannot see; a server repeating a cursor with ``has_more: true`` would be paged
    forever. The cursor sent is read from the request body, so a window's first page is guarded too. The
    repeating page is still emitted; only the next request, for the same videos again, is not sent."""

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
            response, last_page_size, last_record, last_page_token_value, page_size_override, stream_slice
        )
        body = response.request.body if response.request is not None else None
        try:
            sent = json.loads(body) if body else None
        except (TypeError, ValueError):
            sent = None
        sent = sent.get("cursor") if isinstance(sent, dict) else None
        sent = last_page_token_value if sent is None else sent
        if token is None or sent is None:
            return token
        forward = self.cursor_moves == "forward"
        try:
            advanced = int(token) > int(sent) if forward else int(token) < int(sent)
        except (TypeError, ValueError):
            advanced = token != sent
        if not advanced:
            logger.warning(
                "TikTok returned pagination cursor %s after cursor %s with has_more=true; the cursor did not "
                "move %s, so paging stops here instead of looping.",
                token,
                sent,
                "on" if forward else "back in time",
            )
            return None
        return token


class WindowVideos(RecordFilter):
    """Keeps the videos of the time window being read (the next window emits those its last page reaches
    into), adding ``created_at``: ``create_time`` in RFC 3339. Why not plain YAML: a ``RecordFilter``
    condition and an ``AddFields`` value did it, but as Jinja templates rendered per video (a sixth of a
    sync's CPU); here the bounds are read once per page."""

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
                created_at = datetime.fromtimestamp(create_time, tz=timezone.utc)
                record["created_at"] = created_at.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[index]
                yield record


@dataclass
class FirstSightings(RecordFilter):
    """Keeps the first record with each value of ``key_field`` per account (a post may mention two brands of
    one connection); with a ``condition``, only the first sightings that meet it. Why not plain YAML:
    comment/list pages may repeat comments past a video's 500th, and the Mentions API's offset pages repeat
    items when a mention arrives mid-read, but a ``RecordFilter`` condition sees one record at a time. The
    ids seen (a few thousand at most) are kept for the stream's read, locked: partitions run on threads."""

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


# --- Several accounts' partitions, state, records and pacing --------------------------------------
@dataclass
class TikTokAccountPartitions(PartitionRouter):
    """One partition per authorised account of the config, ``{key_field: <its open_id>}`` (for a check of one
    account, that account's only). Why not plain YAML: a ``ListPartitionRouter`` over the config's open_ids
    would miss an account whose open_id only a refresh tells (the Display API's first account, or one
    pasted in by hand), so this asks its authenticator. An account whose token TikTok refuses is keyed
    ``unresolved account number N``: reading it fails with the refusal, naming it; the others are read."""

    authenticator: TikTokAccountsAuthenticator
    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    # The partition field: business_id for the Accounts API, open_id for the Display API.
    key_field: str = "business_id"

    def stream_slices(self) -> Iterable[StreamSlice]:
        run = check_in_progress.get()
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
            key = stored_open_id(self.config, account) or _UNRESOLVED_ACCOUNT + str(_position(account))
            yield StreamSlice(partition={self.key_field: key}, cursor_slice={})

    def _no_options(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}  # the requester reads the account from the slice itself

    get_request_params = get_request_headers = get_request_body_data = get_request_body_json = _no_options

    def get_stream_state(self) -> Mapping[str, StreamState] | None:
        return None


def partitions_by_account(
    authenticator: TikTokAccountsAuthenticator,
    config: Mapping[str, Any],
    parameters: Mapping[str, Any],
    key_field: str = "business_id",
) -> PartitionRouter:
    """The partition router of a stream that reads every account: one partition per account
    (``TikTokAccountPartitions``), or, with one account, the CDK's ``SinglePartitionRouter``, which it
    treats as unpartitioned: one cursor, the state every connection held before several accounts. Why a
    function: the manifest's ``class_name`` may name one, called with the fields a class would get."""
    if not has_several_accounts(config):
        return SinglePartitionRouter(parameters=parameters)
    return TikTokAccountPartitions(
        authenticator=authenticator, config=config, parameters=parameters, key_field=key_field
    )


@dataclass
class PerAccountState(StateMigration):
    """Makes an incremental stream's state one cursor per account, and no cursor for all of them. Why not
    plain YAML: the CDK's per-partition cursor starts a partition without state from its ``state`` key, the
    newest cursor over all, so an added account would get the last few days, not its history; without that
    key (and its lookback) it starts from the stream's start. A state from before the config had several
    accounts (one cursor) becomes the first account's."""

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    key_field: str = "business_id"

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        several = has_several_accounts(self.config)
        return several and bool(stream_state) and ("states" not in stream_state or "state" in stream_state)

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
    """Adds the record's account: ``id_field`` (its open_id: ``business_id`` in the Accounts API's records,
    ``open_id`` in the Display API's) and, when the config labels it, ``account_label``. Why not plain YAML:
    an ``AddFields`` value can read the partition, but a comment's account is in its parent's (two levels
    up for a reply), and the label is looked up by open_id in a list of accounts."""

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    id_field: str = "business_id"
    # Whether one account's records name it too (the Accounts API's always did; the Display API's did not).
    with_one_account: bool = True

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        # Each account's fields, looked up once per account, not per record; and the last slice's (a page's).
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
            fields = {}
            if self.with_one_account or has_several_accounts(self.config):
                account = account_of_slice(self.config, stream_slice)
                fields[self.id_field] = stored_open_id(self.config, account)
                if label := account_label(self.config, account):
                    fields["account_label"] = label
                if fields[self.id_field] is None:
                    return fields  # an open_id not learnt yet is asked again
            self._fields_by_key[key] = fields
        self._last = (stream_slice, fields)
        return fields


class AccountPacing:
    """Each account's requests per endpoint per minute in one sync, a moving window of the CDK's public
    rate-limit classes each. TikTok limits each account on its own (about 40 a minute per endpoint) and the
    app over all (the manifest's API budget): no account waits for another's minute (README, figure (f))."""

    def __init__(self, calls_per_minute: int) -> None:
        self._calls_per_minute = calls_per_minute
        self._budgets: dict[tuple[str, str], APIBudget] = {}
        self._lock = threading.Lock()

    def wait_for_turn(self, account_key: str, endpoint: str) -> None:
        with self._lock:
            budget = self._budgets.get((account_key, endpoint))
            if budget is None:
                rate = Rate(limit=self._calls_per_minute, interval=timedelta(minutes=1))
                window = MovingWindowCallRatePolicy(rates=[rate], matchers=[])
                budget = self._budgets[(account_key, endpoint)] = APIBudget(policies=[window])
        budget.acquire_call(f"{account_key} {endpoint}")


# --- Pages shared within one sync -----------------------------------------------------------------
def sync_scoped_attribute(api_budget: object, name: str, make: Callable[[], Any]) -> Any:
    """The object named ``name`` that lives as long as ``api_budget`` (made by ``make`` on first use): as
    long as one sync, seen by no other. A CDK internal, item 4 of ``cdk_internals.py``, which says why."""
    attributes = vars(api_budget)
    if name not in attributes:
        attributes[name] = make()
    return attributes[name]


# A requester's own request for a page (with its retries); whether its error handler calls an answer good.
_Ask = Callable[[], requests.Response | None]
_IsSuccess = Callable[[requests.Response], bool]


@dataclass(eq=False)
class _Flight:
    """One page: asked once, awaited by every other requester that wants it meanwhile."""

    page_list: str
    done: threading.Event = field(default_factory=threading.Event)
    response: requests.Response | None = None
    failed: bool = False


class SharedPages:
    """The answers of one sync, each asked of the API once and handed to every stream sending that request.
    The first requester wanting a page asks; the others wait for its answer, handed on only if its error
    handler calls it a success (else the asker retries, and one of those waiting asks in its place). The
    last ``keep`` answers of each list of pages (an account's endpoint) are kept for slower streams
    (``business_video_breakdowns``): a requester ``keep`` pages ahead of another waits until the other
    catches up or takes no page for ``idle_seconds``. A stream still finding its page gone asks again."""

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
        self, page_list: str, key: str, reader: object, ask: _Ask, is_success: _IsSuccess
    ) -> requests.Response | None:
        """The answer to the request ``key`` (to ``page_list``, by ``reader``): kept, awaited, or asked."""
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
                with self._changed:  # one more page taken by the reader
                    readers = self._readers.setdefault(page_list, {})
                    readers[id(reader)] = (readers.get(id(reader), (0, 0.0))[0] + 1, self._clock())
                    self._changed.notify_all()
            return response

    def _seconds_to_wait(self, page_list: str, reader: int) -> float:
        """How long ``reader`` waits before asking a new page: while it is ``keep`` pages ahead of another
        reader of ``page_list`` that took a page within ``idle_seconds``."""
        readers = self._readers.get(page_list, {})
        ahead_of, now = readers.get(reader, (0, 0.0))[0] - self._keep, self._clock()
        waits = [
            last + self._idle_seconds - now
            for other, (taken, last) in readers.items()
            if other != reader and taken <= ahead_of and now - last < self._idle_seconds
        ]
        return max(waits, default=0.0)

    def _ask(self, key: str, flight: _Flight, ask: _Ask, is_success: _IsSuccess) -> requests.Response | None:
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
        answered = [k for k, f in self._pages.items() if f.page_list == page_list and f.done.is_set()]
        for key in answered[: max(0, len(answered) - self._keep)]:
            del self._pages[key]


# --- Fields TikTok refuses ------------------------------------------------------------------------
# Set while a request TikTok may refuse for its optional fields is sent: the refusal fails no stream.
_field_refusal_expected: ContextVar[bool] = ContextVar("tiktok_field_refusal_expected", default=False)
# Fields a probe leaves out of the request being sent, besides those refused in this sync.
_probe_leaves_out: ContextVar[frozenset[str]] = ContextVar("tiktok_probe_leaves_out", default=frozenset())


class RefusedFields:
    """The fields TikTok refused in one sync (on its API budget), per endpoint, which every stream and
    account then asks without. TikTok adds and retires fields often, and refuses a whole request for one
    it does not serve the app or region; so that this costs a few requests, not one per stream and window,
    the first request for each list of fields goes alone (``first_answer``), and one requester at a time
    finds which fields an endpoint refuses (``finding``)."""

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
        """The first request asking ``endpoint`` for ``fields`` runs the block alone; the others wait for it
        to end (and find the refused fields, if any) before running theirs."""
        with self._lock:
            answered = self._answered.get((endpoint, fields))
            if leads := answered is None:
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
    """Which fields an endpoint refuses, when a request for ``core`` and ``optional`` was refused without
    saying which: the refused optional fields, and a refused core field. ``refused_without(left_out)``
    asks again without ``left_out`` and says whether that was refused too. Halves of the optional fields
    are asked for while they may hold a refused field (one of 15 costs at most 8 requests). If the core
    fields alone are refused, the refusal is about one of them if asking without it is served (with two
    or more), else about no field. With no core field, the first of the first two optional fields that is
    served alone is the base."""
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


# --- Requesters -----------------------------------------------------------------------------------
@dataclass
class AccountRequester(HttpRequester):
    """The CDK's ``HttpRequester``, sending each request as the account its stream slice reads. Why not plain
    YAML: the CDK asks the authenticator for the token without the slice, so this names the slice's
    account (``_account_in_use``) for ``TikTokAccountsAuthenticator``. Its errors name the account when the
    config has several; an account whose refresh token was refused in this sync fails its other reads at
    once. While TikTok refuses optional fields, it finds which (from the message, else by asking for halves
    of them) and asks without them. The factory hands a custom requester its fields as written, so
    ``request_parameters`` and ``request_body_json`` are taken as an ``HttpRequester`` takes them."""

    request_parameters: Mapping[str, Any] | None = None
    request_body_json: dict[str, Any] | None = None
    # Parameters TikTok takes as JSON text (the Mentions API's regions): the CDK evaluates a rendered list
    # as a Python list, which requests would send as one parameter per element.
    json_parameters: list[str] = field(default_factory=list)
    # The fields each endpoint's records mean nothing without (path -> fields): TikTok refusing one ends
    # the sync; every other field asked is optional, and a refusal costs its column only.
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

    def get_path(self, **kwargs: Any) -> str:
        """The manifest's path without the fields left out (``fields``: the Accounts API's JSON array)."""
        path = super().get_path(**kwargs)
        endpoint, marker, listed = path.partition("?fields=")
        left_out = self._left_out(endpoint)
        if not marker or not left_out:
            return path
        kept = [name for name in json.loads(unquote(listed)) if name not in left_out]
        return f"{endpoint}{marker}{quote(json.dumps(kept), safe='')}"

    def get_request_params(self, **kwargs: Any) -> MutableMapping[str, Any]:
        """The manifest's parameters without the fields left out (``fields``: the Display API's list)."""
        params = super().get_request_params(**kwargs)
        for name in self.json_parameters:
            if isinstance(params.get(name), list):
                params = {**params, name: json.dumps(params[name], separators=(",", ":"))}
        listed = params.get("fields")
        if isinstance(listed, str):
            left_out = self._left_out(super().get_path(**kwargs).partition("?")[0])
            if left_out:
                params = {**params, "fields": ",".join(n for n in listed.split(",") if n not in left_out)}
        return params

    def _left_out(self, endpoint: str) -> frozenset[str]:
        return self._refused_fields.of(endpoint) | _probe_leaves_out.get()

    def _fields_asked(self, request: _Request) -> tuple[str, list[str]]:
        """The endpoint of ``request`` and every field the manifest asks of it, none left out."""
        state, slice_, page = request.stream_state, request.stream_slice, request.next_page_token
        options: dict[str, Any] = {"stream_state": state, "stream_slice": slice_, "next_page_token": page}
        endpoint, _, listed = HttpRequester.get_path(self, **options).partition("?fields=")
        if listed:
            return endpoint, list(json.loads(unquote(listed)))
        fields = HttpRequester.get_request_params(self, **options).get("fields")
        return endpoint, [name for name in fields.split(",") if name] if isinstance(fields, str) else []

    def send_request(self, *args: Any, **kwargs: Any) -> requests.Response | None:
        request = _Request(*args, **kwargs)  # bound as HttpRequester.send_request binds its parameters
        account = account_of_slice(self.config, request.stream_slice)
        authenticator = self.get_authenticator()
        if isinstance(authenticator, TikTokAccountsAuthenticator) and (
            refused := authenticator.refusal(account)
        ):
            raise _named(refused, self.config, account)
        reset = _account_in_use.set(account)  # for the authenticator, which cannot see the slice
        try:
            return self._send_minding_fields(account, request)
        except AirbyteTracedException as error:
            if isinstance(error, RefreshWithheld) and not error.refused:
                self._not_verified(account, error)
                return None
            if not has_several_accounts(self.config):
                raise
            raise _named(error, self.config, account) from None
        finally:
            _account_in_use.reset(reset)

    def _not_verified(self, account: AccountPath, withheld: RefreshWithheld) -> None:
        """A check could not send ``account``'s request without spending its refresh token: the stream reads
        nothing for it, and the check (``source.py``) and the log say so, once per account (under the
        manifest-only runtime, whose check says nothing else, once per stream checked)."""
        run = check_in_progress.get()
        first_time = run.record_unverified(account, withheld.reason) if run is not None else True
        if first_time:
            logger.warning(_named(withheld, self.config, account).message or "")

    def _send_as(self, account: AccountPath, request: _Request) -> requests.Response | None:
        """Send ``request`` (the account's token is the one in use)."""
        return super().send_request(**request._asdict())

    def _send_minding_fields(self, account: AccountPath, request: _Request) -> requests.Response | None:
        """Send ``request``, without the optional fields TikTok refused (finding them when it refuses)."""
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
        """Send ``request`` (a probe: alone, without ``probe_leaving_out``), a field refusal handed back by
        the error handler rather than failing the stream."""
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
        """Note the fields of ``optional`` that ``endpoint`` refuses (named by TikTok, else found by asking
        without some), warning once for each. A refused core field is a config error; a refusal whatever the
        fields fails the stream as the error handler says, TikTok's message in."""
        message = _answer_message(refusal)
        named_core = sorted(name for name in core if _named_in(message, name))
        if named_core:
            raise self._core_refused(endpoint, named_core, message)
        refused = [name for name in optional if _named_in(message, name)]
        if not refused:

            def refused_without(left_out: frozenset[str]) -> bool:
                return self._is_field_refusal(self._send_expecting_refusal(account, request, left_out))

            refused, refused_core = refused_fields(sorted(core), optional, refused_without)
            if refused_core:
                raise self._core_refused(endpoint, refused_core, message)
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


class _Request(NamedTuple):
    """What ``HttpRequester.send_request`` is asked to send: its parameters, in its order."""

    stream_state: StreamState | None = None
    stream_slice: StreamSlice | None = None
    next_page_token: Mapping[str, Any] | None = None
    path: str | None = None
    request_headers: Mapping[str, Any] | None = None
    request_params: Mapping[str, Any] | None = None
    request_body_data: Mapping[str, Any] | str | None = None
    request_body_json: Mapping[str, Any] | None = None
    log_formatter: Callable[[requests.Response], Any] | None = None


@dataclass
class SharedPageRequester(AccountRequester):
    """An ``AccountRequester`` whose pages are shared by every stream of the sync sending the same request
    (account, method, URL, parameters, headers and body; not the token), pacing each account on its own.
    Why not plain YAML: streams read the same pages (three page ``business/video/list``, four read
    ``business/get``) at about 40 requests a minute per account and endpoint. The CDK's HTTP cache
    (``use_cache``) keeps every HTTP 200, which is how this API answers throttling and dead tokens; serves
    only pages already answered, while concurrent streams ask at once; and is one in-memory database per
    process, or a file holding each request's headers, token included. Here the pages hang on the sync's
    API budget, and each request still goes through this requester's authenticator, handler and retries."""

    # Answers kept per account and endpoint for the streams behind (a page of 20 videos: about 125 KB).
    pages_kept: int = 32
    # Each account's requests per endpoint per minute (AccountPacing), a template over the config.
    account_calls_per_minute: str | int = 38

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        # The CDK turns its HTTP cache on for parent streams; the pages are shared here instead.
        self.use_cache = False
        super().__post_init__(parameters)
        keep = self.pages_kept
        calls_per_minute = InterpolatedString.create(str(self.account_calls_per_minute), parameters={})
        calls = int(calls_per_minute.eval(self.config))
        self._shared_pages: SharedPages = self._sync_scoped("tiktok_shared_pages", lambda: SharedPages(keep))
        self._pacing: AccountPacing = self._sync_scoped("tiktok_account_pacing", lambda: AccountPacing(calls))

    def _send_as(self, account: AccountPath, request: _Request) -> requests.Response | None:
        endpoint = self.get_path(stream_slice=request.stream_slice, next_page_token=request.next_page_token)
        endpoint = endpoint.split("?")[0]

        def ask() -> requests.Response | None:
            self._pacing.wait_for_turn(str(_position(account)), endpoint)
            return super(SharedPageRequester, self)._send_as(account, request)

        # An account's pages of an endpoint are a list of their own, named by its place in the config: its
        # open_id may be learnt mid-sync, making two lists of one, with streams counted a page behind.
        account_list, key = f"{_position(account)} {endpoint}", self._page_key(account, request)
        return self._shared_pages.get(account_list, key, self, ask, self._is_success)

    def _page_key(self, account: AccountPath, request: _Request) -> str:
        """What ``request`` asks for ``account``, but for what the authenticator adds (token, business_id)."""
        at: dict[str, Any] = dict(stream_slice=request.stream_slice, next_page_token=request.next_page_token)
        # The path too: the CDK's get_url is the `url` field only, empty beside url_base and path.
        url = self.get_url_base(**at) + (request.path or self.get_path(**at))
        return json.dumps(
            [
                list(account),
                self.get_method().value,
                url,
                {**self.get_request_params(**at), **(request.request_params or {})},
                {**self.get_request_headers(**at), **(request.request_headers or {})},
                {**(self.get_request_body_json(**at) or {}), **(request.request_body_json or {})},
                [self.get_request_body_data(**at), request.request_body_data],
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
    """Keeps only the named fields of a record. Why not plain YAML: ``RemoveFields`` names what to drop,
    and a shared page (``SharedPageRequester``) carries the fields of every stream reading it."""

    fields: list[str]
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._kept = frozenset(self.fields)

    def transform(self, record: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        for name in [name for name in record if name not in self._kept]:
            del record[name]
