"""One run at a time, per state directory and per PostgreSQL database.

An flock is released by the kernel when its holder dies, and a PostgreSQL
advisory lock when its connection closes, so a lock left by a killed run never
needs cleaning up: the next run simply gets it. The advisory lock keeps two
machines that share one database from running at once.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import text

from watchbot.core.errors import ExitCode, WatchbotError
from watchbot.store import connect

ADVISORY_KEY = 0x77617463  # "watc": any constant; the same for every watchbot run
SETUP_KEY = 0x73657475  # "setu": the schemas' set-up


class LockHeld(WatchbotError):
    """Another run holds the lock: nothing was done."""

    exit_code = ExitCode.LOCKED
    passing = True


@contextmanager
def run_lock(state_dir: Path, database_url: str | None = None) -> Iterator[None]:
    with _file_lock(state_dir):
        if database_url and database_url.startswith("postgresql"):
            with _advisory_lock(database_url):
                yield
        else:
            yield


@contextmanager
def _file_lock(state_dir: Path) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "watchbot.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockHeld(f"another run holds {path} (pid {holder}); nothing was done") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _advisory_lock(database_url: str) -> Iterator[None]:
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            if not connection.scalar(text("select pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}):
                raise LockHeld("another run holds the database's lock (a run on another machine?); nothing was done")
            connection.commit()
            yield
    finally:
        engine.dispose()


@contextmanager
def setup_lock(database_url: str) -> Iterator[None]:
    """Wait for the PostgreSQL database's set-up lock: processes starting together (workers, a backfill)
    bring the schemas up to date one after the other."""
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("select pg_advisory_lock(:key)"), {"key": SETUP_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("select pg_advisory_unlock(:key)"), {"key": SETUP_KEY})
                connection.commit()
    finally:
        engine.dispose()
