"""What every step of the image test shares: its constants, how a step reports, Airbyte's
protocol output, and ``ImageRun`` (running the image and the installed package, carrying the config
forward as the platform does, cleaning up)."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomllib
import yaml
from airbyte_cdk.models import (
    AirbyteCatalog,
    ConfiguredAirbyteCatalog,
    SyncMode,
)

from testkit.catalogs import configure
from testkit.connector_output import ConnectorOutput
from testkit.console_script import console_script, run_console_script
from testkit.secrets import assert_no_secrets, config_secrets
from tiktok_emulator import TikTokEmulator
from tools.container_engine import IMAGE_TAG, Engine, tail

REPO_ROOT = Path(__file__).resolve().parents[2]
# An odd size: four full pages of 20 and a short last one.
VIDEO_COUNT = 95
# Where the config directory is mounted in the container (read-only, like Airbyte's).
CONTAINER_DATA_DIR = "/data"


class CheckFailed(Exception):
    pass


def ok(message: str) -> None:
    print(f"  ok  {message}", flush=True)


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def expect(condition: Any, message: str, detail: str = "") -> None:
    if not condition:
        raise CheckFailed(message + (f"\n{detail}" if detail else ""))
    ok(message)


# --------------------------------------------------------------------------------------------
# Airbyte protocol output
# --------------------------------------------------------------------------------------------


def protocol_output(
    command: str, result: subprocess.CompletedProcess[str], seconds: float
) -> ConnectorOutput:
    """Every stdout line must be one Airbyte message: the platform reads nothing else there."""
    output = ConnectorOutput(
        result.stdout, result.stderr, command=command, returncode=result.returncode, seconds=seconds
    )
    return strictly_protocol(output)


def strictly_protocol(output: ConnectorOutput) -> ConnectorOutput:
    if output.invalid_lines:
        number, line = output.invalid_lines[0]
        raise CheckFailed(
            f"{output.command}: stdout line {number} is not an Airbyte message: {line[:200]!r}\n"
            f"--- stderr:\n{tail(output.stderr)}"
        )
    return output


class ImageRun:
    """One run of the image test: the engine, the mounted work folder, the image under test, the
    secrets seen so far; how the container and the installed package are run, and the cleanup."""

    def __init__(self, engine: Engine, workdir: Path) -> None:
        self.engine = engine
        self.workdir = workdir  # mounted read-only into the container
        self.tag = IMAGE_TAG
        self.images_to_remove: list[str] = []
        self.timings: dict[str, float] = {}
        self.pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
        self.metadata = yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text())["data"]
        try:
            console_script()  # the package installed next to this interpreter: the reference
        except FileNotFoundError as missing:
            raise CheckFailed(f"{missing} (run scripts/image_test.sh)") from None
        self.secrets: set[str] = set()

    # -- helpers ------------------------------------------------------------------------------
    def write_json(self, name: str, payload: Any) -> str:
        path = self.workdir / name
        path.write_text(json.dumps(payload, indent=2))
        path.chmod(0o644)  # the container's user is not the owner
        return f"{CONTAINER_DATA_DIR}/{name}"

    def container(
        self,
        args: Sequence[str],
        *,
        entrypoint: str | None = None,
        timeout: float = 300,
        mounts: Sequence[str] = (),
    ) -> ConnectorOutput:
        """Run the image with ``args``; ``mounts`` are more ``-v`` volumes than the workdir's."""
        options = ["run", "--rm", "--network=host", "-v", f"{self.workdir}:{CONTAINER_DATA_DIR}:ro"]
        for mount in mounts:
            options += ["-v", mount]
        if entrypoint:
            options += ["--entrypoint", entrypoint]
        started = time.monotonic()
        result = self.engine.run([*options, self.tag, *args], check=False, timeout=timeout)
        run = protocol_output(f"container {shlex.join(args)}", result, time.monotonic() - started)
        self.assert_no_secrets(run)
        return run

    def container_shell(self, script: str) -> subprocess.CompletedProcess[str]:
        return self.engine.run(["run", "--rm", "--entrypoint", "sh", self.tag, "-c", script], check=False)

    def package(self, args: Sequence[str]) -> ConnectorOutput:
        run = run_console_script([a.replace(CONTAINER_DATA_DIR, str(self.workdir)) for a in args])
        run.command = f"package {shlex.join(args)}"
        return strictly_protocol(run)

    def assert_no_secrets(self, run: ConnectorOutput) -> None:
        """No secret in any log, trace or stderr line; only CONNECTOR_CONFIG may carry them."""
        for config in run.emitted_configs:
            self.secrets |= config_secrets(config)
        try:
            assert_no_secrets(run.text_without_emitted_configs, self.secrets)
        except AssertionError as leak:
            raise CheckFailed(f"{run.command}: {leak}") from None

    def carry_forward(
        self, run: ConnectorOutput, config: dict[str, Any], emulator: TikTokEmulator
    ) -> dict[str, Any]:
        """What the platform does: keep the config of the last CONNECTOR_CONFIG message, if any.

        Either way, the refresh token kept must be the one TikTok still accepts: a rotation that
        was not reported would break the next sync.
        """
        kept = run.latest_config or config
        expect(
            kept["credentials"]["refresh_token"] == emulator.current_refresh_token,
            f"after {run.command.split(' --')[0]}, the refresh token the platform keeps is the valid one"
            f" ({'rotated, from CONNECTOR_CONFIG' if run.latest_config else 'unchanged, no refresh needed'})",
        )
        return kept

    @staticmethod
    def configured_catalog(catalog: AirbyteCatalog) -> tuple[ConfiguredAirbyteCatalog, bool]:
        """user_info in full refresh; videos incremental when the catalog offers it."""
        configured = configure(catalog, incremental=True)
        # The streams of a creator account (Login Kit); the business streams need a business config.
        configured.streams = [s for s in configured.streams if s.stream.name in ("user_info", "videos")]
        return configured, any(s.sync_mode == SyncMode.incremental for s in configured.streams)

    def _remove_image(self, tag: str) -> None:
        if tag in self.images_to_remove:
            self.engine.run(["rmi", "--force", tag], check=False)
            self.images_to_remove.remove(tag)

    def cleanup(self) -> None:
        for tag in list(self.images_to_remove):
            self._remove_image(tag)
        if self.tag == IMAGE_TAG and IMAGE_TAG not in self.images_to_remove:
            print(f"\nThe image stays as {IMAGE_TAG} (IMAGE_TEST_KEEP_IMAGE=0 removes it).", flush=True)
