"""The connector's commands run in the container as Airbyte runs them, against the loopback TikTok
emulator: their output compared with the installed package's and with what the emulator serves."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteStreamStatus,
    ConnectorSpecificationSerializer,
    Status,
)

from testkit.catalogs import BUSINESS_STREAMS, catalog_json, configure
from testkit.connector_output import ConnectorOutput
from tiktok_emulator import USER_FIELD_SCOPES, VIDEO_FIELDS, TikTokEmulator
from tools.image_checks.harness import (
    VIDEO_COUNT,
    ImageRun,
    expect,
    section,
)


class ConnectorCommands(ImageRun):
    """``spec``, ``check``, ``discover`` and ``read`` in the container, each compared with the
    installed package or the emulator; the incremental read; business mode."""

    def spec(self) -> None:
        section("spec")
        run = self.container(["spec"])
        expect(run.returncode == 0, f"spec exits 0 ({run.seconds:.1f} s)", run.transcript())
        image_spec = run.spec
        package_spec = self.package(["spec"]).spec
        expect(
            image_spec == package_spec,
            "the spec in the image equals the spec of the package",
            json.dumps(ConnectorSpecificationSerializer.dump(image_spec))[:500]
            + "\n!=\n"
            + json.dumps(ConnectorSpecificationSerializer.dump(package_spec))[:500],
        )
        credentials = image_spec.connectionSpecification["properties"]["credentials"]["oneOf"]
        secret_fields = {
            k for option in credentials for k, v in option["properties"].items() if v.get("airbyte_secret")
        }
        expect(
            {"client_secret", "app_secret", "refresh_token"} <= secret_fields,
            f"secret fields are marked airbyte_secret ({sorted(secret_fields)})",
        )

    def check(self, emulator: TikTokEmulator, config: dict[str, Any]) -> dict[str, Any]:
        """A check never spends the refresh token (TikTok's work once, and the platform drops what a
        new source's check emits): with a live access token it proves it, with none it says what it
        could not prove, and a live token TikTok refuses fails it."""
        section("check")
        run = self.container(["check", "--config", self.write_json("config.json", config)])
        status = run.connection_status
        expect(
            run.returncode == 0
            and status.status == Status.SUCCEEDED
            and "were not sent to TikTok" in (status.message or ""),
            "check with a refresh token only: SUCCEEDED, saying the credentials were not sent to TikTok",
            run.transcript(),
        )
        expect(
            not run.emitted_configs
            and emulator.current_refresh_token == config["credentials"]["refresh_token"],
            "that check spent no refresh token and emitted no CONNECTOR_CONFIG",
            run.transcript(),
        )

        # What the Airbyte UI's OAuth flow stores beside the refresh token.
        live = json.loads(json.dumps(config))
        live["credentials"].update(
            access_token=emulator.issue_access_token(),
            token_expiry_date=_rfc3339(int(time.time()) + 7200),
            granted_scopes=",".join(emulator.granted_scopes),
        )
        self.secrets.add(live["credentials"]["access_token"])
        emulator.reset_counters()
        run = self.container(["check", "--config", self.write_json("live_config.json", live)])
        status = run.connection_status
        expect(
            run.returncode == 0 and status.status == Status.SUCCEEDED and not status.message,
            f"check with a live access token: SUCCEEDED, proved with TikTok ({run.seconds or 0:.1f} s)",
            run.transcript(),
        )
        token_requests = emulator.requests_by_endpoint.get("/v2/oauth/token/", 0)
        expect(
            token_requests == 0 and not run.emitted_configs,
            f"that check made {token_requests} token requests and emitted no CONNECTOR_CONFIG",
            run.transcript(),
        )

        emulator.invalidate_access_tokens()  # revoked before its stored expiry
        run = self.container(["check", "--config", self.write_json("refused_config.json", live)])
        status = run.connection_status
        expect(
            status.status == Status.FAILED
            and "TikTok refused the stored access token" in (status.message or ""),
            "check with an access token TikTok refuses: FAILED, saying so, without refreshing",
            run.transcript(),
        )
        expect(emulator.current_refresh_token == config["credentials"]["refresh_token"], "still no refresh")
        return config

    def discover(
        self, emulator: TikTokEmulator, config: dict[str, Any]
    ) -> tuple[dict[str, Any], AirbyteCatalog]:
        section("discover")
        config_path = self.write_json("config.json", config)
        run = self.container(["discover", "--config", config_path])
        expect(run.returncode == 0, f"discover exits 0 ({run.seconds or 0:.1f} s)", run.transcript())
        catalog = run.catalog
        streams = {s.name: s for s in catalog.streams}
        expect({"user_info", "videos"} <= set(streams), f"streams: {sorted(streams)}")
        expect(
            streams["user_info"].source_defined_primary_key == [["open_id"]]
            and streams["videos"].source_defined_primary_key == [["id"]],
            "primary keys: user_info open_id, videos id",
        )
        expect(
            set(VIDEO_FIELDS) <= set(streams["videos"].json_schema["properties"])
            and set(USER_FIELD_SCOPES) <= set(streams["user_info"].json_schema["properties"]),
            "the schemas declare every TikTok field (15 video, 14 user)",
        )
        config = self.carry_forward(run, config, emulator)
        package_run = self.package(["discover", "--config", self.write_json("config.json", config)])
        config = self.carry_forward(package_run, config, emulator)
        expect(package_run.catalog == catalog, "the catalog in the image equals the catalog of the package")
        return config, catalog

    def read_records(self, args: Sequence[str]) -> tuple[ConnectorOutput, dict[str, list[dict[str, Any]]]]:
        run = self.container(["read", *args])
        expect(
            run.returncode == 0 and not run.errors,
            f"read exits 0 without error traces ({run.seconds or 0:.1f} s)",
            run.transcript(),
        )
        records = {stream: run.records(stream) for stream in ("user_info", "videos")}
        last_statuses = {s: (run.stream_statuses(s) or [None])[-1] for s in ("user_info", "videos")}
        expect(
            all(status == AirbyteStreamStatus.COMPLETE for status in last_statuses.values()),
            f"both streams end COMPLETE ({ {k: v.value if v else None for k, v in last_statuses.items()} })",
        )
        return run, records

    def read(
        self, emulator: TikTokEmulator, config: dict[str, Any], catalog: AirbyteCatalog
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        configured, incremental = self.configured_catalog(catalog)
        section(
            f"read ({VIDEO_COUNT} videos; "
            f"videos {'incremental, first sync' if incremental else 'full refresh'})"
        )
        catalog_path = self.write_json("configured_catalog.json", catalog_json(configured))
        run, records = self.read_records(
            ["--config", self.write_json("config.json", config), "--catalog", catalog_path]
        )
        self.timings["read"] = run.seconds or 0.0
        expect(len(records["user_info"]) == 1, f"user_info: {len(records['user_info'])} record")
        user = records["user_info"][0]
        mismatched = [f for f in USER_FIELD_SCOPES if user.get(f) != emulator.user.get(f)]
        expect(
            not mismatched,
            f"user_info record equals the emulated account (display_name {user.get('display_name')!r}, "
            f"follower_count {user.get('follower_count')})",
            f"mismatched fields: {mismatched}",
        )

        videos = records["videos"]
        expect(len(videos) == VIDEO_COUNT, f"videos: {len(videos)} records, every video")
        expected = {v["id"]: v for v in emulator.videos}
        ids = [v.get("id") for v in videos]
        expect(
            all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids) and set(ids) == set(expected),
            "video ids are strings, unique, and exactly the emulator's (ids above 2^53 intact)",
        )
        mismatched = sorted({f for v in videos for f in VIDEO_FIELDS if v.get(f) != expected[v["id"]].get(f)})
        expect(
            not mismatched,
            f"every video field equals what TikTok served ({len(VIDEO_FIELDS)} fields x {len(videos)})",
            f"mismatched fields: {mismatched}",
        )
        if any("created_at" in v for v in videos):
            wrong = [v["id"] for v in videos if v.get("created_at") != _rfc3339(v["create_time"])]
            expect(not wrong, "created_at is create_time as RFC 3339 UTC", f"wrong for {wrong[:3]}")

        config = self.carry_forward(run, config, emulator)
        if incremental:
            video_states = [s for s in run.states if s.stream and s.stream.stream_descriptor.name == "videos"]
            expect(video_states, f"read emits STATE for videos ({len(video_states)} messages)")
        return config, run.final_state  # the last state of each stream is what the platform keeps

    def read_incremental(
        self,
        emulator: TikTokEmulator,
        config: dict[str, Any],
        catalog: AirbyteCatalog,
        state: list[dict[str, Any]],
    ) -> None:
        configured, incremental = self.configured_catalog(catalog)
        if not incremental:
            print(
                "  --  videos offers no incremental sync in the catalog: no second, incremental read",
                flush=True,
            )
            return
        section("read again with the state of the first sync (incremental), access token revoked")
        emulator.invalidate_access_tokens()
        run, records = self.read_records(
            [
                "--config",
                self.write_json("config.json", config),
                "--catalog",
                self.write_json("configured_catalog.json", catalog_json(configured)),
                "--state",
                self.write_json("state.json", state),
            ]
        )
        videos = records["videos"]
        oldest = min((v["create_time"] for v in videos), default=None)
        newer = {v["id"] for v in emulator.videos if oldest is not None and v["create_time"] >= oldest}
        expect(
            0 < len(videos) < VIDEO_COUNT and {v["id"] for v in videos} == newer,
            f"the state is honoured: {len(videos)} of {VIDEO_COUNT} videos re-read, "
            "the newest ones (lookback)",
            f"ids read: {sorted(v['id'] for v in videos)[:10]}",
        )
        expect(run.latest_config, "the revoked access token was refreshed: CONNECTOR_CONFIG emitted")
        self.carry_forward(run, config, emulator)
        expect(
            bool(self.secrets),
            f"no secret in any log, trace or stderr line ({len(self.secrets)} secrets watched)",
        )

    def read_business(self, emulator: TikTokEmulator) -> None:
        """Business mode in the container: discover offers the Accounts API streams, a read of
        every one of them succeeds, every video arrives once and the rotated token comes back."""
        section("business mode (API for Business): discover and read every stream")
        config = emulator.business_connector_config()
        self.secrets.update({config["credentials"]["app_secret"], config["credentials"]["refresh_token"]})
        config_path = self.write_json("business_config.json", config)
        discovered = self.container(["discover", "--config", config_path]).catalog
        streams = {s.name for s in discovered.streams}
        expect(set(BUSINESS_STREAMS) == streams, f"discover offers the {len(streams)} business streams")
        catalog_path = self.write_json("business_catalog.json", catalog_json(configure(discovered)))
        run = self.container(["read", "--config", config_path, "--catalog", catalog_path])
        expect(
            run.returncode == 0 and not run.errors, "business read exits 0 without errors", run.transcript()
        )
        counts = {name: len(run.records(name)) for name in BUSINESS_STREAMS}
        expect(all(counts.values()), f"every business stream has records ({counts})")
        ids = [r["item_id"] for r in run.records("business_videos")]
        expect(sorted(ids) == sorted(v["id"] for v in emulator.videos), "business_videos: every video once")
        latest = run.latest_config or {}
        expect(
            latest.get("credentials", {}).get("refresh_token") == emulator.current_business_refresh_token,
            "the rotated business refresh token is emitted for the platform to save",
        )
        self.assert_no_secrets(run)


def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
