"""The installed ``source-tiktok-organic`` command, run as Airbyte runs it: a subprocess."""

from __future__ import annotations

import atexit
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from testkit import preloaded
from testkit.connector_output import ConnectorOutput

__all__ = ["CONSOLE_SCRIPT", "console_script", "run_console_script"]

CONSOLE_SCRIPT = "source-tiktok-organic"


def console_script() -> Path:
    """The connector's console script next to this interpreter (else on PATH)."""
    script = Path(sys.executable).with_name(CONSOLE_SCRIPT)
    if script.exists():
        return script
    found = shutil.which(CONSOLE_SCRIPT)
    if not found:
        raise FileNotFoundError(
            f"{CONSOLE_SCRIPT} is installed neither next to {sys.executable} nor on PATH: "
            "any scripts/*.sh installs it into .venv"
        )
    return Path(found)


def run_console_script(
    args: Sequence[str],
    *,
    timeout: float | None = 300,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ConnectorOutput:
    """Run ``source-tiktok-organic <args>`` and read what it printed; ``env`` adds variables,
    ``timeout=None`` waits as long as it takes. The process is a fork of a preloaded one where the
    system allows (``testkit.preloaded``), else the installed script started afresh."""
    started = time.perf_counter()
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    if preloaded.enabled():
        returncode, stdout, stderr = _preloaded_script().output(
            args, cwd=cwd, env=environment, timeout=timeout
        )
        seconds = time.perf_counter() - started
        return ConnectorOutput(
            stdout, stderr, command=shlex.join(args), returncode=returncode, seconds=seconds
        )
    completed = subprocess.run(
        [str(console_script()), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        cwd=cwd,
        env=environment,
    )
    return ConnectorOutput(
        completed.stdout,
        completed.stderr,
        command=shlex.join(args),
        returncode=completed.returncode,
        seconds=time.perf_counter() - started,
    )


@cache
def _preloaded_script() -> preloaded.PreloadedProgram:
    script = preloaded.PreloadedProgram(console_script(), "source_tiktok_organic.run:run")
    atexit.register(script.close)
    return script
