"""The documents (RAA) of the sources: which to read, each attempt, and what reading found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Sequence

from sqlalchemy import func, or_, select, update

from watchbot.core.clock import utcnow
from watchbot.core.settings import Account
from watchbot.fetch import Download
from watchbot.run.analysis import Analysis
from watchbot.store import Sessions, posts
from watchbot.store.models import DocumentRow, PageRow
from watchbot.store.records import act_row, page_rows
from watchbot.store.states import TO_READ, DocumentState


@dataclass(frozen=True)
class Attempt:
    document_id: int
    url: str
    attempts: int  # this one included
    first_seen_at: datetime
    source_code: str = ""
    published: date | None = None


def reopen_skipped(sessions: Sessions, codes: Sequence[str], since: date) -> None:
    """Documents skipped as too old that `since` now covers are to be read."""
    with sessions() as session:
        session.execute(update(DocumentRow)
                        .where(DocumentRow.status == DocumentState.SKIPPED, DocumentRow.source_code.in_(codes),
                               DocumentRow.published >= since)
                        .values(status=DocumentState.NEW))
        session.commit()


def to_read(sessions: Sessions, codes: Sequence[str], max_attempts: int) -> list[int]:
    """The documents of these sources still to read (a waiting one once its time has come), oldest
    publication first (undated last); a backfill's are its workers'."""
    with sessions() as session:
        return list(session.scalars(
            select(DocumentRow.id)
            .where(DocumentRow.source_code.in_(codes), DocumentRow.status.in_(TO_READ),
                   DocumentRow.attempts < max_attempts, DocumentRow.backfill.is_(False),
                   or_(DocumentRow.retry_at.is_(None), DocumentRow.retry_at <= utcnow()))
            .order_by(DocumentRow.published.is_(None), DocumentRow.published, DocumentRow.id)))


def claim_for_backfill(sessions: Sessions, code: str, since: date, before: date, max_attempts: int) -> list[int]:
    """Hand the source's documents published from `since` to the day before `before` (where the cron run's
    window starts) to a backfill, skipped ones included: the ids of those still to read, oldest first."""
    window = (DocumentRow.source_code == code, DocumentRow.published >= since, DocumentRow.published < before)
    with sessions() as session:
        session.execute(update(DocumentRow).where(*window, DocumentRow.status == DocumentState.SKIPPED)
                        .values(status=DocumentState.NEW))
        session.execute(update(DocumentRow).where(*window, DocumentRow.status.in_(TO_READ)).values(backfill=True))
        ids = list(session.scalars(select(DocumentRow.id)
                                   .where(*window, DocumentRow.status.in_(TO_READ), DocumentRow.attempts < max_attempts)
                                   .order_by(DocumentRow.published, DocumentRow.id)))
        session.commit()
        return ids


def reading_state(sessions: Sessions, document_id: int) -> tuple[DocumentState, int]:
    """A document's state and the attempts it has used."""
    with sessions() as session:
        row = session.get_one(DocumentRow, document_id)
        return row.status, row.attempts


def pages_read_since(sessions: Sessions, moment: datetime) -> int:
    """How many pages the documents read from `moment` on hold."""
    with sessions() as session:
        return session.scalar(select(func.coalesce(func.sum(DocumentRow.page_count), 0))
                              .where(DocumentRow.status == DocumentState.DONE, DocumentRow.processed_at >= moment)) or 0


def start_attempt(sessions: Sessions, document_id: int) -> Attempt:
    """Count an attempt before the work: a PDF that crashes or hangs the process still uses up its
    attempts, instead of blocking every later run."""
    with sessions() as session:
        row = session.get_one(DocumentRow, document_id)
        row.attempts += 1
        session.commit()
        return Attempt(row.id, row.url, row.attempts, row.first_seen_at, row.source_code, row.published)


def record_failure(sessions: Sessions, document_id: int, reason: str, state: DocumentState,
                   attempts: int | None = None) -> None:
    """A failed attempt: FAILED (retried on later runs while it has attempts left; `attempts` sets how
    many it has used) or GONE (never again)."""
    with sessions() as session:
        row = session.get_one(DocumentRow, document_id)
        row.status, row.last_error, row.retry_at = state, reason, None
        if attempts is not None:
            row.attempts = attempts
        session.commit()


def record_wait(sessions: Sessions, document_id: int, reason: str, retry_at: datetime) -> None:
    """A passing failure: the attempt is given back and the document is read again from `retry_at` on."""
    with sessions() as session:
        row = session.get_one(DocumentRow, document_id)
        row.attempts -= 1
        row.status, row.last_error, row.retry_at = DocumentState.WAITING, reason, retry_at
        session.commit()


def record_reading(sessions: Sessions, document_id: int, download: Download, analysis: Analysis,
                   accounts: Sequence[Account]) -> list[int]:
    """A document read: its pages, acts, matches and the toots of its matching acts, in one transaction.
    Returns the ids of the acts that match."""
    with sessions() as session:
        document = session.get_one(DocumentRow, document_id)
        document.pages = page_rows(analysis.pages)
        document.page_count = len(document.pages)
        document.ocr_pages = ",".join(map(str, analysis.ocr_pages))
        document.sha256 = download.sha256
        document.status, document.last_error, document.processed_at = DocumentState.DONE, None, utcnow()
        document.retry_at = None
        hits = []
        for item in analysis.acts:
            row = act_row(item)
            document.acts.append(row)
            if item.matches:
                session.flush()
                hits.append(row.id)
                posts.enqueue(session, row, item.categories, accounts, department=item.department)
        session.commit()
        return hits


def in_state(sessions: Sessions, state: DocumentState) -> list[DocumentRow]:
    with sessions() as session:
        return list(session.scalars(select(DocumentRow).where(DocumentRow.status == state).order_by(DocumentRow.id)))


def poorly_read(sessions: Sessions, below: float) -> list[tuple[str, list[tuple[int, float]]]]:
    """The documents with OCRed pages whose quality is under `below`: each URL with those pages."""
    with sessions() as session:
        rows = session.execute(select(DocumentRow.url, PageRow.number, PageRow.quality).join(PageRow.document)
                               .where(PageRow.quality < below).order_by(DocumentRow.id, PageRow.number))
        return [(url, [(number, quality) for _, number, quality in pages if quality is not None])
                for url, pages in groupby(rows, key=lambda row: row[0])]
