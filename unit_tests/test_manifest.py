"""The manifest is valid for the CDK and declares the streams, keys and options the docs promise."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
    get_declarative_component_schema,
    validate_manifest,
)
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import (
    ManifestComponentTransformer,
)
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver
from jsonschema.exceptions import ValidationError

from source_tiktok_organic.source import MANIFEST_PATH, SourceTikTokOrganic
from testkit.configs import make_config
from testkit.tiktok_responses import USER_FIELDS, VIDEO_FIELDS


@pytest.fixture(scope="module")
def raw_manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST_PATH.read_text())


@pytest.fixture(scope="module")
def resolved_manifest(raw_manifest: dict[str, Any]) -> dict[str, Any]:
    resolved = ManifestReferenceResolver().preprocess_manifest(raw_manifest)
    return ManifestComponentTransformer().propagate_types_and_parameters("", resolved, {})


def test_manifest_validates_against_the_cdk_schema(resolved_manifest: dict[str, Any]) -> None:
    validate_manifest(resolved_manifest, get_declarative_component_schema())


def test_invalid_manifest_is_rejected(resolved_manifest: dict[str, Any]) -> None:
    broken = dict(resolved_manifest, check={"type": "CheckStream", "stream_names": "user_info"})
    with pytest.raises(ValidationError):
        validate_manifest(broken, get_declarative_component_schema())


def test_streams_share_one_requester_definition(raw_manifest: dict[str, Any]) -> None:
    definitions = raw_manifest["definitions"]
    for retriever in ("user_info_retriever", "videos_stream"):
        requester = definitions[retriever].get("retriever", definitions[retriever])["requester"]
        assert requester["$ref"] == "#/definitions/requester"
    for stream in ("user_info_stream", "profile_snapshots_stream"):
        assert definitions[stream]["retriever"]["$ref"] == "#/definitions/user_info_retriever"


def declared_streams(resolved_manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every stream the manifest declares, whichever kind of credentials offers it."""
    streams: list[dict[str, Any]] = []
    for entry in resolved_manifest["streams"]:
        streams += entry["streams"] if entry["type"] == "ConditionalStreams" else [entry]
    return streams


@pytest.mark.parametrize(
    "stream, fields, primary_key",
    [("user_info", USER_FIELDS, "open_id"), ("videos", VIDEO_FIELDS, "id")],
)
def test_streams_request_every_field_and_declare_them(
    stream: str, fields: list[str], primary_key: str, resolved_manifest: dict[str, Any]
) -> None:
    (definition,) = [s for s in declared_streams(resolved_manifest) if s["name"] == stream]
    assert definition["$parameters"]["fields"].split(",") == fields
    assert definition["primary_key"] == primary_key
    schema_properties = definition["schema_loader"]["schema"]["properties"]
    assert set(fields) <= set(schema_properties)


def test_discovered_types_keep_tiktok_names_and_types() -> None:
    source = SourceTikTokOrganic(config=make_config())
    schemas = {s.name: s.json_schema for s in source.discover(None, make_config()).streams}  # type: ignore[arg-type]
    videos = schemas["videos"]["properties"]
    assert videos["id"]["type"] == "string"
    assert videos["create_time"]["type"] == "integer"
    for count in ("like_count", "comment_count", "share_count", "view_count"):
        assert "integer" in videos[count]["type"]
    user_info = schemas["user_info"]["properties"]
    assert "boolean" in user_info["is_verified"]["type"]
    assert "integer" in user_info["follower_count"]["type"]
    assert all(prop.get("description") for prop in list(videos.values()) + list(user_info.values()))


def test_videos_offer_incremental_on_create_time_and_user_info_full_refresh() -> None:
    source = SourceTikTokOrganic(config=make_config())
    streams = {s.name: s for s in source.discover(None, make_config()).streams}  # type: ignore[arg-type]

    videos = streams["videos"]
    assert {mode.value for mode in videos.supported_sync_modes} == {"full_refresh", "incremental"}
    assert videos.source_defined_cursor and videos.default_cursor_field == ["create_time"]
    assert [mode.value for mode in streams["user_info"].supported_sync_modes] == ["full_refresh"]
