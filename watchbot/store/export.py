"""The open data (SPEC §10): one row per act, a republished act once (as published in its first RAA)."""

from __future__ import annotations

from typing import Iterator, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from watchbot.store.models import ActRow
from watchbot.store.stats import FIRSTS

FIELDS = ("id", "reference", "title", "categories", "kind", "start", "end", "communes", "insee", "departments",
          "purposes", "operators", "cameras", "source", "raa", "published", "link")
CHUNK = 500  # acts loaded at a time


def rows(session: Session) -> Iterator[dict]:
    """Each act matched in a category, in the order of its first RAA's publication; lists joined with `;`."""
    found = session.execute(text(f"SELECT id FROM ({FIRSTS}) AS firsts "
                                 "ORDER BY published IS NULL, published, id")).scalars().all()
    for first in range(0, len(found), CHUNK):
        chunk = found[first:first + CHUNK]
        acts = {act.id: act for act in session.scalars(select(ActRow).where(ActRow.id.in_(chunk)).options(
            selectinload(ActRow.document), selectinload(ActRow.matches), selectinload(ActRow.communes),
            selectinload(ActRow.facets)))}
        for act_id in chunk:
            yield row(acts[act_id])
        session.expunge_all()


def row(act: ActRow) -> dict:
    document = act.document
    facets: dict[str, list[str]] = {}
    for facet in act.facets:
        facets.setdefault(facet.facet, []).append(facet.value)
    return {"id": act.key, "reference": act.ref, "title": act.title, "categories": _joined(act.categories),
            "kind": act.kind, "start": act.period_start, "end": act.period_end,
            "communes": _joined(commune.name for commune in act.communes),
            "insee": _joined(commune.insee for commune in act.communes),
            "departments": _joined(facets.get("department", ())), "purposes": _joined(facets.get("purpose", ())),
            "operators": _joined(facets.get("operator", ())), "cameras": act.cameras,
            "source": document.source_code, "raa": document.title, "published": document.published,
            "link": f"{document.url}#page={act.first_page or 1}"}


def _joined(values: Sequence[str] | Iterator[str]) -> str:
    return ";".join(values)
