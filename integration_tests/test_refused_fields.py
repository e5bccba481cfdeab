"""When TikTok refuses a field, the sync loses that column, never the sync (issue 32).

The emulator refuses a field as an app or region TikTok has not rolled it out to would, naming it in
its message or not. Each stream of the issue (``videos``, ``user_info``, ``business_videos``,
``business_profile``) is synced with its first and its last optional field refused: every record
arrives with every other field, the refused column is empty, and exactly one warning names the field.
A refused core field ends the sync with a config error naming it. (Every optional field of those
streams is refused in turn against the search itself in ``unit_tests/test_refused_fields.py``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from airbyte_cdk.models import AirbyteCatalog, FailureType, Level

from source_tiktok_organic.source import MANIFEST_PATH
from testkit.catalogs import configure
from testkit.connector_output import ConnectorOutput
from testkit.in_process import run_in_process
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.business.media import post_kind

DEFINITIONS = yaml.safe_load(MANIFEST_PATH.read_text())["definitions"]
CORE = {**DEFINITIONS["core_fields"], **DEFINITIONS["business_core_fields"]}
VIDEOS = 4


class StreamRequest(NamedTuple):
    """What a stream asks of TikTok: its mode, endpoint, fields, and the endpoint's core fields."""

    mode: str
    endpoint: str
    fields: list[str]

    @property
    def optional(self) -> list[str]:
        core = CORE.get(f"/{self.endpoint}", [])
        return [name for name in self.fields if name not in core]


def comma_list(fields: str) -> list[str]:
    return fields.split(",")


STREAMS = {
    "videos": StreamRequest(
        "display", "v2/video/list/", comma_list(DEFINITIONS["videos_stream"]["$parameters"]["fields"])
    ),
    "user_info": StreamRequest(
        "display", "v2/user/info/", comma_list(DEFINITIONS["user_info_stream"]["$parameters"]["fields"])
    ),
    "business_videos": StreamRequest(
        "business", "open_api/v1.3/business/video/list/", list(DEFINITIONS["business_video_fields"])
    ),
    "business_profile": StreamRequest(
        "business", "open_api/v1.3/business/get/", list(DEFINITIONS["business_profile_fields"])
    ),
}


@pytest.fixture(scope="module")
def tiktok() -> Iterator[TikTokEmulator]:
    with TikTokEmulator(video_count=VIDEOS, rotate_refresh_tokens=False) as emulator:
        yield emulator


def config_of(tiktok: TikTokEmulator, mode: str) -> dict[str, Any]:
    if mode == "business":
        return tiktok.business_connector_config(business_requests_per_minute=600)
    return tiktok.connector_config(requests_per_minute=600)


@pytest.fixture(scope="module")
def discovered(tiktok: TikTokEmulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, AirbyteCatalog]:
    workdir = tmp_path_factory.mktemp("discover")
    return {
        mode: run_in_process(workdir, "discover", config_of(tiktok, mode)).catalog
        for mode in ("display", "business")
    }


def sync(
    tiktok: TikTokEmulator,
    catalogs: dict[str, AirbyteCatalog],
    workdir: Path,
    stream: str,
    refused: str,
    named: bool,
) -> ConnectorOutput:
    mode = STREAMS[stream].mode
    tiktok.refuse_fields([refused], named=named)
    try:
        return run_in_process(
            workdir, "read", config_of(tiktok, mode), configure(catalogs[mode], only=[stream])
        )
    finally:
        tiktok.refuse_fields([])


def warnings_naming(run: ConnectorOutput, field: str) -> list[str]:
    return [
        message.log.message
        for message in run.messages
        if message.log is not None
        and message.log.level == Level.WARN
        and f"the field {field} of" in message.log.message
    ]


CASES = [
    pytest.param(stream, field, named, id=f"{stream}-{field}-{'named' if named else 'unnamed'}")
    for stream, request in STREAMS.items()
    for field in (request.optional[0], request.optional[-1])
    for named in (True, False)
]


@pytest.mark.parametrize(("stream", "field", "named"), CASES)
def test_a_refused_optional_field_costs_its_column_only(
    tiktok: TikTokEmulator,
    discovered: dict[str, AirbyteCatalog],
    tmp_path: Path,
    stream: str,
    field: str,
    named: bool,
) -> None:
    run = sync(tiktok, discovered, tmp_path, stream, field, named)

    assert not run.errors, run.transcript()
    records = run.records(stream)
    expected = VIDEOS if stream.endswith("videos") else 1
    assert len(records) == expected, f"{len(records)} of {expected} records"
    others = set(STREAMS[stream].fields) - {field}
    for record in records:
        assert field not in record, f"the refused {field} has a value: {record.get(field)!r}"
        missing = others - set(record)
        assert not missing, f"{stream} record lacks {sorted(missing)}"
    warned = warnings_naming(run, field)
    assert len(warned) == 1, warned
    assert STREAMS[stream].endpoint in warned[0] and "column stays empty" in warned[0]


@pytest.mark.parametrize("named", [True, False], ids=["named", "unnamed"])
@pytest.mark.parametrize("stream", ["videos", "business_videos"])
def test_a_refused_core_field_ends_the_sync_with_a_config_error_naming_it(
    tiktok: TikTokEmulator, discovered: dict[str, AirbyteCatalog], tmp_path: Path, stream: str, named: bool
) -> None:
    run = sync(tiktok, discovered, tmp_path, stream, "create_time", named)

    errors = [error for error in run.errors if error.failure_type == FailureType.config_error]
    assert errors, run.transcript()
    assert "the field create_time" in errors[0].message and "cannot do without" in errors[0].message
    assert run.records(stream) == []


@pytest.mark.parametrize("refused", [[], ["media_type", "is_ad"]], ids=["served", "both-refused"])
def test_business_videos_carry_media_type_and_is_ad_as_tiktok_serves_them(
    tiktok: TikTokEmulator, discovered: dict[str, AirbyteCatalog], tmp_path: Path, refused: list[str]
) -> None:
    """The two fields TikTok added after its reference page: read where served, empty where not."""
    tiktok.refuse_fields(refused, named=False)
    try:
        run = run_in_process(
            tmp_path,
            "read",
            config_of(tiktok, "business"),
            configure(discovered["business"], only=["business_videos"]),
        )
    finally:
        tiktok.refuse_fields([])

    assert not run.errors, run.transcript()
    account = tiktok.business_accounts[0]
    served = {video["id"]: post_kind(video, account.seed) for video in account.videos}
    read = {
        r["item_id"]: {f: r[f] for f in ("media_type", "is_ad") if f in r}
        for r in run.records("business_videos")
    }
    assert read == {item_id: ({} if refused else kind) for item_id, kind in served.items()}
    assert sorted(f for f in ("media_type", "is_ad") if warnings_naming(run, f)) == sorted(refused)


def video_list_requests(tiktok: TikTokEmulator, workdir: Path, refused: list[str]) -> int:
    """The video/list requests of a sync of ``videos`` alone (its 500 pages fit in one minute of
    the budget, so pacing never makes the counts wait)."""
    config = tiktok.connector_config(requests_per_minute=600)
    catalog = configure(run_in_process(workdir, "discover", config).catalog, only=["videos"])
    tiktok.refuse_fields(refused, named=False)
    tiktok.reset_counters()
    try:
        run = run_in_process(workdir, "read", config, catalog)
    finally:
        tiktok.refuse_fields([])
    assert not run.errors and len(run.records("videos")) == tiktok.video_count, run.transcript()
    return int(tiktok.snapshot()["requests_by_endpoint"]["/v2/video/list/"])


def test_one_unnamed_refused_field_costs_ten_requests_at_most_over_ten_thousand_videos(
    tmp_path: Path,
) -> None:
    with TikTokEmulator(video_count=10_000, rotate_refresh_tokens=False) as tiktok:
        plain = video_list_requests(tiktok, tmp_path, [])
        refused = video_list_requests(tiktok, tmp_path, ["view_count"])

    assert plain < refused <= plain + 10, (plain, refused)
