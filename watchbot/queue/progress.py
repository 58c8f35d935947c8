"""`watchbot backfill --wait`: follow the queue until it is drained.

The counts are the engine's (jobs of the reading queue: waiting, running, done, failed, the last two since
the wait began); the pages come from the documents read since then. A progress bar in a terminal, a plain
line every `PLAIN_EVERY` seconds otherwise.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, TextIO

from watchbot.core.clock import utcnow
from watchbot.queue import QUEUE
from watchbot.queue.backfill import duration
from watchbot.store import Sessions, documents

POLL = 1.0  # seconds between two looks at the queue
PLAIN_EVERY = 30.0


@dataclass(frozen=True)
class Counts:
    queued: int
    running: int
    done: int
    failed: int

    @property
    def drained(self) -> bool:
        return not self.queued and not self.running


@dataclass(frozen=True)
class Snapshot:
    counts: Counts
    pages: int
    seconds: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def eta(self) -> str:
        finished = self.counts.done + self.counts.failed
        if not finished:
            return "?"
        return duration((self.counts.queued + self.counts.running) * self.seconds / finished)

    def line(self) -> str:
        counts = self.counts
        return (f"documents {counts.queued} queued, {counts.running} running, {counts.done} done, "
                f"{counts.failed} failed; {self.pages_per_second:.2f} pages/s; ETA {self.eta()}")


def queue_counts(app) -> Counts:
    stats: dict[str, int] = next(iter(app.job_manager.list_queues(queue=QUEUE)), {})
    return Counts(stats.get("todo", 0), stats.get("doing", 0), stats.get("succeeded", 0), stats.get("failed", 0))


class Follower:
    """The queue's progress since the follower began."""

    def __init__(self, app, sessions: Sessions) -> None:
        self.app = app
        self.sessions = sessions
        self.start: Counts = queue_counts(app)
        self.started: datetime = utcnow()
        self.clock = time.monotonic()

    def look(self) -> Snapshot:
        now = queue_counts(self.app)
        counts = Counts(now.queued, now.running, now.done - self.start.done, now.failed - self.start.failed)
        return Snapshot(counts, documents.pages_read_since(self.sessions, self.started), time.monotonic() - self.clock)


def wait(app, sessions: Sessions, out: TextIO = sys.stderr) -> Snapshot:
    """Follow the queue until nothing is queued or running; the last progress."""
    with app.open():
        follower = Follower(app, sessions)
        show = _bar(out) if out.isatty() else _plain(out)
        progress = follower.look()
        while not progress.counts.drained:
            show(progress)
            time.sleep(POLL)
            progress = follower.look()
        show(progress)
    print(progress.line(), file=out, flush=True)
    return progress


def _plain(out: TextIO) -> Callable[[Snapshot], None]:
    last = [float("-inf")]

    def show(progress: Snapshot) -> None:
        if progress.seconds - last[0] >= PLAIN_EVERY:
            print(progress.line(), file=out, flush=True)
            last[0] = progress.seconds
    return show


def _bar(out: TextIO) -> Callable[[Snapshot], None]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    bar = Progress(TextColumn("reading"), BarColumn(), TextColumn("{task.description}"),
              console=Console(file=out), transient=True)
    task = bar.add_task("", total=None)
    bar.start()

    def show(progress: Snapshot) -> None:
        counts = progress.counts
        finished = counts.done + counts.failed
        bar.update(task, completed=finished, total=finished + counts.queued + counts.running,
                   description=progress.line())
        if counts.drained:
            bar.stop()
    return show
