"""`watchbot run`: one pass of discover -> fetch -> read (extract, split, classify) -> publish.

Each step is a function of its inputs and commits what it has finished, so a run
killed at any instant loses nothing: unfinished documents are read again, and a
toot whose request may have reached the server is looked up there before it is
re-sent.
"""

from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Sequence, TextIO

from watchbot import discover
from watchbot.analysis import Analysis, analyse
from watchbot.clock import Clock
from watchbot.discover import registry
from watchbot.fetch import Download, FetchError, Fetcher
from watchbot.match.rules import Ruleset
from watchbot.models import Listing, Source
from watchbot.publish import feeds, outbox
from watchbot.read.child import ChildFailed, run_in_child
from watchbot.read.extract import ExtractError, extract_pdf
from watchbot.settings import Config, CrawlSettings, ExtractSettings
from watchbot.store import Sessions, documents, open_database, runs, sources as source_history
from watchbot.store.cache import DatabaseHttpCache
from watchbot.store.documents import Attempt
from watchbot.store.lock import run_lock
from watchbot.store.states import DocumentState

log = logging.getLogger("watchbot")
READ_MARGIN = 600  # seconds, beyond the OCR's own limit, for reading a document's text layer


@dataclass
class Summary:
    sources_ok: int = 0
    sources_failed: int = 0
    documents_new: int = 0
    documents_done: int = 0
    documents_failed: int = 0
    documents_gone: int = 0
    pages: int = 0
    pages_ocr: int = 0
    acts: int = 0
    matches: int = 0
    posts: outbox.PostCounts = field(default_factory=outbox.PostCounts)
    requests: dict[str, int] = field(default_factory=dict)  # index page requests by source

    @property
    def exit_code(self) -> int:
        failed = (self.sources_failed or self.documents_failed or self.documents_gone or self.posts.failed
                  or self.posts.errors)
        return 1 if failed else 0

    def line(self) -> str:
        gone = f", {self.documents_gone} gone" if self.documents_gone else ""
        return (f"sources {self.sources_ok} ok, {self.sources_failed} failed; "
                f"documents {self.documents_new} new, {self.documents_done} processed, "
                f"{self.documents_failed} failed{gone}; pages {self.pages} ({self.pages_ocr} OCRed); "
                f"acts {self.acts}; matches {self.matches}; {self.posts.line()}; {self.requests_line()}")

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
        run_id = runs.start(sessions, clock.now)
        summary = Summary()
        hits: list[int] = []
        with Fetcher(config.http, discover.allowed_hosts(sources), cache=DatabaseHttpCache(sessions)) as fetcher:
            for source in sources:
                summary.add_source(source.code, discover_source(sessions, fetcher, source, config.crawl,
                                                                config.not_before, clock))
            for document_id in documents_to_read(sessions, [source.code for source in sources], config):
                reading = read_document(sessions, fetcher, document_id, config, ruleset)
                summary.add_reading(reading)
                hits += reading.hits
        summary.posts = publish(sessions, config, ruleset, hits, dry_run=dry_run, max_posts=max_posts,
                                out=out or sys.stdout)
        feeds.write_after_run(sessions, config, ruleset)
        runs.finish(sessions, run_id, summary.exit_code, summary.line())
        return summary


def reason(error: Exception) -> str:
    """What to record of a failure: the message of an expected one, the type and message of a bug."""
    if isinstance(error, (discover.DiscoverError, FetchError, ExtractError, ChildFailed)):
        return str(error)
    log.exception("unexpected error")
    return f"internal error: {type(error).__name__}: {error}"


# discover -------------------------------------------------------------------

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
        log.warning("source %s failed: %s (%d requests)", source.code, failure, fetcher.requests - before)
        return Crawled(None, fetcher.requests - before)
    # undated RAA found on the day of a source's first run already existed
    state_of = partial(admission, not_before=since, first_run=history.first_run_day == clock.today)
    new = source_history.record_crawl(sessions, source.code, listings, state_of, progress.to_json())
    log.log(logging.INFO if new else logging.DEBUG, "source %s: %d RAA listed, %d new, %d requests", source.code,
            len(listings), new, fetcher.requests - before)
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


def read_document(sessions: Sessions, fetcher: Fetcher, document_id: int, config: Config,
                  ruleset: Ruleset) -> Reading:
    """Download, read and classify one document and store what it holds, or why that failed."""
    attempt = documents.start_attempt(sessions, document_id)
    try:
        download, analysis = read(fetcher, attempt, config.state_dir, config.extract, ruleset)
        hits = documents.record_reading(sessions, document_id, download, analysis, config.accounts)
    except Exception as error:  # whatever goes wrong with one document, the others go on
        failure = reason(error)
        if isinstance(error, FetchError) and error.gone:  # retrying would only ask again for a missing file
            documents.record_failure(sessions, document_id, failure, DocumentState.GONE)
            log.warning("document %d is gone, it will not be fetched again: %s", document_id, failure)
            return Reading(DocumentState.GONE)
        documents.record_failure(sessions, document_id, failure, DocumentState.FAILED)
        log.warning("document %d failed (attempt %d): %s", document_id, attempt.attempts, failure)
        return Reading(DocumentState.FAILED)
    pages = sum(page.number is not None for page in analysis.pages)
    log.debug("document %d: saved %d pages, %d acts", document_id, pages, len(analysis.acts))
    return Reading(DocumentState.DONE, pages, len(analysis.ocr_pages), len(analysis.acts), tuple(hits))


def read(fetcher: Fetcher, attempt: Attempt, state_dir: Path, settings: ExtractSettings,
         ruleset: Ruleset) -> tuple[Download, Analysis]:
    pdf = state_dir / "downloads" / f"{attempt.document_id}.pdf"
    workdir = state_dir / "work" / str(attempt.document_id)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        log.debug("document %d: downloading %s", attempt.document_id, attempt.url)
        download = fetcher.pdf(attempt.url, pdf)
        log.debug("document %d: downloaded %d bytes, extracting", attempt.document_id, download.size)
        extraction = run_in_child(extract_pdf, pdf, settings, workdir,
                                  timeout=settings.ocr_document_timeout_seconds + READ_MARGIN)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        pdf.unlink(missing_ok=True)
    return download, analyse(extraction, ruleset)


# publish --------------------------------------------------------------------

def publish(sessions: Sessions, config: Config, ruleset: Ruleset, hits: Sequence[int], *, dry_run: bool,
            max_posts: int | None, out: TextIO) -> outbox.PostCounts:
    """Post (or print) the queued toots; with no account, print the toots of this run's matching acts."""
    # queued toots may come from sources left out of this run (--source): name them all
    by_code = {source.code: source for source in (*registry.bundled(), *(config.sources or ()))}
    sender = outbox.Sender(sessions, ruleset, by_code, out, config.http.user_agent)
    if config.accounts:
        return sender.send(config.accounts, dry_run=dry_run, max_posts=max_posts)
    return sender.print_acts(hits)
