"""Finding which fields TikTok refused when its answer does not say (``components.refused_fields``).

Every optional field of every stream's request is refused in turn, at the position the manifest asks
for it, against a TikTok that refuses a request iff it asks for a refused field; the search must find
exactly that field, within its request budget, and never blame a field for a refusal that is about
no field. The syncs themselves are ``integration_tests/test_refused_fields.py``'s.
"""

from __future__ import annotations

import pytest
import yaml

from source_tiktok_organic.components import refused_fields
from source_tiktok_organic.source import MANIFEST_PATH

DEFINITIONS = yaml.safe_load(MANIFEST_PATH.read_text())["definitions"]
CORE = {**DEFINITIONS["core_fields"], **DEFINITIONS["business_core_fields"]}


def asked(stream_fields: str | list[str]) -> list[str]:
    return stream_fields.split(",") if isinstance(stream_fields, str) else list(stream_fields)


# Each stream of the issue: the fields its request asks for, and its endpoint's core fields.
REQUESTS = {
    "videos": (asked(DEFINITIONS["videos_stream"]["$parameters"]["fields"]), CORE["/v2/video/list/"]),
    "user_info": (asked(DEFINITIONS["user_info_stream"]["$parameters"]["fields"]), CORE["/v2/user/info/"]),
    "business_videos": (
        asked(DEFINITIONS["business_video_fields"]),
        CORE["/open_api/v1.3/business/video/list/"],
    ),
    "business_profile": (
        asked(DEFINITIONS["business_profile_fields"]) + asked(DEFINITIONS["business_demographic_fields"]),
        [],
    ),
}


class FakeTikTok:
    """Refuses a request iff it asks for a field of ``refused`` (or every request, ``always``)."""

    def __init__(self, fields: list[str], refused: set[str], always: bool = False) -> None:
        self.fields, self.refused, self.always = fields, refused, always
        self.requests: list[frozenset[str]] = []

    def refused_without(self, left_out: frozenset[str]) -> bool:
        self.requests.append(left_out)
        return self.always or bool(self.refused & (set(self.fields) - left_out))


def search(fields: list[str], core: list[str], tiktok: FakeTikTok) -> tuple[list[str], list[str]]:
    optional = [name for name in fields if name not in core]
    return refused_fields([name for name in fields if name in core], optional, tiktok.refused_without)


def cases() -> list[tuple[str, str]]:
    return [
        (stream, field)
        for stream, (fields, core) in REQUESTS.items()
        for field in fields
        if field not in core
    ]


@pytest.mark.parametrize(("stream", "field"), cases())
def test_each_optional_field_refused_alone_is_found_within_budget(stream: str, field: str) -> None:
    fields, core = REQUESTS[stream]
    tiktok = FakeTikTok(fields, {field})

    assert search(fields, core, tiktok) == ([field], [])
    # Two probes per halving of the optional fields, and one for the base: 10 requests more in all
    # with the refused one and the request asked again, for the Display API's 14 optional fields.
    optional = len(fields) - len(core)
    assert len(tiktok.requests) <= 2 * (optional - 1).bit_length() + 1, tiktok.requests
    assert all(not (left_out & set(core)) for left_out in tiktok.requests), "a core field left out"


@pytest.mark.parametrize("stream", sorted(REQUESTS))
def test_several_refused_fields_are_all_found(stream: str) -> None:
    fields, core = REQUESTS[stream]
    optional = [name for name in fields if name not in core]
    refused = {optional[1], optional[len(optional) // 2], optional[-1]}

    found, found_core = search(fields, core, FakeTikTok(fields, refused))

    assert (sorted(found), found_core) == (sorted(refused), [])


@pytest.mark.parametrize("stream", sorted(REQUESTS))
def test_a_refusal_about_no_field_blames_none_in_a_few_requests(stream: str) -> None:
    fields, core = REQUESTS[stream]
    tiktok = FakeTikTok(fields, set(), always=True)

    assert search(fields, core, tiktok) == ([], [])
    assert len(tiktok.requests) <= 3


def test_a_refused_core_field_is_named_when_the_other_core_fields_are_served() -> None:
    fields, core = REQUESTS["business_videos"]
    for name in core:
        assert search(fields, core, FakeTikTok(fields, {name})) == ([], [name])


def test_with_no_core_field_the_first_two_fields_can_be_the_refused_ones() -> None:
    fields, core = REQUESTS["business_profile"]

    assert search(fields, core, FakeTikTok(fields, {fields[0]})) == ([fields[0]], [])
    assert search(fields, core, FakeTikTok(fields, {fields[1]})) == ([fields[1]], [])
    # Both refused alone: no base is served, so nothing can be blamed (the error handler's turn).
    assert search(fields, core, FakeTikTok(fields, {fields[0], fields[1]})) == ([], [])
