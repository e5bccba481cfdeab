"""The Accounts API's business/benchmark endpoint: averages over the accounts of a business category.

Its reference page documents the request (``business_id``, a required ``business_category`` such
as ``ART_AND_CRAFTS``) and nine answer fields: eight averages (doubles) and the category, named by
its display name.  The category values and every display name but "Art & Crafts" are the
emulator's (the page links a list that is not public); an unknown category is a parameter error.
The page names no scope: any valid token of the account may ask.
"""

from __future__ import annotations

import random
from typing import Any, Final

from tiktok_emulator.business import params
from tiktok_emulator.documented.insights import BENCHMARK_FIELDS, BUSINESS_CATEGORIES
from tiktok_emulator.tokens import Grant
from tiktok_emulator.wire import Request

# Display names: "Art & Crafts" is the page's example; the others follow its style (unofficial).
_SPELLED: Final[dict[str, str]] = {
    "ART_AND_CRAFTS": "Art & Crafts",
    "AUTOMOTIVE_AND_TRANSPORTATION": "Automotive & Transportation",
    "CLOTHING_AND_ACCESSORIES": "Clothing & Accessories",
    "EDUCATION_AND_TRAINING": "Education & Training",
    "FINANCE_AND_INVESTING": "Finance & Investing",
    "FOOD_AND_BEVERAGE": "Food & Beverage",
    "HEALTH_AND_WELLNESS": "Health & Wellness",
    "HOME_FURNITURE_AND_APPLIANCES": "Home, Furniture & Appliances",
    "MACHINERY_AND_EQUIPMENT": "Machinery & Equipment",
    "MEDIA_AND_ENTERTAINMENT": "Media & Entertainment",
    "RESTAURANTS_AND_BARS": "Restaurants & Bars",
    "SHOPPING_AND_RETAIL": "Shopping & Retail",
    "SOFTWARE_AND_APPS": "Software & Apps",
    "SPORTS_FITNESS_AND_OUTDOORS": "Sports, Fitness & Outdoors",
    "TRAVEL_AND_TOURISM": "Travel & Tourism",
}
CATEGORY_NAMES: Final[dict[str, str]] = {
    category: _SPELLED.get(category, category.replace("_", " ").title()) for category in BUSINESS_CATEGORIES
}


def benchmark_for(seed: int, category: str) -> dict[str, Any]:
    """The category's averages: plausible doubles with four decimals, the same on every call."""
    rng = random.Random(f"{seed}:benchmark:{category}")
    followers = rng.uniform(800, 60_000)
    views = followers * rng.uniform(20, 400)
    likes = views * rng.uniform(0.03, 0.1)
    averages = {
        "average_likes": likes,
        "average_comments": likes * rng.uniform(0.01, 0.05),
        "average_shares": likes * rng.uniform(0.01, 0.06),
        "average_video_count": rng.uniform(20, 400),
        "average_follower_count": followers,
        "average_follower_growth": followers * rng.uniform(0.005, 0.05),  # over the last 30 days
        "average_engagement_rate": rng.uniform(0.01, 0.09),
        "average_video_views": views,
    }
    assert tuple(averages) == BENCHMARK_FIELDS, "keep in step with documented_business"
    return {
        **{name: round(value, 4) for name, value in averages.items()},
        "business_category": CATEGORY_NAMES[category],
    }


class BenchmarkEndpoint:
    """business/benchmark for the emulated account."""

    def __init__(self, *, seed: int, open_id: str) -> None:
        self._seed = seed
        self._open_id = open_id

    def benchmark(self, request: Request, grant: Grant) -> dict[str, Any]:
        params.business_id(request, self._open_id)
        category = request.param("business_category")
        if not category:
            raise params.invalid("business_category is required, e.g. ART_AND_CRAFTS.")
        if category not in CATEGORY_NAMES:
            raise params.invalid(f"business_category {category!r} is not a business category.")
        return benchmark_for(self._seed, category)
