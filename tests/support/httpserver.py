"""A real HTTP server on 127.0.0.1 for tests, serving routes or a directory.

    server.route("/a", "<html>…")                          # 200 text/html
    server.route("/b.pdf", Route(body=pdf_bytes, etag='"v1"'))
    server.route("/busy", [Route(status=429, retry_after="2"), Route(body="ok")])  # in turn, last repeats
    server.serve_directory(Path("tests/data/sites/x"))     # /p -> x/p, x/p.html or x/p/index.html
    server.route("POST /form field=value", "<html>…")        # a POST with that (decoded) form body
    server.url("/a"); server.count("/a"); server.requests  # log of (method, path?query, headers, body)

Route options: status, headers, content_type, delay (seconds before answering), cookie ("name=value": without
it in the request's Cookie header, the route answers `without_cookie` instead), drip (seconds between
two 1 KiB pieces of the body), truncate (send only that
many bytes of the body while announcing its full length), location (redirect target), retry_after, etag and
last_modified (a matching If-None-Match / If-Modified-Since gets a 304).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, unquote_plus, urlsplit

import pytest

from watchbot.fetch import CachedPage


@dataclass(frozen=True)
class Route:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0
    truncate: int | None = None
    location: str | None = None
    retry_after: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    cookie: str | None = None
    without_cookie: str = ""

    @property
    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""

    @property
    def what(self) -> str:
        """The path of a GET; method, path and body of anything else."""
        return self.path if self.method == "GET" else f"{self.method} {self.path} {self.body}"


class SiteServer:
    def __init__(self, address: str = "127.0.0.1") -> None:
        self.address = address  # any 127.0.0.x: several servers, several addresses
        self.routes: dict[str, list[Route]] = {}
        self.served: dict[str, int] = {}
        self.requests: list[Logged] = []
        self.directory: Path | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((address, 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def host(self) -> str:
        return self.address

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self._server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, answer: Route | str | bytes | list[Route]) -> None:
        if isinstance(answer, (str, bytes)):
            answer = Route(body=answer)
        self.routes[path] = answer if isinstance(answer, list) else [answer]

    def serve_directory(self, directory: Path) -> None:
        self.directory = directory

    def count(self, path: str) -> int:
        return sum(1 for logged in self.requests if logged.path == path)

    def paths(self) -> list[str]:
        return [logged.what for logged in self.requests]

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, method: str, raw_path: str, headers: dict[str, str], body: str = "") -> Route:
        parts = urlsplit(raw_path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        logged = Logged(method, path, headers, unquote_plus(body))
        keys = (path, unquote(path), parts.path) if method == "GET" else (logged.what,)
        with self._lock:
            self.requests.append(logged)
            answers = next((self.routes[key] for key in keys if key in self.routes), None)
            if answers is not None:
                turn = self.served.get(path, 0)
                self.served[path] = turn + 1
                route = answers[min(turn, len(answers) - 1)]
                if route.cookie and route.cookie not in headers.get("Cookie", ""):
                    return Route(body=route.without_cookie)
                return route
        if method != "GET":
            return Route(body="<html><body>Method not allowed</body></html>", status=405)
        return self._from_directory(unquote(parts.path))

    def _from_directory(self, path: str) -> Route:
        if self.directory is not None and ".." not in path:
            base = self.directory / path.lstrip("/")
            for candidate in (base, base.with_name(base.name + ".html"), base / "index.html"):
                if candidate.is_file():
                    kind = "application/pdf" if candidate.suffix == ".pdf" else "text/html; charset=utf-8"
                    return Route(body=candidate.read_bytes(), content_type=kind)
        return Route(body="<html><body>Not found</body></html>", status=404)


class RouteHandler(BaseHTTPRequestHandler):
    """Answers each request with the route its site server gives."""

    site: SiteServer

    def do_GET(self) -> None:
        self._respond(self.site.answer("GET", self.path, dict(self.headers)))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        self._respond(self.site.answer("POST", self.path, dict(self.headers), body))

    def _respond(self, route: Route) -> None:
        if route.delay:
            time.sleep(route.delay)
        if _not_modified(route, self.headers):
            self.send_response(304)
            self._validators(route)
            self.end_headers()
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.data)))
        if route.location:
            self.send_header("Location", route.location)
        if route.retry_after:
            self.send_header("Retry-After", route.retry_after)
        self._validators(route)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._send_body(route)
        self.close_connection = True

    def _send_body(self, route: Route) -> None:
        """The route's body, truncated and dripped as it says; a client gone away ends it."""
        data = route.data[:route.truncate] if route.truncate is not None else route.data
        piece = 1024 if route.drip else len(data) or 1
        try:
            for start in range(0, len(data), piece):
                self.wfile.write(data[start:start + piece])
                self.wfile.flush()
                time.sleep(route.drip)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _validators(self, route: Route) -> None:
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)

    def log_message(self, *args) -> None:
        pass


def _handler(site: SiteServer) -> type[RouteHandler]:
    return type("SiteHandler", (RouteHandler,), {"site": site})


def _not_modified(route: Route, headers) -> bool:
    if route.status != 200:
        return False
    if route.etag and headers.get("If-None-Match") == route.etag:
        return True
    return bool(route.last_modified and headers.get("If-Modified-Since") == route.last_modified)


class DictCache:
    """The fetcher's cache of index pages, in memory."""

    def __init__(self) -> None:
        self.pages: dict[str, CachedPage] = {}

    def get(self, url: str) -> CachedPage | None:
        return self.pages.get(url)

    def put(self, page: CachedPage) -> None:
        self.pages[page.url] = page


@pytest.fixture
def site_server():
    server = SiteServer().start()
    yield server
    server.stop()
