"""The route table: (method, path) -> handler, filled by the API modules.

Each API module (``display.oauth``, ``display.api``) lists its endpoints as ``Route`` records and the
emulator registers them all here, so serving another TikTok API means one more module with its own
``routes()``; neither the table nor the HTTP server changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from tiktok_emulator.wire import Request, Response

#: Answers one request; None means "drop the connection without answering".
Handler = Callable[[Request], "Response | None"]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler


class Api(Protocol):
    """What an API module provides: the endpoints it serves."""

    def routes(self) -> Iterable[Route]: ...


class RouteTable:
    """Every registered route, looked up by method and path."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], Handler] = {}
        self._methods: dict[str, list[str]] = {}

    def register(self, routes: Iterable[Route]) -> None:
        for route in routes:
            key = (route.method, route.path)
            if key in self._handlers:
                raise ValueError(f"{route.method} {route.path} is already routed")
            self._handlers[key] = route.handler
            self._methods.setdefault(route.path, []).append(route.method)

    def handler(self, method: str, path: str) -> Handler | None:
        return self._handlers.get((method, path))

    def methods(self, path: str) -> tuple[str, ...]:
        """The methods ``path`` accepts; empty if no route serves it at all."""
        return tuple(self._methods.get(path, ()))
