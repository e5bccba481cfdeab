"""What TikTok documents about the API for Business's Mentions API (v1.3), as the emulator serves it.

The emulator's own copy, read from the public verbatim copies of TikTok's reference pages (``*_PAGE``:
paths in ``ckr2436/Tiktok-OPS``, as in ``documented.business``), never from the connector:
``unit_tests/test_protocol_facts.py`` compares it with the connector's ``business_protocol``.  Facts
no page states are marked *inferred* (the emulator's choice) or *index* (TikTok's endpoint index as
SPEC.md section 5 quotes it, not a verbatim page).
"""

from __future__ import annotations

from typing import Final

_MENTIONS: Final = "ckr2436/Tiktok-OPS: docs/tiktok_api/pages/API Reference/Mentions/"
POSTS_PAGE: Final = _MENTIONS + "Get_mentioned_posts__145ff3f1.json"
COMMENTS_PAGE: Final = _MENTIONS + "Get_mentions_in_comments__809b2ad6.json"
HASHTAG_POSTS_PAGE: Final = _MENTIONS + "Get_mention_content_in_brand_hashtags__8aae2622.json"
TOP_HASHTAGS_PAGE: Final = _MENTIONS + "Get_top_hashtags_in_mentioned_posts__2bc430f7.json"
TOP_WORDS_PAGE: Final = _MENTIONS + "Get_top_keywords_in_mentioned_posts__255544d1.json"
BRAND_HASHTAGS_PAGE: Final = _MENTIONS + "Get_enabled_hashtags_for_a_Business_Account__4710613c.json"

_V13: Final = "/open_api/v1.3"
# Every page: GET, `business_id` and the Access-Token header; array parameters (`fields`, `regions`)
# are JSON text in the query string.
POSTS_PATH: Final = f"{_V13}/business/mention/video/list/"
COMMENTS_PATH: Final = f"{_V13}/business/mention/comment/list/"
HASHTAG_POSTS_PATH: Final = f"{_V13}/business/mention/hashtag/video/list/"
TOP_HASHTAGS_PATH: Final = f"{_V13}/business/mention/top_hashtag/list/"
TOP_WORDS_PATH: Final = f"{_V13}/business/mention/top_word/list/"
BRAND_HASHTAGS_PATH: Final = f"{_V13}/business/mention/hashtag/manage/list/"

# POSTS_PAGE: data.videos[]; create_time is epoch seconds as a STRING; views and reach are null below
# 1,000; thumbnail_url (valid 48 hours) is "" for photo posts.
POST_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "create_time",
    "video_link",
    "caption",
    "likes",
    "comments",
    "shares",
    "thumbnail_url",
    "views",
    "reach",
    "creator_handle_name",
)
# COMMENTS_PAGE: data.comments[]; comment_create_time is epoch seconds as a STRING.
COMMENT_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "video_link",
    "caption",
    "video_likes",
    "thumbnail_url",
    "commenter_display_name",
    "comment_id",
    "comment_type",
    "comment_text",
    "comment_create_time",
    "comment_likes",
)
COMMENT_TYPES: Final[tuple[str, ...]] = ("COMMENT", "REPLY")
# HASHTAG_POSTS_PAGE: data.videos[]: the posts' fields without views, reach and the creator, plus
# matched_hashtags (the brand hashtags in the caption, a list of strings).
HASHTAG_POST_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "create_time",
    "video_link",
    "caption",
    "likes",
    "comments",
    "shares",
    "thumbnail_url",
    "matched_hashtags",
)
# What each list answers when the request names no fields.
DEFAULT_POST_FIELDS: Final[tuple[str, ...]] = ("item_id", "caption")
DEFAULT_COMMENT_FIELDS: Final[tuple[str, ...]] = ("comment_id", "comment_text")
DEFAULT_HASHTAG_POST_FIELDS: Final[tuple[str, ...]] = ("item_id", "caption")
# Below this many views (unique viewers), `views` (`reach`) is null.
NULL_BELOW_VIEWS: Final = 1_000

# Sorting: each list's `sort_field` values (first: the default) and the name of its order parameter
# (ASC or DESC, default DESC): `sort_type` on the posts and comments pages, `sort_order` on the
# hashtag posts page.
POST_SORT_FIELDS: Final[tuple[str, ...]] = ("CREATE_TIME", "LIKES", "COMMENTS", "SHARES")
COMMENT_SORT_FIELDS: Final[tuple[str, ...]] = ("COMMENT_CREATE_TIME", "VIDEO_LIKES", "COMMENT_LIKES")
HASHTAG_POST_SORT_FIELDS: Final = POST_SORT_FIELDS
SORT_ORDERS: Final[tuple[str, ...]] = ("DESC", "ASC")
POSTS_ORDER_PARAMETER: Final = "sort_type"
COMMENTS_ORDER_PARAMETER: Final = "sort_type"
HASHTAG_POSTS_ORDER_PARAMETER: Final = "sort_order"

# Every list: `number_of_days`, the lookback in days, 1 to 90 (default 90); no date parameter.
# `cursor` is an offset ("the position of the results"), default 0; a page may hold fewer than
# `max_count` items while `has_more` is true ("trust and safety policies").
MIN_DAYS: Final = 1
MAX_DAYS: Final = 90
# max_count: posts 1-100 (default 100); comments 1-100 (default 10); hashtag posts default 10, and
# its page gives no range: 100 is *inferred* from its siblings.
MAX_COUNT: Final = 100
POSTS_DEFAULT_COUNT: Final = 100
COMMENTS_DEFAULT_COUNT: Final = 10
HASHTAG_POSTS_DEFAULT_COUNT: Final = 10
# *index*: the lists give the top 1,000 items.
LIST_CAP: Final = 1_000

# TOP_HASHTAGS_PAGE, TOP_WORDS_PAGE: data.results[], "the top 20", {hashtag|word, count}; only
# `regions` besides business_id; no paging.
TOP_COUNT: Final = 20

# BRAND_HASHTAGS_PAGE: `username` (the account's handle) is required; data.hashtag_list[] of
# {hashtag, create_date}, create_date as YYYY-MM-DD (UTC).
BRAND_HASHTAG_FIELDS: Final[tuple[str, ...]] = ("hashtag", "create_date")

# *index*: the permissions are "Mentions > Content" (posts, hashtag posts, top lists) and
# "Mentions > Comment" (comments).  No copied page names their OAuth scope; *inferred*: the
# token example's `biz.brand.insights` (documented.business.SCOPE_NAMES) stands for both.
CONTENT_PERMISSION: Final = "Mentions > Content"
COMMENT_PERMISSION: Final = "Mentions > Comment"
MENTION_SCOPE: Final = "biz.brand.insights"
