"""manifest.yaml plus components.py, unmodified, under Airbyte's manifest-only runtime.

The CDK's own CLI, ``source-declarative-manifest``, runs in .venv-manifest-only (built by
scripts/manifest_only_env.sh), which holds the pinned CDK and nothing of this repository: the
Connector Builder and Airbyte's ``source-declarative-manifest`` image load the connector the same
way.
"""

from __future__ import annotations

import atexit
import json
import os
import shlex
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from source_tiktok_organic.source import MANIFEST_PATH
from testkit import preloaded
from testkit.connector_clock import launch_code
from testkit.connector_output import ConnectorOutput

__all__ = ["MANIFEST_ONLY_CLI", "manifest_only_command", "require_manifest_only"]

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST_ONLY_CLI = REPO_ROOT / ".venv-manifest-only" / "bin" / "source-declarative-manifest"
COMPONENTS_PATH = MANIFEST_PATH.with_name("components.py")
# The console script's entry point, which the clocked launch calls in its place.
_CLI_ENTRYPOINT = "airbyte_cdk.cli.source_declarative_manifest:run"


def manifest_only_command(
    workdir: Path,
    command: str,
    config: dict[str, Any] | None = None,
    clock_ahead: float = 0.0,
    **files: Any,
) -> ConnectorOutput:
    """``source-declarative-manifest <command>`` with the repository's manifest and components;
    ``files`` (catalog, state) are written as ``--<name>`` files; ``clock_ahead`` sets the
    connector's clock that many seconds past the wall clock (``testkit.connector_clock``)."""
    args = [command, "--manifest-path", str(MANIFEST_PATH), "--components-path", str(COMPONENTS_PATH)]
    if config is not None:
        path = workdir / f"{command}-config.json"
        path.write_text(json.dumps(config))
        args += ["--config", str(path)]
    for name, content in files.items():
        path = workdir / f"{command}-{name}.json"
        path.write_text(json.dumps(content))
        args += [f"--{name}", str(path)]
    # The runtime refuses custom components unless the workspace allows them.
    environment = {**os.environ, "AIRBYTE_ENABLE_UNSAFE_CODE": "true"}
    if preloaded.enabled():
        returncode, stdout, stderr = _preloaded_cli().output(
            args, cwd=workdir, env=environment, timeout=300, clock_ahead=clock_ahead
        )
        return ConnectorOutput(stdout, stderr, command=shlex.join(args), returncode=returncode)
    launcher = (
        [str(MANIFEST_ONLY_CLI.with_name("python")), "-c", launch_code(clock_ahead, _CLI_ENTRYPOINT)]
        if clock_ahead
        else [str(MANIFEST_ONLY_CLI)]
    )
    completed = subprocess.run(
        [*launcher, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        cwd=workdir,
        env=environment,
    )
    return ConnectorOutput(
        completed.stdout, completed.stderr, command=shlex.join(args), returncode=completed.returncode
    )


@cache
def _preloaded_cli() -> preloaded.PreloadedProgram:
    """source-declarative-manifest, preloaded in .venv-manifest-only (testkit.preloaded)."""
    cli = preloaded.PreloadedProgram(
        MANIFEST_ONLY_CLI, _CLI_ENTRYPOINT, python=MANIFEST_ONLY_CLI.with_name("python")
    )
    atexit.register(cli.close)
    return cli


def require_manifest_only() -> None:
    """Skip the calling test where .venv-manifest-only is missing, on a developer's machine only:
    under CI it must run."""
    if MANIFEST_ONLY_CLI.exists():
        return
    message = f"{MANIFEST_ONLY_CLI} is missing: run `bash scripts/manifest_only_env.sh`."
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the manifest-only runtime test. {message}")
    pytest.skip(message)
