"""Custom components for behaviour the declarative YAML cannot express.

Each class says in its docstring what the manifest could not do. Everything else (refresh, rotation,
retries, pagination) stays the CDK's own.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator, Mapping, Optional

import backoff
import requests

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.auth.oauth import (
    DeclarativeSingleUseRefreshTokenOauth2Authenticator,
)
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.cursor_pagination_strategy import (
    CursorPaginationStrategy,
)
from airbyte_cdk.sources.streams.http.exceptions import DefaultBackoffException
from airbyte_cdk.sources.streams.http.requests_native_auth.abstract_oauth import (
    AbstractOauth2Authenticator,
)
from airbyte_cdk.sources.types import Record, StreamSlice
from airbyte_cdk.utils import AirbyteTracedException

logger = logging.getLogger("airbyte")

# The CDK's token request without its fixed five-minute retry decorator, so the retry window can
# depend on the command (see TikTokOAuthAuthenticator.token_refresh_retry_window).
_token_request_without_retries = AbstractOauth2Authenticator._make_handled_request.__wrapped__  # type: ignore[attr-defined]

_RETRYABLE_TOKEN_REQUEST_ERRORS = (
    DefaultBackoffException,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
)

REAUTHENTICATE_HINT = (
    "Re-authenticate this source (the Authenticate button in Airbyte, or the tiktok-organic-auth "
    "command) to get a new refresh token."
)


class TikTokOAuthAuthenticator(DeclarativeSingleUseRefreshTokenOauth2Authenticator):
    """The CDK's rotating-refresh-token OAuth authenticator with TikTok-specific guards.

    Why not plain YAML: the ``OAuthAuthenticator`` the manifest declares (nested as ``oauth``) does
    the refresh, the rotation and the CONNECTOR_CONFIG message, but three things cannot be said in
    YAML:

    * TikTok's token endpoint can answer HTTP 200 with an error body. The CDK's rotating
      authenticator would store ``access_token: null`` from it, persist that config and send
      ``Bearer None`` until the stored expiry. Here such a body is an error, never a token.
    * The CDK retries a failing token request for a fixed five minutes. A sync should be that
      patient; ``check`` runs while a person waits at the setup form, so it narrows the window.
    * Rejections get TikTok-specific, actionable messages (``invalid_grant`` means a revoked,
      expired or already-rotated refresh token; ``invalid_client`` means a wrong Client key or
      secret), and the scopes TikTok granted are kept so ``check`` can name the missing ones.

    The factory has no hook to subclass the authenticator it builds from an ``OAuthAuthenticator``
    definition, so this class takes the built one and adopts its state.
    """

    # Declared for the component factory, which passes the nested `oauth` definition, built, by name.
    oauth: DeclarativeSingleUseRefreshTokenOauth2Authenticator

    token_refresh_retry_seconds: ClassVar[float] = 300.0
    # Scopes of the last successful refresh in this process; None until a refresh happened.
    granted_scopes: ClassVar[Optional[frozenset[str]]] = None

    def __init__(
        self, oauth: DeclarativeSingleUseRefreshTokenOauth2Authenticator, **_: Any
    ) -> None:
        self.__dict__.update(oauth.__dict__)

    @classmethod
    @contextmanager
    def token_refresh_retry_window(cls, seconds: float) -> Iterator[None]:
        """Retry failing token requests for at most ``seconds`` while the block runs."""
        previous = cls.token_refresh_retry_seconds
        cls.token_refresh_retry_seconds = seconds
        try:
            yield
        finally:
            cls.token_refresh_retry_seconds = previous

    def _make_handled_request(self) -> Any:
        request_with_retries = backoff.on_exception(
            backoff.expo,
            _RETRYABLE_TOKEN_REQUEST_ERRORS,
            max_time=lambda: type(self).token_refresh_retry_seconds,
            on_backoff=lambda details: logger.info(
                "TikTok token refresh failed (attempt %s); retrying in %.1f s.",
                details["tries"],
                details["wait"],
            ),
        )(_token_request_without_retries)
        try:
            body = request_with_retries(self)
        except AirbyteTracedException as error:
            rejected = getattr(error.__cause__, "response", None)
            if rejected is None:
                raise
            raise self._token_endpoint_error(rejected.status_code, rejected) from error
        except requests.exceptions.HTTPError as error:
            raise self._token_endpoint_error(error.response.status_code, error.response) from error
        except _RETRYABLE_TOKEN_REQUEST_ERRORS as error:
            raise AirbyteTracedException(
                message=(
                    f"Could not reach TikTok's token endpoint {self.get_token_refresh_endpoint()} "
                    f"after retrying for {type(self).token_refresh_retry_seconds:.0f} s. Check "
                    "api_base_url and the network between Airbyte and TikTok; if both are right, "
                    "TikTok is unavailable and a later sync will succeed."
                ),
                internal_message=self._redact_credentials(repr(error)),
                failure_type=FailureType.transient_error,
            ) from error
        except requests.exceptions.RequestException as error:
            raise AirbyteTracedException(
                message=(
                    f"The token endpoint URL {self.get_token_refresh_endpoint()!r} is not usable "
                    f"({type(error).__name__}). Fix api_base_url: it must look like "
                    "https://open.tiktokapis.com."
                ),
                internal_message=self._redact_credentials(repr(error)),
                failure_type=FailureType.config_error,
            ) from error

        if not isinstance(body, Mapping) or body.get("error") or not body.get("access_token"):
            raise self._token_endpoint_error(200, body if isinstance(body, Mapping) else None)
        scope = body.get("scope")
        if isinstance(scope, str):
            type(self).granted_scopes = frozenset(s.strip() for s in scope.split(",") if s.strip())
        return body

    def _token_endpoint_error(
        self, status_code: int, response_or_body: requests.Response | Mapping[str, Any] | None
    ) -> AirbyteTracedException:
        body = (
            self._parse_error_response_content(response_or_body)
            if isinstance(response_or_body, requests.Response)
            else response_or_body
        ) or {}
        code = str(body.get("error") or "no_access_token")
        description = self._redact_credentials(str(body.get("error_description") or ""))
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
        elif code in self._refresh_token_error_values:
            message = "TikTok rejected the OAuth credentials. " + REAUTHENTICATE_HINT
            failure_type = FailureType.config_error
        elif status_code == 200 and code == "no_access_token":
            message = "TikTok's token endpoint answered without an access token."
            failure_type = FailureType.system_error
        else:
            message = "TikTok's token endpoint refused to refresh the access token."
            failure_type = FailureType.system_error
        return AirbyteTracedException(
            message=f"{message} {detail}",
            internal_message=f"Token refresh failed with HTTP {status_code}: {code}",
            failure_type=failure_type,
        )


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
    """

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any] = None,
        page_size_override: Optional[int] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> Optional[Any]:
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
            advanced = int(token) < int(sent)
        except (TypeError, ValueError):
            advanced = token != sent
        if not advanced:
            logger.warning(
                "TikTok returned pagination cursor %s after cursor %s with has_more=true; the "
                "cursor did not move back in time, so paging stops here instead of looping.",
                token,
                sent,
            )
            return None
        return token


def _sent_cursor(response: requests.Response) -> Optional[Any]:
    body = response.request.body if response.request is not None else None
    if not body:
        return None
    try:
        sent = json.loads(body)
    except (TypeError, ValueError):
        return None
    return sent.get("cursor") if isinstance(sent, dict) else None
