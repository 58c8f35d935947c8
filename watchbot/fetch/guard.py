"""What a request may reach and bring back: only the configured origins (scheme, host and port), no
user name in a URL, no redirect that leaves them or goes from https back to http, and bodies capped in
size, checked for truncation and cut off at the request's deadline."""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import HTTPError as Urllib3Error

from watchbot.fetch.deadline import current_deadline
from watchbot.fetch.errors import FetchError

DEFAULT_PORTS = {"http": 80, "https": 443}
CHUNK = 16 * 1024


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int | None  # None only for a scheme that is not fetched

    def __str__(self) -> str:
        port = "" if self.port == DEFAULT_PORTS.get(self.scheme) else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}"


def origin_of(url: str) -> Origin:
    """The scheme, host and port of a URL (the scheme's default port when it names none); ValueError when
    it cannot be parsed."""
    parts = urlsplit(url)
    return Origin(parts.scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(parts.scheme))


def allowed_origins(allowed: Iterable[str]) -> frozenset[Origin]:
    """The origins of the configured URLs ("https://host[:port]") and bare hosts (both schemes' default
    ports); an http origin on port 80 also admits its https upgrade."""
    origins: set[Origin] = set()
    for entry in allowed:
        if "://" not in entry:
            origins.update(Origin(scheme, entry.lower(), port) for scheme, port in DEFAULT_PORTS.items())
            continue
        origin = origin_of(entry)
        origins.add(origin)
        if origin.scheme == "http" and origin.port == DEFAULT_PORTS["http"]:
            origins.add(Origin("https", origin.host, DEFAULT_PORTS["https"]))
    return frozenset(origins)


class Guard:
    """The checks of every URL a Fetcher is asked for or redirected to."""

    def __init__(self, allowed: Iterable[str]):
        self.origins = allowed_origins(allowed)
        self.hosts = frozenset(origin.host for origin in self.origins)

    def allows(self, url: str) -> bool:
        """Whether `url` is on a configured origin."""
        try:
            return origin_of(url) in self.origins
        except ValueError:
            return False

    def check(self, url: str, asked: str) -> Origin:
        """The origin of `url`, which is `asked` or where a request for it redirects; FetchError for `asked`
        unless it is a configured origin."""
        try:
            parts = urlsplit(url)
            origin = origin_of(url)
        except ValueError:
            raise FetchError(asked, f"refused invalid URL {url!r}") from None
        if origin.scheme not in DEFAULT_PORTS:
            raise FetchError(asked, f"refused URL {url!r}: only http and https are fetched")
        what = "URL" if url == asked else "redirect to a URL"
        if parts.username is not None or parts.password is not None:
            raise FetchError(asked, f"refused {what} with a user name or password")
        if origin not in self.origins:
            refused = "refused" if url == asked else f"refused redirect to {url}"
            raise FetchError(asked, f"{refused}: {self._outside(origin)}")
        return origin

    def check_redirect(self, url: str, target: str, first: Origin) -> None:
        """A redirect of a request that started at `first` stays on the configured origins, and on https
        once there."""
        origin = self.check(target, url)
        if first.scheme == "https" and origin.scheme == "http":
            raise FetchError(url, f"refused redirect to {target}: from https back to http")

    def _outside(self, origin: Origin) -> str:
        if origin.host not in self.hosts:
            return f"{origin.host} is not the host of a configured source"
        configured = sorted(str(allowed) for allowed in self.origins if allowed.host == origin.host)
        return (f"{origin} is not the scheme, host and port of a configured source (configured for "
                f"{origin.host}: {', '.join(configured)})")


def read(url: str, response: requests.Response, limit: int, what: str) -> Iterator[bytes]:
    """The body in chunks, refusing more than `limit` bytes ("page too large"), detecting truncation,
    and stopping at the request's deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(url, f"{what} too large: {int(declared)} bytes, the limit is {limit}")
    received = 0
    deadline = current_deadline()
    try:
        while chunk := response.raw.read1(CHUNK, decode_content=True) if not deadline.passed() else b"":
            received += len(chunk)
            if received > limit:
                raise FetchError(url, f"{what} too large: more than {limit} bytes")
            yield chunk
    except (requests.RequestException, OSError, Urllib3Error) as error:
        if deadline.passed():
            raise deadline.too_slow(url, received) from None
        raise FetchError(url, f"the transfer broke off after {received} bytes ({type(error).__name__})",
                         passing=True) from None
    if deadline.passed():
        raise deadline.too_slow(url, received)
    if declared.isdigit() and received < int(declared) and not response.headers.get("Content-Encoding"):
        raise FetchError(url, f"truncated: {received} of {declared} bytes arrived", passing=True)
