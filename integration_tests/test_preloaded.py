"""testkit/preloaded.py: a fork of the preloaded process behaves as the console script's own process
would, whether the test process runs it or a program starts its stand-in (``launcher``)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.console_script import console_script
from testkit.preloaded import PreloadedProgram


@pytest.fixture(scope="module")
def connector() -> Iterator[PreloadedProgram]:
    program = PreloadedProgram(console_script(), "source_tiktok_organic.run:run")
    yield program
    program.close()


@pytest.fixture(scope="module")
def echo() -> Iterator[PreloadedProgram]:
    """``input()`` as a program: it reads a line of stdin and prints it back."""
    program = PreloadedProgram(console_script(), "builtins:input")
    yield program
    program.close()


def spec_of(stdout: str) -> dict:
    messages = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return next(message for message in messages if message["type"] == "SPEC")


def test_a_run_gets_its_own_arguments_folder_environment_and_exit_status(
    connector: PreloadedProgram, tmp_path: Path
) -> None:
    returncode, stdout, _ = connector.output(["spec"], cwd=tmp_path, env=dict(os.environ), timeout=120)
    assert returncode == 0
    assert spec_of(stdout)["spec"]["connectionSpecification"]["type"] == "object"
    returncode, stdout, stderr = connector.output(
        ["check", "--config", str(tmp_path / "missing.json")], cwd=tmp_path, env=dict(os.environ), timeout=120
    )
    assert returncode != 0
    assert "missing.json" in stdout + stderr


def test_the_launcher_stands_in_for_the_console_script_with_its_callers_pipes(
    connector: PreloadedProgram, tmp_path: Path
) -> None:
    done = subprocess.run(
        [*connector.launcher(), "spec"], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert spec_of(done.stdout)["spec"]["connectionSpecification"]["type"] == "object"


def test_the_launcher_passes_stdin_and_forwards_a_signal(echo: PreloadedProgram) -> None:
    done = subprocess.run([*echo.launcher()], input="hello\n", capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "")  # input() returns the line; nothing printed
    waiting = subprocess.Popen([*echo.launcher()], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    time.sleep(1)  # the fork is now waiting for its line
    assert waiting.poll() is None
    waiting.send_signal(signal.SIGTERM)
    assert waiting.wait(timeout=30) == -signal.SIGTERM
    # The fork held the other end of stdout: its end of file says the signal reached it too.
    assert waiting.stdout is not None
    assert select.select([waiting.stdout], [], [], 30)[0], "the fork outlived its launcher"
    assert waiting.stdout.read() == b""
