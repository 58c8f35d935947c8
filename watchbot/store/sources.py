"""Each source's history: its first run, its not_before, its last crawl's outcome; and what it lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Sequence

from sqlalchemy import insert, select

from watchbot.core.clock import date_in, utcnow
from watchbot.core.models import Listing, Source
from watchbot.store import Sessions
from watchbot.store.models import DocumentRow, SourceRow
from watchbot.store.states import DocumentState


@dataclass(frozen=True)
class SourceHistory:
    code: str
    first_run_day: date  # the date of the source's first run in its time zone
    not_before: date | None
    last_found: int  # RAA listed by the last successful crawl
    progress: str | None  # what the crawl remembers from run to run (JSON of discover.Progress)


def history(sessions: Sessions, source: Source, now: datetime, not_before: date) -> SourceHistory:
    """The source's history, begun now with this not_before if this is its first run."""
    with sessions() as session:
        row = session.get(SourceRow, source.code)
        if row is None:
            row = SourceRow(code=source.code, name=source.name, first_run_at=now, not_before=not_before,
                            last_found=0)
            session.add(row)
            session.commit()
        return SourceHistory(row.code, date_in(row.first_run_at, source.timezone), row.not_before, row.last_found,
                             row.crawl_progress)


def record_failure(sessions: Sessions, code: str, reason: str) -> None:
    with sessions() as session:
        session.get_one(SourceRow, code).last_error = reason
        session.commit()


URLS_PER_QUERY = 500


def record_crawl(sessions: Sessions, code: str, listings: Sequence[Listing],
                 state_of: Callable[[Listing], DocumentState], progress: str) -> int:
    """A successful crawl: the listed documents not yet known, stored in the state `state_of` gives them,
    and what the crawl remembers for the next run. Returns how many were new."""
    with sessions() as session:
        urls = [listing.url for listing in listings]
        # a few hundred URLs a query: SQLite refuses a statement with more than 32,766 variables
        known = {url for start in range(0, len(urls), URLS_PER_QUERY) for url in session.scalars(
            select(DocumentRow.url).where(DocumentRow.url.in_(urls[start:start + URLS_PER_QUERY])))}
        rows = []
        for listing in listings:
            if listing.url not in known:
                known.add(listing.url)
                rows.append({"source_code": code, "url": listing.url, "title": listing.title,
                             "published": listing.published, "status": state_of(listing)})
        for start in range(0, len(rows), URLS_PER_QUERY):
            session.execute(insert(DocumentRow), rows[start:start + URLS_PER_QUERY])
        row = session.get_one(SourceRow, code)
        row.last_found, row.last_success_at, row.last_error = len(listings), utcnow(), None
        row.crawl_progress = progress
        session.commit()
        return len(rows)


def every(sessions: Sessions) -> list[SourceRow]:
    with sessions() as session:
        return list(session.scalars(select(SourceRow).order_by(SourceRow.code)))
