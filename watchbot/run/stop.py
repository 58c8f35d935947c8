"""How a run stops: SIGTERM and SIGINT where it is, and its deadline."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Iterator, NoReturn


class Stopped(BaseException):
    """SIGTERM or SIGINT: the run stops where it is (BaseException: no `except Exception` swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class RunDeadline:
    """When discovery and reading must stop (`run_deadline_seconds` from the run's start)."""

    seconds: float
    ends: float  # on the monotonic clock

    @classmethod
    def starting_now(cls, seconds: float) -> RunDeadline:
        return cls(seconds, time.monotonic() + seconds)

    def left(self) -> float:
        return self.ends - time.monotonic()


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGTERM and SIGINT raise Stopped in the main thread: the reader's process group is killed on the
    way out (run_in_child) and the lock released (run_lock)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> NoReturn:
        raise Stopped(signum)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
