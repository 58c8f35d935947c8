"""What the store hands to the other layers, and the one mapping between rows and dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import object_session

from watchbot.core.models import Act, Commune, Facts, Match, Page
from watchbot.facts.gazetteer import department_code
from watchbot.run.analysis import ClassifiedAct, act_key, fingerprint
from watchbot.store.models import ActCommuneRow, ActFacetRow, ActRow, MatchRow, PageRow, PostRow
from watchbot.store.states import PostState


@dataclass(frozen=True)
class StoredAct:
    """An act as stored, with the RAA that published it; `act.pages` only when asked for."""

    id: int
    key: str  # the same act republished has the same key
    act: Act
    matches: tuple[Match, ...]
    source_code: str
    raa_title: str
    raa_url: str
    published: date | None
    found_at: datetime  # when its RAA was read (else first seen)
    qualities: tuple[tuple[int, float], ...] = ()  # (page number, OCR quality) of its RAA's OCRed pages
    facts: Facts | None = None  # None: no category, or not read yet (stored before migration 0010)

    @property
    def categories(self) -> list[str]:
        return sorted({match.category for match in self.matches})


@dataclass(frozen=True)
class QueuedPost:
    """A toot of the outbox: one act for one account."""

    id: int
    account: str
    state: PostState
    categories: tuple[str, ...]
    act_key: str
    idempotency_key: str
    attempts: int
    act: StoredAct


def match_row(match: Match) -> MatchRow:
    return MatchRow(category=match.category, rule=match.rule, page=match.page, excerpt=match.excerpt,
                    words=match.words, zone=match.zone)


def match_of(row: MatchRow) -> Match:
    return Match(row.category, row.rule, row.page, row.excerpt, row.words, row.zone)


def page_rows(pages: Sequence[Page]) -> list[PageRow]:
    return [PageRow(number=page.number, text=page.text, ocr=page.ocr, quality=page.quality) for page in pages
            if page.number is not None]


def page_of(row: PageRow) -> Page:
    return Page(row.number, row.text, row.ocr, row.quality)


def act_row(item: ClassifiedAct) -> ActRow:
    act = item.act
    row = ActRow(ref=act.ref, title=act.title, first_page=act.first_page, last_page=act.last_page,
                 key=act_key(act), fingerprint=fingerprint(act), matches=[match_row(m) for m in item.matches])
    write_facts(row, item.facts, item.department)
    return row


def write_facts(row: ActRow, facts: Facts | None, department: str | None) -> None:
    """Set an act's facts, or clear them (None); `department` is the one they were read for."""
    row.kind = facts.kind if facts else None
    row.period_start, row.period_end = (facts.start, facts.end) if facts else (None, None)
    row.times = json.dumps(list(facts.times), ensure_ascii=False) if facts else None
    row.scope = facts.scope if facts else None
    row.places = json.dumps(list(facts.places), ensure_ascii=False) if facts else None
    row.cameras = facts.cameras if facts else None
    row.communes = [ActCommuneRow(position=position, insee=commune.insee, name=commune.name,
                                  department=commune.department, latitude=commune.latitude,
                                  longitude=commune.longitude, current_insee=commune.current_insee,
                                  commune_kind=commune.kind)
                    for position, commune in enumerate(facts.communes if facts else ())]
    row.facets = [ActFacetRow(facet=facet, value=value, position=position)
                  for facet, values in _facets(facts, department).items() for position, value in enumerate(values)]


def _facets(facts: Facts | None, department: str | None) -> dict[str, list[str]]:
    if facts is None:
        return {}
    departments = list(dict.fromkeys(commune.department for commune in facts.communes))
    if not departments and department:
        departments = [department_code(department)]
    return {"purpose": list(dict.fromkeys(facts.purposes)), "operator": list(dict.fromkeys(facts.operators)),
            "department": departments}


def facts_of(row: ActRow) -> Facts | None:
    """The facts stored with an act (None when it has none)."""
    if row.kind is None:
        return None
    values: dict[str, list[str]] = {"purpose": [], "operator": []}
    for facet in row.facets:
        values.setdefault(facet.facet, []).append(facet.value)
    return Facts(row.kind, row.period_start, row.period_end, tuple(json.loads(row.times or "[]")),
                 tuple(Commune(commune.insee, commune.name, commune.department, commune.latitude, commune.longitude,
                               commune.current_insee, commune.commune_kind) for commune in row.communes),
                 row.scope or "", tuple(json.loads(row.places or "[]")), tuple(values["purpose"]),
                 tuple(values["operator"]), row.cameras)


def stored_act(row: ActRow, pages: Sequence[Page] = ()) -> StoredAct:
    """The act of a row; with the document's pages, those the act spans."""
    first = row.first_page or 1
    last = row.last_page or max((page.number or 0 for page in pages), default=0)
    spanned = tuple(page for page in pages if page.number is not None and first <= page.number <= last)
    document = row.document
    return StoredAct(row.id, row.key, Act(row.ref, row.title, row.first_page, row.last_page, spanned),
                     tuple(match_of(match) for match in row.matches), document.source_code, document.title,
                     document.url, document.published, document.processed_at or document.first_seen_at,
                     _qualities(row, pages), facts_of(row))


def _qualities(row: ActRow, pages: Sequence[Page]) -> tuple[tuple[int, float], ...]:
    """The OCR quality of each page of the act's document (from `pages` when given: no query)."""
    if pages:
        return tuple((page.number, page.quality) for page in pages
                     if page.number is not None and page.quality is not None)
    session = object_session(row)
    if session is None:
        return ()
    found = session.execute(select(PageRow.number, PageRow.quality).where(
        PageRow.document_id == row.document_id, PageRow.quality.is_not(None)).order_by(PageRow.number))
    return tuple((number, quality) for number, quality in found if quality is not None)


def queued_post(row: PostRow) -> QueuedPost:
    return QueuedPost(row.id, row.account, row.status, tuple(row.categories.split(",")), row.act_key,
                      row.idempotency_key, row.attempts, stored_act(row.act))
