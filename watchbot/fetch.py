"""The HTTP layer: polite, bounded, and only towards the configured hosts.

Every request goes through `Fetcher`, which paces requests per platform (the address a host resolves
to: most prefecture sites share one, and its firewall sees them as one client), slows down for the rest
of the run after repeated 429/503 answers from a platform, retries
429/5xx answers and network errors with exponential back-off (honouring
Retry-After up to a cap), follows redirects itself so that a redirect to another
origin can be refused, caps sizes, and uses ETag / Last-Modified so that an
unchanged index page is not transferred twice.

Each request has a total deadline, over its retries, headers and body: a timer
shuts its socket down when the time is up, so a server that trickles one byte
at a time, or sends headers and then nothing, cannot hold a run.
"""

from __future__ import annotations

import hashlib
import logging
import re
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util import Retry

from watchbot.core.settings import HttpSettings
from watchbot.core.urls import host_of, normalize_url

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 16 * 1024
STORM = 3  # this many 429/503 answers from one platform double its delay for the rest of the run
MAX_DELAY = 60.0
CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)
CHALLENGE_BYTES = 64 * 1024  # how much of an error page is read to tell a challenge from a plain error
# what anti-bot answers look like, instead of the page asked for (first match names it)
CHALLENGES = (
    (re.compile(rb"window\.location\.href\s*=\s*['\"]/redirect_", re.IGNORECASE),
     "a JavaScript challenge (the Préfecture de police's)"),
    (re.compile(rb"/cdn-cgi/challenge-platform|cf-chl-|cf_chl_opt|<title>Just a moment\.\.\.</title>|"
                rb"Attention Required! \| Cloudflare|cf-browser-verification", re.IGNORECASE),
     "a Cloudflare challenge"),
    (re.compile(rb"requires JS enabled|enable JavaScript and cookies to continue|g-recaptcha|hcaptcha|"
                rb"captcha-delivery", re.IGNORECASE), "a JavaScript or CAPTCHA challenge"),
)


class FetchError(Exception):
    """A URL could not be fetched; `retry_later` when the cause may pass (network, 429, 5xx, truncation),
    `gone` when the server says the document is no longer there (404, 410)."""

    def __init__(self, url: str, reason: str, retry_later: bool = False, gone: bool = False):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.retry_later = retry_later
        self.gone = gone


class TimeUp(FetchError):
    """The source's or the run's deadline has passed: nothing more is fetched for it."""


class ChallengeError(FetchError):
    """The server answered with an anti-bot challenge (a page for browsers) instead of what was asked."""

    def __init__(self, url: str, kind: str, status: int):
        super().__init__(url, f"HTTP {status} with {kind} instead of the page: the site blocks scripted "
                              f"clients", retry_later=True)
        self.kind = kind


def challenge_in(body: bytes) -> str | None:
    """What kind of anti-bot challenge `body` is, or None."""
    return next((kind for pattern, kind in CHALLENGES if pattern.search(body)), None)


@dataclass(frozen=True)
class CachedPage:
    url: str
    body: str
    etag: str | None
    last_modified: str | None


class HttpCache(Protocol):
    def get(self, url: str) -> CachedPage | None: ...

    def put(self, page: CachedPage) -> None: ...


@dataclass(frozen=True)
class HtmlPage:
    url: str  # where the page was found, after redirects
    text: str


@dataclass(frozen=True)
class Download:
    url: str
    path: Path
    sha256: str
    size: int


class Deadline:
    """The end of one request's time: when it passes, the sockets armed with it are shut down."""

    def __init__(self, seconds: float, what: str, final: bool = False):
        self.end = time.monotonic() + seconds
        self.what = what  # "the request deadline of 600 s", for the reason of a failure
        self.final = final  # the source's or run's deadline rather than the request's
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True

    def left(self) -> float:
        return self.end - time.monotonic()

    def passed(self) -> bool:
        """Whether the time is up (a read timeout shortened to the time left may fire before the timer)."""
        return self.expired or self.left() <= 0.01

    def arm(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is None:
                return
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> Deadline:
        self._outer, _current.deadline = _current.deadline, self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        _current.deadline = self._outer
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()


class _Current(threading.local):
    deadline: Deadline | None = None  # the deadline of the request this thread is making


_current = _Current()


def _current_deadline() -> Deadline:
    """The deadline of the request being made: every request is made under one (Fetcher._deadline_for)."""
    if _current.deadline is None:
        raise RuntimeError("a request made outside its deadline")
    return _current.deadline


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also for TLS: wakes up a read blocked in another thread
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Armed:
    """A connection whose socket is handed to the current request's deadline before waiting for an answer."""

    def getresponse(self):
        if _current.deadline is not None:
            _current.deadline.arm(self.sock)
        return super().getresponse()


class _ArmedHTTPConnection(_Armed, HTTPConnection):
    pass


class _ArmedHTTPSConnection(_Armed, HTTPSConnection):
    pass


class _ArmedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _ArmedHTTPConnection


class _ArmedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _ArmedHTTPSConnection


class _ArmedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _ArmedHTTPPool, "https": _ArmedHTTPSPool}


class Fetcher:
    def __init__(self, settings: HttpSettings, allowed_hosts: Iterable[str], cache: HttpCache | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 max_retry_wait: float = 120.0, resolve: Callable[[str], str] | None = None):
        self.settings = settings
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self.cache = cache
        self.sleep = sleep
        self.clock = clock
        self.max_retry_wait = max_retry_wait
        self.session = requests.Session()
        self.session.mount("http://", _ArmedAdapter())
        self.session.mount("https://", _ArmedAdapter())
        self.until: tuple[float, str] | None = None  # a source's or run's end (monotonic clock), and its name
        self.session.headers.update({"User-Agent": settings.user_agent, "Accept-Language": "fr"})
        self.resolve = resolve or address_of
        self.requests = 0  # HTTP requests sent, retries included
        self.host_headers: dict[str, dict[str, str]] = {}  # by host: what a headless browser handed over
        self._platforms: dict[str, str] = {}  # host -> platform
        self._last_request: dict[str, float] = {}  # by platform
        self._delay: dict[str, float] = {}  # by platform, once a storm of 429/503 slowed it down
        self._busy: dict[str, int] = {}  # 429/503 answers by platform since its delay last changed

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()

    @contextmanager
    def limited(self, seconds: float, what: str) -> Iterator[None]:
        """No request made inside ends later than `seconds` from now ("the source's deadline of 1800 s")."""
        previous = self.until
        end = time.monotonic() + seconds
        if previous is None or end < previous[0]:
            self.until = (end, f"{what} of {seconds:g} s")
        try:
            yield
        finally:
            self.until = previous

    def _deadline(self) -> Deadline:
        seconds = self.settings.request_deadline_seconds
        if self.until and self.until[0] - time.monotonic() < seconds:
            seconds, what = self.until[0] - time.monotonic(), self.until[1]
            if seconds <= 0:
                raise TimeUp("", f"not fetched: {what} has passed", retry_later=True)
            return Deadline(seconds, what, final=True)
        return Deadline(seconds, f"the request deadline of {seconds:g} s")

    def _deadline_for(self, url: str) -> Deadline:
        try:
            return self._deadline()
        except TimeUp as error:
            raise TimeUp(url, error.reason, retry_later=True) from None

    def html(self, url: str) -> HtmlPage:
        """The HTML of a page and the URL it was found at after redirects (links are relative to it)."""
        url = normalize_url(url)
        cached = self.cache.get(url) if self.cache else None
        with self._deadline_for(url):
            response = self._get(url, _validators(cached.etag, cached.last_modified) if cached else {})
            with response:
                if response.status_code == 304 and cached:
                    return HtmlPage(response.url, cached.body)
                page = self._html_of(url, response)
        etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if self.cache and (etag or last_modified):
            self.cache.put(CachedPage(url, page.text, etag, last_modified))
        return page

    def form(self, url: str, method: str, fields: dict[str, str]) -> HtmlPage:
        """The answer to a form submitted as a browser does: GET with the fields in the query, or POST."""
        if method == "get":
            parts = urlsplit(url)
            query = "&".join(filter(None, [parts.query, urlencode(fields)]))
            return self.html(urlunsplit(parts._replace(query=query)))
        url = normalize_url(url)
        with self._deadline_for(url), self._get(url, {}, fields) as response:
            return self._html_of(url, response)

    def _html_of(self, url: str, response: requests.Response) -> HtmlPage:
        if response.status_code != 200:
            self._check_error_page(url, response)
        data = b"".join(self._read(url, response, self.settings.max_html_bytes, "page"))
        kind = challenge_in(data[:CHALLENGE_BYTES])
        if kind:
            raise ChallengeError(url, kind, response.status_code)
        return HtmlPage(response.url, decode(data, response.headers.get("Content-Type", "")))

    def pdf(self, url: str, dest: Path) -> Download:
        """Stream a PDF to `dest` (a known RAA is never downloaded again, so no conditional request)."""
        url = normalize_url(url)
        with self._deadline_for(url):
            response = self._get(url, {})
            with response:
                if response.status_code != 200:
                    self._check_error_page(url, response)
                partial = dest.with_name(dest.name + ".part")
                try:
                    digest, size = self._save_pdf(url, response, partial)
                    partial.replace(dest)
                finally:
                    partial.unlink(missing_ok=True)
        return Download(url, dest, digest, size)

    def _check_error_page(self, url: str, response: requests.Response) -> None:
        """An error answer: a ChallengeError when its body is a challenge, else the plain HTTP error."""
        self._check_challenge(url, response)
        _check_status(url, response)

    def _check_challenge(self, url: str, response: requests.Response) -> None:
        """Reads the start of an error answer's body: a ChallengeError when it is a challenge."""
        body = b""
        try:
            for chunk in self._read(url, response, self.settings.max_html_bytes, "page"):
                body += chunk
                if len(body) >= CHALLENGE_BYTES:
                    break
        except FetchError:
            return  # the status says enough
        kind = challenge_in(body[:CHALLENGE_BYTES])
        if kind:
            response.close()
            raise ChallengeError(url, kind, response.status_code)

    def _save_pdf(self, url: str, response: requests.Response, partial: Path) -> tuple[str, int]:
        digest = hashlib.sha256()
        head = b""
        with partial.open("wb") as out:
            for chunk in self._read(url, response, self.settings.max_pdf_bytes, "PDF"):
                if len(head) < 1024:
                    head += chunk[:1024]
                    if len(head) >= 1024:
                        _check_pdf(url, head)
                digest.update(chunk)
                out.write(chunk)
        if len(head) < 1024:
            _check_pdf(url, head)
        return digest.hexdigest(), partial.stat().st_size

    def _read(self, url: str, response: requests.Response, limit: int, what: str) -> Iterator[bytes]:
        """The body in chunks, refusing more than `limit` bytes and detecting truncation."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"{what} too large: {int(declared)} bytes, the limit is {limit}")
        received = 0
        deadline = _current_deadline()
        try:
            while chunk := response.raw.read1(CHUNK, decode_content=True) if not deadline.passed() else b"":
                received += len(chunk)
                if received > limit:
                    raise FetchError(url, f"{what} too large: more than {limit} bytes")
                yield chunk
        except (requests.RequestException, OSError, Urllib3Error) as error:
            if deadline.passed():
                raise _too_slow(url, deadline, received) from None
            raise FetchError(url, f"the transfer broke off after {received} bytes ({type(error).__name__})",
                             retry_later=True) from None
        if deadline.passed():
            raise _too_slow(url, deadline, received)
        if declared.isdigit() and received < int(declared) and not response.headers.get("Content-Encoding"):
            raise FetchError(url, f"truncated: {received} of {declared} bytes arrived", retry_later=True)

    def _get(self, url: str, headers: dict[str, str], form: dict[str, str] | None = None) -> requests.Response:
        """GET (POST of `form` when given) with retries, following at most `max_redirects` redirects within
        the allowed hosts and the request's origin (see _check_redirect); a redirect after a POST is a GET,
        as browsers do."""
        origin = _origin(url)
        for _ in range(self.settings.max_redirects + 1):
            self._check_host(url, url)
            response = self._get_once(url, headers, form)
            form = None
            if response.status_code not in REDIRECT_STATUSES:
                return response
            response.close()
            location = response.headers.get("Location")
            if not location:
                raise FetchError(url, f"HTTP {response.status_code} redirect without a Location")
            target = normalize_url(urljoin(url, location))
            self._check_host(target, url)
            _check_redirect(url, target, origin)
            log.debug("%s redirects to %s", url, target)
            url = target
        raise FetchError(url, f"too many redirects (more than {self.settings.max_redirects})")

    def _get_once(self, url: str, headers: dict[str, str], form: dict[str, str] | None = None) -> requests.Response:
        attempts = self.settings.max_retries + 1
        attempt = 0
        deadline = _current_deadline()
        while True:
            self.pace(url)
            try:
                timeout = max(0.001, min(self.settings.timeout_seconds, deadline.left()))
                response = self.session.request("GET" if form is None else "POST", url, data=form,
                                                headers={**self.host_headers.get(host_of(url), {}), **headers},
                                                timeout=timeout, stream=True,
                                                allow_redirects=False)
            except requests.RequestException as error:
                if deadline.passed():
                    raise _too_slow(url, deadline, 0) from None
                reason, wait = _network_reason(error), self._backoff(attempt)
            except ValueError as error:  # requests parses the Location even when not following it
                raise FetchError(url, f"refused invalid URL in the answer: {error}") from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                self._check_challenge(url, response)  # a challenge is not a passing state: no retry
                response.close()
                reason = f"HTTP {response.status_code}"
                wait = _retry_after(response) or self._backoff(attempt)
                if response.status_code in (429, 503):
                    self._slow_down(url)
            attempt += 1
            if attempt == attempts:
                raise FetchError(url, f"{reason}, gave up after {attempts} attempts", retry_later=True)
            if wait > self.max_retry_wait:
                raise FetchError(url, f"{reason}, the server asks to wait {wait:.0f} s", retry_later=True)
            if wait >= deadline.left():
                raise (TimeUp if deadline.final else FetchError)(
                    url, f"{reason}, no time left to retry within {deadline.what}", retry_later=True)
            log.info("%s: %s, retrying in %.1f s", url, reason, wait)
            self.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        return min(self.max_retry_wait, max(1.0, self.settings.delay_seconds) * 2 ** attempt)

    def platform(self, url: str) -> str:
        """What requests are paced by: the address the URL's host resolves to (the host if it does not)."""
        host = host_of(url)
        if host not in self._platforms:
            self._platforms[host] = self.resolve(host)
        return self._platforms[host]

    def delay(self, url: str) -> float:
        """The current delay between two requests to the URL's platform."""
        return self._delay.get(self.platform(url), self.settings.delay_seconds)

    def pace(self, url: str) -> None:
        platform = self.platform(url)
        last = self._last_request.get(platform)
        if last is not None:
            wait = self.delay(url) - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last_request[platform] = self.clock()
        self.requests += 1

    def _slow_down(self, url: str) -> None:
        platform = self.platform(url)
        self._busy[platform] = self._busy.get(platform, 0) + 1
        if self._busy[platform] >= STORM:
            self._busy[platform] = 0
            self._delay[platform] = min(MAX_DELAY, max(1.0, 2 * self.delay(url)))
            log.warning("%s keeps answering 429/503: %.0f s between its requests for the rest of the run",
                        platform, self._delay[platform])

    def _check_host(self, url: str, origin: str) -> None:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            raise FetchError(origin, f"refused invalid URL {url!r}") from None
        if parts.scheme not in ("http", "https"):
            raise FetchError(origin, f"refused URL {url!r}: only http and https are fetched")
        if parts.username is not None or parts.password is not None:
            what = "URL" if url == origin else "redirect to a URL"
            raise FetchError(origin, f"refused {what} with a user name or password")
        if host not in self.allowed_hosts:
            if url == origin:
                raise FetchError(origin, f"refused: {host} is not the host of a configured source")
            raise FetchError(origin, f"refused redirect to {url}: {host} is not the host of a configured source")


def _too_slow(url: str, deadline: Deadline, received: int) -> FetchError:
    return (TimeUp if deadline.final else FetchError)(url, f"too slow: no complete answer within {deadline.what} ({received} bytes of the body "
                           "received)", retry_later=True)


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(parts.scheme)


def _check_redirect(url: str, target: str, origin: tuple[str, str, int | None]) -> None:
    """A redirect keeps the request's scheme, host and port, or goes to the usual port of an allowed host
    (http to https included, never back)."""
    scheme, host, port = _origin(target)
    if (scheme, host, port) == origin:
        return
    if port != DEFAULT_PORTS[scheme] or origin[0] == "https" and scheme == "http":
        raise FetchError(url, f"refused redirect to {scheme}://{host}:{port}: only the scheme, host and port "
                              f"of the request ({origin[0]}://{origin[1]}:{origin[2]}) or a usual port are followed")


def address_of(host: str) -> str:
    """The first IPv4 address of a host (else its first address), or the host when it does not resolve."""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return host
    addresses = [str(entry[4][0]) for entry in found]
    return next((address for address in addresses if ":" not in address), addresses[0] if addresses else host)


def _validators(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _check_status(url: str, response: requests.Response) -> None:
    if response.status_code == 200:
        return
    # 404/410 mean the document is gone; anything else may be a passing state of the site or its firewall
    gone = response.status_code in (404, 410)
    raise FetchError(url, f"HTTP {response.status_code} {response.reason or ''}".strip(), retry_later=not gone,
                     gone=gone)


def _check_pdf(url: str, head: bytes) -> None:
    if b"%PDF" in head[:1024]:
        return
    if b"<html" in head[:1024].lower() or b"<!doctype" in head[:1024].lower():
        kind = challenge_in(head) or ("a JavaScript challenge" if b"<script" in head.lower() else None)
        challenge = f" ({kind})" if kind else ""
        raise FetchError(url, f"not a PDF: the server sent an HTML page{challenge} instead of the document",
                         retry_later=True)
    raise FetchError(url, f"not a PDF: the body starts with {head[:16]!r}", retry_later=True)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, Retry().parse_retry_after(value))
    except Exception:  # an unparsable header is ignored, the back-off applies
        return None


def _network_reason(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return f"request failed ({type(error).__name__})"


def decode(data: bytes, content_type: str) -> str:
    """Text of an HTML body: charset from the header, else from <meta>, else UTF-8; never fails."""
    match = re.search(r"charset=[\"']?([\w-]+)", content_type, re.IGNORECASE)
    charset = match.group(1) if match else None
    if not charset:
        meta = CHARSET.search(data[:4096])
        charset = meta.group(1).decode("ascii") if meta else "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")
