"""Write each rotated config back to the file the connector was given with ``--config``.

Why: TikTok retires a refresh token as soon as it hands out the next one, and access tokens live
about two hours, so nearly every run refreshes. The Airbyte platform and PyAirbyte keep the config
of the CONNECTOR_CONFIG control message; someone running ``source-tiktok-organic check --config
secrets/config.json`` by hand, or the image with that file mounted, has only the file. Left as it
was, it would hold the retired token and the next run would fail with ``invalid_grant``.

How: the CDK prints the control message itself (``airbyte_cdk.config_observation``: a plain
``print`` to ``sys.stdout``), and ``airbyte_cdk.entrypoint.launch`` runs inside a ``PrintBuffer``
that replaces ``sys.stdout`` and flushes what it gathered to ``sys.__stdout__``. Both names are
pointed at a ``ConfigWriteBack`` around the real stdout, which passes every write through unchanged
and looks inside a chunk only when it contains a CONTROL message: the buffer hands over many
records at a time, and a record costs one substring search of its chunk.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, cast

import orjson
from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, AirbyteMessageSerializer, Level, Type
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets

# Every CONTROL message contains it; a record only where a value is exactly "CONTROL", and that line
# is then parsed for nothing.
CONTROL_MARKER = '"CONTROL"'
# The errors of replacing the file that a rewrite in place can avoid: the file is a bind mount
# (EBUSY, EXDEV), its folder is not writable or read-only while the file is not (EACCES, EPERM,
# EROFS), or the new file could not keep the old one's owner (EPERM).
REWRITE_IN_PLACE_ERRNOS = frozenset({errno.EBUSY, errno.EXDEV, errno.EACCES, errno.EPERM, errno.EROFS})


def write_config_file(path: Path, config: Mapping[str, Any]) -> bool:
    """Write ``config`` to ``path`` as JSON, unless the file already holds it; True if written.

    The file keeps its mode and owner. It is replaced atomically (a temporary file in the same
    folder, renamed over it) so that a crash cannot leave half a config; where it cannot be
    replaced (see ``REWRITE_IN_PLACE_ERRNOS``) it is rewritten in place. A file without any write
    permission is left alone, even by root: someone made it read-only. Raises ``OSError``.
    """
    target = Path(os.path.realpath(path))  # a symlink stays a symlink; its target is updated
    status = target.stat()
    try:
        if json.loads(target.read_text(encoding="utf-8")) == config:
            return False
    except ValueError:  # not JSON (any more): replaced by the config
        pass
    if not (status.st_mode & 0o222 and os.access(target, os.W_OK)):
        raise PermissionError(errno.EACCES, "the file is read-only", str(target))
    text = json.dumps(config, indent=2) + "\n"
    try:
        _replace(target, text, status)
    except OSError as error:
        if error.errno not in REWRITE_IN_PLACE_ERRNOS:
            raise
        _rewrite_in_place(target, text)
    return True


def _replace(target: Path, text: str, status: os.stat_result) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fchmod(handle, stat.S_IMODE(status.st_mode))
            created = os.fstat(handle)
            if (created.st_uid, created.st_gid) != (status.st_uid, status.st_gid):
                os.fchown(handle, status.st_uid, status.st_gid)  # EPERM unless allowed: then in place
            os.fsync(handle)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _rewrite_in_place(target: Path, text: str) -> None:
    with open(target, "r+", encoding="utf-8") as stream:
        stream.write(text)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())


def _log_line(level: Level, text: str) -> str:
    message = AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=level, message=filter_secrets(text)))
    return orjson.dumps(AirbyteMessageSerializer.dump(message)).decode() + "\n"


def emitted_config(line: str) -> dict[str, Any] | None:
    """The config of a CONNECTOR_CONFIG control message printed as ``line``; None for other lines."""
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(message, dict) or message.get("type") != "CONTROL":
        return None
    control = message.get("control")
    if not isinstance(control, dict) or control.get("type") != "CONNECTOR_CONFIG":
        return None
    connector_config = control.get("connectorConfig")
    config = connector_config.get("config") if isinstance(connector_config, dict) else None
    return config if isinstance(config, dict) else None


class ConfigWriteBack:
    """Stdout, unchanged, that also writes the config of each CONNECTOR_CONFIG message to a file.

    What it says about the file goes to the same stream as Airbyte LOG messages, always between two
    lines: a message that would fall inside a partly written line waits for its end.
    """

    def __init__(self, stream: TextIO, config_path: Path) -> None:
        self._stream = stream
        self._config_path = config_path
        self._lock = threading.Lock()
        self._partial_line = ""  # what follows the last newline written so far
        self._pending_logs: list[str] = []

    def write(self, text: str) -> int:
        with self._lock:
            written = self._stream.write(text)
            if self._partial_line:
                text = self._partial_line + text
            last_newline = text.rfind("\n")
            self._partial_line = text[last_newline + 1 :]
            if last_newline >= 0 and text.find(CONTROL_MARKER, 0, last_newline) >= 0:
                for line in text[:last_newline].split("\n"):
                    if CONTROL_MARKER in line:
                        self._save(emitted_config(line))
            if self._pending_logs and not self._partial_line:
                self._write_pending_logs()
            return written

    def flush(self) -> None:
        self._stream.flush()

    def close_line(self) -> None:
        """Write what is still waiting, ending a partly written line first if need be."""
        with self._lock:
            if self._pending_logs:
                if self._partial_line:
                    self._stream.write("\n")
                    self._partial_line = ""
                self._write_pending_logs()
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        # encoding, isatty, fileno ...: the real stream's.
        return getattr(self._stream, name)

    def _write_pending_logs(self) -> None:
        self._stream.write("".join(self._pending_logs))
        self._pending_logs.clear()

    def _save(self, config: dict[str, Any] | None) -> None:
        if config is None:
            return
        try:
            written = write_config_file(self._config_path, config)
        except OSError as error:
            self._pending_logs.append(
                _log_line(
                    Level.WARN,
                    f"Could not save the rotated TikTok credentials to {self._config_path} "
                    f"({error.strerror or type(error).__name__}): the refresh token in that file no "
                    "longer works. Copy the config of the last CONNECTOR_CONFIG message into it before "
                    "the next run, or authorise again with tiktok-organic-auth. (Airbyte and PyAirbyte "
                    "save that message themselves: for them this changes nothing.)",
                )
            )
            return
        if written:
            self._pending_logs.append(
                _log_line(
                    Level.INFO,
                    f"Saved the rotated TikTok credentials to {self._config_path}: TikTok retired the "
                    "refresh token this run started with.",
                )
            )


@contextmanager
def config_written_back(config_path: str | None) -> Iterator[None]:
    """While inside, every CONNECTOR_CONFIG message printed is also written to ``config_path``."""
    if not config_path:
        yield
        return
    stdout, original_stdout = sys.stdout, sys.__stdout__
    tee = ConfigWriteBack(stdout, Path(config_path))
    # sys.__stdout__ too: the CDK's PrintBuffer flushes there, not to the stdout it replaced.
    sys.stdout = sys.__stdout__ = cast(TextIO, tee)  # type: ignore[misc, assignment]
    try:
        yield
    finally:
        sys.stdout, sys.__stdout__ = stdout, original_stdout  # type: ignore[misc]
        tee.close_line()
