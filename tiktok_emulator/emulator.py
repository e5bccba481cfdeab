"""``TikTokEmulator``: emulated TikTok creators and the apps reading them, served on 127.0.0.1.

It owns the settings and the shared state (account data, tokens, faults, counters, rate limiters),
registers each API module's routes (the Display API with Login Kit, and the API for Business's
Accounts API), and starts and stops the HTTP server.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tiktok_emulator.business.accounts import (
    BusinessAccount,
    BusinessAccounts,
    account_refresh_token,
    account_seed,
)
from tiktok_emulator.business.api import BusinessApi
from tiktok_emulator.business.credentials import BusinessCredentials
from tiktok_emulator.business.oauth import BusinessOAuthApi
from tiktok_emulator.business.scopes import DEFAULT_GRANTED_SCOPES
from tiktok_emulator.controls import Controls
from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.display.api import DisplayApi
from tiktok_emulator.display.credentials import DisplayCredentials
from tiktok_emulator.display.data import DEFAULT_NOW, TIKTOK_LAUNCH, Account
from tiktok_emulator.display.envelope import envelope
from tiktok_emulator.display.oauth import OAuthApi
from tiktok_emulator.documented.business import (
    CODE_REQUEST_TOO_FREQUENT,
    CODE_SCOPE_NOT_AUTHORIZED,
    MISSING_SCOPE_CODES,
    THROTTLE_CODES,
)
from tiktok_emulator.documented.comments import COMMENTS_REPEAT_AFTER
from tiktok_emulator.documented.display import (
    ACCESS_TOKEN_LIFETIME_SECONDS,
    DISPLAY_SCOPES,
    REFRESH_TOKEN_LIFETIME_SECONDS,
)
from tiktok_emulator.faults import FaultRule, FaultSchedule
from tiktok_emulator.field_refusals import FieldRefusals
from tiktok_emulator.http_server import LoopbackHTTPServer
from tiktok_emulator.rate_limit import SLIDING_MINUTE, SlidingWindowRateLimiter
from tiktok_emulator.routing import Api, RouteTable
from tiktok_emulator.tokens import TokenStore
from tiktok_emulator.wire import LogIds, Request, Response


class TikTokEmulator(DisplayCredentials, BusinessCredentials, Controls):
    """TikTok Open API v2 and the Accounts API on 127.0.0.1, with deterministic data and faults.

    Request handling order (it decides which rule "sees" which request):

    1. the request is counted and ``latency`` is slept;
    2. unknown path -> 404, wrong method -> 405;
    3. data endpoints: the rate limiter (a rejected request goes no further), then the
       response-replacing faults (``http_*``, ``drop_connection``,
       ``access_token_invalid``, ``access_token_expired``, ``error_in_200``), then bearer
       authentication, scope
       and parameter checks, and finally for video/list the page faults
       (``repeat_cursor``, ``short_page``);
    4. OAuth endpoints: explicitly targeted faults, then the endpoint logic.

    ``rate_limit_clock`` is the clock the rate limiter's minute is measured on (a test that
    controls the connector's sleeps passes the same clock).

    Display API settings beyond the obvious: ``access_token_expires_in`` (7200 s) and
    ``refresh_expires_in`` (180 days, counted from the consent: rotation keeps the date), as
    TikTok's November 2026 pages give them; ``rotate_refresh_tokens`` (True: a refresh
    answers a new refresh token and the presented one stops working at once);
    ``user_info_omits_ungranted_fields`` (user/info leaves out the fields of ungranted scopes
    instead of answering ``scope_not_authorized``/``scope_permission_missed``).

    The Accounts API (``business_*`` modules) follows the same order with its own token
    stores and ``Access-Token`` header; its data endpoints are faulted only by rules that
    name their path (or a ``business_id``), and all its answers are HTTP 200 with a ``code``
    (``http_5xx`` aside).  Its settings: ``app_id``/``app_secret`` (the business app),
    ``business_refresh_token`` granting ``business_granted_scopes``, ``is_business_account``,
    ``followers`` (None: the generated account's count; demographics need 100),
    ``analytics_days`` (how far back daily metrics exist), ``today`` (the UTC day the metrics
    window ends at; None: the real one at each request), ``business_missing_scope_code``
    (40130, or 40001), ``business_throttle_code`` (40100, 40132 or 61000: the rate limiters'
    and ``http_429``'s code) and ``comments_repeat_after`` (500: past this many comments,
    comment/list pages repeat earlier ones).  Every setting is read per request, so assigning
    one on a running emulator takes effect at once.

    The Mentions API (``mentions``) is served behind the Accounts API's gate: each account has
    ``mentioned_posts`` mentioned posts, ``mention_comments`` comments mentioning it and
    ``brand_hashtag_posts`` posts under its brand hashtags (counts read when an account's mentions
    are first asked for), over the last 120 days; ``mention_arrivals_per_page`` new mentions
    arrive before each page past the first (so offsets shift under a paging reader).

    Both APIs: ``refused_fields`` are refused in every request that asks for them, as fields an
    app or region is not served (HTTP 400 ``invalid_params``, code 40002), naming them unless
    ``refusals_name_fields`` is False (``field_refusals``); ``refuse_fields`` changes them on a
    running emulator.

    Several business accounts (``business.accounts``, default 1) authorise the one business
    app, each on its own.  Account 0 is the creator the Display API serves (``user``,
    ``videos``, ``seed``, ``followers``, refresh token ``business_refresh_token``), exactly as
    with one account.  Account ``i >= 1`` is generated from a seed derived from ``(seed, i)``:
    its own ``open_id``, profile, videos (``video_count`` of them, or
    ``business_video_counts[i]``: one count per account, the first equal to ``video_count``),
    daily metrics, demographics, comments and follower count; its first refresh token is
    ``f"{business_refresh_token}-account-{i}"``, granting ``business_granted_scopes``, in a token
    store of its own (its own rotation, expiry and revocation).  ``business.accounts`` (the
    attribute) lists them: each has ``index``, ``open_id``, ``user``, ``videos``, ``followers``
    and ``current_refresh_token`` (``business.accounts.BusinessAccount``).  The token
    endpoints answer the account that issued the presented refresh token, auth code
    (``issue_business_auth_code(..., account=i)``) or access token; the data endpoints serve the
    account whose token the ``Access-Token`` header carries, and refuse (40002) a ``business_id``
    that is not that account's ``open_id``.  ``revoke_business_account(i)`` ends every token of
    account ``i`` (40105 on calls, the invalid-grant error on refresh) and no other's.

    Every business account also authorised the Display app (``client_key``/``client_secret``),
    each in a Display token store of its own (rotation per ``rotate_refresh_tokens``, expiry per
    ``access_token_expires_in``/``refresh_expires_in``, revocation on its own).  Account 0's is
    the one a single-account emulator has (refresh token ``refresh_token``,
    ``current_refresh_token``); account ``i >= 1``'s first Display refresh token is
    ``f"{refresh_token}-account-{i}"``, granting ``granted_scopes``, and
    ``business_accounts[i].current_display_refresh_token`` is its newest.  One creator, one id: the
    Display answers' ``open_id`` is the account's business ``open_id``.  /v2/oauth/token/ answers
    the account that issued the presented refresh token or auth code
    (``issue_auth_code(redirect_uri, code_challenge, account=i)``; the authorize page consents as
    account 0), /v2/oauth/revoke/ the access token's; the data endpoints serve the user and videos
    of the account whose Display grant issued the Bearer token.  ``revoke_display_account(i)``
    ends account ``i``'s Display grants only; ``invalidate_access_tokens()`` expires every
    account's Display access tokens.

    Rate limits: ``rate_limit_per_minute`` limits the Display API per endpoint (every account's
    requests together: whether TikTok counts the Display limit per app or per user token is
    unverified), and the
    Accounts API per account per endpoint (TikTok documents 40 a minute:
    ``documented.business.REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE``); with
    ``business_app_rate_limit_per_minute`` the Accounts API's data endpoints are also limited
    app-wide, over every account and endpoint together (TikTok: 600 a minute at the basic
    level, ``REQUESTS_PER_APP_MINUTE``).  Every limiter answers ``business_throttle_code`` on
    the Accounts API, measures its window (``rate_limit_window_seconds``) on
    ``rate_limit_clock``, and a request refused by one uses a slot in none.

    Counting per account: ``counters.business_calls(open_id, path=None)`` (and
    ``counters.business_calls_by_account``, also in ``snapshot()``) counts each Accounts API
    request under the account that issued the token it presents (see ``EmulatorCounters``);
    ``counters.display_calls(open_id, path=None)`` (``display_calls_by_account``) does the same
    for the Display API, and ``counters.account_calls(open_id, path=None)`` adds both up.

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
        granted_scopes: tuple[str, ...] = DISPLAY_SCOPES,
        rotate_refresh_tokens: bool = True,
        access_token_expires_in: int = ACCESS_TOKEN_LIFETIME_SECONDS,
        refresh_expires_in: int = REFRESH_TOKEN_LIFETIME_SECONDS,
        user_info_omits_ungranted_fields: bool = False,
        access_token_lifetime_requests: int | None = None,
        latency: float = 0.0,
        rate_limit_per_minute: int | None = None,
        rate_limit_window_seconds: float = SLIDING_MINUTE,
        rate_limit_clock: Callable[[], float] = time.monotonic,
        faults: list[FaultRule] | None = None,
        token_endpoint_error_in_200: bool = False,
        app_id: str = "emulator-app-id",
        app_secret: str = "emulator-app-secret",
        business_refresh_token: str = "emulator-business-refresh-token-0",
        business_granted_scopes: tuple[str, ...] = DEFAULT_GRANTED_SCOPES,
        is_business_account: bool = True,
        followers: int | None = None,
        analytics_days: int = 365,
        today: datetime.date | None = None,
        business_missing_scope_code: int = CODE_SCOPE_NOT_AUTHORIZED,
        business_throttle_code: int = CODE_REQUEST_TOO_FREQUENT,
        comments_repeat_after: int = COMMENTS_REPEAT_AFTER,
        business_accounts: int = 1,
        business_video_counts: Sequence[int] | None = None,
        business_app_rate_limit_per_minute: int | None = None,
        refused_fields: Iterable[str] = (),
        refusals_name_fields: bool = True,
        mentioned_posts: int = 150,
        mention_comments: int = 90,
        brand_hashtag_posts: int = 60,
        mention_arrivals_per_page: int = 0,
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
        if business_missing_scope_code not in MISSING_SCOPE_CODES:
            raise ValueError(f"business_missing_scope_code must be one of {MISSING_SCOPE_CODES}")
        if business_throttle_code not in THROTTLE_CODES:
            raise ValueError(f"business_throttle_code must be one of {THROTTLE_CODES}")
        if comments_repeat_after < 1:
            raise ValueError("comments_repeat_after must be >= 1")
        if business_accounts < 1:
            raise ValueError("business_accounts must be >= 1")
        if business_video_counts is None:
            business_video_counts = [video_count] * business_accounts
        video_counts = [int(n) for n in business_video_counts]
        if len(video_counts) != business_accounts:
            raise ValueError("business_video_counts must give one count per business account")
        if video_counts[0] != video_count:
            raise ValueError(
                "business_video_counts[0] must equal video_count (account 0 is the Display API's)"
            )
        if any(not 0 <= n < now - TIKTOK_LAUNCH for n in video_counts):
            raise ValueError(
                "every business video count must be >= 0 and fit between TikTok's launch and now"
            )
        if min(mentioned_posts, mention_comments, brand_hashtag_posts, mention_arrivals_per_page) < 0:
            raise ValueError("the mention counts must be >= 0")
        if business_app_rate_limit_per_minute is not None and business_app_rate_limit_per_minute < 1:
            raise ValueError("business_app_rate_limit_per_minute must be >= 1")

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
        self.user_info_omits_ungranted_fields = user_info_omits_ungranted_fields
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
        self.business_missing_scope_code = business_missing_scope_code
        self.business_throttle_code = business_throttle_code
        self.comments_repeat_after = comments_repeat_after
        self.field_refusals = FieldRefusals.of(refused_fields, refusals_name_fields)
        self.business_app_rate_limit_per_minute = business_app_rate_limit_per_minute
        self.mentioned_posts = mentioned_posts
        self.mention_comments = mention_comments
        self.brand_hashtag_posts = brand_hashtag_posts
        self.mention_arrivals_per_page = mention_arrivals_per_page

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
        # The token stores and the OAuth endpoints read the settings above from ``self`` on every
        # request, so changing one on a running emulator takes effect at once.
        # Every account authorised the Display app too, each in a store of its own; account 0's is
        # the one the emulator always had (``current_refresh_token`` and friends read it).
        display_stores = [
            TokenStore(self, account_refresh_token(refresh_token, i), self.granted_scopes)
            for i in range(business_accounts)
        ]
        self._tokens = display_stores[0]
        self._business_accounts = BusinessAccounts(
            [
                BusinessAccount(
                    index=i,
                    settings=self,
                    data=account
                    if i == 0
                    else Account(
                        seed=account_seed(seed, i),
                        video_count=video_counts[i],
                        posting_pattern=posting_pattern,
                        now=now,
                        client_key=client_key,
                    ),
                    refresh_token=account_refresh_token(business_refresh_token, i),
                    scopes=self.business_granted_scopes,
                    display_tokens=display_stores[i],
                )
                for i in range(business_accounts)
            ]
        )

        # The window is TikTok's minute; tests shrink it to exercise the limiter in seconds.
        def limiter(limit: int | None) -> SlidingWindowRateLimiter | None:
            if not limit:
                return None
            return SlidingWindowRateLimiter(limit, window=rate_limit_window_seconds, clock=rate_limit_clock)

        # Each API module serves its own paths; another TikTok API is one more entry here.
        apis: tuple[Api, ...] = (
            OAuthApi(
                settings=self,
                accounts=self._business_accounts,
                faults=self._faults,
                counters=self.counters,
                log_ids=self._log_ids,
            ),
            DisplayApi(
                settings=self,
                accounts=self._business_accounts,
                faults=self._faults,
                limiter=limiter(rate_limit_per_minute),
                counters=self.counters,
                log_ids=self._log_ids,
            ),
            BusinessOAuthApi(
                settings=self,
                accounts=self._business_accounts,
                faults=self._faults,
                counters=self.counters,
                log_ids=self._log_ids,
            ),
            BusinessApi(
                settings=self,
                accounts=self._business_accounts,
                faults=self._faults,
                account_limiter=limiter(rate_limit_per_minute),
                app_limiter=limiter(business_app_rate_limit_per_minute),
                counters=self.counters,
                log_ids=self._log_ids,
            ),
        )
        first = self._business_accounts[0]
        #: Account 0's video whose comments pass ``comments_repeat_after`` (the most commented one).
        self.crowded_video_id: str | None = first.crowded_video_id
        #: Every comment and reply of an account 0 video (a ``Thread``), for tests to compare a read
        #: against (other accounts: ``business_accounts[i].comment_thread``).
        self.comment_thread = first.comment_thread
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
