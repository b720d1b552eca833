"""A local HTTP server on 127.0.0.1 for tests that fetch URLs (pages, PDFs, feeds): no internet needed.

Use it from a test module beside this file (pytest puts ``tests/`` on ``sys.path``)::

    from web_server import Reply, WebServer   # the fixture `web_server` is in tests/conftest.py

    def test_page(web_server: WebServer) -> None:
        url = web_server.add("/story", "<html>...</html>")                  # 200 text/html
        web_server.add("/notice.pdf", pdf_bytes, content_type="application/pdf")
        web_server.redirect("/old", "/story", status=301)
        web_server.add("/gone", "", status=410)
        web_server.add("/slow", "<html>..</html>", delay=2.0)               # wait before answering
        web_server.handle("/feed", lambda request: Reply(304) if request.headers.get("If-None-Match")
                          == '"v1"' else Reply(200, feed, {"ETag": '"v1"'}, "application/rss+xml"))
        ...
        assert web_server.hits("/story") == 1
        assert web_server.requests[-1].headers["User-Agent"].startswith("disclosure-bot")

Routes can be replaced mid-test (``add`` the same path again) to change a page. A path is matched
with its query string first, then without it; an unknown path is a 404. The server speaks HTTP/1.1
with ``Content-Length`` (keep-alive works). Fetching from it needs ``allow_private=True``
(``KB_ALLOW_PRIVATE_URLS``), since 127.0.0.1 is what the SSRF guard refuses; to test the guard
itself, see ``public_dns`` in ``tests/test_web_fetch.py``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Reply:
    """One answer of the server.

    Attributes:
        status: the HTTP status.
        body: the body, as bytes (a str is sent as UTF-8).
        headers: extra headers (``ETag``, ``Location``, ``Content-Encoding``...).
        content_type: the ``Content-Type`` header; None sends none.
        delay: seconds to wait before answering (a slow server).
        drip: seconds to wait between chunks of :data:`DRIP_CHUNK` bytes while sending the body.
        length: the ``Content-Length`` to announce (default: the body's real length).
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0
    drip: float = 0.0
    length: int | None = None


@dataclass(frozen=True)
class Request:
    """A request the server received: method, path (with query) and headers."""

    method: str
    path: str
    headers: Mapping[str, str]


DRIP_CHUNK = 256


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):  # a client that gave up
            super().handle_error(request, client_address)  # type: ignore[arg-type]
Handler = Callable[[Request], Reply]


class WebServer:
    """Routes registered per test, served on ``127.0.0.1`` at :attr:`base` (``http://127.0.0.1:PORT``)."""

    def __init__(self) -> None:
        self._routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body leave in separate writes: without this, Nagle's algorithm and the
                # client's delayed ACK add 40 ms to every response on a kept-alive connection
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:  # the http.server API
                server._serve(self, send_body=True)

            def do_HEAD(self) -> None:
                server._serve(self, send_body=False)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    # registering -------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base + path

    def handle(self, path: str, handler: Handler) -> str:
        """Answer ``path`` with ``handler(request)``; returns its URL."""
        with self._lock:
            self._routes[path] = handler
        return self.url(path)

    def add(self, path: str, body: bytes | str = b"", status: int = 200,
            content_type: str | None = "text/html; charset=utf-8", headers: Mapping[str, str] | None = None,
            delay: float = 0.0, drip: float = 0.0, length: int | None = None) -> str:
        """Answer ``path`` always the same way (see :class:`Reply`); returns its URL."""
        reply = Reply(status, body, dict(headers or {}), content_type, delay, drip, length)
        return self.handle(path, lambda request: reply)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Redirect ``path`` to ``location`` (a path on this server or any URL); returns its URL."""
        return self.add(path, b"", status, None, {"Location": location})

    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (with its query string, if any)."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    # serving -----------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, send_body: bool) -> None:
        request = Request(handler.command, handler.path, dict(handler.headers.items()))
        with self._lock:
            self.requests.append(request)
            route = self._routes.get(handler.path) or self._routes.get(handler.path.split("?", 1)[0])
        reply = route(request) if route is not None else Reply(404, b"not found", content_type="text/plain")
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        try:
            handler.send_response(reply.status)
            if reply.content_type is not None:
                handler.send_header("Content-Type", reply.content_type)
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(body) if reply.length is None else reply.length))
            handler.end_headers()
            if not send_body:
                return
            if reply.drip:
                for start in range(0, len(body), DRIP_CHUNK):
                    handler.wfile.write(body[start:start + DRIP_CHUNK])
                    handler.wfile.flush()
                    time.sleep(reply.drip)
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a cap, a timeout)
            handler.close_connection = True

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def web_server() -> Iterator[WebServer]:
    """A :class:`WebServer` on 127.0.0.1, stopped after the test."""
    server = WebServer()
    try:
        yield server
    finally:
        server.close()
