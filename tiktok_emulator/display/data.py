"""The emulated creator account: a profile and its videos, generated deterministically from a seed.

Why generated rather than recorded: any account size and posting rhythm can be produced on demand,
the same seed always gives the same data (so tests can assert on it), and the data deliberately
contains what breaks pipelines (awkward unicode, counts above 2**31, ids above 2**53, absent values).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

#: Default creation time (unix seconds) of the newest video: a fixed constant so that
#: generated data, and therefore test expectations, never depend on the wall clock.
DEFAULT_NOW = 1_763_000_000
#: TikTok's launch (2016-09-01 UTC).  Generated videos never predate it, so a connector's
#: start-date logic is exercised with plausible timestamps.
TIKTOK_LAUNCH = 1_472_688_000
#: Signed TikTok CDN URLs expire after about six hours.
COVER_URL_LIFETIME = 6 * 3600
#: How the account posts: daily, in bursts with long pauses, or rarely.
POSTING_PATTERNS: tuple[str, ...] = ("uniform", "clustered", "sparse")


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
    (
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 ZWJ family, "
        "flags \U0001f3f3\ufe0f\u200d\U0001f308 \U0001f1fa\U0001f1e6, skin \U0001f44d\U0001f3fd"
    ),
    "Mixed: English / 中文 / עברית / Ελληνικά / हिन्दी / 한국어 \u2728",
    "trailing and leading spaces   ",
    "\u2028line separator\u2029paragraph separator\u00a0nbsp",
    ("150 chars: " + "\U0001f3ac" * 139)[:150],
    '{"json": [1, 2, {"nested": null}]} ; DROP TABLE videos; --',
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
_TAGS: tuple[str, ...] = (
    "fyp",
    "foryou",
    "viral",
    "creator",
    "howto",
    "music",
    "travel",
    "food",
    "dance",
    "diy",
)
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
                f'<blockquote class="tiktok-embed" '
                f'cite="https://www.tiktok.com/@{username}/video/{video_id}" '
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
            # Drawn from the index, not ``rng``: adding the field left every other value as it was.
            "is_aigc": i % 7 == 3,
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

    def avatar(size: str) -> str:
        # Called in field order: each signature draws from ``rng``.
        return f"{avatar_base}~c5_{size}.jpeg?x-expires={expires}&x-signature={_signature(rng)}"

    return {
        "open_id": "-000" + rng.randbytes(24).hex()[:36],
        "union_id": "c" + rng.randbytes(16).hex()[:35],
        "avatar_url": avatar("168x168"),
        "avatar_url_100": avatar("100x100"),
        "avatar_large_url": avatar("1080x1080"),
        "display_name": "Émilie \U0001f338 エミュ · ليلى",
        "bio_description": (
            'Creator of things \u2728\nLinks \u2b07\ufe0f "quoted" & <tagged>\n'
            "\u4e2d\u6587 / \u0627\u0644\u0639\u0631\u0628\u064a\u0629"
        ),
        "profile_deep_link": f"https://vm.tiktok.com/ZM{rng.randbytes(4).hex()}/",
        "username": handle,
        "is_verified": True,
        "follower_count": rng.randint(10_000, 5_000_000),
        "following_count": rng.randint(0, 2_000),
        "likes_count": rng.randint(2**31 + 1, 2**33),
        "video_count": video_count,
    }


class Account:
    """One creator: the user/info object and every video, newest first, plus lookup indexes."""

    def __init__(
        self, *, seed: int, video_count: int, posting_pattern: str, now: int, client_key: str
    ) -> None:
        self.now = now
        rng = random.Random(seed)
        self.user: dict[str, Any] = _generate_user(rng, video_count, now)
        self.videos: list[dict[str, Any]] = _generate_videos(
            rng, video_count, posting_pattern, now, self.user["username"], client_key
        )
        self._videos_by_id: dict[str, dict[str, Any]] = {v["id"]: v for v in self.videos}
        # Ascending creation times, for bisect: page lookup is O(log n + page).
        self._ascending_times: list[int] = [v["create_time"] for v in reversed(self.videos)]

    def first_index_before(self, cursor_ms: int) -> int:
        """Index in ``videos`` of the newest video created strictly before ``cursor_ms``.

        Videos strictly before the cursor are those with ``create_time * 1000 < cursor_ms``.
        """
        first_excluded_second = -(-cursor_ms // 1000)
        return len(self.videos) - bisect.bisect_left(self._ascending_times, first_excluded_second)

    def page(
        self, cursor_ms: int, max_count: int, page_fault: str | None = None
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """One page of the video list, newest first, as both APIs serve it: the videos created before
        ``cursor_ms`` (0: from the newest), the next cursor and whether more follow.

        ``page_fault`` distorts the page as a fault rule asks: ``short_page`` serves half a page,
        ``repeat_cursor`` answers the cursor it was sent with ``has_more`` still true.
        """
        start = 0 if cursor_ms == 0 else self.first_index_before(cursor_ms)
        take = max(1, max_count // 2) if page_fault == "short_page" else max_count
        page = self.videos[start : start + take]
        has_more = start + len(page) < len(self.videos)
        next_cursor = page[-1]["create_time"] * 1000 if page else cursor_ms
        if page_fault == "repeat_cursor":
            newest = self.videos[0]["create_time"] if self.videos else self.now
            next_cursor = cursor_ms if cursor_ms else (newest + 1) * 1000
            has_more = True
        return page, next_cursor, has_more

    def find(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The videos with these ids, in the order asked, each once; unknown ids are skipped."""
        return [self._videos_by_id[i] for i in dict.fromkeys(ids) if i in self._videos_by_id]
