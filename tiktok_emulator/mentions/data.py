"""Who talks about an emulated brand: its mentioned posts, the comments that mention it, the posts
under its brand hashtags and the hashtags it enabled, generated from the account's seed.

Why generated: the lists must be long enough to page through (the top 1,000 of each), reach back past
the 90-day window, and hold what a connector must survive: views below 1,000 (null), photo posts (an
empty thumbnail), unicode captions, 19-digit ids, items TikTok withholds from a page ("trust and
safety": a short page with ``has_more`` true) and new mentions arriving while a sync pages (offsets
shift).  Each list is made when first asked, around the emulated day's midnight (UTC): its items
reach 120 days back and 30 days ahead, and a list serves those posted before the midnight of the
day asked about (``today``), so the window moves a day at a time and every day brings new mentions.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from tiktok_emulator.display.data import AWKWARD_TEXTS
from tiktok_emulator.documented.mentions import (
    LIST_CAP,
    MAX_DAYS,
    NULL_BELOW_VIEWS,
    TOP_COUNT,
)

DAY: Final = 86_400
#: How far back the generated mentions reach: beyond TikTok's 90-day window, so it cuts some off.
HISTORY_DAYS: Final = 120
#: How far ahead of the day they are made: the mentions later days bring.
FUTURE_DAYS: Final = 30
#: Creators' regions (ISO 3166 codes, as the pages' `regions` filter takes them), by weight.
REGIONS: Final[tuple[str, ...]] = ("US", "US", "US", "GB", "DE", "FR", "BR", "JP", "ID", "MX")
#: About one item in twelve is withheld from every page (emulator's rate; TikTok names no rate).
WITHHELD_SHARE: Final = 1 / 12
_CREATORS: Final = ("mika", "dev.jo", "ana_cooks", "the.real.sam", "lu_travels", "kenji", "zoe", "omar")
_PHRASES: Final = (
    "Unboxing my new favourite",
    "Honest review of",
    "Day in my life with",
    "You asked, so here it is:",
    "Trying the viral",
    "Packing for the weekend with",
    "Five things I love about",
)
_TAGS: Final = ("fyp", "review", "unboxing", "haul", "tiktokmademebuyit", "ootd", "travel", "foodtok")
_COMMENTS: Final = ("do you ship to Spain?", "love this", "where can I buy it", "same!!", "is it vegan?")
_HASHTAG: Final = re.compile(r"#(\w+)")
_WORD: Final = re.compile(r"[^\W\d_][\w']{2,}")
_STOPWORDS: Final = frozenset(
    {"the", "and", "for", "with", "you", "here", "asked", "about", "things", "what"}
)


@dataclass
class Item:
    """One list item: its answer fields (``create_time`` and its kin filled in when served), its
    time (Unix seconds), the creator's region, and whether it is withheld."""

    fields: dict[str, Any]
    time: int
    region: str
    withheld: bool
    time_field: str


@dataclass
class MentionList:
    """One of the three paged lists (posts, comments, brand-hashtag posts) of one brand."""

    items: list[Item]
    make: Callable[[random.Random, int], Item]
    rng: random.Random
    lock: threading.Lock = field(default_factory=threading.Lock)

    def window(self, anchor: int, days: int, regions: Sequence[str] | None) -> list[Item]:
        """The items of the ``days`` days before ``anchor`` (posted in ``regions``, when given)."""
        with self.lock:
            return [
                item
                for item in self.items
                if anchor - days * DAY <= item.time < anchor and (regions is None or item.region in regions)
            ]

    def arrive(self, anchor: int, count: int) -> None:
        """``count`` new items, newer than every item served before ``anchor`` (mentions posted
        mid-sync), each half-way between the newest and ``anchor``."""
        with self.lock:
            for _ in range(count):
                newest = max((item.time for item in self.items if item.time < anchor), default=anchor - DAY)
                self.items.append(self.make(self.rng, (newest + anchor) // 2))

    def page(
        self,
        anchor: int,
        days: int,
        regions: Sequence[str] | None,
        order: Callable[[dict[str, Any]], Any],
        descending: bool,
        cursor: int,
        max_count: int,
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """Positions ``cursor`` to ``cursor + max_count`` of the sorted window, capped at the top
        LIST_CAP, without the withheld items; the next cursor (an offset) and ``has_more``."""
        ranked = sorted(
            (served(item) for item in self.window(anchor, days, regions)),
            key=lambda row: (order(row), row["_id"]),
            reverse=descending,
        )
        end = min(len(ranked), LIST_CAP)
        rows = [row for row in ranked[cursor : min(cursor + max_count, end)] if not row["_withheld"]]
        next_cursor = cursor + max_count
        return rows, next_cursor, next_cursor < end


def served(item: Item) -> dict[str, Any]:
    """The item as answered (its time as epoch seconds in a STRING), with the sort keys ``_id`` and
    ``_time`` and ``_withheld`` for the list to drop."""
    return {
        **item.fields,
        item.time_field: str(item.time),
        "_time": item.time,
        "_id": item.fields.get("comment_id") or item.fields["item_id"],
        "_withheld": item.withheld,
    }


def _digits(rng: random.Random) -> str:
    """A 19-digit id like TikTok's (beyond 2**53)."""
    return str(rng.randint(7_000_000_000_000_000_000, 7_499_999_999_999_999_999))


def _thumbnail(rng: random.Random, item_id: str) -> str:
    """Photo posts have an empty thumbnail (the pages' note); others a signed, expiring URL."""
    if rng.random() < 1 / 8:
        return ""
    return f"https://p16-sign.tiktokcdn-us.com/obj/{item_id}~c5_300x400.webp?x-expires=0&x-signature=e"


def _caption(rng: random.Random, mention: str, hashtags: Sequence[str]) -> str:
    if rng.random() < 1 / 11:
        return f"{rng.choice(AWKWARD_TEXTS)} {mention}"
    tags = " ".join(f"#{t}" for t in (*hashtags, rng.choice(_TAGS), rng.choice(_TAGS)))
    return f"{rng.choice(_PHRASES)} {mention} {tags}"


def _counts(rng: random.Random) -> tuple[int, int | None, int | None]:
    views = int(min(rng.paretovariate(0.9) * 300, 40_000_000))
    reach = int(views * rng.uniform(0.5, 0.95))
    return (
        views,
        views if views >= NULL_BELOW_VIEWS else None,
        reach if reach >= NULL_BELOW_VIEWS else None,
    )


class Mentions:
    """Everything the Mentions API says about one brand (an emulated account), made when first asked.

    ``posts``, ``comments``, ``hashtag_posts``: the three paged lists; ``brand_hashtags``: the
    hashtags it enabled; ``top(kind, regions)``: its top hashtags or words.
    """

    def __init__(self, *, seed: int, handle: str, counts: Callable[[], tuple[int, int, int]]) -> None:
        self._seed = seed
        self.handle = handle
        self._counts = counts
        self._lists: tuple[MentionList, MentionList, MentionList] | None = None
        self._lock = threading.Lock()
        tag = re.sub(r"\W", "", handle).lower() or "brand"
        rng = random.Random(f"{seed}:brand-hashtags")
        self.brand_hashtags: list[dict[str, str]] = [
            {"hashtag": name, "create_date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
            for name in (tag, f"{tag}style", f"team{tag}")
        ]

    def lists(self, anchor: int) -> tuple[MentionList, MentionList, MentionList]:
        """The posts, comments and brand-hashtag posts, made around ``anchor`` (a midnight) when
        first asked: each count over the 120 days before it, as many again per day after it."""
        with self._lock:
            if self._lists is None:
                span = (HISTORY_DAYS + FUTURE_DAYS) / HISTORY_DAYS
                posts, comments, hashtag_posts = (round(n * span) for n in self._counts())
                self._lists = (
                    self._list("posts", anchor, posts, self._post),
                    self._list("comments", anchor, comments, self._comment),
                    self._list("hashtag-posts", anchor, hashtag_posts, self._hashtag_post),
                )
            return self._lists

    def _list(
        self, name: str, anchor: int, count: int, make: Callable[[random.Random, int], Item]
    ) -> MentionList:
        rng = random.Random(f"{self._seed}:mentions:{name}")
        start, span = anchor - HISTORY_DAYS * DAY, (HISTORY_DAYS + FUTURE_DAYS) * DAY
        return MentionList(
            items=[make(rng, start + rng.randrange(span)) for _ in range(count)], make=make, rng=rng
        )

    def _item(self, rng: random.Random, time: int, fields: dict[str, Any], time_field: str) -> Item:
        return Item(
            fields=fields,
            time=time,
            region=rng.choice(REGIONS),
            withheld=rng.random() < WITHHELD_SHARE,
            time_field=time_field,
        )

    def _post(self, rng: random.Random, time: int) -> Item:
        item_id = _digits(rng)
        _, views, reach = _counts(rng)
        likes = rng.randint(0, 5_000)
        fields = {
            "item_id": item_id,
            "video_link": f"https://www.tiktok.com/@/video/{item_id}",
            "caption": _caption(rng, f"@{self.handle}", ()),
            "likes": likes,
            "comments": rng.randint(0, likes // 10 + 1),
            "shares": rng.randint(0, likes // 20 + 1),
            "thumbnail_url": _thumbnail(rng, item_id),
            "views": views,
            "reach": reach,
            "creator_handle_name": f"{rng.choice(_CREATORS)}{rng.randint(1, 999)}",
        }
        return self._item(rng, time, fields, "create_time")

    def _hashtag_post(self, rng: random.Random, time: int) -> Item:
        item_id = _digits(rng)
        matched = rng.sample([h["hashtag"] for h in self.brand_hashtags], rng.randint(1, 2))
        likes = rng.randint(0, 5_000)
        fields = {
            "item_id": item_id,
            "video_link": f"https://www.tiktok.com/@/video/{item_id}",
            "caption": _caption(rng, "", matched),
            "likes": likes,
            "comments": rng.randint(0, likes // 10 + 1),
            "shares": rng.randint(0, likes // 20 + 1),
            "thumbnail_url": _thumbnail(rng, item_id),
            "matched_hashtags": matched,
        }
        return self._item(rng, time, fields, "create_time")

    def _comment(self, rng: random.Random, time: int) -> Item:
        item_id = _digits(rng)
        text = rng.choice(AWKWARD_TEXTS) if rng.random() < 1 / 9 else rng.choice(_COMMENTS)
        fields = {
            "item_id": item_id,
            "video_link": f"https://www.tiktok.com/@/video/{item_id}",
            "caption": _caption(rng, "", ()),
            "video_likes": rng.randint(0, 50_000),
            "thumbnail_url": _thumbnail(rng, item_id),
            "commenter_display_name": f"{rng.choice(_CREATORS)}{rng.randint(1, 999)}",
            "comment_id": _digits(rng),
            "comment_type": "REPLY" if rng.random() < 1 / 4 else "COMMENT",
            "comment_text": f"@{self.handle} {text}",
            "comment_likes": rng.randint(0, 300),
        }
        return self._item(rng, time, fields, "comment_create_time")

    def top(self, anchor: int, kind: str, regions: Sequence[str] | None) -> list[dict[str, Any]]:
        """The top TOP_COUNT hashtags (``kind`` "hashtag") or words ("word") of the captions of the
        mentioned posts of the 90 days before ``anchor`` (the window is the emulator's choice: the
        pages name none), withheld posts left out, most frequent first."""
        posts = self.lists(anchor)[0].window(anchor, MAX_DAYS, regions)
        captions = [item.fields["caption"] for item in posts if not item.withheld]
        counted = Counter(_terms(captions, kind))
        ranked = sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_COUNT]
        return [{kind: term, "count": count} for term, count in ranked]


def _terms(captions: Iterable[str], kind: str) -> Iterable[str]:
    for caption in captions:
        if kind == "hashtag":
            yield from (tag.lower() for tag in _HASHTAG.findall(caption))
            continue
        bare = _HASHTAG.sub(" ", re.sub(r"@\S+", " ", caption))
        yield from (w for w in (m.lower() for m in _WORD.findall(bare)) if w not in _STOPWORDS)
