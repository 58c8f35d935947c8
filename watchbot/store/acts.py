"""The acts already read: to show them, and to classify them again from their stored pages."""

from __future__ import annotations

from datetime import date
from typing import Iterator, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from watchbot.core.settings import Account
from watchbot.run.analysis import ClassifiedAct
from watchbot.store import Sessions, posts
from watchbot.store.models import ActRow, DocumentRow
from watchbot.store.records import StoredAct, match_row, page_of, stored_act, write_facts
from watchbot.store.states import DocumentState

WITH_FACTS = (selectinload(ActRow.communes), selectinload(ActRow.facets))


def get(sessions: Sessions, act_id: int) -> StoredAct:
    with sessions() as session:
        return stored_act(session.get_one(ActRow, act_id))


def matched(sessions: Sessions) -> list[StoredAct]:
    """Every act that matches a category, oldest first."""
    with sessions() as session:
        rows = session.scalars(select(ActRow).where(ActRow.matches.any()).order_by(ActRow.id).options(
            selectinload(ActRow.matches), selectinload(ActRow.document), *WITH_FACTS))
        return [stored_act(row) for row in rows]


def by_document(sessions: Sessions, since: date | None = None) -> Iterator[list[StoredAct]]:
    """The acts of each document read (published since `since`), with their pages, a document at a time."""
    with sessions() as session:
        query = select(DocumentRow).where(DocumentRow.status == DocumentState.DONE).order_by(DocumentRow.id)
        if since is not None:
            query = query.where(DocumentRow.published >= since)
        for document in session.scalars(query):
            pages = [page_of(page) for page in document.pages]
            rows = session.scalars(select(ActRow).where(ActRow.document_id == document.id).order_by(ActRow.id)
                                   .options(selectinload(ActRow.matches), *WITH_FACTS)).all()
            yield [stored_act(row, pages) for row in rows]
            for row in (document, *rows):  # its pages and acts are not needed any more
                session.expunge(row)


def replace_readings(sessions: Sessions, readings: Mapping[int, ClassifiedAct], queue: Sequence[int],
                     accounts: Sequence[Account]) -> None:
    """New matches and facts for these acts, and their toots queued for the acts in `queue`, in one
    transaction. Toots already queued or posted stay as they are."""
    with sessions() as session:
        for act_id, reading in readings.items():
            row = session.get_one(ActRow, act_id)
            row.communes, row.facets = [], []
            session.flush()  # the old facts deleted before the new ones, which may have the same keys
            row.matches = [match_row(match) for match in reading.matches]
            write_facts(row, reading.facts, reading.department)
            if act_id in queue:
                session.flush()
                posts.enqueue(session, row, reading.categories, accounts, department=reading.department)
        session.commit()
