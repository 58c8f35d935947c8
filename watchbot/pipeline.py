"""`watchbot run`: one pass of discover -> fetch -> extract/split/classify -> outbox -> post.

Every step commits what it has finished, so a run killed at any instant
loses nothing: unfinished documents are processed again, and a toot whose
request may have reached the server is looked up there before it is re-sent.
"""

from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Sequence, TextIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from watchbot import discover
from watchbot.publish import feeds, outbox
from watchbot.discover import registry
from watchbot.analysis import Analysis, act_key, analyse, fingerprint
from watchbot.read.child import ChildFailed, run_in_child
from watchbot.settings import Config
from watchbot.read.extract import ExtractError, extract_pdf
from watchbot.fetch import FetchError, Fetcher
from watchbot.store.lock import run_lock
from watchbot.models import Listing, Source
from watchbot.match.rules import Ruleset
from watchbot.store import open_database
from watchbot.store.cache import DatabaseHttpCache
from watchbot.store.models import ActRow, DocumentRow, MatchRow, PageRow, RunRow, SourceRow, utcnow

log = logging.getLogger("watchbot")
READ_MARGIN = 600  # seconds, beyond the OCR's own limit, for reading a document's text layer


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
    posts: outbox.PostCounts = field(default_factory=outbox.PostCounts)
    requests: dict[str, int] = field(default_factory=dict)  # index page requests by source

    @property
    def exit_code(self) -> int:
        failed = self.sources_failed or self.documents_failed or self.posts.failed or self.posts.errors
        return 1 if failed else 0

    def line(self) -> str:
        return (f"sources {self.sources_ok} ok, {self.sources_failed} failed; "
                f"documents {self.documents_new} new, {self.documents_done} processed, "
                f"{self.documents_failed} failed; pages {self.pages} ({self.pages_ocr} OCRed); "
                f"acts {self.acts}; matches {self.matches}; {self.posts.line()}; {self.requests_line()}")

    def requests_line(self) -> str:
        busiest = sorted(self.requests.items(), key=lambda item: -item[1])[:3]
        return (f"index requests {sum(self.requests.values())}"
                + (f" (most: {', '.join(f'{code} {count}' for code, count in busiest)})" if busiest else ""))


def run(config: Config, ruleset: Ruleset, *, sources: Sequence[Source], dry_run: bool = False,
        max_posts: int | None = None, out: TextIO | None = None, today: date | None = None) -> Summary:
    """One full pass, under the state directory's lock (LockHeld if another run has it)."""
    with run_lock(config.state_dir, config.db_url):
        sessions = open_database(config.db_url)
        with sessions() as session:
            record = RunRow()
            session.add(record)
            session.commit()
            summary = Pass(config, ruleset, sessions, today or date.today()).run(sources, dry_run, max_posts,
                                                                                out or sys.stdout)
            feeds.write_after_run(sessions, config, ruleset)
            record.finished_at = utcnow()
            record.exit_code = summary.exit_code
            record.summary = summary.line()
            session.merge(record)
            session.commit()
        return summary


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

    def run(self, sources: Sequence[Source], dry_run: bool, max_posts: int | None, out: TextIO) -> Summary:
        fetcher = Fetcher(self.config.http, discover.allowed_hosts(sources), cache=DatabaseHttpCache(self.sessions))
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
                .where(DocumentRow.status.in_(("new", "failed")))
                .where(DocumentRow.attempts < limit)
                .order_by(DocumentRow.published.is_(None), DocumentRow.published, DocumentRow.id)
            ).all()
        for document_id in ids:
            self.process(document_id, fetcher)

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
                document.status = "failed"
                document.last_error = reason(error)
                session.commit()
                self.summary.documents_failed += 1
                log.warning("document %d failed (attempt %d): %s", document_id, document.attempts,
                            document.last_error)

    def _read(self, session: Session, document: DocumentRow, fetcher: Fetcher) -> None:
        pdf = self.config.state_dir / "downloads" / f"{document.id}.pdf"
        workdir = self.config.state_dir / "work" / str(document.id)
        pdf.parent.mkdir(parents=True, exist_ok=True)
        try:
            log.debug("document %d: downloading %s", document.id, document.url)
            download = fetcher.pdf(document.url, pdf)
            log.debug("document %d: downloaded %d bytes, extracting", document.id, download.size)
            extraction = run_in_child(extract_pdf, pdf, self.config.extract, workdir,
                                      timeout=self.config.extract.ocr_document_timeout_seconds + READ_MARGIN)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            pdf.unlink(missing_ok=True)
        analysis = analyse(extraction, self.ruleset)
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
