"""The request and response records passed between the HTTP server and the API modules.

Why records of their own: the API modules never touch a socket, so each endpoint reads as a plain
function of a request, and the server writes every answer as one buffer with an exact length.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Protocol

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

#: Extra response headers, as ordered (name, value) pairs.
ResponseHeaders = tuple[tuple[str, str], ...]


class HeaderLookup(Protocol):
    """Case-insensitive access to request headers (what ``http.server`` parses them into)."""

    def get(self, name: str) -> str | None: ...


@dataclass
class Request:
    """The parts of an HTTP request the endpoints need, decoupled from the socket."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: HeaderLookup
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    """A fully rendered response: the body is encoded exactly once, up front."""

    status: int
    body: bytes
    log_id: str
    content_type: str = JSON_CONTENT_TYPE
    headers: ResponseHeaders = ()


def to_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON (raw non-ASCII, like TikTok) encoded once per response."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class LogIds:
    """Sequential ``X-Tt-Logid`` values: every response carries one, as TikTok's do."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serial = 0

    def next(self) -> str:
        with self._lock:
            self._serial += 1
            return f"emu-{self._serial:09d}"
