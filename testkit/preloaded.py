"""Console scripts' processes, forked from one that has already imported the program.

Every ``source-tiktok-organic`` process spends about 2.5 s of CPU importing the CDK before it reads
its first argument, and the end-to-end tests start over a hundred of them; the manifest-only
runtime's ``source-declarative-manifest`` (in .venv-manifest-only) pays the same, dozens of times. So
each test process keeps, per program, one *preloaded* process that has imported the module of the
console script's entry point and nothing more (no thread, no config, no connection); each run is a fork
of it that becomes the console script: a process of its own (its own pid, exit status, stdout,
stderr, ``sys.argv``, environment and working folder), running the function the console script's
wrapper runs (``source_tiktok_organic.run:run``, pyproject.toml's ``[project.scripts]``). The
preloaded process runs under the program's own interpreter without the working folder on
``sys.path`` (as for an installed script), loading this file by its path, so the manifest-only
runtime's environment still holds nothing of this repository. What a fork cannot give, a fresh
interpreter, the packaging test and the image test still exercise through the installed script itself.

The preloaded process listens on a Unix socket. A run sends its arguments, working folder, environment
and clock, and passes its own stdin, stdout and stderr (``SCM_RIGHTS``), so the fork writes where a
subprocess would: to files for ``run``, or to the pipes of whoever started ``launcher``'s command, a
stand-in for the console script that programs like PyAirbyte start as their ``local_executable``.
Runs from several threads or processes go on at once, each fork in a handler process of its own.

Set ``TESTKIT_PRELOADED=0`` to start the installed script for every run instead.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["PreloadedProgram", "enabled"]


def enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get("TESTKIT_PRELOADED", "1") != "0"


class PreloadedProgram:
    """One preloaded process of the console script ``script``, whose entry point is ``entrypoint``
    (``module:function``) under the interpreter ``python``, with ``env`` added to its environment
    (what its imports need, such as ``PYTHONPATH``) and ``preload`` imported beside the entry
    point's module (what it imports only when called); each run is a fork of it."""

    def __init__(
        self,
        script: Path,
        entrypoint: str,
        python: Path | None = None,
        env: Mapping[str, str] | None = None,
        preload: Sequence[str] = (),
    ) -> None:
        self._script = script
        self._entrypoint = entrypoint
        self._preload = list(preload)
        self._python = python or Path(sys.executable)
        self._env = dict(env or {})
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._socket = Path()

    def output(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None,
        env: Mapping[str, str],
        timeout: float | None,
        clock_ahead: float = 0.0,
    ) -> tuple[int, str, str]:
        """``run``'s exit status with what the program printed on stdout and stderr."""
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
    ) -> int:
        """The exit status of ``<script> <args>``, its output in the two files, its clock
        ``clock_ahead`` seconds past the wall clock (``testkit.connector_clock``)."""
        request = _request([str(self._script), *args], cwd or Path.cwd(), env, clock_ahead)
        with open(os.devnull) as stdin, stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
            streams = (stdin.fileno(), stdout.fileno(), stderr.fileno())
            with _connected(self.socket_path()) as connection:
                child, answers = _start(connection, request, streams)
                connection.settimeout(timeout)
                try:
                    return _read_number(answers)
                except TimeoutError:
                    os.kill(child, signal.SIGKILL)
                    raise subprocess.TimeoutExpired([str(self._script), *args], timeout or 0) from None

    def launcher(self, clock_ahead: float = 0.0) -> list[str]:
        """A command line standing in for the console script: its arguments, working folder,
        environment, stdin, stdout and stderr go to a fork of the preloaded process, and it exits as
        that fork does. Signals it is sent go to the fork."""
        code = _load_and_call(
            Path(__file__), "client", str(self.socket_path()), str(self._script), clock_ahead
        )
        return [sys.executable, "-c", code]

    def socket_path(self) -> Path:
        """Where the preloaded process listens, started on first use."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._folder = tempfile.TemporaryDirectory(prefix="preloaded-")
                path = Path(self._folder.name, "socket")
                serve = _load_and_call(Path(__file__), "serve", self._entrypoint, str(path), self._preload)
                self._process = subprocess.Popen(
                    [str(self._python), "-c", serve],
                    stdin=subprocess.PIPE,  # its end of the pipe closing tells the process to stop
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=self._script.parent,
                    env={**os.environ, "PYTHONUNBUFFERED": "1", **self._env},
                )
                assert self._process.stdout is not None
                if self._process.stdout.readline().strip() != "listening":
                    raise RuntimeError(f"the preloaded {self._script.name} did not start")
                self._socket = path
            return self._socket

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.kill()
                self._process.wait()
                self._process = None
            if self._folder is not None:
                self._folder.cleanup()
                self._folder = None


def _request(args: Sequence[str], cwd: Path | str, env: Mapping[str, str], clock_ahead: float) -> bytes:
    request = {"args": list(args), "cwd": str(cwd), "env": dict(env), "clock_ahead": clock_ahead}
    return json.dumps(request).encode() + b"\n"


def _connected(path: Path | str) -> socket.socket:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(str(path))
    return connection


def _start(connection: socket.socket, request: bytes, streams: Sequence[int]) -> tuple[int, BinaryIO]:
    """Send a run's request with its three streams; the pid of the fork that runs it, and where
    its exit status will be read."""
    socket.send_fds(connection, [request], list(streams))
    answers = connection.makefile("rb")
    return _read_number(answers), answers


def _read_number(answers: BinaryIO) -> int:
    line = answers.readline()
    if not line:
        raise RuntimeError("the preloaded process ended a run without saying how it ended")
    return int(line)


def client(socket_path: str, script: str, clock_ahead: float) -> None:
    """``launcher``'s command: run ``script`` with this process's arguments and streams as a fork
    of the preloaded process, and exit as it does."""
    with _connected(socket_path) as connection:
        request = _request([script, *sys.argv[1:]], os.getcwd(), os.environ, clock_ahead)
        child, answers = _start(connection, request, (0, 1, 2))
        for forwarded in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(forwarded, lambda signum, frame: os.kill(child, signum))
        code = _read_number(answers)
    if code < 0:  # killed by a signal: so is this process
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


def _load_and_call(path: Path, function: str, *args: object) -> str:
    """A ``python -c`` program that loads the module at ``path`` by its path and calls ``function``
    with ``args``: nothing of this repository needs to be importable. The working folder leaves
    ``sys.path``, as for an installed script (``-P``, from Python 3.11 only)."""
    return (
        "import importlib.util, sys\n"
        "if sys.path[:1] == ['']:\n"
        "    del sys.path[0]\n"
        f"spec = importlib.util.spec_from_file_location({path.stem!r}, {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        f"module.{function}(*{args!r})\n"
    )


def serve(entrypoint: str, socket_path: str, preload: Sequence[str] = ()) -> None:
    """The preloaded process: import the entry point's module, then answer each connection with a
    handler process (a fork) that forks the run, passes its pid and then its exit status. Ends when
    its owner closes stdin."""
    module, function = entrypoint.split(":")
    run = getattr(importlib.import_module(module), function)  # the import every run would pay
    for name in preload:
        importlib.import_module(name)
    assert threading.active_count() == 1, "forking is safe only from a process with one thread"
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the handlers are reaped as they end
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(socket_path)
        listener.listen(64)
        print("listening", flush=True)
        while True:
            readable, _, _ = select.select([listener, sys.stdin], [], [])
            if sys.stdin in readable:
                return
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _handle(connection, run)
            connection.close()


def _handle(connection: socket.socket, run: Callable[[], Any]) -> None:
    code = 1
    try:
        message, streams, _, _ = socket.recv_fds(connection, 1 << 16, 3)
        while not message.endswith(b"\n"):
            message += connection.recv(1 << 16)
        child = os.fork()
        if child == 0:
            connection.close()
            _become_the_console_script(json.loads(message), streams, run)
        for stream in streams:
            os.close(stream)
        connection.sendall(f"{child}\n".encode())
        _, status = os.waitpid(child, 0)
        connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
        code = 0
    finally:
        os._exit(code)


def _become_the_console_script(
    request: dict[str, Any], streams: Sequence[int], run: Callable[[], Any]
) -> None:
    code = 1
    try:
        os.setsid()  # out of the preloaded process's group, as a subprocess of its own would be
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for fd, stream in enumerate(streams):
            os.dup2(stream, fd)
            os.close(stream)
        sys.argv = request["args"]
        if request["clock_ahead"]:
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
