"""Pacing: requests are spaced per platform, the address a host resolves to (most prefecture sites
share one, and its firewall sees them as one client), and a platform that keeps answering 429/503 is
slowed down for the rest of the run."""

from __future__ import annotations

import logging
import socket
from typing import Callable

from watchbot.core.urls import host_of

log = logging.getLogger(__name__)

STORM = 3  # this many 429/503 answers from one platform double its delay for the rest of the run
MAX_DELAY = 60.0


class Pacer:
    def __init__(self, delay_seconds: float, sleep: Callable[[float], None], clock: Callable[[], float],
                 resolve: Callable[[str], str]):
        self.delay_seconds = delay_seconds
        self.sleep = sleep
        self.clock = clock
        self.resolve = resolve
        self._platforms: dict[str, str] = {}  # host -> platform
        self._last_request: dict[str, float] = {}  # by platform
        self._delay: dict[str, float] = {}  # by platform, once a storm of 429/503 slowed it down
        self._busy: dict[str, int] = {}  # 429/503 answers by platform since its delay last changed

    def platform(self, url: str) -> str:
        """What requests are paced by: the address the URL's host resolves to (the host if it does not)."""
        host = host_of(url)
        if host not in self._platforms:
            self._platforms[host] = self.resolve(host)
        return self._platforms[host]

    def delay(self, url: str) -> float:
        """The current delay between two requests to the URL's platform."""
        return self._delay.get(self.platform(url), self.delay_seconds)

    def pace(self, url: str) -> None:
        """Waits until a request to the URL's platform is due, and notes it as made now."""
        platform = self.platform(url)
        last = self._last_request.get(platform)
        if last is not None:
            wait = self.delay(url) - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last_request[platform] = self.clock()

    def slow_down(self, url: str) -> None:
        """Notes a 429/503 answer: the STORM-th in a row doubles the platform's delay."""
        platform = self.platform(url)
        self._busy[platform] = self._busy.get(platform, 0) + 1
        if self._busy[platform] >= STORM:
            self._busy[platform] = 0
            self._delay[platform] = min(MAX_DELAY, max(1.0, 2 * self.delay(url)))
            log.warning("%s keeps answering 429/503: %.0f s between its requests for the rest of the run",
                        platform, self._delay[platform])


def address_of(host: str) -> str:
    """The first IPv4 address of a host (else its first address), or the host when it does not resolve."""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return host
    addresses = [str(entry[4][0]) for entry in found]
    return next((address for address in addresses if ":" not in address), addresses[0] if addresses else host)
