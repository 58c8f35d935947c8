"""`watchbot reclassify`: apply edited rules to the acts already read, from their stored pages.

No download, no OCR. Acts keep their rows (the outbox points at them), only
their matches are replaced; an act that now matches gets its toots queued,
and the outbox's keys make sure nothing already posted is posted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from sqlalchemy import select

from watchbot.publish import outbox
from watchbot.match.classify import classify
from watchbot.settings import Config
from watchbot.store.lock import run_lock
from watchbot.models import Act, Match, Page
from watchbot.match.rules import Ruleset
from watchbot.store import open_database
from watchbot.store.models import ActRow, DocumentRow, MatchRow

log = logging.getLogger("watchbot")


@dataclass
class Changes:
    acts: int = 0
    gained: int = 0  # acts that match a category they did not match before
    lost: int = 0

    def line(self) -> str:
        return f"{self.acts} acts reclassified: {self.gained} match more categories, {self.lost} fewer"


def reclassify(config: Config, ruleset: Ruleset, *, since: date | None = None, dry_run: bool = False) -> Changes:
    changes = Changes()
    with run_lock(config.state_dir, config.db_url):
        sessions = open_database(config.db_url)
        with sessions() as session:
            query = select(DocumentRow).where(DocumentRow.status == "done").order_by(DocumentRow.id)
            if since is not None:
                query = query.where(DocumentRow.published >= since)
            for document in session.scalars(query):
                pages = tuple(Page(page.number, page.text, page.ocr) for page in document.pages)
                for row in document.acts:
                    _reclassify(session, row, classify(_act(row, pages), ruleset), config, changes)
            if dry_run:
                session.rollback()
            else:
                session.commit()
    return changes


def _act(row: ActRow, pages: Sequence[Page]) -> Act:
    first = row.first_page or 1
    last = row.last_page or max((page.number for page in pages), default=0)
    return Act(row.ref, row.title, row.first_page, row.last_page,
               tuple(page for page in pages if first <= page.number <= last))


def _reclassify(session, row: ActRow, matches: list[Match], config: Config, changes: Changes) -> None:
    before = set(row.categories)
    after = {match.category for match in matches}
    changes.acts += 1
    if after - before:
        changes.gained += 1
        log.info("act %s «%s» now matches %s", row.ref or row.id, row.title[:80], ", ".join(sorted(after - before)))
    if before - after:
        changes.lost += 1
        log.info("act %s «%s» no longer matches %s", row.ref or row.id, row.title[:80],
                 ", ".join(sorted(before - after)))
    row.matches = [MatchRow.of(match) for match in matches]
    if after - before:
        session.flush()
        outbox.enqueue(session, row, sorted(after), config.accounts)
