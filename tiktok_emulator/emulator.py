"""``TikTokEmulator``: one emulated TikTok creator and the apps reading it, served on 127.0.0.1.

It owns the settings and the shared state (account data, tokens, faults, counters, rate limiter),
registers each API module's routes (the Display API with Login Kit, and the API for Business's
Accounts API), and starts and stops the HTTP server.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Sequence
from typing import Any

from source_tiktok_organic.business_protocol import BUSINESS_REQUIRED_SCOPES, COMMENT_SCOPE
from source_tiktok_organic.tiktok_protocol import REQUIRED_SCOPES
from tiktok_emulator.business_api import BusinessApi
from tiktok_emulator.business_credentials import BusinessCredentials
from tiktok_emulator.business_oauth import BusinessGrants, BusinessOAuthApi
from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.data import DEFAULT_NOW, TIKTOK_LAUNCH, Account
from tiktok_emulator.display_api import DisplayApi
from tiktok_emulator.envelope import envelope
from tiktok_emulator.faults import FaultRule, FaultSchedule
from tiktok_emulator.http_server import LoopbackHTTPServer
from tiktok_emulator.oauth import OAuthApi
from tiktok_emulator.rate_limit import SLIDING_MINUTE, SlidingWindowRateLimiter
from tiktok_emulator.routing import Api, RouteTable
from tiktok_emulator.tokens import TokenStore
from tiktok_emulator.wire import LogIds, Request, Response


class TikTokEmulator(BusinessCredentials):
    """TikTok Open API v2 and the Accounts API on 127.0.0.1, with deterministic data and faults.

    Request handling order (it decides which rule "sees" which request):

    1. the request is counted and ``latency`` is slept;
    2. unknown path -> 404, wrong method -> 405;
    3. data endpoints: the rate limiter (a rejected request goes no further), then the
       response-replacing faults (``http_*``, ``drop_connection``,
       ``access_token_invalid``, ``error_in_200``), then bearer authentication, scope
       and parameter checks, and finally for video/list the page faults
       (``repeat_cursor``, ``short_page``);
    4. OAuth endpoints: explicitly targeted faults, then the endpoint logic.

    The Accounts API (``business_*`` modules) follows the same order with its own token
    store and ``Access-Token`` header; its data endpoints are faulted only by rules that
    name their path, and all its answers are HTTP 200 with a ``code`` (``http_5xx`` aside).
    Its settings: ``app_id``/``app_secret`` (the business app), ``business_refresh_token``
    granting ``business_granted_scopes``, ``is_business_account``, ``followers`` (None: the
    generated account's count; demographics need 100), ``analytics_days`` (how far back daily
    metrics exist) and ``today`` (the UTC day the metrics window ends at; None: the real one
    at each request; assignable at runtime).

    Every fault rule counts every request that reaches it and matches its endpoint, so
    each rule's ``every``/``times``/``after`` schedule is independent of the others.
    When several rules fire on the same request, the one added first answers it.
    """

    def __init__(
        self,
        *,
        video_count: int = 50,
        posting_pattern: str = "uniform",
        seed: int = 7,
        now: int | None = None,
        client_key: str = "emulator-client-key",
        client_secret: str = "emulator-client-secret",
        refresh_token: str = "emulator-refresh-token-0",
        granted_scopes: tuple[str, ...] = REQUIRED_SCOPES,
        rotate_refresh_tokens: bool = True,
        access_token_expires_in: int = 86400,
        refresh_expires_in: int = 31536000,
        access_token_lifetime_requests: int | None = None,
        latency: float = 0.0,
        rate_limit_per_minute: int | None = None,
        rate_limit_window_seconds: float = SLIDING_MINUTE,
        faults: list[FaultRule] | None = None,
        token_endpoint_error_in_200: bool = False,
        app_id: str = "emulator-app-id",
        app_secret: str = "emulator-app-secret",
        business_refresh_token: str = "emulator-business-refresh-token-0",
        business_granted_scopes: tuple[str, ...] = (*BUSINESS_REQUIRED_SCOPES, COMMENT_SCOPE),
        is_business_account: bool = True,
        followers: int | None = None,
        analytics_days: int = 365,
        today: datetime.date | None = None,
    ) -> None:
        now = DEFAULT_NOW if now is None else int(now)
        if video_count < 0:
            raise ValueError("video_count must be >= 0")
        if not TIKTOK_LAUNCH + video_count < now < 2**31:
            raise ValueError("now must be after TikTok's launch (+1 s per video) and before 2038")
        if access_token_lifetime_requests is not None and access_token_lifetime_requests < 0:
            raise ValueError("access_token_lifetime_requests must be >= 0")
        if latency < 0:
            raise ValueError("latency must be >= 0")
        if analytics_days < 0 or (followers is not None and followers < 0):
            raise ValueError("analytics_days and followers must be >= 0")

        self.video_count = video_count
        self.posting_pattern = posting_pattern
        self.seed = seed
        self.now = now
        self.client_key = client_key
        self.client_secret = client_secret
        self.granted_scopes = tuple(granted_scopes)
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.access_token_expires_in = access_token_expires_in
        self.refresh_expires_in = refresh_expires_in
        self.access_token_lifetime_requests = access_token_lifetime_requests
        self.latency = latency
        self.rate_limit_per_minute = rate_limit_per_minute
        self.token_endpoint_error_in_200 = token_endpoint_error_in_200
        self.app_id = app_id
        self.app_secret = app_secret
        self.business_granted_scopes = tuple(business_granted_scopes)
        self.is_business_account = is_business_account
        self.analytics_days = analytics_days
        self.today = today

        account = Account(
            seed=seed,
            video_count=video_count,
            posting_pattern=posting_pattern,
            now=now,
            client_key=client_key,
        )
        self.user: dict[str, Any] = account.user
        self.videos: list[dict[str, Any]] = account.videos
        self.followers: int = self.user["follower_count"] if followers is None else followers

        self.counters = EmulatorCounters()
        self._log_ids = LogIds()
        self._faults = FaultSchedule(faults or [], self.counters)
        # The token store and the OAuth endpoints read the settings above from ``self`` on every
        # request, so changing one on a running emulator takes effect at once.
        self._tokens = TokenStore(self, refresh_token, self.granted_scopes)
        self._business = BusinessGrants(self, business_refresh_token, self.business_granted_scopes)
        # The window is TikTok's minute; tests shrink it to exercise the limiter in seconds.
        limiter = (
            SlidingWindowRateLimiter(rate_limit_per_minute, window=rate_limit_window_seconds)
            if rate_limit_per_minute
            else None
        )
        # Each API module serves its own paths; another TikTok API is one more entry here.
        apis: tuple[Api, ...] = (
            OAuthApi(
                settings=self,
                open_id=self.user["open_id"],
                tokens=self._tokens,
                faults=self._faults,
                log_ids=self._log_ids,
            ),
            DisplayApi(
                account=account,
                tokens=self._tokens,
                faults=self._faults,
                limiter=limiter,
                log_ids=self._log_ids,
            ),
            BusinessOAuthApi(
                settings=self,
                open_id=self.user["open_id"],
                grants=self._business,
                faults=self._faults,
                log_ids=self._log_ids,
            ),
            BusinessApi(
                settings=self,
                account=account,
                tokens=self._business.tokens,
                faults=self._faults,
                limiter=limiter,
                log_ids=self._log_ids,
            ),
        )
        self._routes = RouteTable()
        for api in apis:
            self._routes.register(api.routes())

        self._server: LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Bind 127.0.0.1:``port`` (0 = any free port), serve in a daemon thread, return the base URL."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        server = LoopbackHTTPServer(
            ("127.0.0.1", port), respond=self._respond, counters=self.counters, log_ids=self._log_ids
        )
        self._server = server
        self._base_url = f"http://127.0.0.1:{server.server_port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="tiktok-emulator", daemon=True
        )
        self._thread.start()
        return self._base_url

    def stop(self) -> None:
        """Stop serving and close every client connection (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_all_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> TikTokEmulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; only known once ``start()`` has bound a port."""
        if self._base_url is None:
            raise RuntimeError("emulator not started; call start() first")
        return self._base_url

    # -- credentials -----------------------------------------------------------------
    @property
    def current_refresh_token(self) -> str:
        """The refresh token most recently issued (rotation changes it)."""
        return self._tokens.current_refresh_token

    def connector_config(self, **extra: Any) -> dict[str, Any]:
        """A connector config pointing at this emulator with the currently valid refresh token."""
        return {
            "credentials": {
                "auth_type": "oauth2.0",
                "client_id": self.client_key,
                "client_secret": self.client_secret,
                "refresh_token": self.current_refresh_token,
            },
            "api_base_url": self.base_url,
            **extra,
        }

    def invalidate_access_tokens(self) -> None:
        """Kill every access token issued so far, as if they had all expired at once."""
        self._tokens.invalidate_access_tokens()

    def issue_access_token(self) -> str:
        """Mint a valid access token with the default grant, bypassing OAuth.

        Why: tests of the data endpoints (and the emulator's own tests) should not need a
        token round-trip when the token flow is not what they test.
        """
        return self._tokens.issue_access_token(self.granted_scopes)

    def add_refresh_token(self, refresh_token: str, scopes: Sequence[str]) -> None:
        """Register another account authorisation: ``refresh_token`` granting only ``scopes``.

        Why: one emulator can then serve a fully authorised config and one missing scopes,
        as TikTok serves users who unticked a scope on its consent screen.
        """
        self._tokens.add_refresh_token(refresh_token, scopes)

    # -- faults ----------------------------------------------------------------------
    def add_fault(self, rule: FaultRule) -> None:
        """Append a rule; it starts counting matching requests from now."""
        self._faults.add(rule)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[FaultRule]:
        return self._faults.rules

    # -- counters (delegating to ``self.counters``) ----------------------------------
    @property
    def requests_by_endpoint(self) -> dict[str, int]:
        return self.counters.requests_by_endpoint

    @property
    def responses_by_status(self) -> dict[int, int]:
        return self.counters.responses_by_status

    @property
    def rate_limited(self) -> int:
        return self.counters.rate_limited

    @property
    def max_concurrent(self) -> int:
        return self.counters.max_concurrent

    def reset_counters(self) -> None:
        self.counters.reset()

    def snapshot(self) -> dict[str, Any]:
        return self.counters.snapshot()

    # -- routing ---------------------------------------------------------------------
    def _respond(self, request: Request) -> Response | None:
        """Answer one request; None means "drop the connection without answering"."""
        if self.latency:
            time.sleep(self.latency)
        handler = self._routes.handler(request.method, request.path)
        if handler is not None:
            return handler(request)
        allowed = self._routes.methods(request.path)
        if not allowed:
            return envelope(self._log_ids, 404, "invalid_params", f"Path {request.path} does not exist.")
        return envelope(
            self._log_ids,
            405,
            "invalid_params",
            f"Method {request.method} is not allowed on {request.path}; use {' or '.join(allowed)}.",
            headers=(("Allow", ", ".join(allowed)),),
        )
