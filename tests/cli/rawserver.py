"""A loopback HTTP server on a bare socket, for faults no HTTP framework will send.

Each request is read whole and handed to ``behave(conn, request)``; the default behaviour answers it
with ``answer(request)`` (a werkzeug handler, like the pytest-httpserver fakes) and closes the connection.
A behaviour may instead send bytes slowly, a status line that is not HTTP, or nothing at all.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from werkzeug import Request, Response
from werkzeug.test import EnvironBuilder

Behaviour = Callable[[socket.socket, Request], None]


def read_request(conn: socket.socket) -> Request | None:
    """The request on ``conn`` (headers and a Content-Length body), as werkzeug sees one; None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    length = int(headers.get("Content-Length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    parts = urlsplit(target)
    builder = EnvironBuilder(
        path=parts.path, query_string=parts.query, method=method, headers=headers, data=body or None
    )
    return builder.get_request()


def raw_response(response: Response) -> bytes:
    body = response.get_data()
    head = f"HTTP/1.1 {response.status}\r\nContent-Type: {response.content_type}\r\n"
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


def drip(conn: socket.socket, data: bytes, every: float) -> None:
    """Send ``data`` one byte at a time, ``every`` seconds apart, until done or the client hangs up."""
    for i in range(len(data)):
        try:
            conn.sendall(data[i : i + 1])
        except OSError:
            return
        time.sleep(every)


class RawServer:
    def __init__(self, behave: Callable[[socket.socket, Request], None]) -> None:
        self.behave = behave
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.sock.close()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = read_request(conn)
                if request is not None:
                    self.behave(conn, request)
            except OSError:
                pass
