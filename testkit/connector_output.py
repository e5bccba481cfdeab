"""What a connector command printed, read as Airbyte messages: the one parser, and its vocabulary.

Every test and tool reads connector output through :class:`ConnectorOutput`, whether the command
ran in a subprocess (the installed console script, the container image) or in-process through the
CDK entrypoint (the unit tests, which hand it the text the command would have printed)::

    output = ConnectorOutput(stdout, stderr)
    output.records("videos")        # the records' data, one stream or all
    output.final_state              # the last state of each stream, as the next sync takes it
    output.connection_status        # the one CONNECTION_STATUS of `check`
    output.errors                   # error traces; output.config_errors only the config errors
    output.emitted_configs          # configs of CONNECTOR_CONFIG control messages; latest_config
    output.catalog, output.spec     # the one CATALOG of `discover`, the one SPEC of `spec`
    output.logs                     # the log messages' texts
    output.of_type("TRACE")         # any message type, as the CDK's models

Values are the CDK's protocol models (``airbyte_cdk.models``) except where the protocol itself
carries free-form JSON: record data, connector configs and states are plain dicts.

Stdout is split on "\\n" only, as the platform splits it: ``str.splitlines()`` would also split
inside a record at U+2028, U+0085 and other characters JSON allows raw in strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    AirbyteStreamStatus,
    ConnectorSpecification,
    FailureType,
    OrchestratorType,
    TraceType,
    Type,
)

__all__ = ["ConnectorOutput", "UnexpectedOutput", "iter_messages", "parse_line"]


class UnexpectedOutput(AssertionError):
    """The output lacks, or repeats, a message that a command prints exactly once."""


def _load(line: str) -> tuple[dict[str, Any], AirbyteMessage] | None:
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        raw = json.loads(text)
        return raw, AirbyteMessageSerializer.load(raw)
    except (ValueError, TypeError):  # not JSON, or JSON that is no Airbyte message
        return None


def parse_line(line: str) -> AirbyteMessage | None:
    """One stdout line as an Airbyte message; ``None`` for a line that is not one."""
    loaded = _load(line)
    return loaded[1] if loaded else None


def iter_messages(lines: Iterable[str]) -> Iterator[AirbyteMessage]:
    """The Airbyte messages among ``lines``, one at a time (for output too large to keep)."""
    for line in lines:
        message = parse_line(line)
        if message is not None:
            yield message


def _is_emitted_config(message: AirbyteMessage) -> bool:
    return (
        message.type == Type.CONTROL
        and message.control is not None
        and message.control.type == OrchestratorType.CONNECTOR_CONFIG
    )


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().split("\n")[-lines:])


class ConnectorOutput:
    """The messages of one connector command, with what ran and how it ended when that is known.

    ``stdout`` is what the command printed (Airbyte messages, one per line); ``stderr``, ``command``,
    ``returncode`` and ``seconds`` are kept for failure messages and timing assertions.
    """

    def __init__(
        self,
        stdout: str,
        stderr: str = "",
        *,
        command: str = "",
        returncode: int | None = None,
        seconds: float | None = None,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.command = command
        self.returncode = returncode
        self.seconds = seconds
        self.messages: list[AirbyteMessage] = []
        self._raw: list[dict[str, Any]] = []
        #: Non-blank stdout lines that are not Airbyte messages, as (line number, line).
        self.invalid_lines: list[tuple[int, str]] = []
        self._emitted_config_lines: set[int] = set()
        for number, line in enumerate(stdout.split("\n"), 1):
            if not line.strip():
                continue
            loaded = _load(line)
            if loaded is None:
                self.invalid_lines.append((number, line))
                continue
            raw, message = loaded
            self._raw.append(raw)
            self.messages.append(message)
            if _is_emitted_config(message):
                self._emitted_config_lines.add(number)

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for message in self.messages:
            counts[message.type.value] = counts.get(message.type.value, 0) + 1
        return f"ConnectorOutput({self.command or 'command'!r}, exit {self.returncode}, {counts})"

    # -- any message ---------------------------------------------------------------------------
    def of_type(self, message_type: Type | str) -> list[AirbyteMessage]:
        """The messages of one type (``Type.TRACE`` or ``"TRACE"``), in the order printed."""
        wanted = Type(message_type)
        return [message for message in self.messages if message.type == wanted]

    def raw_of_type(self, message_type: Type | str) -> list[dict[str, Any]]:
        """The messages of one type as the JSON objects printed, for checks of the wire format."""
        wanted = Type(message_type).value
        return [raw for raw in self._raw if raw.get("type") == wanted]

    def _exactly_one(self, message_type: Type) -> AirbyteMessage:
        found = self.of_type(message_type)
        if len(found) != 1:
            errors = "; ".join(error.message or "" for error in self.errors)
            raise UnexpectedOutput(
                f"{self.command or 'the command'}: expected exactly one {message_type.value} message, "
                f"got {len(found)}" + (f" (errors: {errors})" if errors else "") + f"\n{self.transcript()}"
            )
        return found[0]

    # -- read ----------------------------------------------------------------------------------
    def records(self, stream: str | None = None) -> list[dict[str, Any]]:
        """The data of the records of ``stream`` (of every stream when ``None``)."""
        return [
            message.record.data
            for message in self.of_type(Type.RECORD)
            if message.record is not None and (stream is None or message.record.stream == stream)
        ]

    @property
    def states(self) -> list[AirbyteStateMessage]:
        """Every state message, in the order printed."""
        return [message.state for message in self.of_type(Type.STATE) if message.state is not None]

    @property
    def final_state(self) -> list[dict[str, Any]]:
        """The last state of each stream (or the last global state), as JSON: what the platform
        keeps and passes to the next sync's ``--state``."""
        latest: dict[str, dict[str, Any]] = {}
        for state in self.states:
            if state.stream is not None:
                descriptor = state.stream.stream_descriptor
                key = f"stream:{descriptor.namespace or ''}:{descriptor.name}"
            else:
                key = str(state.type)
            latest[key] = AirbyteStateMessageSerializer.dump(state)
        return list(latest.values())

    def stream_statuses(self, stream: str) -> list[AirbyteStreamStatus]:
        """The statuses the stream went through (``STARTED`` ... ``COMPLETE``)."""
        return [
            message.trace.stream_status.status
            for message in self.of_type(Type.TRACE)
            if message.trace is not None
            and message.trace.type == TraceType.STREAM_STATUS
            and message.trace.stream_status is not None
            and message.trace.stream_status.stream_descriptor.name == stream
        ]

    # -- check, discover, spec -----------------------------------------------------------------
    @property
    def connection_status(self) -> AirbyteConnectionStatus:
        """The one CONNECTION_STATUS (``check``); :class:`UnexpectedOutput` if not exactly one."""
        status = self._exactly_one(Type.CONNECTION_STATUS).connectionStatus
        assert status is not None
        return status

    @property
    def catalog(self) -> AirbyteCatalog:
        """The one CATALOG (``discover``); :class:`UnexpectedOutput` if not exactly one."""
        catalog = self._exactly_one(Type.CATALOG).catalog
        assert catalog is not None
        return catalog

    @property
    def spec(self) -> ConnectorSpecification:
        """The one SPEC (``spec``); :class:`UnexpectedOutput` if not exactly one."""
        spec = self._exactly_one(Type.SPEC).spec
        assert spec is not None
        return spec

    # -- errors and logs -----------------------------------------------------------------------
    @property
    def errors(self) -> list[AirbyteErrorTraceMessage]:
        """The error traces, in the order printed."""
        return [
            message.trace.error
            for message in self.of_type(Type.TRACE)
            if message.trace is not None and message.trace.type == TraceType.ERROR and message.trace.error
        ]

    @property
    def config_errors(self) -> list[AirbyteErrorTraceMessage]:
        """The error traces that blame the config (the user must act), in the order printed."""
        return [error for error in self.errors if error.failure_type == FailureType.config_error]

    @property
    def logs(self) -> list[str]:
        """The texts of the log messages."""
        return [message.log.message for message in self.of_type(Type.LOG) if message.log is not None]

    # -- configs the connector emitted ---------------------------------------------------------
    @property
    def emitted_configs(self) -> list[dict[str, Any]]:
        """The configs of the CONNECTOR_CONFIG control messages (rotated tokens), in order."""
        return [
            message.control.connectorConfig.config
            for message in self.messages
            if _is_emitted_config(message) and message.control and message.control.connectorConfig
        ]

    @property
    def latest_config(self) -> dict[str, Any] | None:
        """The last emitted config: what the platform saves for the next run (None: keep yours)."""
        configs = self.emitted_configs
        return configs[-1] if configs else None

    @property
    def text_without_emitted_configs(self) -> str:
        """Stdout without its CONNECTOR_CONFIG messages (they carry the credentials to the
        platform by design), then stderr: the text in which no secret may appear."""
        kept = [
            line
            for number, line in enumerate(self.stdout.split("\n"), 1)
            if number not in self._emitted_config_lines
        ]
        return "\n".join(kept) + "\n" + self.stderr

    # -- failure messages ----------------------------------------------------------------------
    def transcript(self, lines: int = 40) -> str:
        """The exit code and the last lines of stdout and stderr, for a failure message."""
        return (
            f"--- exit code {self.returncode}\n--- stdout:\n{_tail(self.stdout, lines)}\n"
            f"--- stderr:\n{_tail(self.stderr, lines)}"
        )
