"""Runs by hand: ``source-tiktok-organic check|read --config FILE``, the same file from run to run,
and ``bash scripts/sync.sh --accounts N``, the README's sync of several accounts in one connection.

TikTok's access tokens live about two hours and each refresh retires the refresh token it used, so
nearly every run by hand refreshes. With nobody to save the CONNECTOR_CONFIG message, the
connector must leave the newest config in its --config file, or the next run fails with
invalid_grant.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from airbyte_cdk.models import Status

from integration_tests.emulator_helpers import business_code, business_refresh, refresh
from source_tiktok_organic.business_protocol import BUSINESS_GET_PATH
from testkit.catalogs import catalog_json, configured_catalog
from testkit.connector_output import ConnectorOutput
from testkit.console_script import run_console_script
from testkit.secrets import assert_run_leaks_no_secret
from tiktok_emulator import FaultRule, TikTokEmulator
from tools.sync import REPO_ROOT, account_labels

BUSINESS_CATALOG = Path(__file__).resolve().parent / "configured_catalog_business.json"
CONFIG_MODE = 0o640  # not the 0600 tiktok-organic-auth writes: the connector must keep whichever it finds


class Api:
    """What differs between the Display API and the API for Business in these runs."""

    def __init__(self, business: bool) -> None:
        self.business = business

    def config(self, tiktok: TikTokEmulator) -> dict[str, Any]:
        return tiktok.business_connector_config() if self.business else tiktok.connector_config()

    def live_refresh_token(self, tiktok: TikTokEmulator) -> str:
        return tiktok.current_business_refresh_token if self.business else tiktok.current_refresh_token

    def catalog(self) -> dict[str, Any]:
        if not self.business:
            return catalog_json(configured_catalog("user_info", "videos"))
        catalog = json.loads(BUSINESS_CATALOG.read_text())
        catalog["streams"] = [
            s for s in catalog["streams"] if s["stream"]["name"] in ("business_profile", "business_videos")
        ]
        return dict(catalog)

    def kill_access_tokens(self, tiktok: TikTokEmulator) -> None:
        """The access token in the file dies, as it does two hours after the run that minted it."""
        if self.business:
            # The Accounts API's tokens die when they are refused (code 40105): the next run's first
            # business/get is.
            tiktok.add_fault(FaultRule("access_token_invalid", endpoint=BUSINESS_GET_PATH, times=1))
        else:
            tiktok.invalidate_access_tokens()

    def refresh_works(self, tiktok: TikTokEmulator, refresh_token: str) -> bool:
        with requests.Session() as session:
            if self.business:
                return business_code(business_refresh(tiktok, session, refresh_token=refresh_token)) == 0
            return refresh(tiktok, session, refresh_token=refresh_token).status_code == 200


@pytest.mark.parametrize("api", [Api(business=False), Api(business=True)], ids=["display", "business"])
def test_hand_runs_in_a_row_on_one_config_file(
    api: Api, emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    tiktok = emulator(video_count=25, rotate_refresh_tokens=True)
    config_path = tmp_path / "secrets" / "config.json"
    config_path.parent.mkdir()
    config_path.write_text(json.dumps(api.config(tiktok), indent=2))
    config_path.chmod(CONFIG_MODE)
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(api.catalog()))
    first_refresh_token = api.live_refresh_token(tiktok)
    secrets = {tiktok.client_secret, tiktok.app_secret, first_refresh_token}

    def hand_run(*command: str) -> ConnectorOutput:
        """One run by hand; the file must then hold the live refresh token: rotated by a read, which
        refreshes the dead access token, and untouched by a check, which never spends it."""
        before = json.loads(config_path.read_text())
        run = run_console_script([*command, "--config", str(config_path)], timeout=180)
        assert run.returncode == 0, run.transcript()
        saved = json.loads(config_path.read_text())
        if command[0] == "read":
            assert run.latest_config is not None, "the read refreshed the dead access token"
            assert saved == run.latest_config, "the file holds the config of the last CONNECTOR_CONFIG"
            assert saved["credentials"]["refresh_token"] == api.live_refresh_token(tiktok)
            assert saved["credentials"]["refresh_token"] != before["credentials"]["refresh_token"]
            assert any(log.startswith("Saved the rotated TikTok credentials") for log in run.logs)
        else:
            assert run.latest_config is None and saved == before, "a check spends no refresh token"
            assert saved["credentials"]["refresh_token"] == api.live_refresh_token(tiktok)
        assert stat.S_IMODE(config_path.stat().st_mode) == CONFIG_MODE
        assert sorted(p.name for p in config_path.parent.iterdir()) == ["config.json"]
        assert_run_leaks_no_secret(run, secrets)
        return run

    # No access token in the file yet: the check proves what it can and spends nothing.
    assert hand_run("check").connection_status.status == Status.SUCCEEDED
    read = hand_run("read", "--catalog", str(catalog_path))
    assert not read.errors, read.errors
    videos = read.records("business_videos" if api.business else "videos")
    assert len(videos) == len(tiktok.videos)
    api.kill_access_tokens(tiktok)  # two hours later: the access token in the file is dead
    again = hand_run("read", "--catalog", str(catalog_path))
    assert not again.errors, again.errors
    # The file's access token is live: the check proves it with TikTok, still spending nothing.
    proved = hand_run("check").connection_status
    assert proved.status == Status.SUCCEEDED and not proved.message, proved

    final = json.loads(config_path.read_text())["credentials"]["refresh_token"]
    assert api.refresh_works(tiktok, final), "the file ends with a refresh token TikTok accepts"
    assert not api.refresh_works(tiktok, first_refresh_token), "the first one was retired on the way"


def test_sync_sh_accounts_reads_every_account_into_the_same_streams(tmp_path: Path) -> None:
    """``bash scripts/sync.sh --accounts 3``: the emulator's three business accounts in one
    connection, each stream with the records of each, labelled, and the count per account printed."""
    accounts = 3
    done = subprocess.run(
        ["bash", "scripts/sync.sh", "--accounts", str(accounts), "--videos", "3", "--output", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    read = ConnectorOutput((tmp_path / "read.jsonl").read_text())
    assert not read.errors, read.errors
    credentials = json.loads((tmp_path / "config.json").read_text())["credentials"]
    entries = [credentials, *credentials["accounts"]]
    labels = account_labels(accounts)
    assert [entry.get("label") for entry in entries] == labels
    label_of = {entry["open_id"]: entry["label"] for entry in entries}
    assert len(label_of) == accounts, "each account has its own open_id"
    streams = {message.record.stream for message in read.of_type("RECORD") if message.record}
    assert {"business_profile", "business_videos", "business_profile_daily", "video_snapshots"} <= streams
    for stream in streams:
        records = read.records(stream)
        assert {r["business_id"] for r in records} == set(label_of), f"{stream}: every account's records"
        assert all(r["account_label"] == label_of[r["business_id"]] for r in records), stream
    assert len(read.records("business_videos")) == accounts * 3
    printed = done.stdout[done.stdout.index("Records per account:") :].splitlines()
    assert printed[1].split() == ["stream", *" ".join(labels).split()]
    assert printed[2 + len(streams)].split() == [
        "total",
        *(str(sum(1 for r in read.records() if r["business_id"] == open_id)) for open_id in label_of),
    ]
    assert ["business_videos", *["3"] * accounts] in [line.split() for line in printed]
    for open_id, label in label_of.items():
        assert f"{label}: open_id {open_id}" in done.stdout
