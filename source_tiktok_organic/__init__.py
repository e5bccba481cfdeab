"""Airbyte source connector for a TikTok creator's own profile and videos (TikTok Open API v2)."""

from typing import Any

__all__ = ["SourceTikTokOrganic"]


def __getattr__(name: str) -> Any:
    # Lazy, so that tiktok-organic-auth starts without importing the CDK.
    if name == "SourceTikTokOrganic":
        from source_tiktok_organic.source import SourceTikTokOrganic

        return SourceTikTokOrganic
    raise AttributeError(name)
