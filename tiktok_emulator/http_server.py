"""The loopback HTTP/1.1 server: sockets, request parsing and writing, counting each request.

It knows nothing of TikTok's endpoints: every parsed request goes to one ``respond`` callable (the
emulator's router), and every answer is written back as a single buffer.
"""

from __future__ import annotations

import contextlib
import http
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.display.envelope import error_envelope
from tiktok_emulator.wire import LogIds, Request, Response, to_json

#: Not a TikTok endpoint: lets a process that started the emulator through the CLI read
#: the counters.  Requests to it are not counted, rate limited or faulted.
STATS_PATH = "/__emulator__/stats"
#: Bodies above this are refused: nothing the connector sends comes close.
MAX_BODY_BYTES = 1_000_000


class LoopbackHTTPServer(ThreadingHTTPServer):
    """Thread-per-connection HTTP/1.1 server tuned for thousands of small requests.

    Why these settings: daemon threads and ``block_on_close = False`` let ``stop()``
    return even while keep-alive clients still hold connections; ``TCP_NODELAY`` avoids
    the 40 ms Nagle/delayed-ACK stall on every small response; a larger accept backlog
    absorbs bursts from concurrent connector workers; open sockets are tracked so
    ``stop()`` can close them and idle handler threads exit.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        *,
        respond: Callable[[Request], Response | None],
        counters: EmulatorCounters,
        log_ids: LogIds,
    ) -> None:
        self.respond = respond
        self.counters = counters
        self.log_ids = log_ids
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: skip it.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response is normal under test; anything else is a bug.
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        traceback.print_exc(file=sys.stderr)


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP request into a ``Request``, asks the server's ``respond``, writes one buffer."""

    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base class
        """Silenced: per-request logging to stderr would dominate the benchmark's runtime."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes | None:
        """Read the request body completely (keep-alive needs it); None if malformed."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        server = self.server
        split = urlsplit(self.path)
        path = split.path
        if path == STATS_PATH:
            self._write(Response(200, to_json(server.counters.snapshot()), server.log_ids.next()))
            return
        counters = server.counters
        counters.begin(path)
        finished = False
        try:
            body = self._read_body()
            response: Response | None
            if body is None:
                self.close_connection = True
                response = error_envelope(server.log_ids, "invalid_params", "Malformed request body.")
            else:
                request = Request(
                    method=self.command,
                    path=path,
                    query=parse_qs(split.query, keep_blank_values=True),
                    headers=self.headers,
                    body=body,
                )
                try:
                    response = server.respond(request)
                except Exception:  # an emulator bug: be loud, but still answer
                    traceback.print_exc(file=sys.stderr)
                    response = error_envelope(
                        server.log_ids, "internal_error", "Emulator failure (see its stderr)."
                    )
            # Counted before the bytes leave: a client that reads the counters right after
            # receiving its response must see that response already accounted for.
            counters.end(None if response is None else response.status)
            finished = True
            if response is None:  # drop_connection: close without a single byte
                self.close_connection = True
                return
            self._write(response)
        finally:
            if not finished:
                counters.end(None)

    def _write(self, response: Response) -> None:
        """Status line, headers and body in one ``send`` with an exact Content-Length."""
        phrase = http.HTTPStatus(response.status).phrase
        lines = [
            f"HTTP/1.1 {response.status} {phrase}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            f"X-Tt-Logid: {response.log_id}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + response.body)
        except OSError:
            self.close_connection = True
