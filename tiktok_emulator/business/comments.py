"""The comments and replies on the emulated account's videos, generated per video from the seed.

Why generated on demand (and kept in a small cache) rather than stored: a thread depends only on
``(seed, video, repeat threshold)``, so every request sees the same comments without the emulator
holding thousands of them for videos nobody asks about.  The threads are shaped to exercise what a
client of comment/list and comment/reply/list must handle:

- most commented videos have a few comments, some with more than the three replies that
  ``include_replies`` nests;
- a video with 80 comments or more (by its Display ``comment_count``) gets a long thread whose first
  comment has more replies than one reply/list page holds (35 > 30);
- the account's most commented video is *crowded*: more top-level comments than the repeat
  threshold (500 by default), so comment/list's pages past it repeat earlier comments;
- about one comment in nine and one reply in six is HIDDEN; some are the owner's, some liked.
"""

from __future__ import annotations

import base64
import hashlib
import random
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tiktok_emulator.display.data import AWKWARD_TEXTS
from tiktok_emulator.documented.comments import COMMENT_STATUSES

#: Videos with this many comments or more (Display comment_count) get a long thread.
LONG_THREAD_MIN_COMMENTS: Final = 80
_LONG_THREAD_COMMENTS: Final = 45
#: The long thread's first comment: more replies than one reply/list page (30) holds.
LONG_THREAD_REPLIES: Final = 35
#: The long thread's second comment: more than the three replies include_replies nests.
_SECOND_THREAD_REPLIES: Final = 5
_PUBLIC, _HIDDEN = COMMENT_STATUSES
_CACHED_THREADS: Final = 8


def crowd_size(repeat_after: int) -> int:
    """How many top-level comments the crowded video has: enough pages past the threshold."""
    return repeat_after + max(10, repeat_after // 5)


@dataclass(frozen=True)
class Thread:
    """A video's comments (newest first) and each one's replies (oldest first), every field set;
    a top-level comment's ``parent_comment_id`` is None."""

    comments: tuple[dict[str, Any], ...]
    replies: Mapping[str, tuple[dict[str, Any], ...]]

    def replies_of(self, comment_id: str) -> tuple[dict[str, Any], ...]:
        return self.replies.get(comment_id, ())

    def find(self, comment_id: str) -> dict[str, Any] | None:
        """The top-level comment with this id, if any."""
        return next((c for c in self.comments if c["comment_id"] == comment_id), None)


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _digest(*parts: object) -> bytes:
    return hashlib.sha512(":".join(str(p) for p in parts).encode()).digest()


class Authors:
    """Who writes the comments: numbered fans and, now and then, the account itself."""

    def __init__(self, seed: int, owner: Mapping[str, Any]) -> None:
        self._seed = seed
        self._owner = owner

    def fan(self, rng: random.Random) -> dict[str, Any]:
        fan = rng.randrange(100_000)
        return self._author(f"fan-{fan}", f"fan_{fan:05d}", f"Fan {fan} \u2728", self._avatar(fan))

    def owner(self) -> dict[str, Any]:
        owner = self._owner
        return self._author(owner["open_id"], owner["username"], owner["display_name"], owner["avatar_url"])

    def _author(self, key: str, username: str, display_name: str, image: str) -> dict[str, Any]:
        # user_id: app- and account-scoped, 64 hex digits; unique_identifier: global, 64 base64 chars.
        return {
            "user_id": _digest(self._seed, "user", key)[:32].hex(),
            "unique_identifier": base64.b64encode(_digest("commenter", key)[:48]).decode(),
            "username": username,
            "display_name": display_name,
            "profile_image": image,
        }

    @staticmethod
    def _avatar(fan: int) -> str:
        key = _digest("avatar", fan)[:16].hex()
        signature = base64.urlsafe_b64encode(_digest("signature", fan)[:20]).decode().replace("=", "%3D")
        return (
            f"https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/{key}~c5_168x168.jpeg"
            f"?x-expires=1763021600&x-signature={signature}"
        )


def _comment(
    rng: random.Random, video_id: str, after: int, n: int, author: dict[str, Any], parent: str | None
) -> dict[str, Any]:
    create_time = after + rng.randint(30, 20 * 86_400)
    text = AWKWARD_TEXTS[n % len(AWKWARD_TEXTS)] if n % 4 == 1 else f"Love this! #{n} \U0001f60d"
    hidden = (n % 6 == 2) if parent else (n % 9 == 4)
    return {
        "comment_id": str((create_time << 32) | rng.getrandbits(32)),
        "video_id": video_id,
        **author,
        "create_time": str(create_time),  # a string of epoch seconds, as documented
        "text": text,
        "likes": rng.randint(0, 500),
        "replies": 0,
        "owner": False,
        "liked": rng.random() < 0.15,
        "pinned": False,
        "status": _HIDDEN if hidden else _PUBLIC,
        "parent_comment_id": parent,
    }


def generate_thread(
    video: Mapping[str, Any], seed: int, authors: Authors, top_level: int | None = None
) -> Thread:
    """The thread of ``video``: ``top_level`` comments if given (the crowded video), else sized by
    its Display comment_count."""
    if not video["comment_count"] and top_level is None:
        return Thread((), {})
    rng = _rng(seed, "comments", video["id"])
    long_thread = top_level is not None or video["comment_count"] >= LONG_THREAD_MIN_COMMENTS
    count = top_level or min(
        video["comment_count"], _LONG_THREAD_COMMENTS if long_thread else rng.randint(1, 6)
    )
    comments: list[dict[str, Any]] = []
    replies: dict[str, tuple[dict[str, Any], ...]] = {}
    for n in range(count):
        author = authors.owner() if n % 25 == 7 else authors.fan(rng)
        comment = _comment(rng, video["id"], video["create_time"], n, author, None)
        comment["owner"] = n % 25 == 7
        comment["pinned"] = long_thread and n == 0
        reply_count = 0 if rng.random() < 0.6 else rng.randint(1, 5)
        if long_thread and n < 2:
            reply_count = (LONG_THREAD_REPLIES, _SECOND_THREAD_REPLIES)[n]
        thread_replies = []
        for k in range(reply_count):
            by_owner = k % 5 == 3
            reply = _comment(
                rng,
                video["id"],
                int(comment["create_time"]),
                k,
                authors.owner() if by_owner else authors.fan(rng),
                comment["comment_id"],
            )
            reply["owner"] = by_owner
            thread_replies.append(reply)
        thread_replies.sort(key=lambda r: (int(r["create_time"]), r["comment_id"]))
        comment["replies"] = len(thread_replies)
        comments.append(comment)
        if thread_replies:
            replies[comment["comment_id"]] = tuple(thread_replies)
    comments.sort(key=lambda c: (int(c["create_time"]), c["comment_id"]), reverse=True)
    return Thread(tuple(comments), replies)


class Threads:
    """Every video's thread, generated when first asked for and kept in a small LRU cache."""

    def __init__(self, *, seed: int, owner: Mapping[str, Any], videos: Sequence[Mapping[str, Any]]) -> None:
        self._seed = seed
        self._authors = Authors(seed, owner)
        commented = [v for v in videos if v["comment_count"]]
        # The account's most commented video (the first of equals): the crowded one.
        self.crowded_video_id: str | None = (
            max(commented, key=lambda v: v["comment_count"])["id"] if commented else None
        )
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, int], Thread] = OrderedDict()

    def of(self, video: Mapping[str, Any], repeat_after: int) -> Thread:
        key = (video["id"], repeat_after)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        top_level = crowd_size(repeat_after) if video["id"] == self.crowded_video_id else None
        thread = generate_thread(video, self._seed, self._authors, top_level)
        with self._lock:
            self._cache[key] = thread
            while len(self._cache) > _CACHED_THREADS:
                self._cache.popitem(last=False)
        return thread
