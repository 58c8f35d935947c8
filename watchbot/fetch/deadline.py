"""Time limits: each request has a total deadline, over its retries, headers and body.

A timer shuts the request's sockets down when its time is up, so a server that trickles one byte at a
time, or sends headers and then nothing, cannot hold a run. A request's deadline is the shorter of its
own (`request_deadline_seconds`) and what is left of the source's or the run's (`Fetcher.limited`).
"""

from __future__ import annotations

import socket
import threading
import time

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from watchbot.fetch.errors import FetchError, TimeUp, too_late

Until = tuple[float, str]  # a source's or run's end (monotonic clock), and its name


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

    def too_slow(self, url: str, received: int) -> FetchError:
        return too_late(url, f"too slow: no complete answer within {self.what} ({received} bytes of the body "
                             "received)", self.final)

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


def request_deadline(url: str, seconds: float, until: Until | None) -> Deadline:
    """The deadline of a request to `url`: `seconds`, or less when the source's or run's end comes first."""
    if until is None or until[0] - time.monotonic() >= seconds:
        return Deadline(seconds, f"the request deadline of {seconds:g} s")
    left, what = until[0] - time.monotonic(), until[1]
    if left <= 0:
        raise TimeUp(url, f"not fetched: {what} has passed")
    return Deadline(left, what, final=True)


class _Current(threading.local):
    deadline: Deadline | None = None  # the deadline of the request this thread is making


_current = _Current()


def current_deadline() -> Deadline:
    """The deadline of the request being made: every request is made under one (request_deadline)."""
    if _current.deadline is None:
        raise RuntimeError("a request made outside its deadline")
    return _current.deadline


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also for TLS: wakes up a read blocked in another thread
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _ArmedHTTPConnection(HTTPConnection):
    """A connection whose socket is handed to the current request's deadline before waiting for an answer."""

    def getresponse(self):
        if _current.deadline is not None:
            _current.deadline.arm(self.sock)
        return super().getresponse()


class _ArmedHTTPSConnection(_ArmedHTTPConnection, HTTPSConnection):
    pass


class _ArmedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _ArmedHTTPConnection


class _ArmedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _ArmedHTTPSConnection


class ArmedAdapter(HTTPAdapter):
    """The transport of a session whose sockets the current request's deadline can shut down."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _ArmedHTTPPool, "https": _ArmedHTTPSPool}
