"""The TikTok Organic source: the declarative manifest next to this file, plus what a check needs."""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    FailureType,
    Status,
    TraceType,
    Type,
)
from airbyte_cdk.sources.declarative.checks import CheckStream
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.utils import AirbyteTracedException

from source_tiktok_organic import business_protocol, components, tiktok_protocol
from source_tiktok_organic.cdk_internals import check_failure_reason, record_queue_of
from source_tiktok_organic.components import CheckRun

MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.yaml"

# The manifest names its classes as Airbyte's manifest-only runtime (and the Connector Builder)
# loads them, from the module `source_declarative_manifest.components`; as a package, that module
# is this package's components.py. The CDK imports the name, which finds it here first.
SDM_COMPONENTS_MODULE = "source_declarative_manifest.components"
sys.modules.setdefault(SDM_COMPONENTS_MODULE, components)

# A check runs while a person waits at the setup form: it must answer within a minute whatever
# api_base_url points at, while a sync keeps retrying transient failures for minutes.
CHECK_DEADLINE_SECONDS = 50.0

# Records read but not yet printed. Before TikTok's rate limit binds, a minute's burst of requests
# lets 20 workers outpace the one thread that prints, and the CDK's 10,000 waiting records (with the
# heap they fragment) would set the sync's peak memory; a tenth of that keeps every worker busy.
RECORD_QUEUE_SIZE = 1_000

# How every missing-scope message begins (components.missing_scopes_message).
MISSING_SCOPES_WORDS = "The TikTok authorisation is missing the scope(s)"
# What a check reads besides the manifest's check streams when mentions are on: TikTok's two
# Mentions permissions (Content, Comment), one list each. Their OAuth scope is unverified, so the
# grant cannot tell; TikTok's answer to one page can.
MENTION_CHECK_STREAMS = ("business_mentioned_posts", "business_mentioned_comments")

# What a passing check says of credentials it could not prove without spending the refresh token.
NOT_SENT_WORDS = "The config is valid, but its credentials were not sent to TikTok"


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

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        """The manifest's sync; when streams failed, its last error names every failing account.

        The CDK ends a sync whose streams failed with one config error listing the streams. When
        the config has several accounts, each stream's error names its account (the requester's
        doing), and the sync's last error says which accounts failed, with the failure type their
        errors share: transient when every one is (a spent daily quota), so the platform retries.
        """
        stream_errors: list[AirbyteErrorTraceMessage] = []
        try:
            for message in super().read(logger, config, catalog, state):
                trace = message.trace if message.type == Type.TRACE else None
                if trace is not None and trace.type == TraceType.ERROR and trace.error is not None:
                    stream_errors.append(trace.error)
                yield message
        except AirbyteTracedException as failure:
            if not components.has_several_accounts(config):
                raise
            raise _accounts_failure(failure, stream_errors) from None

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """The check of the config's account, or of each of its accounts in turn, in one answer.

        Every account is checked even when one fails, so the message names each bad account (by
        label and open_id) with what is wrong with it, and which accounts are fine.
        """
        if not components.has_several_accounts(config):
            status, unverified = self._check_account(logger, config, None)
            if status.status != Status.FAILED and unverified:
                status.message = _not_verified_message(unverified)
            return status
        results = [
            (account, *self._check_account(logger, config, account))
            for account in components.account_paths(config)
        ]
        failed = [(account, status) for account, status, _ in results if status.status == Status.FAILED]
        passed = [
            components.account_name(config, account)
            for account, status, _ in results
            if status.status != Status.FAILED
        ]
        if not failed:
            not_sent = [
                f"Account {components.account_name(config, account)}: {_not_verified_message(reason)}"
                for account, status, reason in results
                if reason
            ]
            return AirbyteConnectionStatus(
                status=Status.SUCCEEDED,
                message=" ".join(
                    [f"All {len(results)} TikTok accounts passed the check: {', '.join(passed)}.", *not_sent]
                ),
            )
        problems = " ".join(
            _account_problem(config, account, status.message or "") for account, status in failed
        )
        fine = f" The others passed: {', '.join(passed)}." if passed else ""
        return AirbyteConnectionStatus(
            status=Status.FAILED,
            message=f"{len(failed)} of {len(results)} TikTok accounts failed the check. {problems}{fine}",
        )

    def _check_account(
        self, logger: logging.Logger, config: Mapping[str, Any], account: components.AccountPath | None
    ) -> tuple[AirbyteConnectionStatus, str | None]:
        """The manifest's check of ``account`` (None: the config's only account), bounded in time,
        then the granted scopes against every scope the config's streams need; and, when the
        account's credentials could not be sent to TikTok without spending its refresh token, why.

        A check never spends a refresh token (``components.refresh_tokens_kept``): with a usable
        stored access token it proves the credentials with TikTok, without one it checks only what
        the config holds, the stored grant included, and says what it could not prove.

        Naming every missing scope when a request fails is the manifest's own
        ScopeNamingErrorHandler's job, so it happens under the manifest-only runtime too. This check
        also fails on a missing scope that no request of the check tripped over: comment.list
        (comments are not read by a check), or a scope whose fields TikTok silently leaves out of a
        200 answer. The grant is the one stored with the token (the Airbyte UI's OAuth flow,
        tiktok-organic-auth and every refresh write it), or what the Accounts API's token inspector
        says of a live access token.
        """
        with checking(account) as run:
            # The check's thread runs in this context, so its components find the check.
            context = contextvars.copy_context()
            status = _call_with_deadline(
                lambda: context.run(self._manifest_check, logger, config, run),
                CHECK_DEADLINE_SECONDS,
            )
        if status is None:
            return AirbyteConnectionStatus(status=Status.FAILED, message=_deadline_message(config, run)), None
        unverified = run.unverified.get(account or components.FIRST_ACCOUNT)
        failure = (
            check_failure_reason(status.message)
            if status.status == Status.FAILED and status.message
            else None
        )
        granted = run.granted_scopes
        if granted is None:
            granted = components.granted_scopes_in(config, account or components.FIRST_ACCOUNT)
        missing = [scope for scope in required_scopes(config) if granted is not None and scope not in granted]
        if failure and MISSING_SCOPES_WORDS in failure and all(scope in failure for scope in missing):
            # The manifest's error handler said it, in the words the manifest-only runtime uses too.
            status.message = failure
            return status, unverified
        if missing:
            message = self._missing_scopes_message(config, missing, granted or frozenset())
            if failure:
                message += f" (The check's request failed with: {failure})"
            elif unverified:
                message += " (The grant stored with the token says so; the check sent nothing to TikTok.)"
            else:
                message += (
                    " TikTok answered the check's requests, but leaves out the fields of a scope it did "
                    "not grant, or refuses only the streams that need it."
                )
            return AirbyteConnectionStatus(status=Status.FAILED, message=message), unverified
        if failure:
            status.message = _throttled_message(run) or failure
        return status, unverified

    def _manifest_check(
        self, logger: logging.Logger, config: Mapping[str, Any], run: CheckRun
    ) -> AirbyteConnectionStatus:
        """The manifest's check; then, with mentions on and the credentials proven, one page of each
        mention list (``MENTION_CHECK_STREAMS``), so a missing Mentions permission fails the check."""
        status = super().check(logger, config)
        if status.status == Status.FAILED or not (is_business(config) and config.get("include_mentions")):
            return status
        if run.unverified:
            return status  # nothing was sent to TikTok: the mentions cannot be asked either
        available, reason = CheckStream(
            stream_names=list(MENTION_CHECK_STREAMS), parameters={}
        ).check_connection(self, logger, config)
        if available:
            return status
        return AirbyteConnectionStatus(status=Status.FAILED, message=check_failure_reason(str(reason)))

    def _missing_scopes_message(
        self, config: Mapping[str, Any], missing: list[str], granted: frozenset[str]
    ) -> str:
        """The error handler's words, with where to add the scopes as the manifest says it."""
        handler = self.resolved_manifest["definitions"][
            "business_error_handler" if is_business(config) else "error_handler"
        ]
        return components.missing_scopes_message(
            missing,
            granted,
            required_scopes(config),
            handler["where_to_add"],
            handler.get("how_to_reauthenticate", components.REAUTHENTICATE_HINT),
        )


def _accounts_failure(
    failure: AirbyteTracedException, stream_errors: list[AirbyteErrorTraceMessage]
) -> AirbyteTracedException:
    """The sync's last error: the accounts its streams' errors name, and their shared failure type."""
    named = [e for e in stream_errors if e.message.startswith(components.ACCOUNT_ERROR_PREFIX)]
    if not named:
        return failure
    accounts = list(
        dict.fromkeys(e.message[len(components.ACCOUNT_ERROR_PREFIX) :].split(": ", 1)[0] for e in named)
    )
    types = {e.failure_type for e in stream_errors}
    failure_type = (
        FailureType.transient_error if types == {FailureType.transient_error} else FailureType.config_error
    )
    return AirbyteTracedException(
        message=(
            f"The sync failed for {len(accounts)} TikTok account(s): {'; '.join(accounts)}. The other "
            "accounts' records were all read. Each account's error above says what to do."
        ),
        internal_message=failure.internal_message,
        failure_type=failure_type,
    )


def _not_verified_message(reason: str) -> str:
    """What a passing check says of credentials it could not send to TikTok without spending the
    refresh token (``reason``: what was missing)."""
    return (
        f"{NOT_SENT_WORDS}: {reason}. A check never "
        "spends the refresh token, because TikTok's refresh tokens work once and the Airbyte "
        "platform keeps nothing a new source's check writes back. The first sync refreshes the "
        "token, saves the new one and proves the credentials. For a check that proves them now, "
        "authenticate with the Authenticate button, or paste the access token and its expiry that "
        "tiktok-organic-auth wrote."
    )


def _account_problem(config: Mapping[str, Any], account: components.AccountPath, message: str) -> str:
    """What a failed check of ``account`` said, led by the account's name, once."""
    name = components.account_name(config, account)
    return f"Account {name}: " + message.replace(f"{components.ACCOUNT_ERROR_PREFIX}{name}: ", "")


def required_scopes(config: Mapping[str, Any]) -> tuple[str, ...]:
    """Every scope the streams of ``config`` need."""
    if is_business(config):
        comments = (business_protocol.COMMENT_SCOPE,) if config.get("include_comments") else ()
        return (*business_protocol.BUSINESS_REQUIRED_SCOPES, *comments)
    return tiktok_protocol.REQUIRED_SCOPES


def is_business(config: Mapping[str, Any]) -> bool:
    credentials = config.get("credentials")
    return (
        isinstance(credentials, Mapping)
        and credentials.get("auth_type") == business_protocol.BUSINESS_AUTH_TYPE
    )


@contextmanager
def checking(account: components.AccountPath | None = None) -> Iterator[CheckRun]:
    """Run the ``with`` block as a check (see ``components.CheckRun``) of every account, or of
    ``account``, which the components find in ``components.check_in_progress``; run the check's work in
    a copy of this context (``contextvars.copy_context()``) when it happens on another thread."""
    run = CheckRun(account=account)
    reset = components.check_in_progress.set(run)
    try:
        yield run
    finally:
        components.check_in_progress.reset(reset)


def _throttled_message(run: CheckRun) -> str | None:
    """What to say when TikTok throttled the check: the check waits for nobody."""
    if not run.throttled_message:
        return None
    return (
        f"TikTok is throttling this app or account, so the check could not finish. Try again in five "
        f"minutes. (TikTok's answer: {run.throttled_message.strip()})"
    )


def _deadline_message(config: Mapping[str, Any], run: CheckRun) -> str:
    throttled = _throttled_message(run)
    if throttled:
        return throttled
    if is_business(config):
        url, option = (
            config.get("business_api_base_url") or business_protocol.BUSINESS_API_BASE_URL,
            "business_api_base_url",
        )
    else:
        url, option = config.get("api_base_url") or tiktok_protocol.API_BASE_URL, "api_base_url"
    return (
        f"TikTok did not answer within {CHECK_DEADLINE_SECONDS:.0f} s at {url}. Check {option} and "
        "the network between Airbyte and TikTok."
    )


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
