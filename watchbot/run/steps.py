"""The steps of a run: crawl a source, read a document (download, text, split, classify), publish.

Each step is a function of its inputs and commits what it has finished: a failure costs only its source
or document, and a passing one (a server, the network, the disk) uses no attempt.
"""

from __future__ import annotations

import errno
import logging
import shutil
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Sequence, TextIO

from watchbot import discover
from watchbot.core.clock import Clock, utcnow
from watchbot.core.errors import WatchbotError
from watchbot.core.models import Listing, Source
from watchbot.core.settings import Config, CrawlSettings, ExtractSettings
from watchbot.discover import registry
from watchbot.discover.browser import BrowserMissing
from watchbot.fetch import Download, Fetcher, FetchError, TimeUp
from watchbot.match.rules import Ruleset
from watchbot.publish import outbox
from watchbot.read.child import ChildTimedOut, run_in_child
from watchbot.run.analysis import Analysis, analyse_file
from watchbot.run.stop import RunDeadline, Stopped
from watchbot.run.summary import Crawled, Outcome
from watchbot.store import Sessions, documents, unavailable
from watchbot.store import sources as source_history
from watchbot.store.documents import Attempt
from watchbot.store.states import DocumentState

log = logging.getLogger("watchbot")
READ_MARGIN = 600  # seconds, beyond the OCR's own limit, for reading a document's text layer
PASSING_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.ENOMEM})
MIN_WAIT, MAX_WAIT = timedelta(minutes=30), timedelta(hours=24)


def passing(error: BaseException) -> bool:
    """Whether a failure says nothing against the document: a server, the network, the disk, the database."""
    if isinstance(error, WatchbotError):
        return error.passing
    if isinstance(error, OSError):
        return error.errno in PASSING_ERRNOS
    return unavailable(error)


def reason(error: Exception) -> str:
    """What to record of a failure: the message of an expected one, the type and message of a bug."""
    if isinstance(error, WatchbotError):
        return str(error)
    log.exception("unexpected error")
    return f"internal error: {type(error).__name__}: {error}"


# discover -------------------------------------------------------------------

def requests_made(count: int) -> str:
    return f"{count} request{'s' if count != 1 else ''}"


def discover_source(sessions: Sessions, fetcher: Fetcher, source: Source, settings: CrawlSettings,
                    not_before: date | None, clock: Clock) -> Crawled:
    """Crawl one source and store the RAA it lists."""
    today = clock.today_in(source.timezone)  # the source's calendar: an overseas prefecture's day
    history = source_history.history(sessions, source, clock.now, discover.default_since(None, today))
    progress = discover.Progress.from_json(history.progress)
    since = not_before or history.not_before
    before = fetcher.requests
    try:  # the window reaches back to not_before; pages earlier runs read are not read again
        listings = discover.crawl(source, fetcher, today=today, settings=settings, since=since,
                                  progress=progress)
    except Exception as error:  # whatever goes wrong with one source, the others go on
        if isinstance(error.__cause__, BrowserMissing):  # an option the operator did not install: not a failure
            log.warning("source %s skipped: %s", source.code, error.__cause__.reason)
            return Crawled(None, fetcher.requests - before, skipped=True)
        failure = reason(error)
        source_history.record_failure(sessions, source.code, failure)
        log.warning("source %s failed: %s (%s)", source.code, failure, requests_made(fetcher.requests - before))
        return Crawled(None, fetcher.requests - before)
    # undated RAA found on the day of a source's first run already existed
    state_of = partial(admission, not_before=since, first_run=history.first_run_day == today)
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
                  deadline: RunDeadline) -> Outcome:
    """Download, read and classify one document and store what it holds, or why that failed."""
    attempt = documents.start_attempt(sessions, document_id)
    try:
        source = sources_by_code(config).get(attempt.source_code)
        download, analysis = read(fetcher, attempt, config.state_dir, config.extract, ruleset, deadline,
                                  source.department if source else None)
        hits = documents.record_reading(sessions, document_id, download, analysis, config.accounts)
    except Stopped as stop:  # a deploy, a restart, cron's timeout: nothing against the document
        documents.record_wait(sessions, document_id, f"reading interrupted by {stop}: read again on the next run",
                              utcnow())
        raise
    except Exception as error:  # whatever goes wrong with one document, the others go on
        failure = reason(error)
        if isinstance(error, FetchError) and error.gone:  # retrying would only ask again for a missing file
            documents.record_failure(sessions, document_id, failure, DocumentState.GONE)
            log.warning("document %d is gone, it will not be fetched again: %s", document_id, failure)
            return Outcome(DocumentState.GONE)
        if passing(error):
            return wait(sessions, attempt, failure, config.extract)
        documents.record_failure(sessions, document_id, failure, DocumentState.FAILED)
        log.warning("document %d failed (attempt %d): %s", document_id, attempt.attempts, failure)
        return Outcome(DocumentState.FAILED)
    pages = sum(page.number is not None for page in analysis.pages)
    log.debug("document %d: saved %d pages, %d acts", document_id, pages, len(analysis.acts))
    return Outcome(DocumentState.DONE, pages, len(analysis.ocr_pages), len(analysis.acts), tuple(hits))


def wait(sessions: Sessions, attempt: Attempt, why: str, settings: ExtractSettings) -> Outcome:
    """A passing failure uses no attempt: the document is read again later, each wait longer (half its
    age, from 30 minutes to a day), until it is `retry_days` old."""
    now = utcnow()
    age = now - attempt.first_seen_at
    if age > timedelta(days=settings.retry_days):
        failure = f"given up after {settings.retry_days} days of passing failures: {why}"
        documents.record_failure(sessions, attempt.document_id, failure, DocumentState.FAILED,
                                 attempts=settings.max_attempts)
        log.warning("document %d: %s", attempt.document_id, failure)
        return Outcome(DocumentState.FAILED)
    retry_at = now + min(MAX_WAIT, max(MIN_WAIT, age / 2))
    documents.record_wait(sessions, attempt.document_id, why, retry_at)
    log.warning("document %d waits until %s: %s", attempt.document_id, f"{retry_at:%Y-%m-%d %H:%M} UTC", why)
    return Outcome(DocumentState.WAITING)


def read(fetcher: Fetcher, attempt: Attempt, state_dir: Path, settings: ExtractSettings, ruleset: Ruleset,
         deadline: RunDeadline, department: str | None = None) -> tuple[Download, Analysis]:
    """Download the PDF, then read, split and classify it (and read the facts of its acts in a category) in a
    child under the time and memory limits."""
    pdf = state_dir / "downloads" / f"{attempt.document_id}.pdf"
    workdir = state_dir / "work" / str(attempt.document_id)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        log.debug("document %d: downloading %s", attempt.document_id, attempt.url)
        download = fetcher.pdf(attempt.url, pdf)
        log.debug("document %d: downloaded %d bytes, extracting", attempt.document_id, download.size)
        limit = settings.ocr_document_timeout_seconds + READ_MARGIN
        try:
            analysis = run_in_child(analyse_file, pdf, ruleset, settings, workdir, department, attempt.published,
                                    timeout=min(limit, deadline.left()), memory_mb=settings.max_memory_mb)
        except ChildTimedOut:
            if deadline.left() > 0:
                raise
            raise TimeUp(attempt.url,
                         f"reading stopped: the run's deadline of {deadline.seconds:g} s has passed") from None
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
    by_code = sources_by_code(config)
    sender = outbox.Sender(sessions, ruleset, by_code, out, config.http.user_agent,
                           config.extract.poor_quality_below, counts)
    if config.accounts:
        return sender.send(config.accounts, dry_run=dry_run, max_posts=max_posts)
    return sender.print_acts(hits)


def sources_by_code(config: Config) -> dict[str, Source]:
    """Every source a stored document or toot may come from: the bundled ones and the configured ones."""
    return {source.code: source for source in (*registry.bundled(), *(config.sources or ()))}
