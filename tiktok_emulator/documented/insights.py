"""What TikTok documents about the Accounts API's insight endpoints: business/get, business/video/list
and business/benchmark (fields, element shapes, defaults, limits), each group citing its page.

The emulator's own copy, never the connector's; the ``*_PAGE`` names in the comments are the page paths
of ``documented.business``, which explains why the copy exists.
"""

from __future__ import annotations

from typing import Final

# PROFILE_PAGE: business/get.  Lifetime (real-time) fields, top level of `data`.
PROFILE_FIELDS: Final[tuple[str, ...]] = (
    "is_business_account",
    "profile_image",
    "username",
    "profile_deep_link",
    "display_name",
    "bio_description",
    "is_verified",
    "following_count",
    "followers_count",
    "total_likes",
    "videos_count",
)
# Daily fields, one `metrics` object per UTC date (which every object carries as `date`).
# followers_count is both: asked for, it comes back as a lifetime field and as a daily one.
DAILY_METRIC_FIELDS: Final[tuple[str, ...]] = (
    "video_views",
    "unique_video_views",
    "profile_views",
    "likes",
    "comments",
    "shares",
    "phone_number_clicks",
    "lead_submissions",
    "app_download_clicks",
    "bio_link_clicks",
    "email_clicks",
    "address_clicks",
    "daily_total_followers",
    "daily_new_followers",
    "daily_lost_followers",
    "followers_count",
    "engaged_audience",
)
#: The daily metrics the page marks for every account (the rest are for business accounts).
ALL_ACCOUNTS_METRIC_FIELDS: Final[tuple[str, ...]] = (
    "video_views",
    "profile_views",
    "likes",
    "comments",
    "shares",
    "followers_count",
)
# Inside each metrics object: [{"hour": "<0..23 as a STRING>", "count": <int>}], UTC hours.
AUDIENCE_ACTIVITY_FIELD: Final = "audience_activity"
# Undated follower demographics at the top level of `data` (accounts with 100 followers or more):
# field -> the key naming each row ({key, percentage}).
DEMOGRAPHIC_FIELDS: Final[dict[str, str]] = {
    "audience_ages": "age",
    "audience_genders": "gender",
    "audience_countries": "country",
    "audience_cities": "city_name",
}
DEMOGRAPHICS_MIN_FOLLOWERS: Final = 100
AGE_GROUPS: Final[tuple[str, ...]] = ("18-24", "25-34", "35-44", "45-54", "55+")
GENDERS: Final[tuple[str, ...]] = ("Female", "Male", "Other")
#: What business/get answers when the request names no fields.
DEFAULT_PROFILE_FIELDS: Final[tuple[str, ...]] = ("display_name", "profile_image")
# Dates are UTC days, both ends inclusive: start_date defaults to today - 7, end_date to today - 1,
# and start_date may reach at most 60 days back.
MAX_DAYS_BACK: Final = 60
DEFAULT_START_DAYS_BACK: Final = 7

# VIDEOS_PAGE: business/video/list.  Every field of data.videos[] (create_time: epoch seconds as a
# STRING); metrics are lifetime totals.  Two fields came after the copied page:
#   is_ad       TikTok's Accounts API changelog of 2026-05-15 adds it to business/video/list (a third
#               party's transcription, quoted in SPEC.md section 5): whether the post was used in an
#               ad, the sense of the page's own `filters.ad_post_only`; a boolean.
#   media_type  listed with video.list's fields in SPEC.md section 5 and asked for by third-party code
#               written against TikTok's page (doc 1762228421622786); its values are on no page seen,
#               so "VIDEO" and "PHOTO" (photo posts) are this emulator's assumption.
VIDEO_FIELDS: Final[tuple[str, ...]] = (
    "item_id",
    "create_time",
    "thumbnail_url",
    "share_url",
    "embed_url",
    "caption",
    "media_type",
    "is_ad",
    "video_duration",
    "likes",
    "comments",
    "shares",
    "favorites",
    "reach",
    "video_views",
    "total_time_watched",
    "average_time_watched",
    "full_video_watched_rate",
    "new_followers",
    "profile_views",
    "website_clicks",
    "phone_number_clicks",
    "lead_submissions",
    "app_download_clicks",
    "email_clicks",
    "address_clicks",
    "video_view_retention",
    "impression_sources",
    "audience_genders",
    "audience_countries",
    "audience_cities",
    "audience_types",
    "engagement_likes",
)
#: The fields the page marks "Registered Business Accounts only".
REGISTERED_BUSINESS_VIDEO_FIELDS: Final[tuple[str, ...]] = (
    "website_clicks",
    "phone_number_clicks",
    "lead_submissions",
    "app_download_clicks",
    "email_clicks",
    "address_clicks",
)
# The per-video arrays and the key naming each element ({key, percentage}); `second` is a STRING.
VIDEO_BREAKDOWN_KEYS: Final[dict[str, str]] = {
    "video_view_retention": "second",
    "engagement_likes": "second",
    "impression_sources": "impression_source",
    "audience_genders": "gender",
    "audience_countries": "country",
    "audience_cities": "city_name",
    "audience_types": "type",
}
#: media_type's values: the emulator's assumption (see VIDEO_FIELDS).
MEDIA_TYPES: Final[tuple[str, ...]] = ("VIDEO", "PHOTO")
IMPRESSION_SOURCES: Final[tuple[str, ...]] = (
    "For You",
    "Follow",
    "Sound",
    "Personal Profile",
    "Search",
    "Others",
    "Direct Message",
)
AUDIENCE_TYPES: Final[tuple[str, ...]] = (
    "NEW_VIEWER",
    "RETURN_VIEWER",
    "FOLLOWER_PERCENT",
    "NON_FOLLOWER_PERCENT",
)
#: audience_countries and audience_cities hold at most this many rows.
VIDEO_AUDIENCE_MAX_ROWS: Final = 10
DEFAULT_VIDEO_FIELDS: Final[tuple[str, ...]] = ("item_id",)
VIDEO_LIST_DEFAULT_COUNT: Final = 10
VIDEO_LIST_MAX_COUNT: Final = 20

# BENCHMARK_PAGE: averages (doubles) over the business accounts of a category, which the answer
# names by its display name ("Art & Crafts" for ART_AND_CRAFTS).  The page names no scope.
BENCHMARK_FIELDS: Final[tuple[str, ...]] = (
    "average_likes",
    "average_comments",
    "average_shares",
    "average_video_count",
    "average_follower_count",
    "average_follower_growth",
    "average_engagement_rate",
    "average_video_views",
)
# *Unofficial*: the page links a list of business_category values that is not public; these 25 are
# the values two unrelated public code files use.
BUSINESS_CATEGORIES: Final[tuple[str, ...]] = (
    "ART_AND_CRAFTS",
    "AUTOMOTIVE_AND_TRANSPORTATION",
    "BABY",
    "BEAUTY",
    "CLOTHING_AND_ACCESSORIES",
    "EDUCATION_AND_TRAINING",
    "ELECTRONICS",
    "FINANCE_AND_INVESTING",
    "FOOD_AND_BEVERAGE",
    "GAMING",
    "HEALTH_AND_WELLNESS",
    "HOME_FURNITURE_AND_APPLIANCES",
    "MACHINERY_AND_EQUIPMENT",
    "MEDIA_AND_ENTERTAINMENT",
    "PERSONAL_BLOG",
    "PETS",
    "PROFESSIONAL_SERVICES",
    "PUBLIC_ADMINISTRATION",
    "REAL_ESTATE",
    "RESTAURANTS_AND_BARS",
    "SHOPPING_AND_RETAIL",
    "SOFTWARE_AND_APPS",
    "SPORTS_FITNESS_AND_OUTDOORS",
    "TRAVEL_AND_TOURISM",
    "OTHERS",
)
