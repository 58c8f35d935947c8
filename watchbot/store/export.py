"""The open data (SPEC §10): one row per act, a republished act once (as published in its first RAA).

Read with plain selects, a chunk of acts at a time (no ORM objects: a million acts are exported in a minute,
not in a quarter of an hour)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from watchbot.store.models import ActCommuneRow, ActFacetRow, ActRow, DocumentRow, MatchRow
from watchbot.store.stats import FIRSTS

FIELDS = ("id", "reference", "title", "categories", "kind", "start", "end", "communes", "insee", "departments",
          "purposes", "operators", "cameras", "source", "raa", "published", "link")
CHUNK = 1000  # acts loaded at a time
ACT = select(ActRow.id, ActRow.key, ActRow.ref, ActRow.title, ActRow.kind, ActRow.period_start, ActRow.period_end,
             ActRow.cameras, ActRow.first_page, DocumentRow.source_code, DocumentRow.title.label("raa"),
             DocumentRow.published, DocumentRow.url).join(DocumentRow, DocumentRow.id == ActRow.document_id)


def rows(session: Session) -> Iterator[dict]:
    """Each act matched in a category, in the order of its first RAA's publication; lists joined with `;`."""
    found = session.execute(text(f"SELECT id FROM ({FIRSTS}) AS firsts "
                                 "ORDER BY published IS NULL, published, id")).scalars().all()
    for first in range(0, len(found), CHUNK):
        yield from _chunk(session, found[first:first + CHUNK])


def _chunk(session: Session, ids: Sequence[int]) -> Iterator[dict]:
    acts = {act.id: act for act in session.execute(ACT.where(ActRow.id.in_(ids)))}
    categories: dict[int, set[str]] = defaultdict(set)
    for act_id, category in session.execute(select(MatchRow.act_id, MatchRow.category)
                                            .where(MatchRow.act_id.in_(ids))):
        categories[act_id].add(category)
    communes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for act_id, name, insee in session.execute(select(ActCommuneRow.act_id, ActCommuneRow.name, ActCommuneRow.insee)
                                               .where(ActCommuneRow.act_id.in_(ids))
                                               .order_by(ActCommuneRow.act_id, ActCommuneRow.position)):
        communes[act_id].append((name, insee))
    facets: dict[tuple[int, str], list[str]] = defaultdict(list)
    for act_id, facet, value in session.execute(select(ActFacetRow.act_id, ActFacetRow.facet, ActFacetRow.value)
                                                .where(ActFacetRow.act_id.in_(ids))
                                                .order_by(ActFacetRow.act_id, ActFacetRow.position)):
        facets[act_id, facet].append(value)
    for act_id in ids:
        act = acts[act_id]
        yield {"id": act.key, "reference": act.ref, "title": act.title,
               "categories": _joined(sorted(categories[act_id])), "kind": act.kind, "start": act.period_start, "end": act.period_end,
               "communes": _joined(name for name, _ in communes[act_id]),
               "insee": _joined(insee for _, insee in communes[act_id]),
               "departments": _joined(facets[act_id, "department"]), "purposes": _joined(facets[act_id, "purpose"]),
               "operators": _joined(facets[act_id, "operator"]), "cameras": act.cameras, "source": act.source_code,
               "raa": act.raa, "published": act.published, "link": f"{act.url}#page={act.first_page or 1}"}


def _joined(values: Sequence[str] | Iterator[str]) -> str:
    return ";".join(values)
