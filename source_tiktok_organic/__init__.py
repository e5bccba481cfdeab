"""Airbyte source connector for a TikTok creator's own profile and videos (TikTok Open API v2)."""

from source_tiktok_organic.source import SourceTikTokOrganic

__all__ = ["SourceTikTokOrganic"]
