"""The Fetcher: every request of a run goes through it, polite, bounded, and only towards the configured
origins.

It paces requests per platform (pacing.py), retries 429/5xx answers and network errors with exponential
back-off (honouring Retry-After up to a cap), follows redirects itself so that one leaving the configured
origins can be refused (guard.py), caps sizes, gives each request a total deadline (deadline.py), and uses
ETag / Last-Modified so that an unchanged index page is not transferred twice.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests
from urllib3.exceptions import NameResolutionError
from urllib3.util import Retry

from watchbot.core.settings import HttpSettings
from watchbot.core.urls import host_of, normalize_url
from watchbot.fetch.content import (
    CHALLENGE_BYTES,
    CachedPage,
    Download,
    HtmlPage,
    HttpCache,
    challenge_in,
    check_pdf,
    decode,
    validators,
)
from watchbot.fetch.deadline import ArmedAdapter, Deadline, Until, current_deadline, request_deadline
from watchbot.fetch.errors import ChallengeError, FetchError, too_late
from watchbot.fetch.guard import Guard, origin_of, read
from watchbot.fetch.pacing import Pacer, address_of

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
BUSY_STATUSES = frozenset({429, 503})
MAX_BUSY_ANSWERS = 10  # 429/503 answers in a row from one origin: it is given up for the run
MAX_BUSY_WAIT = 600.0  # seconds a run may wait on one origin's 429/503 answers before giving it up


class Fetcher:
    """`allowed`: the origins ("https://host", "http://host:8080") and bare hosts (both schemes' default
    ports) that requests may reach."""

    def __init__(self, settings: HttpSettings, allowed: Iterable[str], cache: HttpCache | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 max_retry_wait: float = 120.0, resolve: Callable[[str], str] | None = None):
        self.settings = settings
        self.guard = Guard(allowed)
        self.cache = cache
        self.sleep = sleep
        self.max_retry_wait = max_retry_wait
        self.pacer = Pacer(settings.delay_seconds, sleep, clock, resolve or address_of)
        self.session = requests.Session()
        self.session.mount("http://", ArmedAdapter())
        self.session.mount("https://", ArmedAdapter())
        self.session.headers.update({"User-Agent": settings.user_agent, "Accept-Language": "fr"})
        self.until: Until | None = None
        self.requests = 0  # HTTP requests sent, retries included
        self.host_headers: dict[str, dict[str, str]] = {}  # by host: what a headless browser handed over
        self.unreachable: dict[str, str] = {}  # by origin: why it cannot be reached this run
        self.busy: dict[str, tuple[int, float]] = {}  # by origin: 429/503 answers in a row, seconds waited on them

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

    def pace(self, url: str) -> None:
        """Waits until a request to the URL's platform is due, and counts it."""
        self.pacer.pace(url)
        self.requests += 1

    def platform(self, url: str) -> str:
        return self.pacer.platform(url)

    def delay(self, url: str) -> float:
        return self.pacer.delay(url)

    def html(self, url: str) -> HtmlPage:
        """The HTML of a page and the URL it was found at after redirects (links are relative to it)."""
        url = normalize_url(url)
        cached = self.cache.get(url) if self.cache else None
        with self._deadline(url), self._get(url, validators(cached)) as response:
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
        with self._deadline(url), self._get(url, {}, fields) as response:
            return self._html_of(url, response)

    def pdf(self, url: str, dest: Path) -> Download:
        """Stream a PDF to `dest` (a known RAA is never downloaded again, so no conditional request)."""
        url = normalize_url(url)
        with self._deadline(url), self._get(url, {}) as response:
            if response.status_code != 200:
                self._check_error_page(url, response)
            partial = dest.with_name(dest.name + ".part")
            try:
                digest, size = self._save_pdf(url, response, partial)
                partial.replace(dest)
            finally:
                partial.unlink(missing_ok=True)
        return Download(url, dest, digest, size)

    def _deadline(self, url: str) -> Deadline:
        return request_deadline(url, self.settings.request_deadline_seconds, self.until)

    def _html_of(self, url: str, response: requests.Response) -> HtmlPage:
        if response.status_code != 200:
            self._check_error_page(url, response)
        data = b"".join(read(url, response, self.settings.max_html_bytes, "page"))
        kind = challenge_in(data[:CHALLENGE_BYTES])
        if kind:
            raise _challenge(url, kind, response.status_code)
        return HtmlPage(response.url, decode(data, response.headers.get("Content-Type", "")))

    def _check_error_page(self, url: str, response: requests.Response) -> None:
        """An error answer: a ChallengeError when its body is a challenge, else the plain HTTP error."""
        self._check_challenge(url, response)
        # 404/410 mean the document is gone; anything else may be a passing state of the site or its firewall
        gone = response.status_code in (404, 410)
        raise FetchError(url, f"HTTP {response.status_code} {response.reason or ''}".strip(), passing=not gone,
                         gone=gone)

    def _check_challenge(self, url: str, response: requests.Response) -> None:
        """Reads the start of an error answer's body: a ChallengeError when it is a challenge."""
        body = b""
        try:
            for chunk in read(url, response, self.settings.max_html_bytes, "page"):
                body += chunk
                if len(body) >= CHALLENGE_BYTES:
                    break
        except FetchError:
            return  # the status says enough
        kind = challenge_in(body[:CHALLENGE_BYTES])
        if kind:
            response.close()
            raise _challenge(url, kind, response.status_code)

    def _save_pdf(self, url: str, response: requests.Response, partial: Path) -> tuple[str, int]:
        digest = hashlib.sha256()
        head = b""
        with partial.open("wb") as out:
            for chunk in read(url, response, self.settings.max_pdf_bytes, "PDF"):
                if len(head) < 1024:
                    head += chunk[:1024]
                    if len(head) >= 1024:
                        check_pdf(url, head)
                digest.update(chunk)
                out.write(chunk)
        if len(head) < 1024:
            check_pdf(url, head)
        return digest.hexdigest(), partial.stat().st_size

    def _get(self, url: str, headers: dict[str, str], form: dict[str, str] | None = None) -> requests.Response:
        """GET (POST of `form` when given) with retries, following at most `max_redirects` redirects that
        the guard allows; a redirect after a POST is a GET, as browsers do."""
        first = self.guard.check(url, url)
        for _ in range(self.settings.max_redirects + 1):
            response = self._get_once(url, headers, form)
            form = None
            if response.status_code not in REDIRECT_STATUSES:
                return response
            response.close()
            location = response.headers.get("Location")
            if not location:
                raise FetchError(url, f"HTTP {response.status_code} redirect without a Location")
            target = normalize_url(urljoin(url, location))
            self.guard.check_redirect(url, target, first)
            log.debug("%s redirects to %s", url, target)
            url = target
        raise FetchError(url, f"too many redirects (more than {self.settings.max_redirects})")

    def _get_once(self, url: str, headers: dict[str, str], form: dict[str, str] | None = None) -> requests.Response:
        attempts = self.settings.max_retries + 1
        deadline = current_deadline()
        origin = str(origin_of(url))
        if origin in self.unreachable:
            raise FetchError(url, f"{self.unreachable[origin]} (earlier in this run: tried again on the next run)",
                             passing=True)
        for attempt in range(1, attempts + 1):
            self.pace(url)
            try:
                response = self._send(url, headers, form, deadline)
            except requests.RequestException as error:
                if deadline.passed():
                    raise deadline.too_slow(url, 0) from None
                if unreachable := _unreachable(error):  # no retry will change that within the run
                    self.unreachable[origin] = unreachable
                    raise FetchError(url, unreachable, passing=True) from None
                reason, wait = _network_reason(error), self._backoff(attempt)
            else:
                if response.status_code not in RETRY_STATUSES:
                    self.busy[origin] = (0, self.busy.get(origin, (0, 0.0))[1])
                    return response
                self._check_challenge(url, response)  # a challenge is not a passing state: no retry
                response.close()
                reason = f"HTTP {response.status_code}"
                wait = _retry_after(response) or self._backoff(attempt)
                if response.status_code in BUSY_STATUSES:
                    self.pacer.slow_down(url)
                    self._note_busy(url, origin, reason, wait if attempt < attempts else 0.0)
            if attempt < attempts:
                self._wait_to_retry(url, reason, wait, deadline)
        raise FetchError(url, f"{reason}, gave up after {attempts} attempts", passing=True)

    def _note_busy(self, url: str, origin: str, reason: str, wait: float) -> None:
        """Counts a 429/503 answer and the wait it asks for: past MAX_BUSY_ANSWERS in a row or MAX_BUSY_WAIT
        seconds in the run, the origin is given up until the next run (a storm would hold the lock for hours)."""
        answers, waited = self.busy.get(origin, (0, 0.0))
        answers, wait = answers + 1, min(wait, self.max_retry_wait)
        if answers >= MAX_BUSY_ANSWERS or waited + wait > MAX_BUSY_WAIT:
            self.unreachable[origin] = (f"{reason}: {origin} keeps answering that it is busy ({answers} in a row, "
                                        f"{waited:.0f} s waited), given up for this run")
            raise FetchError(url, self.unreachable[origin], passing=True)
        self.busy[origin] = (answers, waited + wait)

    def _send(self, url: str, headers: dict[str, str], form: dict[str, str] | None,
              deadline: Deadline) -> requests.Response:
        timeout = max(0.001, min(self.settings.timeout_seconds, deadline.left()))
        try:
            return self.session.request("GET" if form is None else "POST", url, data=form,
                                        headers={**self.host_headers.get(host_of(url), {}), **headers},
                                        timeout=timeout, stream=True, allow_redirects=False)
        except ValueError as error:  # requests parses the Location even when not following it
            raise FetchError(url, f"refused invalid URL in the answer: {error}") from None

    def _wait_to_retry(self, url: str, reason: str, wait: float, deadline: Deadline) -> None:
        if wait > self.max_retry_wait:
            raise FetchError(url, f"{reason}, the server asks to wait {wait:.0f} s", passing=True)
        if wait >= deadline.left():
            raise too_late(url, f"{reason}, no time left to retry within {deadline.what}", deadline.final)
        log.info("%s: %s, retrying in %.1f s", url, reason, wait)
        self.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        """The wait after the `attempt`-th failed attempt: the delay (at least 1 s), doubled each time."""
        return min(self.max_retry_wait, max(1.0, self.settings.delay_seconds) * 2 ** (attempt - 1))


def _challenge(url: str, kind: str, status: int) -> ChallengeError:
    return ChallengeError(url, kind, f"HTTP {status} with {kind} instead of the page: the site blocks scripted "
                                     f"clients")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, Retry().parse_retry_after(value))
    except Exception:  # an unparsable header is ignored, the back-off applies
        return None


def _unreachable(error: requests.RequestException) -> str | None:
    """Why the host cannot be reached at all, named, when the error says so: its name does not resolve, it
    refuses connections, TLS or the proxy fails."""
    if isinstance(error, requests.exceptions.ProxyError):
        return f"proxy error: {_root(error)}"
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS error: {_root(error)}"
    for cause in _causes(error):
        if isinstance(cause, (socket.gaierror, NameResolutionError)):
            return f"name lookup failed: {_root(error)}"
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused: {_root(error)}"
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, what caused it, and the errors urllib3 wraps in its arguments, at most 10 deep."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return
        yield seen
        wrapped = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = seen.__cause__ or seen.__context__ or wrapped or getattr(seen, "reason", None)


def _root(error: BaseException) -> str:
    """The innermost message, which names the cause (« [Errno -2] Name or service not known »)."""
    *_, last = _causes(error)
    return str(last)[:200]


def _network_reason(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return f"request failed ({type(error).__name__})"
