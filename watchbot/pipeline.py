"""`watchbot run`: one pass of discover -> fetch -> read (extract, split, classify) -> publish.

Each step is a function of its inputs and commits what it has finished, so a run
killed at any instant loses nothing: unfinished documents are read again, and a
toot whose request may have reached the server is looked up there before it is
re-sent. SIGTERM and SIGINT stop a run where it is, kill the reader and release
the lock; the run is recorded as interrupted. Discovery and reading stop at the
run's deadline (`run_deadline_seconds`); what is left waits for the next run.
"""

from __future__ import annotations

import errno
import logging
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Iterator, NoReturn, Sequence, TextIO

from watchbot import discover
from watchbot.analysis import Analysis, analyse_file
from watchbot.clock import Clock, utcnow
from watchbot.discover import registry
from watchbot.fetch import Download, FetchError, Fetcher, TimeUp
from watchbot.match.rules import Ruleset
from watchbot.models import Listing, Source
from watchbot.publish import feeds, outbox
from watchbot.read.child import ChildFailed, ChildTimedOut, run_in_child
from watchbot.read.extract import ExtractError
from watchbot.settings import Config, CrawlSettings, ExtractSettings
from watchbot.store import (Sessions, database_identity, documents, open_database, runs, sources as source_history,
                            sqlite_file, unavailable)
from watchbot.store.cache import DatabaseHttpCache
from watchbot.store.documents import Attempt
from watchbot.store.lock import run_lock
from watchbot.store.states import DocumentState

log = logging.getLogger("watchbot")
READ_MARGIN = 600  # seconds, beyond the OCR's own limit, for reading a document's text layer
PASSING_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.ENOMEM})
MIN_WAIT, MAX_WAIT = timedelta(minutes=30), timedelta(hours=24)


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


@dataclass
class Summary:
    sources_ok: int = 0
    sources_failed: int = 0
    documents_new: int = 0
    documents_done: int = 0
    documents_failed: int = 0
    documents_gone: int = 0
    documents_waiting: int = 0
    pages: int = 0
    pages_ocr: int = 0
    acts: int = 0
    matches: int = 0
    posts: outbox.PostCounts = field(default_factory=outbox.PostCounts)
    requests: dict[str, int] = field(default_factory=dict)  # index page requests by source
    interrupted: str | None = None  # the signal that stopped the run

    @property
    def exit_code(self) -> int:
        failed = (self.sources_failed or self.documents_failed or self.documents_gone or self.documents_waiting
                  or self.posts.failed or self.posts.errors)
        return 1 if failed or self.interrupted else 0

    def line(self) -> str:
        stopped = f"interrupted by {self.interrupted}; " if self.interrupted else ""
        gone = f", {self.documents_gone} gone" if self.documents_gone else ""
        return (f"{stopped}sources {self.sources_ok} ok, {self.sources_failed} failed; "
                f"documents {self.documents_new} new, {self.documents_done} processed, "
                f"{self.documents_failed} failed{gone}, {self.documents_waiting} waiting; pages {self.pages} "
                f"({self.pages_ocr} OCRed); acts {self.acts}; matches {self.matches}; {self.posts.line()}; "
                f"{self.requests_line()}")

    def requests_line(self) -> str:
        busiest = sorted(self.requests.items(), key=lambda item: -item[1])[:3]
        return (f"index requests {sum(self.requests.values())}"
                + (f" (most: {', '.join(f'{code} {count}' for code, count in busiest)})" if busiest else ""))

    def add_source(self, code: str, crawled: Crawled) -> None:
        self.requests[code] = crawled.requests
        if crawled.new is None:
            self.sources_failed += 1
        else:
            self.sources_ok += 1
            self.documents_new += crawled.new

    def add_reading(self, reading: Reading) -> None:
        if reading.state == DocumentState.FAILED:
            self.documents_failed += 1
        elif reading.state == DocumentState.GONE:
            self.documents_gone += 1
        elif reading.state == DocumentState.WAITING:
            self.documents_waiting += 1
        else:
            self.documents_done += 1
        self.pages += reading.pages
        self.pages_ocr += reading.pages_ocr
        self.acts += reading.acts
        self.matches += len(reading.hits)


@dataclass(frozen=True)
class Crawled:
    """What crawling one source gave: how many RAA were new (None: the crawl failed), in how many requests."""

    new: int | None
    requests: int


@dataclass(frozen=True)
class Reading:
    """What reading one document found; `hits` are the ids of its acts that match."""

    state: DocumentState
    pages: int = 0
    pages_ocr: int = 0
    acts: int = 0
    hits: tuple[int, ...] = ()


def run(config: Config, ruleset: Ruleset, *, sources: Sequence[Source], dry_run: bool = False,
        max_posts: int | None = None, out: TextIO | None = None, clock: Clock | None = None) -> Summary:
    """One full pass, under the state directory's lock (LockHeld if another run has it)."""
    clock = clock or Clock.system()
    with run_lock(config.state_dir, config.db_url):
        sessions = open_database(config.db_url)
        database = database_identity(config.db_url)
        run_id = runs.start(sessions, clock.now)
        summary = Summary()  # filled step by step: a stopped run records what it did
        try:
            with _stoppable():
                steps(sessions, config, ruleset, sources, clock, summary, dry_run=dry_run, max_posts=max_posts,
                      out=out or sys.stdout)
                feeds.write_after_run(sessions, config, ruleset)
        except Stopped as stop:
            summary.interrupted = str(stop)
            log.warning("run interrupted by %s: what it finished is kept, the rest waits for the next run", stop)
        runs.finish(sessions, run_id, summary.exit_code, summary.line())
        if database_identity(config.db_url) != database:
            raise OSError(errno.ENOENT, "the database file was deleted or replaced during the run, with what "
                                        "the run recorded", str(sqlite_file(config.db_url)))
        return summary


def steps(sessions: Sessions, config: Config, ruleset: Ruleset, sources: Sequence[Source], clock: Clock,
          summary: Summary, *, dry_run: bool, max_posts: int | None, out: TextIO) -> None:
    """Discover, read (until the run's deadline) and publish, adding up in `summary` what each step did."""
    deadline = RunDeadline.starting_now(config.run_deadline_seconds)
    hits: list[int] = []
    with (Fetcher(config.http, discover.allowed_hosts(sources), cache=DatabaseHttpCache(sessions)) as fetcher,
          fetcher.limited(deadline.seconds, "the run's deadline")):
        for source in sources:
            summary.add_source(source.code, discover_source(sessions, fetcher, source, config.crawl,
                                                            config.not_before, clock))
        ids = documents_to_read(sessions, [source.code for source in sources], config)
        for done, document_id in enumerate(ids):
            if deadline.left() <= 0:
                log.warning("the run's deadline of %g s has passed: %d documents left for the next run",
                            deadline.seconds, len(ids) - done)
                break
            reading = read_document(sessions, fetcher, document_id, config, ruleset, deadline)
            summary.add_reading(reading)
            hits += reading.hits
    publish(sessions, config, ruleset, hits, summary.posts, dry_run=dry_run, max_posts=max_posts, out=out)


@contextmanager
def _stoppable() -> Iterator[None]:
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


def passing(error: BaseException) -> bool:
    """Whether a failure says nothing against the document: a server, the network, the disk, the database."""
    if isinstance(error, (FetchError, ExtractError)):
        return error.retry_later
    if isinstance(error, OSError):
        return error.errno in PASSING_ERRNOS
    return unavailable(error)


def reason(error: Exception) -> str:
    """What to record of a failure: the message of an expected one, the type and message of a bug."""
    if isinstance(error, (discover.DiscoverError, FetchError, ExtractError, ChildFailed)):
        return str(error)
    log.exception("unexpected error")
    return f"internal error: {type(error).__name__}: {error}"


# discover -------------------------------------------------------------------

def requests_made(count: int) -> str:
    return f"{count} request{'s' if count != 1 else ''}"


def discover_source(sessions: Sessions, fetcher: Fetcher, source: Source, settings: CrawlSettings,
                    not_before: date | None, clock: Clock) -> Crawled:
    """Crawl one source and store the RAA it lists."""
    history = source_history.history(sessions, source, clock.now, discover.default_since(None, clock.today))
    progress = discover.Progress.from_json(history.progress)
    since = not_before or history.not_before
    before = fetcher.requests
    try:  # the window reaches back to not_before; pages earlier runs read are not read again
        listings = discover.crawl(source, fetcher, today=clock.today, settings=settings, since=since,
                                  progress=progress)
    except Exception as error:  # whatever goes wrong with one source, the others go on
        failure = reason(error)
        source_history.record_failure(sessions, source.code, failure)
        log.warning("source %s failed: %s (%s)", source.code, failure, requests_made(fetcher.requests - before))
        return Crawled(None, fetcher.requests - before)
    # undated RAA found on the day of a source's first run already existed
    state_of = partial(admission, not_before=since, first_run=history.first_run_day == clock.today)
    new = source_history.record_crawl(sessions, source.code, listings, state_of, progress.to_json())
    log.log(logging.INFO if new else logging.DEBUG, "source %s: %d RAA listed, %d new, %s", source.code,
            len(listings), new, requests_made(fetcher.requests - before))
    return Crawled(new, fetcher.requests - before)


def admission(listing: Listing, *, not_before: date | None, first_run: bool) -> DocumentState:
    """A newly listed RAA is read if published since not_before, or undated and found after the first run."""
    if listing.published is None:
        return DocumentState.SKIPPED if first_run else DocumentState.NEW
    if not_before is not None and listing.published < not_before:
        return DocumentState.SKIPPED
    return DocumentState.NEW


# fetch, extract, split, classify -----------------------------------------------

def documents_to_read(sessions: Sessions, codes: Sequence[str], config: Config) -> list[int]:
    if config.not_before:  # moved back: RAA skipped until now are read too
        documents.reopen_skipped(sessions, codes, config.not_before)
    return documents.to_read(sessions, codes, config.extract.max_attempts)


def read_document(sessions: Sessions, fetcher: Fetcher, document_id: int, config: Config, ruleset: Ruleset,
                  deadline: RunDeadline) -> Reading:
    """Download, read and classify one document and store what it holds, or why that failed."""
    attempt = documents.start_attempt(sessions, document_id)
    try:
        download, analysis = read(fetcher, attempt, config.state_dir, config.extract, ruleset, deadline)
        hits = documents.record_reading(sessions, document_id, download, analysis, config.accounts)
    except Exception as error:  # whatever goes wrong with one document, the others go on
        failure = reason(error)
        if isinstance(error, FetchError) and error.gone:  # retrying would only ask again for a missing file
            documents.record_failure(sessions, document_id, failure, DocumentState.GONE)
            log.warning("document %d is gone, it will not be fetched again: %s", document_id, failure)
            return Reading(DocumentState.GONE)
        if passing(error):
            return wait(sessions, attempt, failure, config.extract)
        documents.record_failure(sessions, document_id, failure, DocumentState.FAILED)
        log.warning("document %d failed (attempt %d): %s", document_id, attempt.attempts, failure)
        return Reading(DocumentState.FAILED)
    pages = sum(page.number is not None for page in analysis.pages)
    log.debug("document %d: saved %d pages, %d acts", document_id, pages, len(analysis.acts))
    return Reading(DocumentState.DONE, pages, len(analysis.ocr_pages), len(analysis.acts), tuple(hits))


def wait(sessions: Sessions, attempt: Attempt, why: str, settings: ExtractSettings) -> Reading:
    """A passing failure uses no attempt: the document is read again later, each wait longer (half its
    age, from 30 minutes to a day), until it is `retry_days` old."""
    now = utcnow()
    age = now - attempt.first_seen_at
    if age > timedelta(days=settings.retry_days):
        failure = f"given up after {settings.retry_days} days of passing failures: {why}"
        documents.record_failure(sessions, attempt.document_id, failure, DocumentState.FAILED,
                                 attempts=settings.max_attempts)
        log.warning("document %d: %s", attempt.document_id, failure)
        return Reading(DocumentState.FAILED)
    retry_at = now + min(MAX_WAIT, max(MIN_WAIT, age / 2))
    documents.record_wait(sessions, attempt.document_id, why, retry_at)
    log.warning("document %d waits until %s: %s", attempt.document_id, f"{retry_at:%Y-%m-%d %H:%M} UTC", why)
    return Reading(DocumentState.WAITING)


def read(fetcher: Fetcher, attempt: Attempt, state_dir: Path, settings: ExtractSettings, ruleset: Ruleset,
         deadline: RunDeadline) -> tuple[Download, Analysis]:
    """Download the PDF, then read, split and classify it in a child under the time and memory limits."""
    pdf = state_dir / "downloads" / f"{attempt.document_id}.pdf"
    workdir = state_dir / "work" / str(attempt.document_id)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        log.debug("document %d: downloading %s", attempt.document_id, attempt.url)
        download = fetcher.pdf(attempt.url, pdf)
        log.debug("document %d: downloaded %d bytes, extracting", attempt.document_id, download.size)
        limit = settings.ocr_document_timeout_seconds + READ_MARGIN
        try:
            analysis = run_in_child(analyse_file, pdf, ruleset, settings, workdir,
                                    timeout=min(limit, deadline.left()), memory_mb=settings.max_memory_mb)
        except ChildTimedOut:
            if deadline.left() > 0:
                raise
            raise TimeUp(attempt.url, f"reading stopped: the run's deadline of {deadline.seconds:g} s has passed",
                         retry_later=True) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        pdf.unlink(missing_ok=True)
    return download, analysis


# publish --------------------------------------------------------------------

def publish(sessions: Sessions, config: Config, ruleset: Ruleset, hits: Sequence[int], counts: outbox.PostCounts,
            *, dry_run: bool, max_posts: int | None, out: TextIO) -> outbox.PostCounts:
    """Post (or print) the queued toots; with no account, print the toots of this run's matching acts.
    `counts` is added up as toots go, so that a stopped run still says what it posted."""
    # queued toots may come from sources left out of this run (--source): name them all
    by_code = {source.code: source for source in (*registry.bundled(), *(config.sources or ()))}
    sender = outbox.Sender(sessions, ruleset, by_code, out, config.http.user_agent,
                           config.extract.poor_quality_below, counts)
    if config.accounts:
        return sender.send(config.accounts, dry_run=dry_run, max_posts=max_posts)
    return sender.print_acts(hits)
