"""Console scripts' processes, forked from one that has already imported the program.

Every ``source-tiktok-organic`` process spends about 2.5 s of CPU importing the CDK before it reads
its first argument, and the end-to-end tests start over a hundred of them; the manifest-only
runtime's ``source-declarative-manifest`` (in .venv-manifest-only) pays the same, dozens of times. So
each test process keeps, per program, one *preloaded* process that has imported the module of the
console script's entry point and nothing more (no thread, no config, no socket); each run is a fork
of it that becomes the console script: a process of its own (its own pid, exit status, stdout,
stderr, ``sys.argv``, environment and working folder), running the function the console script's
wrapper runs (``source_tiktok_organic.run:run``, pyproject.toml's ``[project.scripts]``). The
preloaded process runs under the program's own interpreter with ``-P`` (no working folder on
``sys.path``, as for an installed script), loading this file by its path, so the manifest-only
runtime's environment still holds nothing of this repository. What a fork cannot give, a fresh
interpreter, the packaging test and the image test still exercise through the installed script itself.

Set ``TESTKIT_PRELOADED=0`` to start the installed script for every run instead.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["PreloadedProgram", "enabled"]


def enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get("TESTKIT_PRELOADED", "1") != "0"


class PreloadedProgram:
    """One preloaded process of the console script ``script``, whose entry point is ``entrypoint``
    (``module:function``) under the interpreter ``python``; ``run`` forks it once per command, one
    command at a time."""

    def __init__(self, script: Path, entrypoint: str, python: Path | None = None) -> None:
        self._script = script
        self._entrypoint = entrypoint
        self._python = python or Path(sys.executable)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None

    def output(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None,
        env: Mapping[str, str],
        timeout: float | None,
        clock_ahead: float = 0.0,
    ) -> tuple[int, str, str] | None:
        """``run``'s exit status with what the program printed on stdout and stderr; None when a
        run is already going on in another thread (the caller starts the program itself then)."""
        with tempfile.TemporaryDirectory() as outputs:
            stdout_path, stderr_path = Path(outputs, "stdout"), Path(outputs, "stderr")
            returncode = self.run(
                args,
                cwd=cwd,
                env=env,
                timeout=timeout,
                stdout_path=stdout_path,
                stderr_path=stderr_path,
                clock_ahead=clock_ahead,
            )
            if returncode is None:
                return None
            stdout = stdout_path.read_text(encoding="utf-8")
            return returncode, stdout, stderr_path.read_text(encoding="utf-8")

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None,
        env: Mapping[str, str],
        timeout: float | None,
        stdout_path: Path,
        stderr_path: Path,
        clock_ahead: float = 0.0,
    ) -> int | None:
        """The exit status of ``<script> <args>``, its output in the two files, its clock
        ``clock_ahead`` seconds past the wall clock (``testkit.connector_clock``); None when a run is
        already going on in another thread (the caller starts the script itself then)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            request = {
                "args": [str(self._script), *args],
                "cwd": str(cwd or Path.cwd()),
                "env": dict(env),
                "stdout": str(stdout_path),
                "stderr": str(stderr_path),
                "clock_ahead": clock_ahead,
            }
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            child = int(_read_line(process.stdout, None))
            try:
                return int(_read_line(process.stdout, timeout))
            except TimeoutError:
                os.kill(child, signal.SIGKILL)
                _read_line(process.stdout, None)
                raise subprocess.TimeoutExpired([str(self._script), *args], timeout or 0) from None
        finally:
            self._lock.release()

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [str(self._python), "-P", "-c", _load_and_call(Path(__file__), "serve", self._entrypoint)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=self._script.parent,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return self._process


def _read_line(stream: IO[str], timeout: float | None) -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        raise TimeoutError
    if not line or not line[0]:
        raise RuntimeError("the preloaded console script process died")
    return line[0]


def _load_and_call(path: Path, function: str, *args: object) -> str:
    """A ``python -c`` program that loads the module at ``path`` by its path and calls ``function``
    with ``args``: nothing of this repository needs to be importable."""
    return (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location({path.stem!r}, {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        f"module.{function}(*{args!r})\n"
    )


def serve(entrypoint: str) -> None:
    """The preloaded process: import the entry point's module, then fork one child per request line."""
    module, function = entrypoint.split(":")
    run = getattr(importlib.import_module(module), function)  # the import every run would pay
    assert threading.active_count() == 1, "forking is safe only from a process with one thread"
    requests_in, answers = sys.stdin, sys.stdout
    for line in requests_in:
        request: dict[str, Any] = json.loads(line)
        child = os.fork()
        if child == 0:
            _become_the_console_script(request, run)
        answers.write(f"{child}\n")
        answers.flush()
        _, status = os.waitpid(child, 0)
        answers.write(f"{os.waitstatus_to_exitcode(status)}\n")
        answers.flush()


def _become_the_console_script(request: dict[str, Any], run: Any) -> None:
    code = 1
    try:
        os.setsid()  # out of the preloaded process's group, as a subprocess of its own would be
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        with open(os.devnull) as nothing:
            os.dup2(nothing.fileno(), 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            with open(path, "w") as target:
                os.dup2(target.fileno(), fd)
        sys.argv = request["args"]
        if request.get("clock_ahead"):
            clock = Path(__file__).with_name("connector_clock.py")
            spec = importlib.util.spec_from_file_location("connector_clock", clock)
            assert spec is not None and spec.loader is not None
            connector_clock = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(connector_clock)
            connector_clock.set_connector_clock_ahead(request["clock_ahead"])
        try:
            run()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        atexit._run_exitfuncs()  # what an interpreter's exit runs, before os._exit below
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
