"""Counting the stored acts (SPEC §10): distinct acts and days covered, by the dimensions asked.

An act republished in several RAA has one key: it counts once, as published in its first RAA (the earliest
publication date; that RAA gives its month, week and source). Only acts matched in a category count. An act with
several values of a dimension (départements, communes, purposes, operators, categories) counts in each; an act
with none counts in a row whose value is None. The days covered by a row are the union of the periods of its
acts, those known at both ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from sqlalchemy import Date, Integer, String, bindparam, column, text
from sqlalchemy.orm import Session

DIMENSIONS = ("month", "week", "department", "commune", "purpose", "operator", "kind", "source", "category")

# The acts, each once: the copy in its first RAA.
FIRSTS = """SELECT acts.id, acts.kind, acts.period_start, acts.period_end, documents.published,
        documents.source_code,
        row_number() OVER (PARTITION BY acts.key
                           ORDER BY documents.published IS NULL, documents.published, acts.id) AS nth
    FROM acts JOIN documents ON documents.id = acts.document_id
    WHERE EXISTS (SELECT 1 FROM matches WHERE matches.act_id = acts.id)"""

# Each dimension: the column it is read from, and the join that brings it.
COLUMNS = {"month": "firsts.published", "week": "firsts.published", "kind": "firsts.kind",
           "source": "firsts.source_code", "department": "department.value", "purpose": "purpose.value",
           "operator": "operator.value", "commune": "commune.insee", "category": "category.category"}
JOINS = {
    "department": "LEFT JOIN act_facets AS department ON department.act_id = firsts.id "
                  "AND department.facet = 'department'",
    "purpose": "LEFT JOIN act_facets AS purpose ON purpose.act_id = firsts.id AND purpose.facet = 'purpose'",
    "operator": "LEFT JOIN act_facets AS operator ON operator.act_id = firsts.id AND operator.facet = 'operator'",
    "commune": "LEFT JOIN (SELECT DISTINCT act_id, insee FROM act_communes) AS commune "
               "ON commune.act_id = firsts.id",
    "category": "JOIN (SELECT DISTINCT act_id, category FROM matches) AS category ON category.act_id = firsts.id",
}


@dataclass(frozen=True)
class Count:
    """One row: the values of the dimensions asked, in their order, and its counts."""

    values: tuple[str | None, ...]
    acts: int
    days: int


def count(session: Session, by: Sequence[str] = (), categories: Sequence[str] = (), since: date | None = None,
          until: date | None = None) -> list[Count]:
    """The acts (matched in one of `categories` when given; their first RAA published between `since` and
    `until`), counted by the dimensions `by`: one row per combination of values found, in order of values."""
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {', '.join(unknown)}: one of {', '.join(DIMENSIONS)}")
    acts: dict[tuple, int] = {}
    periods: dict[tuple, list[tuple[date, date]]] = {}
    for *found, start, end, number in session.execute(*_statement(by, categories, since, until)):
        values = _values(by, found)
        acts[values] = acts.get(values, 0) + number
        if start is not None and end is not None:
            periods.setdefault(values, []).append((start, end))
    if not by:
        acts.setdefault((), 0)  # the total, even of nothing
    return [Count(values, acts[values], days_covered(periods.get(values, ()))) for values in
            sorted(acts, key=lambda values: [(value is None, value or "") for value in values])]


def days_covered(periods: Iterable[tuple[date, date]]) -> int:
    """How many days the union of these periods (first and last day included) holds; a period ending before it
    starts holds none."""
    total, reach = 0, None
    for start, end in sorted(periods):
        if end < start:
            continue
        if reach is None or start > reach:
            total += (end - start).days + 1
            reach = end
        elif end > reach:
            total += (end - reach).days
            reach = end
    return total


def _values(by: Sequence[str], found: Sequence) -> tuple[str | None, ...]:
    """The values of a result row, a dimension at a time (month and week from the publication date)."""
    read = dict(zip(_columns(by), found, strict=True))
    values: list[str | None] = []
    for name in by:
        value = read[COLUMNS[name]]
        if value is not None and name == "month":
            value = f"{value:%Y-%m}"
        elif value is not None and name == "week":
            year, week, _ = value.isocalendar()
            value = f"{year}-W{week:02d}"
        values.append(value)
    return tuple(values)


def _columns(by: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(COLUMNS[name] for name in by))


def _statement(by: Sequence[str], categories: Sequence[str], since: date | None, until: date | None):
    columns = _columns(by)
    conditions, parameters = ["firsts.nth = 1"], dict[str, object]()
    if categories:
        conditions.append("EXISTS (SELECT 1 FROM matches WHERE matches.act_id = firsts.id "
                          "AND matches.category IN :categories)")
        parameters["categories"] = list(categories)
    if since:
        conditions.append("firsts.published >= :since")
        parameters["since"] = since
    if until:
        conditions.append("firsts.published <= :until")
        parameters["until"] = until
    grouped = ", ".join([*columns, "firsts.period_start", "firsts.period_end"])
    statement = text(f"""WITH firsts AS ({FIRSTS})
        SELECT {grouped}, count(*) AS acts FROM firsts {" ".join(JOINS[name] for name in dict.fromkeys(by)
                                                                 if name in JOINS)}
        WHERE {" AND ".join(conditions)} GROUP BY {grouped}""")
    if categories:
        statement = statement.bindparams(bindparam("categories", expanding=True))
    types = [Date() if name == "firsts.published" else String() for name in columns]
    return statement.columns(*[column(f"c{index}", kind) for index, kind in enumerate(types)],
                             column("period_start", Date()), column("period_end", Date()),
                             column("acts", Integer())), parameters
