"""`watchbot run`: one pass of discover -> fetch -> extract/split/classify -> outbox -> post.

Every step commits what it has finished, so a run killed at any instant
loses nothing: unfinished documents are processed again, and a toot whose
request may have reached the server is looked up there before it is re-sent.
SIGTERM and SIGINT stop a run where it is, kill the reader and release the lock;
the run is recorded as interrupted. Discovery and reading stop at the run's
deadline (`run_deadline_seconds`); what is left waits for the next run.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Iterator, Sequence, TextIO

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from watchbot import discover
from watchbot.publish import feeds, outbox
from watchbot.discover import registry
from watchbot.analysis import Analysis, act_key, analyse_file, fingerprint
from watchbot.read.child import ChildFailed, ChildTimedOut, run_in_child
from watchbot.settings import Config
from watchbot.read.extract import ExtractError
from watchbot.fetch import FetchError, Fetcher, TimeUp
from watchbot.store.lock import run_lock
from watchbot.models import Listing, Source
from watchbot.match.rules import Ruleset
from watchbot.store import open_database
from watchbot.store.cache import DatabaseHttpCache
from watchbot.store.models import ActRow, DocumentRow, MatchRow, PageRow, RunRow, SourceRow, utcnow

log = logging.getLogger("watchbot")
READ_MARGIN = 600  # seconds, beyond the OCR's own limit, for reading a document's text layer
PASSING_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.ENOMEM})
MIN_WAIT, MAX_WAIT = timedelta(minutes=30), timedelta(hours=24)


class Stopped(BaseException):
    """SIGTERM or SIGINT: the run stops where it is (BaseException: no `except Exception` swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Summary:
    sources_ok: int = 0
    sources_failed: int = 0
    documents_new: int = 0
    documents_done: int = 0
    documents_failed: int = 0
    pages: int = 0
    pages_ocr: int = 0
    acts: int = 0
    matches: int = 0
    documents_waiting: int = 0
    posts: outbox.PostCounts = field(default_factory=outbox.PostCounts)
    requests: dict[str, int] = field(default_factory=dict)  # index page requests by source
    interrupted: str | None = None  # the signal that stopped the run

    @property
    def exit_code(self) -> int:
        failed = (self.sources_failed or self.documents_failed or self.documents_waiting or self.posts.failed
                  or self.posts.errors)
        return 1 if failed or self.interrupted else 0

    def line(self) -> str:
        stopped = f"interrupted by {self.interrupted}; " if self.interrupted else ""
        return (f"{stopped}sources {self.sources_ok} ok, {self.sources_failed} failed; "
                f"documents {self.documents_new} new, {self.documents_done} processed, "
                f"{self.documents_failed} failed, {self.documents_waiting} waiting; pages {self.pages} "
                f"({self.pages_ocr} OCRed); acts {self.acts}; matches {self.matches}; {self.posts.line()}; "
                f"{self.requests_line()}")

    def requests_line(self) -> str:
        busiest = sorted(self.requests.items(), key=lambda item: -item[1])[:3]
        return (f"index requests {sum(self.requests.values())}"
                + (f" (most: {', '.join(f'{code} {count}' for code, count in busiest)})" if busiest else ""))


def run(config: Config, ruleset: Ruleset, *, sources: Sequence[Source], dry_run: bool = False,
        max_posts: int | None = None, out: TextIO | None = None, today: date | None = None) -> Summary:
    """One full pass, under the state directory's lock (LockHeld if another run has it)."""
    with run_lock(config.state_dir, config.db_url):
        sessions = open_database(config.db_url)
        database = _identity(config.db_url)
        with sessions() as session:
            record = RunRow()
            session.add(record)
            session.commit()
            work = Pass(config, ruleset, sessions, today or date.today())
            try:
                with _stoppable():
                    summary = work.run(sources, dry_run, max_posts, out or sys.stdout)
                    feeds.write_after_run(sessions, config, ruleset)
            except Stopped as stop:
                summary = work.summary
                summary.interrupted = str(stop)
                log.warning("run interrupted by %s: what it finished is kept, the rest waits for the next run",
                            stop)
            record.finished_at = utcnow()
            record.exit_code = summary.exit_code
            record.summary = summary.line()
            session.merge(record)
            session.commit()
        if _identity(config.db_url) != database:
            raise OSError(errno.ENOENT, "the database file was deleted or replaced during the run, with what "
                                        "the run recorded", config.db_url.removeprefix("sqlite:///"))
        return summary


def _identity(url: str) -> tuple[int, int] | None:
    """Which file a SQLite database is (device, inode); None for a server database or a missing file."""
    if not url.startswith("sqlite:///"):
        return None
    try:
        status = os.stat(url.removeprefix("sqlite:///"))
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


@contextmanager
def _stoppable() -> Iterator[None]:
    """SIGTERM and SIGINT raise Stopped in the main thread: the reader's process group is killed on the
    way out (run_in_child) and the lock released (run_lock)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
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
        return getattr(error, "retry_later", False)
    if isinstance(error, OSError):
        return error.errno in PASSING_ERRNOS
    return isinstance(error, OperationalError)


def reason(error: Exception) -> str:
    """What to record of a failure: the message of an expected one, the type and message of a bug."""
    if isinstance(error, (discover.DiscoverError, FetchError, ExtractError, ChildFailed)):
        return str(error)
    log.exception("unexpected error")
    return f"internal error: {type(error).__name__}: {error}"


class Pass:
    """The state of one run: settings, database sessions, counters."""

    def __init__(self, config: Config, ruleset: Ruleset, sessions: sessionmaker[Session], today: date):
        self.config = config
        self.ruleset = ruleset
        self.sessions = sessions
        self.today = today
        self.summary = Summary()
        self.new_hits: list[int] = []  # act ids matched in this run, for the account-less dry-run
        self.ends = time.monotonic() + config.run_deadline_seconds

    def run(self, sources: Sequence[Source], dry_run: bool, max_posts: int | None, out: TextIO) -> Summary:
        fetcher = Fetcher(self.config.http, discover.allowed_hosts(sources), cache=DatabaseHttpCache(self.sessions))
        with fetcher.limited(self.config.run_deadline_seconds, "the run's deadline"):
            for source in sources:
                self.discover(source, fetcher)
            self.process_documents([source.code for source in sources], fetcher)
        accounts = self.config.accounts
        # queued toots may come from sources left out of this run (--source): name them all
        by_code = {source.code: source for source in (*registry.bundled(), *(self.config.sources or ()))}
        sender = outbox.Sender(self.sessions, self.ruleset, by_code, self.summary.posts, out,
                               self.config.http.user_agent, self.config.extract.poor_quality_below)
        if accounts:
            sender.send(accounts, dry_run=dry_run, max_posts=max_posts)
        else:
            sender.print_acts(self.new_hits)
        return self.summary

    # discover ---------------------------------------------------------------

    def discover(self, source: Source, fetcher: Fetcher) -> None:
        with self.sessions() as session:
            row = session.get(SourceRow, source.code) or self._new_source(session, source)
            session.commit()  # no transaction stays open over the network
            progress = discover.Progress.from_json(row.crawl_progress)
            before = fetcher.requests
            try:  # the window reaches back to not_before; pages earlier runs read are not read again
                listings = discover.crawl(source, fetcher, today=self.today, settings=self.config.crawl,
                                          since=self.config.not_before or row.not_before, progress=progress)
            except Exception as error:  # whatever goes wrong with one source, the others go on
                self.summary.requests[source.code] = fetcher.requests - before
                row.last_error = reason(error)
                session.commit()
                self.summary.sources_failed += 1
                log.warning("source %s failed: %s (%d requests)", source.code, row.last_error,
                            self.summary.requests[source.code])
                return
            self.summary.requests[source.code] = fetcher.requests - before
            new = self._record_listings(session, row, listings)
            row.crawl_progress = progress.to_json()
            row.last_found = len(listings)
            row.last_success_at = utcnow()
            row.last_error = None
            session.commit()
            self.summary.sources_ok += 1
            self.summary.documents_new += new
            log.log(logging.INFO if new else logging.DEBUG, "source %s: %d RAA listed, %d new, %d requests",
                    source.code, len(listings), new, self.summary.requests[source.code])

    def _new_source(self, session: Session, source: Source) -> SourceRow:
        # A first run records what exists without posting it: without a configured
        # not_before, only RAA published in the week before this first run are read.
        row = SourceRow(code=source.code, name=source.name,
                        not_before=discover.default_since(None, self.today), last_found=0)
        session.add(row)
        session.flush()
        return row

    def _record_listings(self, session: Session, source: SourceRow, listings: Iterable[Listing]) -> int:
        known = set(session.scalars(select(DocumentRow.url).where(DocumentRow.url.in_([l.url for l in listings]))))
        not_before = self.config.not_before or source.not_before
        first_run = source.first_run_at.date() == self.today  # undated RAA found then already existed
        new = 0
        for listing in listings:
            if listing.url in known:
                continue
            known.add(listing.url)
            recent = listing.published is not None and listing.published >= not_before
            undated_ok = listing.published is None and not first_run
            session.add(DocumentRow(source_code=source.code, url=listing.url, title=listing.title,
                                    published=listing.published,
                                    status="new" if recent or undated_ok else "skipped"))
            new += 1
        return new

    # fetch, extract, split, classify -----------------------------------------

    def process_documents(self, codes: Sequence[str], fetcher: Fetcher) -> None:
        limit = self.config.extract.max_attempts
        with self.sessions() as session:
            if self.config.not_before:  # moved back: RAA skipped until now are read too
                session.execute(update(DocumentRow)
                                .where(DocumentRow.status == "skipped", DocumentRow.source_code.in_(codes),
                                       DocumentRow.published >= self.config.not_before)
                                .values(status="new"))
                session.commit()
            ids = session.scalars(
                select(DocumentRow.id)
                .where(DocumentRow.source_code.in_(codes))
                .where(DocumentRow.status.in_(("new", "failed", "waiting")))
                .where(DocumentRow.attempts < limit)
                .where(or_(DocumentRow.retry_at.is_(None), DocumentRow.retry_at <= utcnow()))
                .order_by(DocumentRow.published.is_(None), DocumentRow.published, DocumentRow.id)
            ).all()
        for done, document_id in enumerate(ids):
            if self.left() <= 0:
                log.warning("the run's deadline of %g s has passed: %d documents left for the next run",
                            self.config.run_deadline_seconds, len(ids) - done)
                break
            self.process(document_id, fetcher)

    def left(self) -> float:
        return self.ends - time.monotonic()

    def process(self, document_id: int, fetcher: Fetcher) -> None:
        with self.sessions() as session:
            document = session.get(DocumentRow, document_id)
            # Counted before the work: a PDF that crashes or hangs the process still uses up
            # its attempts, instead of blocking every later run.
            document.attempts += 1
            session.commit()
            try:
                self._read(session, document, fetcher)
                session.commit()
            except Exception as error:  # whatever goes wrong with one document, the others go on
                session.rollback()
                if passing(error):
                    self._wait(document, reason(error))
                else:
                    document.status = "failed"
                    document.retry_at = None
                    document.last_error = reason(error)
                    self.summary.documents_failed += 1
                    log.warning("document %d failed (attempt %d): %s", document_id, document.attempts,
                                document.last_error)
                session.commit()

    def _wait(self, document: DocumentRow, why: str) -> None:
        """A passing failure uses no attempt: the document is read again later, each wait longer (half its
        age, from 30 minutes to a day), until it is `retry_days` old."""
        document.attempts -= 1
        now = utcnow()
        age = now - _aware(document.first_seen_at)
        if age > timedelta(days=self.config.extract.retry_days):
            document.status, document.retry_at = "failed", None
            document.attempts = self.config.extract.max_attempts
            document.last_error = f"given up after {self.config.extract.retry_days} days of passing failures: {why}"
            self.summary.documents_failed += 1
            log.warning("document %d: %s", document.id, document.last_error)
            return
        document.status, document.last_error = "waiting", why
        document.retry_at = now + min(MAX_WAIT, max(MIN_WAIT, age / 2))
        self.summary.documents_waiting += 1
        log.warning("document %d waits until %s: %s", document.id, f"{document.retry_at:%Y-%m-%d %H:%M} UTC", why)

    def _read(self, session: Session, document: DocumentRow, fetcher: Fetcher) -> None:
        pdf = self.config.state_dir / "downloads" / f"{document.id}.pdf"
        workdir = self.config.state_dir / "work" / str(document.id)
        pdf.parent.mkdir(parents=True, exist_ok=True)
        try:
            log.debug("document %d: downloading %s", document.id, document.url)
            download = fetcher.pdf(document.url, pdf)
            log.debug("document %d: downloaded %d bytes, extracting", document.id, download.size)
            limit = self.config.extract.ocr_document_timeout_seconds + READ_MARGIN
            try:
                analysis = run_in_child(analyse_file, pdf, self.ruleset, self.config.extract, workdir,
                                        timeout=min(limit, self.left()), memory_mb=self.config.extract.max_memory_mb)
            except ChildTimedOut:
                if self.left() > 0:
                    raise
                raise TimeUp(document.url, f"reading stopped: the run's deadline of "
                                           f"{self.config.run_deadline_seconds:g} s has passed", retry_later=True) from None
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            pdf.unlink(missing_ok=True)
        document.sha256, document.etag = download.sha256, download.etag
        document.last_modified = download.last_modified
        self._save(session, document, analysis)
        log.debug("document %d: saved %d pages, %d acts", document.id, document.page_count, len(analysis.acts))

    def _save(self, session: Session, document: DocumentRow, analysis: Analysis) -> None:
        document.pages = [PageRow(number=page.number, text=page.text, ocr=page.ocr, quality=page.quality)
                          for page in analysis.pages if page.number is not None]
        document.page_count = len(document.pages)
        document.ocr_pages = ",".join(map(str, analysis.ocr_pages))
        document.status = "done"
        document.last_error = None
        document.processed_at = utcnow()
        self.summary.documents_done += 1
        self.summary.pages += document.page_count
        self.summary.pages_ocr += len(analysis.ocr_pages)
        for item in analysis.acts:
            act = item.act
            row = ActRow(ref=act.ref, title=act.title, first_page=act.first_page, last_page=act.last_page,
                         key=act_key(act), fingerprint=fingerprint(act),
                         matches=[MatchRow.of(match) for match in item.matches])
            document.acts.append(row)
            self.summary.acts += 1
            if item.matches:
                session.flush()
                self.summary.matches += 1
                self.new_hits.append(row.id)
                outbox.enqueue(session, row, item.categories, self.config.accounts)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
