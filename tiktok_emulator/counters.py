"""Request statistics of a running emulator: per endpoint, per status, per account (Accounts API
and Display API apart), faults, concurrency."""

from __future__ import annotations

import threading
from typing import Any


class EmulatorCounters:
    """Thread-safe request statistics, readable while the server runs.

    Why: tests and the benchmark assert on what the connector *did* (how many pages it
    fetched, whether it refreshed once, whether it backed off, how parallel it was), which
    the connector's output alone cannot show.  Properties return copies so a reader never
    iterates a dict that a server thread is mutating.

    Accounts API requests are also counted per account: ``business_calls(open_id, path=None)``
    is how many requests account ``open_id`` made to ``path`` (every Accounts API path when
    None), and ``business_calls_by_account`` is ``{open_id: {path: count}}``.  A request belongs
    to the account that issued the token it presents (data endpoints: the ``Access-Token``
    header; token endpoints: the refresh token, auth code or access token in its body); a
    request whose token no account issued is counted only per endpoint.

    Display API requests are counted per account apart, so the Accounts API's counts (and what
    was asserted on them) stay what they were: ``display_calls(open_id, path=None)`` and
    ``display_calls_by_account`` (also in ``snapshot()``).  A Display request belongs to the
    account whose Display grant issued the token it presents (data endpoints: the Bearer token;
    /v2/oauth/token/: the refresh token or auth code; /v2/oauth/revoke/: the access token); the
    authorize page is nobody's.  ``account_calls(open_id, path=None)`` adds both APIs up (their
    paths never overlap).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests_by_endpoint: dict[str, int] = {}
        self._responses_by_status: dict[int, int] = {}
        self._faults_fired: dict[str, int] = {}
        self._business_calls: dict[str, dict[str, int]] = {}
        self._display_calls: dict[str, dict[str, int]] = {}
        self._rate_limited = 0
        self._dropped_connections = 0
        self._in_flight = 0
        self._max_concurrent = 0
        self._total_requests = 0

    # -- recording (called by the server) --------------------------------------------
    def begin(self, path: str) -> None:
        """A request for ``path`` has been parsed and is now in flight."""
        with self._lock:
            self._requests_by_endpoint[path] = self._requests_by_endpoint.get(path, 0) + 1
            self._total_requests += 1
            self._in_flight += 1
            if self._in_flight > self._max_concurrent:
                self._max_concurrent = self._in_flight

    def end(self, status: int | None) -> None:
        """The request's answer is decided (recorded just before it is written).

        ``status`` None means the connection is dropped without an answer.
        """
        with self._lock:
            self._in_flight -= 1
            if status is None:
                self._dropped_connections += 1
                return
            self._responses_by_status[status] = self._responses_by_status.get(status, 0) + 1
            if status == 429:
                self._rate_limited += 1

    def business_call(self, open_id: str, path: str) -> None:
        """One request of Accounts API account ``open_id`` to ``path``."""
        with self._lock:
            paths = self._business_calls.setdefault(open_id, {})
            paths[path] = paths.get(path, 0) + 1

    def display_call(self, open_id: str, path: str) -> None:
        """One Display API request of account ``open_id`` to ``path``."""
        with self._lock:
            paths = self._display_calls.setdefault(open_id, {})
            paths[path] = paths.get(path, 0) + 1

    def fault_fired(self, kind: str) -> None:
        with self._lock:
            self._faults_fired[kind] = self._faults_fired.get(kind, 0) + 1

    # -- reading ---------------------------------------------------------------------
    @property
    def requests_by_endpoint(self) -> dict[str, int]:
        with self._lock:
            return dict(self._requests_by_endpoint)

    @property
    def responses_by_status(self) -> dict[int, int]:
        with self._lock:
            return dict(self._responses_by_status)

    def business_calls(self, open_id: str, path: str | None = None) -> int:
        """Requests of Accounts API account ``open_id`` to ``path`` (None: to every path)."""
        with self._lock:
            paths = self._business_calls.get(open_id, {})
            return sum(paths.values()) if path is None else paths.get(path, 0)

    @property
    def business_calls_by_account(self) -> dict[str, dict[str, int]]:
        """``{open_id: {path: requests}}`` for every Accounts API account that made a request."""
        with self._lock:
            return {open_id: dict(paths) for open_id, paths in self._business_calls.items()}

    def display_calls(self, open_id: str, path: str | None = None) -> int:
        """Display API requests of account ``open_id`` to ``path`` (None: to every Display path)."""
        with self._lock:
            paths = self._display_calls.get(open_id, {})
            return sum(paths.values()) if path is None else paths.get(path, 0)

    @property
    def display_calls_by_account(self) -> dict[str, dict[str, int]]:
        """``{open_id: {path: requests}}`` for every account that made a Display API request."""
        with self._lock:
            return {open_id: dict(paths) for open_id, paths in self._display_calls.items()}

    def account_calls(self, open_id: str, path: str | None = None) -> int:
        """Requests of account ``open_id`` to ``path`` on either API (None: every path of both)."""
        return self.business_calls(open_id, path) + self.display_calls(open_id, path)

    @property
    def faults_fired(self) -> dict[str, int]:
        with self._lock:
            return dict(self._faults_fired)

    @property
    def rate_limited(self) -> int:
        with self._lock:
            return self._rate_limited

    @property
    def dropped_connections(self) -> int:
        with self._lock:
            return self._dropped_connections

    @property
    def max_concurrent(self) -> int:
        with self._lock:
            return self._max_concurrent

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def total_requests(self) -> int:
        with self._lock:
            return self._total_requests

    def reset(self) -> None:
        """Zero everything; the concurrency peak restarts from the requests now in flight."""
        with self._lock:
            self._requests_by_endpoint.clear()
            self._responses_by_status.clear()
            self._faults_fired.clear()
            self._business_calls.clear()
            self._display_calls.clear()
            self._rate_limited = 0
            self._dropped_connections = 0
            self._total_requests = 0
            self._max_concurrent = self._in_flight

    def snapshot(self) -> dict[str, Any]:
        """All counters at one instant, as a dict that ``json.dumps`` accepts."""
        with self._lock:
            return {
                "total_requests": self._total_requests,
                "requests_by_endpoint": dict(self._requests_by_endpoint),
                "responses_by_status": dict(self._responses_by_status),
                "rate_limited": self._rate_limited,
                "dropped_connections": self._dropped_connections,
                "faults_fired": dict(self._faults_fired),
                "business_calls_by_account": {
                    open_id: dict(paths) for open_id, paths in self._business_calls.items()
                },
                "display_calls_by_account": {
                    open_id: dict(paths) for open_id, paths in self._display_calls.items()
                },
                "in_flight": self._in_flight,
                "max_concurrent": self._max_concurrent,
            }
