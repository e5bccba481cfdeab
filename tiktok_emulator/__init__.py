"""A local, deterministic emulator of TikTok's Open API v2 (Display API + Login Kit).

Why it exists: the connector cannot be tested end to end against the real TikTok API
(it needs a real creator account, a reviewed app and a consenting human), and mocked
``requests`` calls cannot exercise what breaks in production: refresh-token rotation,
access tokens that die early, 429s with ``Retry-After``, errors wrapped in HTTP 200,
servers that repeat a cursor forever, dropped connections, awkward unicode, ids above
2**53.  This module serves a faithful imitation of the endpoints the connector uses on
127.0.0.1 only, so end-to-end tests, the CDK standard tests, a no-credentials demo and
a benchmark can all run offline against the same behaviour.

The facts it emulates come from TikTok's public developer documentation (see
``SPEC.md`` section 1).  Only the Python standard library is used so that the emulator
runs anywhere the connector's tests run.

Run it from the command line::

    python -m tiktok_emulator --port 0 --videos 200 --write-config /tmp/config.json

or in-process::

    with TikTokEmulator(video_count=95) as emu:
        config = emu.connector_config()
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import http
import json
import math
import os
import random
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import parse_qs, quote, urlencode, urlsplit

__all__ = [
    "API_PATHS",
    "AUTHORIZE_PATH",
    "DEFAULT_NOW",
    "FAULT_KINDS",
    "FaultRule",
    "EmulatorCounters",
    "REVOKE_PATH",
    "SlidingWindowRateLimiter",
    "TOKEN_PATH",
    "TikTokEmulator",
    "USER_FIELD_SCOPES",
    "USER_INFO_PATH",
    "VIDEO_FIELDS",
    "VIDEO_LIST_PATH",
    "VIDEO_QUERY_PATH",
    "main",
]

# --------------------------------------------------------------------------------------
# Protocol constants (SPEC.md section 1)
# --------------------------------------------------------------------------------------

TOKEN_PATH = "/v2/oauth/token/"
REVOKE_PATH = "/v2/oauth/revoke/"
AUTHORIZE_PATH = "/v2/auth/authorize/"
USER_INFO_PATH = "/v2/user/info/"
VIDEO_LIST_PATH = "/v2/video/list/"
VIDEO_QUERY_PATH = "/v2/video/query/"
#: Not a TikTok endpoint: lets a process that started the emulator through the CLI read
#: the counters.  Requests to it are not counted, rate limited or faulted.
STATS_PATH = "/__emulator__/stats"

#: The data endpoints: they use the ``{"data", "error"}`` envelope, bearer auth, the
#: per-endpoint rate limit, and are what a ``FaultRule`` with ``endpoint=None`` targets.
API_PATHS: frozenset[str] = frozenset({USER_INFO_PATH, VIDEO_LIST_PATH, VIDEO_QUERY_PATH})

#: path -> the only HTTP method TikTok accepts there.
ROUTES: dict[str, str] = {
    TOKEN_PATH: "POST",
    REVOKE_PATH: "POST",
    AUTHORIZE_PATH: "GET",
    USER_INFO_PATH: "GET",
    VIDEO_LIST_PATH: "POST",
    VIDEO_QUERY_PATH: "POST",
}

#: user/info field -> scope that must have been granted to read it.
USER_FIELD_SCOPES: dict[str, str] = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "username": "user.info.profile",
    "is_verified": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}

#: All video fields in the order TikTok documents them (scope video.list).
VIDEO_FIELDS: tuple[str, ...] = (
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "title",
    "duration",
    "height",
    "width",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
)

ALL_SCOPES: tuple[str, ...] = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")

#: error.code -> HTTP status, as documented by TikTok.
ERROR_STATUS: dict[str, int] = {
    "ok": 200,
    "access_token_invalid": 401,
    "scope_not_authorized": 401,
    "scope_permission_missed": 400,
    "invalid_params": 400,
    "rate_limit_exceeded": 429,
    "internal_error": 500,
}

#: Human sentences in TikTok's style, so that connector error messages read naturally.
ERROR_MESSAGES: dict[str, str] = {
    "ok": "",
    "access_token_invalid": "The access token is invalid or not found in the request.",
    "scope_not_authorized": "The user did not authorize the scope required for completing this request.",
    "scope_permission_missed": "The user did not grant the scope(s) needed for the requested fields.",
    "invalid_params": "The request parameters are malformed.",
    "rate_limit_exceeded": "API rate limit exceeded, please retry later.",
    "internal_error": "Something went wrong on TikTok's side. Please try again later.",
}

FAULT_KINDS: frozenset[str] = frozenset(
    {
        "http_429",
        "http_500",
        "http_503",
        "drop_connection",
        "access_token_invalid",
        "error_in_200",
        "repeat_cursor",
        "short_page",
    }
)
# Faults that replace the whole response, decided before authentication.
_RESPONSE_FAULTS: frozenset[str] = frozenset(
    {"http_429", "http_500", "http_503", "drop_connection", "access_token_invalid", "error_in_200"}
)
# Faults that distort a valid video/list page, decided once the request is known to be valid.
_PAGE_FAULTS: frozenset[str] = frozenset({"repeat_cursor", "short_page"})

#: Default creation time (unix seconds) of the newest video: a fixed constant so that
#: generated data, and therefore test expectations, never depend on the wall clock.
DEFAULT_NOW = 1_763_000_000
#: TikTok's launch (2016-09-01 UTC).  Generated videos never predate it, so a connector's
#: start-date logic is exercised with plausible timestamps.
TIKTOK_LAUNCH = 1_472_688_000
#: Signed TikTok CDN URLs expire after about six hours.
COVER_URL_LIFETIME = 6 * 3600
#: Authorization codes are short-lived; ten minutes is ample for an automated test.
AUTH_CODE_LIFETIME = 600.0
#: Bodies above this are refused: nothing the connector sends comes close.
MAX_BODY_BYTES = 1_000_000

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


# --------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------


@dataclass
class FaultRule:
    """One scripted misbehaviour of the emulated server.

    Why: every failure mode the connector must survive (throttling, 5xx, dropped
    sockets, tokens dying early, errors hidden in HTTP 200, cursors that never advance,
    short pages) has to be reproducible on demand and at a precise request, so that a
    test can assert exactly how the connector reacted.

    Scheduling is counted per rule, on the matching requests that reach the rule (see
    ``TikTokEmulator`` for the evaluation order): the first ``after`` matching requests
    are skipped; then, with ``every > 0`` the rule fires on every ``every``-th matching
    request, otherwise on the first ``times`` matching requests.

    ``endpoint=None`` matches the data endpoints (user/info, video/list, video/query);
    the OAuth endpoints are only faulted when named explicitly (e.g.
    ``endpoint="/v2/oauth/token/"``).  ``repeat_cursor`` and ``short_page`` only ever
    apply to ``/v2/video/list/``.
    """

    kind: str
    endpoint: str | None = None
    every: int = 0
    times: int = 1
    after: int = 0
    retry_after: float | None = None
    error_code: str = "internal_error"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if self.every < 0 or self.times < 0 or self.after < 0:
            raise ValueError("every, times and after must be >= 0")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must be >= 0")


class SlidingWindowRateLimiter:
    """TikTok's rate limit: at most ``limit`` accepted requests per key in any ``window`` seconds.

    Why a sliding window of timestamps rather than a token bucket: TikTok documents its
    limit as "N requests per endpoint per sliding minute", and a connector that paces
    itself with a moving-window policy must see exactly that behaviour.  Rejected
    requests do not consume a slot, so a client that honours ``Retry-After`` always gets
    through when told to come back.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("limit must be >= 1")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._accepted: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> int | None:
        """Record a request for ``key``; return None if accepted, else whole seconds to wait."""
        now = self._clock()
        with self._lock:
            stamps = self._accepted.setdefault(key, deque())
            horizon = now - self.window
            while stamps and stamps[0] <= horizon:
                stamps.popleft()
            if len(stamps) < self.limit:
                stamps.append(now)
                return None
            return max(1, math.ceil(stamps[0] + self.window - now))

    def reset(self) -> None:
        """Forget all history (used by tests that reuse one emulator)."""
        with self._lock:
            self._accepted.clear()


class EmulatorCounters:
    """Thread-safe request statistics, readable while the server runs.

    Why: tests and the benchmark assert on what the connector *did* (how many pages it
    fetched, whether it refreshed once, whether it backed off, how parallel it was), which
    the connector's output alone cannot show.  Properties return copies so a reader never
    iterates a dict that a server thread is mutating.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests_by_endpoint: dict[str, int] = {}
        self._responses_by_status: dict[int, int] = {}
        self._faults_fired: dict[str, int] = {}
        self._rate_limited = 0
        self._dropped_connections = 0
        self._in_flight = 0
        self._max_concurrent = 0
        self._total_requests = 0

    # -- recording (called by the server) --------------------------------------------
    def begin(self, path: str) -> None:
        """A request for ``path`` has been parsed and is now in flight."""
        with self._lock:
            self._requests_by_endpoint[path] = self._requests_by_endpoint.get(path, 0) + 1
            self._total_requests += 1
            self._in_flight += 1
            if self._in_flight > self._max_concurrent:
                self._max_concurrent = self._in_flight

    def end(self, status: int | None) -> None:
        """The request's answer is decided (recorded just before it is written).

        ``status`` None means the connection is dropped without an answer.
        """
        with self._lock:
            self._in_flight -= 1
            if status is None:
                self._dropped_connections += 1
                return
            self._responses_by_status[status] = self._responses_by_status.get(status, 0) + 1
            if status == 429:
                self._rate_limited += 1

    def fault_fired(self, kind: str) -> None:
        with self._lock:
            self._faults_fired[kind] = self._faults_fired.get(kind, 0) + 1

    # -- reading ---------------------------------------------------------------------
    @property
    def requests_by_endpoint(self) -> dict[str, int]:
        with self._lock:
            return dict(self._requests_by_endpoint)

    @property
    def responses_by_status(self) -> dict[int, int]:
        with self._lock:
            return dict(self._responses_by_status)

    @property
    def faults_fired(self) -> dict[str, int]:
        with self._lock:
            return dict(self._faults_fired)

    @property
    def rate_limited(self) -> int:
        with self._lock:
            return self._rate_limited

    @property
    def dropped_connections(self) -> int:
        with self._lock:
            return self._dropped_connections

    @property
    def max_concurrent(self) -> int:
        with self._lock:
            return self._max_concurrent

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def total_requests(self) -> int:
        with self._lock:
            return self._total_requests

    def reset(self) -> None:
        """Zero everything; the concurrency peak restarts from the requests now in flight."""
        with self._lock:
            self._requests_by_endpoint.clear()
            self._responses_by_status.clear()
            self._faults_fired.clear()
            self._rate_limited = 0
            self._dropped_connections = 0
            self._total_requests = 0
            self._max_concurrent = self._in_flight

    def snapshot(self) -> dict[str, Any]:
        """All counters at one instant, as a dict that ``json.dumps`` accepts."""
        with self._lock:
            return {
                "total_requests": self._total_requests,
                "requests_by_endpoint": dict(self._requests_by_endpoint),
                "responses_by_status": dict(self._responses_by_status),
                "rate_limited": self._rate_limited,
                "dropped_connections": self._dropped_connections,
                "faults_fired": dict(self._faults_fired),
                "in_flight": self._in_flight,
                "max_concurrent": self._max_concurrent,
            }


# --------------------------------------------------------------------------------------
# Internal state records
# --------------------------------------------------------------------------------------


@dataclass
class _Request:
    """The parts of an HTTP request the emulator logic needs, decoupled from the socket."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class _Response:
    """A fully rendered response: the body is JSON-encoded exactly once, up front."""

    status: int
    body: bytes
    log_id: str
    content_type: str = JSON_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Grant:
    """One user authorisation; revoking any of its tokens ends all of them."""

    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class _AccessToken:
    grant: _Grant
    expires_at: float
    valid: bool = True
    uses: int = 0


@dataclass
class _RefreshToken:
    grant: _Grant
    expires_at: float


@dataclass
class _AuthCode:
    client_key: str
    redirect_uri: str
    code_challenge: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class _FaultState:
    """A rule plus its private request count, so every rule keeps its own schedule."""

    rule: FaultRule
    seen: int = 0
    fired: int = 0

    def matches(self, path: str, phase: frozenset[str]) -> bool:
        if self.rule.kind not in phase:
            return False
        if self.rule.kind in _PAGE_FAULTS:
            return path == VIDEO_LIST_PATH and self.rule.endpoint in (None, VIDEO_LIST_PATH)
        if self.rule.endpoint is None:
            return path in API_PATHS
        return self.rule.endpoint == path

    def tick(self) -> bool:
        """Count one matching request and say whether the rule fires on it."""
        self.seen += 1
        k = self.seen - self.rule.after
        if k <= 0:
            return False
        fire = (k % self.rule.every == 0) if self.rule.every > 0 else (k <= self.rule.times)
        if fire:
            self.fired += 1
        return fire


class _ApiError(Exception):
    """Raised by request validation to answer with a TikTok error envelope."""

    def __init__(self, code: str, message: str | None = None, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, code)
        self.headers = headers


class _OAuthError(Exception):
    """Raised by the OAuth endpoints, which answer with a flat ``{"error", ...}`` body."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description


# --------------------------------------------------------------------------------------
# Deterministic data
# --------------------------------------------------------------------------------------

#: Captions that have broken real pipelines: every one must survive a sync byte for byte.
AWKWARD_TEXTS: tuple[str, ...] = (
    "",
    "Sunset vibes \U0001f305\U0001f525 #fyp #sunset",
    "家族旅行 \U0001f1ef\U0001f1f5 東京タワーに行きました！#旅行 #東京",
    "مرحبا بالجميع! هذا فيديو جديد \U0001f389 #عربي",
    "Cafe\u0301 au lait, cre\u0300me bru\u0302le\u0301e \u2014 decomposed accents",
    "She said \"don't\" and I said 'why not' \U0001f602",
    "Path C:\\Users\\creator\\final\\n is not a newline \\u0041",
    "Line one\nLine two\n\tindented with a tab\r\nwindows line end",
    "<b>Bold &amp; brave</b> <script>alert('x')</script> &lt;3",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 ZWJ family, flags \U0001f3f3\ufe0f\u200d\U0001f308 \U0001f1fa\U0001f1e6, skin \U0001f44d\U0001f3fd",
    "Mixed: English / 中文 / עברית / Ελληνικά / हिन्दी / 한국어 \u2728",
    "trailing and leading spaces   ",
    "\u2028line separator\u2029paragraph separator\u00a0nbsp",
    ("150 chars: " + "\U0001f3ac" * 139)[:150],
    "{\"json\": [1, 2, {\"nested\": null}]} ; DROP TABLE videos; --",
)

_PHRASES: tuple[str, ...] = (
    "Morning routine",
    "Trying the viral recipe",
    "Behind the scenes",
    "Q&A with followers",
    "Studio session",
    "Day in the life",
    "Tutorial part",
    "Unboxing",
    "Travel diary",
    "Workout of the day",
)
_TAGS: tuple[str, ...] = ("fyp", "foryou", "viral", "creator", "howto", "music", "travel", "food", "dance", "diy")
_DIMENSIONS: tuple[tuple[int, int], ...] = ((1024, 576), (1920, 1080), (1280, 720), (720, 720), (1080, 1920))


def _create_times(rng: random.Random, count: int, pattern: str, now: int) -> list[int]:
    """Strictly decreasing creation times (newest = ``now``) shaped by ``pattern``.

    Why unique seconds: the video/list cursor has millisecond resolution but
    ``create_time`` only seconds, so two videos in the same second would make the
    "strictly before the cursor" rule ambiguous.  Real accounts rarely post twice in one
    second; the emulator never does, which keeps paging exact.  When the nominal spread
    would reach before TikTok existed, gaps are shrunk proportionally (each stays >= 1 s).
    """
    gaps: list[int] = []
    if pattern == "uniform":
        gaps = [86_400 + rng.randint(-4 * 3600, 4 * 3600) for _ in range(count - 1)]
    elif pattern == "clustered":
        left = rng.randint(5, 40)
        for _ in range(count - 1):
            if left > 1:
                gaps.append(rng.randint(60, 15 * 60))
                left -= 1
            else:
                gaps.append(rng.randint(45 * 86_400, 200 * 86_400))
                left = rng.randint(5, 40)
    elif pattern == "sparse":
        gaps = [rng.randint(14 * 86_400, 365 * 86_400) for _ in range(count - 1)]
    else:
        raise ValueError(f"unknown posting_pattern {pattern!r}; expected uniform, clustered or sparse")
    span = now - TIKTOK_LAUNCH
    total = sum(gaps)
    if gaps and total > span:
        factor = (span - len(gaps)) / total
        gaps = [1 + int(g * factor) for g in gaps]
    times = [now]
    t = now
    for gap in gaps:
        t -= gap
        times.append(t)
    return times


def _signature(rng: random.Random) -> str:
    """A URL-encoded, signature-looking query value (ends in an escaped ``=``)."""
    return f"{rng.getrandbits(108):027x}%3D"


def _pick(rng: random.Random, options: Sequence[Any]) -> Any:
    """``rng.choice`` without its per-call overhead (generation of 50,000 videos must be quick)."""
    return options[int(rng.random() * len(options))]


def _generate_videos(
    rng: random.Random, count: int, pattern: str, now: int, username: str, client_key: str
) -> list[dict[str, Any]]:
    """Build all video objects, newest first, from ``rng`` alone (so seed -> same data).

    Ids embed the creation second in their upper 32 bits, like TikTok's, which makes them
    unique, 19 digits long and far above 2**53 (a float would corrupt them).
    """
    videos: list[dict[str, Any]] = []
    utm = urlencode({"utm_campaign": "tt4d_open_api", "utm_source": client_key})
    for i, create_time in enumerate(_create_times(rng, count, pattern, now)):
        video_id = str((create_time << 32) | rng.getrandbits(32))
        height, width = _pick(rng, _DIMENSIONS)
        if i % 3 == 1:
            description = AWKWARD_TEXTS[(i // 3) % len(AWKWARD_TEXTS)]
            title: str | None = AWKWARD_TEXTS[(i // 3 + 5) % len(AWKWARD_TEXTS)]
        else:
            phrase = _pick(rng, _PHRASES)
            description = f"{phrase} #{i} #{_pick(rng, _TAGS)} #{_pick(rng, _TAGS)}"
            title = f"{phrase} ({i})"
        if i % 9 == 4:
            title = None  # TikTok sometimes omits a value altogether
        if i == 0:  # just posted: nobody has seen it yet
            views = likes = comments = shares = 0
        else:
            views = int(min(rng.paretovariate(1.1) * 400, 50_000_000))
            likes = int(views * rng.uniform(0.01, 0.15))
            comments = int(likes * rng.uniform(0.0, 0.05))
            shares = int(likes * rng.uniform(0.0, 0.03))
            if i % 23 == 5:  # viral: beyond a signed 32-bit integer
                views = rng.randint(2**31 + 1, 9_000_000_000)
                likes = rng.randint(2**31 + 1, views) if i % 46 == 5 else views // 20
            if i % 11 == 7:
                comments = shares = 0
        cover_key = f"{rng.getrandbits(128):032x}"
        video: dict[str, Any] = {
            "id": video_id,
            "create_time": create_time,
            "cover_image_url": (
                f"https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/{cover_key}~tplv-noop.image"
                f"?x-expires={now + COVER_URL_LIFETIME}"
                f"&x-signature={_signature(rng)}"
            ),
            "share_url": f"https://www.tiktok.com/@{username}/video/{video_id}?{utm}",
            "video_description": description,
            "title": title,
            "duration": rng.randint(3, 600),
            "height": height,
            "width": width,
            "embed_html": (
                f'<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@{username}/video/{video_id}" '
                f'data-video-id="{video_id}" style="max-width: 605px;min-width: 325px;"> <section> '
                f'<a target="_blank" title="@{username}" href="https://www.tiktok.com/@{username}?refer=embed">'
                f"@{username}</a> </section> </blockquote> "
                '<script async src="https://www.tiktok.com/embed.js"></script>'
            ),
            "embed_link": f"https://www.tiktok.com/player/v1/{video_id}?{utm}",
            "like_count": likes,
            "comment_count": comments,
            "share_count": shares,
            "view_count": views,
        }
        if title is None:
            del video["title"]
        videos.append(video)
    return videos


def _generate_user(rng: random.Random, video_count: int, now: int) -> dict[str, Any]:
    """The 14-field user object, with unicode in the free-text fields and a count > 2**31."""
    handle = f"emu.creator_{rng.randrange(10_000):04d}"
    avatar_key = rng.randbytes(16).hex()
    avatar_base = f"https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/{avatar_key}"
    expires = now + COVER_URL_LIFETIME
    return {
        "open_id": "-000" + rng.randbytes(24).hex()[:36],
        "union_id": "c" + rng.randbytes(16).hex()[:35],
        "avatar_url": f"{avatar_base}~c5_168x168.jpeg?x-expires={expires}&x-signature={_signature(rng)}",
        "avatar_url_100": f"{avatar_base}~c5_100x100.jpeg?x-expires={expires}&x-signature={_signature(rng)}",
        "avatar_large_url": f"{avatar_base}~c5_1080x1080.jpeg?x-expires={expires}&x-signature={_signature(rng)}",
        "display_name": "Émilie \U0001f338 エミュ · ليلى",
        "bio_description": "Creator of things \u2728\nLinks \u2b07\ufe0f \"quoted\" & <tagged>\n\u4e2d\u6587 / \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
        "profile_deep_link": f"https://vm.tiktok.com/ZM{rng.randbytes(4).hex()}/",
        "username": handle,
        "is_verified": True,
        "follower_count": rng.randint(10_000, 5_000_000),
        "following_count": rng.randint(0, 2_000),
        "likes_count": rng.randint(2**31 + 1, 2**33),
        "video_count": video_count,
    }


def _json(obj: Any) -> bytes:
    """Compact UTF-8 JSON (raw non-ASCII, like TikTok) encoded once per response."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Thread-per-connection HTTP/1.1 server tuned for thousands of small requests.

    Why these settings: daemon threads and ``block_on_close = False`` let ``stop()``
    return even while keep-alive clients still hold connections; ``TCP_NODELAY`` avoids
    the 40 ms Nagle/delayed-ACK stall on every small response; a larger accept backlog
    absorbs bursts from concurrent connector workers; open sockets are tracked so
    ``stop()`` can close them and idle handler threads exit.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: TikTokEmulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: skip it.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response is normal under test; anything else is a bug.
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        traceback.print_exc(file=sys.stderr)


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP request into a ``_Request``, asks the emulator, writes one buffer."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base class
        """Silenced: per-request logging to stderr would dominate the benchmark's runtime."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes | None:
        """Read the request body completely (keep-alive needs it); None if malformed."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        emulator = self.server.emulator
        split = urlsplit(self.path)
        path = split.path
        if path == STATS_PATH:
            self._write(emulator._render_stats())
            return
        counters = emulator.counters
        counters.begin(path)
        finished = False
        try:
            body = self._read_body()
            if body is None:
                self.close_connection = True
                response: _Response | None = emulator._envelope_error("invalid_params", "Malformed request body.")
            else:
                request = _Request(
                    method=self.command,
                    path=path,
                    query=parse_qs(split.query, keep_blank_values=True),
                    headers=self.headers,
                    body=body,
                )
                try:
                    response = emulator._serve(request)
                except Exception:  # an emulator bug: be loud, but still answer
                    traceback.print_exc(file=sys.stderr)
                    response = emulator._envelope_error("internal_error", "Emulator failure (see its stderr).")
            # Counted before the bytes leave: a client that reads the counters right after
            # receiving its response must see that response already accounted for.
            counters.end(None if response is None else response.status)
            finished = True
            if response is None:  # drop_connection: close without a single byte
                self.close_connection = True
                return
            self._write(response)
        finally:
            if not finished:
                counters.end(None)

    def _write(self, response: _Response) -> None:
        """Status line, headers and body in one ``send`` with an exact Content-Length."""
        phrase = http.HTTPStatus(response.status).phrase
        lines = [
            f"HTTP/1.1 {response.status} {phrase}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            f"X-Tt-Logid: {response.log_id}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + response.body)
        except OSError:
            self.close_connection = True


# --------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------


class TikTokEmulator:
    """TikTok Open API v2 on 127.0.0.1, with deterministic data and scriptable faults.

    Request handling order (it decides which rule "sees" which request):

    1. the request is counted and ``latency`` is slept;
    2. unknown path -> 404, wrong method -> 405;
    3. data endpoints: the rate limiter (a rejected request goes no further), then the
       response-replacing faults (``http_*``, ``drop_connection``,
       ``access_token_invalid``, ``error_in_200``), then bearer authentication, scope
       and parameter checks, and finally for video/list the page faults
       (``repeat_cursor``, ``short_page``);
    4. OAuth endpoints: explicitly targeted faults, then the endpoint logic.

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
        granted_scopes: tuple[str, ...] = ALL_SCOPES,
        rotate_refresh_tokens: bool = True,
        access_token_expires_in: int = 86400,
        refresh_expires_in: int = 31536000,
        access_token_lifetime_requests: int | None = None,
        latency: float = 0.0,
        rate_limit_per_minute: int | None = None,
        rate_limit_window_seconds: float = 60.0,
        faults: list[FaultRule] | None = None,
        token_endpoint_error_in_200: bool = False,
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

        rng = random.Random(seed)
        self.user: dict[str, Any] = _generate_user(rng, video_count, now)
        self.videos: list[dict[str, Any]] = _generate_videos(
            rng, video_count, posting_pattern, now, self.user["username"], client_key
        )
        self._videos_by_id: dict[str, dict[str, Any]] = {v["id"]: v for v in self.videos}
        # Ascending creation times, for bisect: page lookup is O(log n + page).
        self._ascending_times: list[int] = [v["create_time"] for v in reversed(self.videos)]

        self.counters = EmulatorCounters()
        # The window is TikTok's minute; tests shrink it to exercise the limiter in seconds.
        self._limiter = (
            SlidingWindowRateLimiter(rate_limit_per_minute, window=rate_limit_window_seconds)
            if rate_limit_per_minute
            else None
        )
        self._lock = threading.RLock()
        self._faults: list[_FaultState] = [_FaultState(rule) for rule in (faults or [])]
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, _RefreshToken] = {}
        self._auth_codes: dict[str, _AuthCode] = {}
        self._serial = 0
        self._log_serial = 0
        self._current_refresh_token = refresh_token
        initial_grant = _Grant(scopes=self.granted_scopes)
        self._refresh_tokens[refresh_token] = _RefreshToken(initial_grant, time.time() + refresh_expires_in)

        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Bind 127.0.0.1:``port`` (0 = any free port), serve in a daemon thread, return the base URL."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        server = _Server(("127.0.0.1", port), self)
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
        with self._lock:
            return self._current_refresh_token

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
        with self._lock:
            for token in self._access_tokens.values():
                token.valid = False

    def issue_access_token(self) -> str:
        """Mint a valid access token with the default grant, bypassing OAuth.

        Why: tests of the data endpoints (and the emulator's own tests) should not need a
        token round-trip when the token flow is not what they test.
        """
        with self._lock:
            return self._mint_access_token(_Grant(scopes=self.granted_scopes))

    def add_refresh_token(self, refresh_token: str, scopes: Sequence[str]) -> None:
        """Register another account authorisation: ``refresh_token`` granting only ``scopes``.

        Why: one emulator can then serve a fully authorised config and one missing scopes,
        as TikTok serves users who unticked a scope on its consent screen.
        """
        with self._lock:
            grant = _Grant(scopes=tuple(scopes))
            self._refresh_tokens[refresh_token] = _RefreshToken(grant, time.time() + self.refresh_expires_in)

    # -- faults ----------------------------------------------------------------------
    def add_fault(self, rule: FaultRule) -> None:
        """Append a rule; it starts counting matching requests from now."""
        with self._lock:
            self._faults.append(_FaultState(rule))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[FaultRule]:
        with self._lock:
            return [state.rule for state in self._faults]

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

    # -- request pipeline ------------------------------------------------------------
    def _serve(self, request: _Request) -> _Response | None:
        """Answer one request; None means "drop the connection without answering"."""
        if self.latency:
            time.sleep(self.latency)
        expected_method = ROUTES.get(request.path)
        if expected_method is None:
            return self._envelope(404, "invalid_params", f"Path {request.path} does not exist.")
        if request.method != expected_method:
            return self._envelope(
                405,
                "invalid_params",
                f"Method {request.method} is not allowed on {request.path}; use {expected_method}.",
                headers=(("Allow", expected_method),),
            )
        if request.path in API_PATHS:
            return self._serve_api(request)
        return self._serve_oauth(request)

    def _serve_api(self, request: _Request) -> _Response | None:
        try:
            if self._limiter is not None:
                wait = self._limiter.acquire(request.path)
                if wait is not None:
                    raise _ApiError("rate_limit_exceeded", headers=(("Retry-After", str(wait)),))
            rule = self._next_fault(request.path, _RESPONSE_FAULTS)
            if rule is not None:
                return self._api_fault(rule, request)
            grant = self._authenticate(request)
            if request.path == USER_INFO_PATH:
                data = self._user_info(request, grant)
            elif request.path == VIDEO_LIST_PATH:
                data = self._video_list(request, grant)
            else:
                data = self._video_query(request, grant)
        except _ApiError as error:
            return self._envelope(ERROR_STATUS[error.code], error.code, error.message, headers=error.headers)
        return self._envelope(200, "ok", "", data)

    def _serve_oauth(self, request: _Request) -> _Response | None:
        rule = self._next_fault(request.path, _RESPONSE_FAULTS)
        if rule is not None:
            return self._oauth_fault(rule, request)
        try:
            if request.path == AUTHORIZE_PATH:
                return self._authorize(request)
            if self.token_endpoint_error_in_200 and request.path == TOKEN_PATH:
                raise _OAuthError(200, "invalid_grant", "Refresh token is invalid or expired.")
            form = self._form(request)
            self._check_client(form)
            if request.path == REVOKE_PATH:
                return self._revoke(form)
            return self._token(form)
        except _OAuthError as error:
            return self._oauth_error(error.status, error.error, error.description)

    # -- responses -------------------------------------------------------------------
    def _new_log_id(self) -> str:
        with self._lock:
            self._log_serial += 1
            return f"emu-{self._log_serial:09d}"

    def _envelope(
        self,
        status: int,
        code: str,
        message: str,
        data: dict[str, Any] | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> _Response:
        log_id = self._new_log_id()
        body = _json({"data": data if data is not None else {}, "error": {"code": code, "message": message, "log_id": log_id}})
        return _Response(status, body, log_id, headers=headers)

    def _envelope_error(self, code: str, message: str | None = None) -> _Response:
        return self._envelope(ERROR_STATUS[code], code, message or ERROR_MESSAGES[code])

    def _oauth_error(self, status: int, error: str, description: str, headers: tuple[tuple[str, str], ...] = ()) -> _Response:
        log_id = self._new_log_id()
        body = _json({"error": error, "error_description": description, "log_id": log_id})
        return _Response(status, body, log_id, headers=headers)

    def _oauth_ok(self, payload: dict[str, Any]) -> _Response:
        return _Response(200, _json(payload), self._new_log_id())

    def _render_stats(self) -> _Response:
        return _Response(200, _json(self.counters.snapshot()), self._new_log_id())

    # -- faults ----------------------------------------------------------------------
    def _next_fault(self, path: str, phase: frozenset[str]) -> FaultRule | None:
        chosen: FaultRule | None = None
        with self._lock:
            for state in self._faults:
                # Every matching rule counts the request, so each rule's schedule is
                # independent of the others; the first rule that fires answers it.
                if state.matches(path, phase) and state.tick() and chosen is None:
                    chosen = state.rule
            if chosen is not None:
                self.counters.fault_fired(chosen.kind)
        return chosen

    def _retry_after_headers(self, rule: FaultRule) -> tuple[tuple[str, str], ...]:
        return (("Retry-After", _format_seconds(rule.retry_after)),) if rule.retry_after is not None else ()

    def _api_fault(self, rule: FaultRule, request: _Request) -> _Response | None:
        if rule.kind == "drop_connection":
            return None
        if rule.kind == "http_429":
            return self._envelope(
                429, "rate_limit_exceeded", ERROR_MESSAGES["rate_limit_exceeded"], headers=self._retry_after_headers(rule)
            )
        if rule.kind in ("http_500", "http_503"):
            return self._envelope(int(rule.kind[-3:]), "internal_error", ERROR_MESSAGES["internal_error"])
        if rule.kind == "access_token_invalid":
            token = self._bearer(request)
            with self._lock:
                record = self._access_tokens.get(token) if token else None
                if record is not None:
                    record.valid = False  # really dead: only a refresh helps
            return self._envelope(401, "access_token_invalid", ERROR_MESSAGES["access_token_invalid"])
        # error_in_200
        message = ERROR_MESSAGES.get(rule.error_code, f"Request failed with {rule.error_code}.")
        return self._envelope(200, rule.error_code, message)

    def _oauth_fault(self, rule: FaultRule, request: _Request) -> _Response | None:
        if rule.kind == "drop_connection":
            return None
        if rule.kind == "http_429":
            return self._oauth_error(
                429, "rate_limit_exceeded", ERROR_MESSAGES["rate_limit_exceeded"], self._retry_after_headers(rule)
            )
        if rule.kind in ("http_500", "http_503"):
            return self._oauth_error(int(rule.kind[-3:]), "internal_error", ERROR_MESSAGES["internal_error"])
        if rule.kind == "access_token_invalid":
            return self._oauth_error(401, "access_token_invalid", ERROR_MESSAGES["access_token_invalid"])
        return self._oauth_error(200, rule.error_code, f"Request failed with {rule.error_code}.")

    # -- auth ------------------------------------------------------------------------
    @staticmethod
    def _bearer(request: _Request) -> str | None:
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def _authenticate(self, request: _Request) -> _Grant:
        """The grant behind the request's bearer token, or 401 access_token_invalid."""
        token = self._bearer(request)
        with self._lock:
            record = self._access_tokens.get(token) if token else None
            if record is None or not record.valid or record.grant.revoked:
                raise _ApiError("access_token_invalid")
            if time.time() >= record.expires_at:
                record.valid = False
                raise _ApiError("access_token_invalid", "The access token has expired.")
            record.uses += 1
            limit = self.access_token_lifetime_requests
            if limit is not None and record.uses > limit:
                record.valid = False
                raise _ApiError("access_token_invalid", "The access token has expired.")
            return record.grant

    def _mint_access_token(self, grant: _Grant) -> str:
        self._serial += 1
        token = f"act.{secrets.token_hex(24)}!{6000 + self._serial}.va"
        self._access_tokens[token] = _AccessToken(grant, time.time() + self.access_token_expires_in)
        return token

    def _mint_refresh_token(self, grant: _Grant) -> str:
        self._serial += 1
        token = f"rft.{self._serial}.{secrets.token_hex(20)}!6197.va"
        self._refresh_tokens[token] = _RefreshToken(grant, time.time() + self.refresh_expires_in)
        self._current_refresh_token = token
        return token

    # -- OAuth endpoints -------------------------------------------------------------
    @staticmethod
    def _form(request: _Request) -> dict[str, str]:
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise _OAuthError(
                400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded; JSON is not accepted."
            )
        try:
            parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise _OAuthError(400, "invalid_request", "The request body is not valid UTF-8.") from None
        return {key: values[0] for key, values in parsed.items()}

    @staticmethod
    def _require(form: Mapping[str, str], *names: str) -> None:
        missing = [name for name in names if not form.get(name)]
        if missing:
            raise _OAuthError(400, "invalid_request", f"Missing required parameter(s): {', '.join(missing)}.")

    def _check_client(self, form: Mapping[str, str]) -> None:
        self._require(form, "client_key", "client_secret")
        if form["client_key"] != self.client_key or form["client_secret"] != self.client_secret:
            raise _OAuthError(401, "invalid_client", "Client key or client secret is invalid.")

    def _token(self, form: Mapping[str, str]) -> _Response:
        grant_type = form.get("grant_type")
        if not grant_type:
            raise _OAuthError(400, "invalid_request", "Missing required parameter(s): grant_type.")
        if grant_type == "refresh_token":
            return self._refresh(form)
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        raise _OAuthError(400, "unsupported_grant_type", f"Grant type {grant_type} is not supported.")

    def _token_body(self, grant: _Grant, refresh_token: str, refresh_expires_in: int) -> dict[str, Any]:
        return {
            "access_token": self._mint_access_token(grant),
            "expires_in": self.access_token_expires_in,
            "open_id": self.user["open_id"],
            "refresh_token": refresh_token,
            "refresh_expires_in": refresh_expires_in,
            "scope": ",".join(grant.scopes),
            "token_type": "Bearer",
        }

    def _refresh(self, form: Mapping[str, str]) -> _Response:
        self._require(form, "refresh_token")
        presented = form["refresh_token"]
        with self._lock:
            record = self._refresh_tokens.get(presented)
            if record is None or record.grant.revoked:
                raise _OAuthError(400, "invalid_grant", "Refresh token is invalid or expired.")
            if time.time() >= record.expires_at:
                del self._refresh_tokens[presented]
                raise _OAuthError(400, "invalid_grant", "Refresh token is invalid or expired.")
            if self.rotate_refresh_tokens:
                del self._refresh_tokens[presented]  # the previous token stops working
                new_token = self._mint_refresh_token(record.grant)
                remaining = self.refresh_expires_in
            else:
                new_token = presented
                remaining = max(0, int(record.expires_at - time.time()))
            body = self._token_body(record.grant, new_token, remaining)
        return self._oauth_ok(body)

    def _exchange_code(self, form: Mapping[str, str]) -> _Response:
        self._require(form, "code", "redirect_uri", "code_verifier")
        with self._lock:
            code = self._auth_codes.pop(form["code"], None)  # single use, even if it fails
            if code is None or time.time() >= code.expires_at:
                raise _OAuthError(400, "invalid_grant", "Authorization code is invalid, expired or already used.")
            if code.client_key != form["client_key"]:
                raise _OAuthError(400, "invalid_grant", "Authorization code was issued to another client.")
            if code.redirect_uri != form["redirect_uri"]:
                raise _OAuthError(400, "invalid_grant", "Redirect URI does not match the one used to authorize.")
            # TikTok's PKCE challenge is the HEX digest of SHA-256(verifier), not base64url.
            if hashlib.sha256(form["code_verifier"].encode("utf-8")).hexdigest() != code.code_challenge:
                raise _OAuthError(400, "invalid_grant", "Code verifier or code challenge is invalid.")
            grant = _Grant(scopes=code.scopes)
            refresh_token = self._mint_refresh_token(grant)
            body = self._token_body(grant, refresh_token, self.refresh_expires_in)
        return self._oauth_ok(body)

    def _revoke(self, form: Mapping[str, str]) -> _Response:
        self._require(form, "token")
        token = form["token"]
        with self._lock:
            record: _AccessToken | _RefreshToken | None = self._access_tokens.get(token) or self._refresh_tokens.get(token)
            if record is not None:  # unknown tokens: success too, as RFC 7009 asks
                record.grant.revoked = True
                for key in [k for k, v in self._refresh_tokens.items() if v.grant is record.grant]:
                    del self._refresh_tokens[key]
        return self._oauth_ok({})

    def _authorize(self, request: _Request) -> _Response:
        """An auto-consenting stand-in for TikTok's consent page."""
        redirect_uri = request.param("redirect_uri") or ""
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc:
            raise _OAuthError(400, "invalid_request", "redirect_uri is missing or is not an absolute http(s) URL.")
        if request.param("client_key") != self.client_key:
            raise _OAuthError(400, "invalid_client", "client_key is missing or unknown.")
        state = request.param("state")

        def redirect(params: dict[str, str]) -> _Response:
            if state is not None:
                params["state"] = state
            separator = "&" if target.query else "?"
            location = quote(redirect_uri, safe=":/?#[]@!$&'()*+,;=%~") + separator + urlencode(params)
            return _Response(302, b"", self._new_log_id(), headers=(("Location", location),))

        if request.param("response_type") != "code":
            return redirect({"error": "unsupported_response_type", "error_description": "response_type must be code."})
        if not request.param("code_challenge"):
            return redirect({"error": "invalid_request", "error_description": "code_challenge is required."})
        if request.param("code_challenge_method") != "S256":
            return redirect({"error": "invalid_request", "error_description": "code_challenge_method must be S256."})
        requested = {s.strip() for s in (request.param("scope") or "").split(",") if s.strip()}
        scopes = tuple(s for s in self.granted_scopes if s in requested)
        if not scopes:
            return redirect({"error": "invalid_scope", "error_description": "No requested scope can be granted."})
        with self._lock:
            self._serial += 1
            code = f"{secrets.token_urlsafe(30)}*0!{6000 + self._serial}.va"
            self._auth_codes[code] = _AuthCode(
                client_key=self.client_key,
                redirect_uri=redirect_uri,
                code_challenge=request.param("code_challenge") or "",
                scopes=scopes,
                expires_at=time.time() + AUTH_CODE_LIFETIME,
            )
        return redirect({"code": code, "scopes": ",".join(scopes)})

    # -- data endpoints --------------------------------------------------------------
    @staticmethod
    def _fields(request: _Request, known: Iterable[str]) -> list[str]:
        raw = request.param("fields")
        fields = list(dict.fromkeys(f.strip() for f in (raw or "").split(",") if f.strip()))
        if not fields:
            raise _ApiError("invalid_params", "The fields parameter is required.")
        known_fields = set(known)
        unknown = [f for f in fields if f not in known_fields]
        if unknown:
            raise _ApiError("invalid_params", f"Invalid field(s): {', '.join(unknown)}.")
        return fields

    @staticmethod
    def _json_body(request: _Request) -> dict[str, Any]:
        if not request.body.strip():
            return {}
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise _ApiError("invalid_params", "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise _ApiError("invalid_params", "The request body must be a JSON object.")
        return body

    def _user_info(self, request: _Request, grant: _Grant) -> dict[str, Any]:
        fields = self._fields(request, USER_FIELD_SCOPES)
        if "user.info.basic" not in grant.scopes:
            raise _ApiError("scope_not_authorized")
        missing = sorted({USER_FIELD_SCOPES[f] for f in fields} - set(grant.scopes))
        if missing:
            raise _ApiError(
                "scope_permission_missed",
                f"The user did not grant the scope(s) needed for the requested fields: {', '.join(missing)}.",
            )
        return {"user": {f: self.user[f] for f in fields}}

    @staticmethod
    def _require_video_scope(grant: _Grant) -> None:
        if "video.list" not in grant.scopes:
            raise _ApiError(
                "scope_not_authorized",
                "The user did not authorize the scope required for completing this request: video.list.",
            )

    @staticmethod
    def _project(video: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        return {f: video[f] for f in fields if f in video}

    def _video_list(self, request: _Request, grant: _Grant) -> dict[str, Any]:
        self._require_video_scope(grant)
        fields = self._fields(request, VIDEO_FIELDS)
        body = self._json_body(request)
        cursor = body.get("cursor")
        if cursor is None:
            cursor = 0
        if isinstance(cursor, bool) or not isinstance(cursor, int) or not 0 <= cursor < 2**63:
            raise _ApiError("invalid_params", "cursor must be a non-negative int64 (unix milliseconds).")
        max_count = body.get("max_count")
        if max_count is None:
            max_count = 10
        if isinstance(max_count, bool) or not isinstance(max_count, int) or not 1 <= max_count <= 20:
            raise _ApiError("invalid_params", "max_count must be an integer between 1 and 20.")

        rule = self._next_fault(request.path, _PAGE_FAULTS)
        total = len(self.videos)
        if cursor == 0:
            start = 0
        else:
            # Videos strictly before the cursor: create_time * 1000 < cursor.
            first_excluded_second = -(-cursor // 1000)
            start = total - bisect.bisect_left(self._ascending_times, first_excluded_second)
        take = max(1, max_count // 2) if rule is not None and rule.kind == "short_page" else max_count
        page = self.videos[start : start + take]
        has_more = start + len(page) < total
        next_cursor = page[-1]["create_time"] * 1000 if page else cursor
        if rule is not None and rule.kind == "repeat_cursor":
            newest = self.videos[0]["create_time"] if self.videos else self.now
            next_cursor = cursor if cursor else (newest + 1) * 1000
            has_more = True
        return {"videos": [self._project(v, fields) for v in page], "cursor": next_cursor, "has_more": has_more}

    def _video_query(self, request: _Request, grant: _Grant) -> dict[str, Any]:
        self._require_video_scope(grant)
        fields = self._fields(request, VIDEO_FIELDS)
        body = self._json_body(request)
        filters = body.get("filters")
        ids = filters.get("video_ids") if isinstance(filters, dict) else None
        if not isinstance(ids, list):
            raise _ApiError("invalid_params", "filters.video_ids must be a list of video id strings.")
        if len(ids) > 20:
            raise _ApiError("invalid_params", "filters.video_ids accepts at most 20 ids.")
        if not all(isinstance(i, str) for i in ids):
            raise _ApiError("invalid_params", "Video ids must be strings.")
        found = [self._videos_by_id[i] for i in dict.fromkeys(ids) if i in self._videos_by_id]
        return {"videos": [self._project(v, fields) for v in found], "cursor": 0, "has_more": False}


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _parse_fault(spec: str) -> FaultRule:
    """``kind[,key=value...]``, e.g. ``http_429,endpoint=/v2/video/list/,every=5,retry_after=1``."""
    kind, *options = spec.split(",")
    values: dict[str, Any] = {}
    for option in options:
        key, _, raw = option.partition("=")
        key = key.strip()
        if key in ("every", "times", "after"):
            values[key] = int(raw)
        elif key == "retry_after":
            values[key] = float(raw)
        elif key in ("endpoint", "error_code"):
            values[key] = raw
        else:
            raise argparse.ArgumentTypeError(f"unknown fault option {key!r}")
    try:
        return FaultRule(kind=kind.strip(), **values)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tiktok_emulator",
        description="Serve an emulated TikTok Open API v2 on 127.0.0.1 until SIGINT/SIGTERM.",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--videos", type=int, default=200, help="number of videos the account has")
    parser.add_argument("--pattern", choices=("uniform", "clustered", "sparse"), default="uniform")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", type=int, default=None, help="unix seconds of the newest video")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds slept before each answer")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per endpoint per sliding minute")
    parser.add_argument(
        "--no-rotation", action="store_true", help="keep refresh tokens valid after use (the config stays usable)"
    )
    parser.add_argument(
        "--access-token-lifetime-requests", type=int, default=None, help="access tokens die after this many calls"
    )
    parser.add_argument("--fault", action="append", type=_parse_fault, default=[], metavar="KIND[,key=value...]")
    parser.add_argument("--write-config", metavar="PATH", help="write the connector config JSON here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: start, announce the URL on one flushed line, serve until signalled."""
    args = _build_parser().parse_args(argv)
    emulator = TikTokEmulator(
        video_count=args.videos,
        posting_pattern=args.pattern,
        seed=args.seed,
        now=args.now,
        latency=args.latency,
        rate_limit_per_minute=args.rate_limit,
        rotate_refresh_tokens=not args.no_rotation,
        access_token_lifetime_requests=args.access_token_lifetime_requests,
        faults=list(args.fault),
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    url = emulator.start(port=args.port)
    try:
        if args.write_config:
            # Written before the announcement, atomically, so a reader never sees half a file.
            tmp_path = f"{args.write_config}.tmp-{os.getpid()}"
            with open(tmp_path, "w", encoding="utf-8") as handle:
                json.dump(emulator.connector_config(), handle, indent=2)
            os.replace(tmp_path, args.write_config)
        print(f"TikTok emulator listening on {url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0

