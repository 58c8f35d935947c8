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

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from watchbot.store import summary

DIMENSIONS = ("month", "week", "department", "commune", "purpose", "operator", "kind", "source", "category")

# The acts, each once: the copy in its first RAA (published first; among copies published the same day or
# undated, the first stored), as the triggers of migration 0011 keep it in act_firsts.
FIRSTS = """SELECT act_id AS id, kind, period_start, period_end, published, source_code FROM act_firsts"""

# Each dimension: the SQL value it is read as, on each database (ISO weeks: SQLite's strftime has no %V
# before 3.46, so the week is that of its Thursday), and the join that brings it.
THURSDAY = "date(firsts.published, '-3 days', 'weekday 4')"
COLUMNS = {
    "sqlite": {"month": "strftime('%Y-%m', firsts.published)",
               "week": f"strftime('%Y', {THURSDAY}) || '-W' || "
                       f"printf('%02d', (CAST(strftime('%j', {THURSDAY}) AS INTEGER) - 1) / 7 + 1)"},
    "postgresql": {"month": "to_char(firsts.published, 'YYYY-MM')", "week": "to_char(firsts.published, 'IYYY-\"W\"IW')"},
}
VALUES = {"kind": "firsts.kind", "source": "firsts.source_code", "department": "department.value",
          "purpose": "purpose.value", "operator": "operator.value", "commune": "commune.insee",
          "category": "category.category"}
DAYS_BETWEEN = {"sqlite": "CAST(julianday({0}) - julianday({1}) AS INTEGER)", "postgresql": "({0} - {1})"}
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
    if summary.answers(by, categories, since, until):
        found = [Count(*row) for row in summary.count(session, by, categories)]
    else:
        found = count_acts(session, by, categories, since, until)
    return sorted(found, key=lambda row: [(value is None, value or "") for value in row.values])


def count_acts(session: Session, by: Sequence[str], categories: Sequence[str], since: date | None,
               until: date | None) -> list[Count]:
    """The same counts read from every first copy, for the questions the summary does not answer."""
    dialect = session.get_bind().dialect.name
    return [Count(tuple(values), acts, days)
            for *values, acts, days in session.execute(*_statement(dialect, by, categories, since, until))]


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


def _statement(dialect: str, by: Sequence[str], categories: Sequence[str], since: date | None,
               until: date | None):
    """The counts in one statement. Days covered: the periods of a row in order, each adds the days it holds
    past the furthest end of those before it (the running maximum, a window)."""
    values = [f"{(COLUMNS[dialect] | VALUES)[name]} AS v{index}" for index, name in enumerate(by)]
    names = ", ".join(f"v{index}" for index in range(len(by)))
    conditions, parameters = _conditions(categories, since, until)
    between = DAYS_BETWEEN[dialect].format
    statement = text(f"""WITH firsts AS ({FIRSTS}),
        counted AS (SELECT {"".join(value + ", " for value in values)}firsts.period_start AS s, firsts.period_end AS e
            FROM firsts {" ".join(JOINS[name] for name in by if name in JOINS)} WHERE {" AND ".join(conditions)}),
        reaching AS (SELECT counted.*, max(CASE WHEN e >= s THEN e END) OVER (
            {f"PARTITION BY {names}" if by else ""} ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            AS reach FROM counted)
        SELECT {names + ", " if by else ""}count(*) AS acts, coalesce(sum(CASE
            WHEN s IS NULL OR e IS NULL OR e < s THEN 0
            WHEN reach IS NULL OR s > reach THEN {between("e", "s")} + 1
            WHEN e > reach THEN {between("e", "reach")} ELSE 0 END), 0) AS days
        FROM reaching {f"GROUP BY {names}" if by else ""}""")
    if categories:
        statement = statement.bindparams(bindparam("categories", expanding=True))
    return statement, parameters


def _conditions(categories: Sequence[str], since: date | None, until: date | None) -> tuple[list[str], dict]:
    conditions, parameters = ["1 = 1"], dict[str, object]()
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
    return conditions, parameters
