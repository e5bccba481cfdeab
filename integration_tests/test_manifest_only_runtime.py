"""manifest.yaml plus components.py, unmodified, under Airbyte's manifest-only runtime.

The CDK's own CLI, ``source-declarative-manifest``, runs in .venv-manifest-only (built by
scripts/manifest_only_env.sh), which holds the pinned CDK and nothing of this repository: the
Connector Builder and Airbyte's ``source-declarative-manifest`` image load the connector the same
way. Skipped only on a developer machine without that environment; under ``CI`` it must run.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from source_tiktok_organic.business_protocol import BUSINESS_GET_PATH, BUSINESS_VIDEO_LIST_PATH
from source_tiktok_organic.cdk_internals import check_failure_reason
from source_tiktok_organic.source import MANIFEST_PATH
from testkit.catalogs import catalog_json, configure, configured_catalog
from testkit.configs import emulator_accounts_config
from testkit.connector_output import ConnectorOutput
from testkit.console_script import run_console_script
from testkit.manifest_only import MANIFEST_ONLY_CLI, manifest_only_command, require_manifest_only
from testkit.platform_oauth import authenticated_config, business_form
from testkit.secrets import assert_no_secrets, config_secrets
from tiktok_emulator import TikTokEmulator

pytestmark = pytest.mark.side_environments

RunManifestOnly = Callable[..., ConnectorOutput]


@pytest.fixture
def run_manifest_only(tmp_path: Path) -> RunManifestOnly:
    require_manifest_only()

    def run(command: str, config: dict[str, Any] | None = None, **files: Any) -> ConnectorOutput:
        return manifest_only_command(tmp_path, command, config, **files)

    return run


def test_the_environment_holds_the_cdk_and_not_this_package() -> None:
    if not MANIFEST_ONLY_CLI.exists():
        pytest.skip("no .venv-manifest-only")
    python = MANIFEST_ONLY_CLI.with_name("python")
    probe = (
        "import importlib.util as u; "
        "print(u.find_spec('source_tiktok_organic') is None, u.find_spec('airbyte_cdk') is not None)"
    )
    completed = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd="/")
    assert completed.stdout.split() == ["True", "True"], completed


def test_spec_is_the_manifests_as_the_platform_reads_it(run_manifest_only: RunManifestOnly) -> None:
    """The runtime answers `spec` with its own generic spec (the manifest arrives in the config);
    the platform and the Connector Builder read a manifest-only connector's form from the
    manifest's `spec` block, which must be exactly what the package serves."""
    generic = run_manifest_only("spec")
    package = run_console_script(["spec"])
    manifest_spec = yaml.safe_load(MANIFEST_PATH.read_text())["spec"]

    assert "__injected_declarative_manifest" in generic.spec.connectionSpecification["properties"]
    assert package.spec.connectionSpecification == manifest_spec["connection_specification"]


def test_check_succeeds_and_discover_offers_the_packages_streams(
    run_manifest_only: RunManifestOnly, emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    tiktok = emulator(video_count=30)
    config = authenticated_config(tiktok)

    check = run_manifest_only("check", config)
    discover = run_manifest_only("discover", config)

    assert check.connection_status.status.value == "SUCCEEDED", check.transcript()
    # The CDK's own check, too, proves the live access token and spends no refresh token.
    assert check.latest_config is None and discover.latest_config is None
    assert tiktok.requests_by_endpoint.get("/v2/oauth/token/") == 1, "the Authenticate button's only"
    config_path = tmp_path / "package-config.json"
    config_path.write_text(json.dumps(config))
    package_streams = run_console_script(["discover", "--config", str(config_path)]).catalog.streams
    assert [s.name for s in discover.catalog.streams] == [s.name for s in package_streams]


def test_check_with_missing_scopes_fails_naming_every_one_at_once(
    run_manifest_only: RunManifestOnly, emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=5, granted_scopes=("user.info.basic",))

    check = run_manifest_only("check", authenticated_config(tiktok))

    assert check.connection_status.status.value == "FAILED"
    message = check.connection_status.message or ""
    listed = message.split("missing the scope(s) ")[1].split(" (granted")[0]
    assert listed.split(", ") == ["user.info.profile", "user.info.stats", "video.list"]


@pytest.mark.parametrize("business", [False, True], ids=["display", "business"])
def test_a_failed_check_says_the_same_in_both_runtimes(
    run_manifest_only: RunManifestOnly,
    emulator: Callable[..., TikTokEmulator],
    tmp_path: Path,
    business: bool,
) -> None:
    """One message, whichever runtime runs the check (the package only drops the CDK's repr quotes)."""
    tiktok = emulator(video_count=5, granted_scopes=("user.info.basic",))
    configs = [
        business_form(tiktok, 1, ("user.info.basic", "video.list"), whole_file=True)
        if business
        else authenticated_config(tiktok)
        for _ in ("for-manifest-only", "for-package")
    ]
    config_path = tmp_path / "package-config.json"
    config_path.write_text(json.dumps(configs[1]))

    manifest_only = run_manifest_only("check", configs[0]).connection_status.message or ""
    package = run_console_script(["check", "--config", str(config_path)]).connection_status.message or ""

    def words(message: str) -> str:
        return re.sub(r"(log_id|request_id) [\w-]+", r"\1 ...", check_failure_reason(message))

    assert "missing the scope(s)" in package
    assert words(manifest_only) == words(package)


def test_full_then_incremental_read_with_rotation(
    run_manifest_only: RunManifestOnly, emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=95)
    config = tiktok.connector_config()
    catalog = catalog_json(configured_catalog(incremental=True))

    first = run_manifest_only("read", config, catalog=catalog)
    assert not first.errors, first.transcript()
    assert sorted(r["id"] for r in first.records("videos")) == sorted(v["id"] for v in tiktok.videos)
    assert len(first.records("user_info")) == 1
    rotated = first.latest_config
    assert rotated["credentials"]["refresh_token"] == tiktok.current_refresh_token

    tiktok.invalidate_access_tokens()  # the second read must refresh with the rotated token
    second = run_manifest_only("read", rotated, catalog=catalog, state=first.final_state)
    assert not second.errors, second.transcript()
    assert len(second.records("videos")) < len(first.records("videos")), "the second read is incremental"
    assert second.latest_config["credentials"]["refresh_token"] == tiktok.current_refresh_token
    for run in (first, second):
        assert_no_secrets(run.text_without_emitted_configs, config_secrets(config) | config_secrets(rotated))


def test_business_mode_checks_names_missing_scopes_and_reads_with_rotation(
    run_manifest_only: RunManifestOnly, emulator: Callable[..., TikTokEmulator]
) -> None:
    tiktok = emulator(video_count=30)
    # Both created from the whole file tiktok-organic-auth --business wrote (the grant included).
    lacking = business_form(
        tiktok, 1, ("user.info.basic", "user.info.username", "video.list"), whole_file=True
    )
    config = business_form(tiktok, 1, whole_file=True)

    refused = run_manifest_only("check", lacking).connection_status.message or ""
    check = run_manifest_only("check", config)
    assert check.connection_status.status.value == "SUCCEEDED", check.transcript()
    assert check.latest_config is None, "the check spent no refresh token"
    listed = refused.split("missing the scope(s) ")[1].split(" (granted")[0]
    assert listed.split(", ") == [
        "user.info.profile",
        "user.info.stats",
        "user.account.type",
        "user.insights",
        "video.insights",
    ]

    discovered = run_manifest_only("discover", config).catalog
    catalog = catalog_json(configure(discovered, incremental=True))
    tiktok.reset_counters()
    first = run_manifest_only("read", config, catalog=catalog)
    assert not first.errors, first.transcript()
    # The streams share their pages here too: 30 videos are 2 pages, 2 business/get (issue 21).
    asked = tiktok.snapshot()["requests_by_endpoint"]
    assert (asked[BUSINESS_VIDEO_LIST_PATH], asked[BUSINESS_GET_PATH]) == (2, 2)
    assert sorted(r["item_id"] for r in first.records("business_videos")) == sorted(
        v["id"] for v in tiktok.videos
    )
    saved = first.latest_config or config
    expired = dict(saved, credentials=dict(saved["credentials"], token_expiry_date="2000-01-01T00:00:00Z"))
    second = run_manifest_only("read", expired, catalog=catalog, state=first.final_state)
    assert not second.errors, second.transcript()
    assert len(second.records("business_profile_daily")) < len(first.records("business_profile_daily"))
    assert second.latest_config["credentials"]["refresh_token"] == tiktok.current_business_refresh_token


def test_several_accounts_sync_in_the_manifest_only_runtime_each_with_its_own_token(
    run_manifest_only: RunManifestOnly, emulator: Callable[..., TikTokEmulator]
) -> None:
    """The accounts' authenticators, partitions, state and pacing are the manifest's and
    components.py's alone, so Airbyte's manifest-only runtime serves several accounts too."""
    tiktok = emulator(video_count=6, business_accounts=3)
    config = emulator_accounts_config(tiktok, 3, ("Bakery", "Florist", "Cafe"))
    discovered = run_manifest_only("discover", config).catalog
    discovered.streams = [
        s for s in discovered.streams if s.name in ("business_videos", "business_profile_daily")
    ]

    read = run_manifest_only("read", config, catalog=catalog_json(configure(discovered, incremental=True)))

    assert read.returncode == 0 and not read.errors, read.transcript()
    for account in tiktok.business_accounts:
        videos = [r for r in read.records("business_videos") if r["business_id"] == account.open_id]
        assert sorted(r["item_id"] for r in videos) == sorted(v["id"] for v in account.videos)
    assert read.latest_config is not None
    saved = read.latest_config["credentials"]
    assert [saved["refresh_token"], *(a["refresh_token"] for a in saved["accounts"])] == [
        a.current_refresh_token for a in tiktok.business_accounts
    ]
    [state] = [
        s for s in read.final_state if s["stream"]["stream_descriptor"]["name"] == "business_profile_daily"
    ]
    partitions = {s["partition"]["business_id"] for s in state["stream"]["stream_state"]["states"]}
    assert partitions == {a.open_id for a in tiktok.business_accounts}
