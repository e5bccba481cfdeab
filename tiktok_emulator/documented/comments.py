"""What TikTok documents about the Accounts API's comment endpoints: business/comment/list and
business/comment/reply/list (fields, filters, sorts, page sizes), each group citing its page.

The emulator's own copy, never the connector's; the ``*_PAGE`` names in the comments are the page paths
of ``documented.business``, which explains why the copy exists.
"""

from __future__ import annotations

from typing import Final

# COMMENTS_PAGE: business/comment/list.  A top-level comment's fields (create_time: a STRING).
COMMENT_FIELDS: Final[tuple[str, ...]] = (
    "comment_id",
    "video_id",
    "user_id",
    "unique_identifier",
    "create_time",
    "text",
    "likes",
    "replies",
    "owner",
    "liked",
    "pinned",
    "status",
    "username",
    "display_name",
    "profile_image",
)
# REPLIES_PAGE: business/comment/reply/list answers replies with every comment field and the parent.
REPLY_FIELDS: Final[tuple[str, ...]] = (*COMMENT_FIELDS, "parent_comment_id")
# COMMENTS_PAGE: with include_replies=true each top-level comment carries up to three replies in
# reply_list, whose items have neither pinned nor replies (the page types their ids as "number",
# its own examples and every other id are strings: served as strings).
REPLY_LIST_FIELD: Final = "reply_list"
NESTED_REPLY_FIELDS: Final[tuple[str, ...]] = tuple(f for f in REPLY_FIELDS if f not in ("pinned", "replies"))
NESTED_REPLIES_MAX: Final = 3
COMMENT_STATUSES: Final[tuple[str, ...]] = ("PUBLIC", "HIDDEN")
# The `status` filter: ALL (hidden and public, the default) or PUBLIC.
STATUS_FILTERS: Final[tuple[str, ...]] = ("ALL", "PUBLIC")
SORT_FIELDS: Final[tuple[str, ...]] = ("likes", "replies", "create_time")
COMMENT_SORT_ORDERS: Final[tuple[str, ...]] = ("smart", "asc", "desc")  # smart is the default
REPLY_SORT_ORDERS: Final[tuple[str, ...]] = ("asc", "desc")  # no default named: "semantics"
COMMENT_LIST_DEFAULT_COUNT: Final = 20
COMMENT_LIST_MIN_COUNT: Final = 1
COMMENT_LIST_MAX_COUNT: Final = 30
REPLY_LIST_DEFAULT_COUNT: Final = 20
REPLY_LIST_MIN_COUNT: Final = 0  # sic, on REPLIES_PAGE
REPLY_LIST_MAX_COUNT: Final = 30
COMMENT_IDS_MAX: Final = 30
# Past this many comments on a video, the rest come by likes (descending), not deduplicated
# against the first ones: later pages may repeat earlier comments.
COMMENTS_REPEAT_AFTER: Final = 500
