"""The summary `watchbot stats` reads instead of the acts (migration 0011): for each month of the first copies'
RAA ('' undated), each category ('' all) and each value of one dimension (facet '' none, value '' none), how
many acts and the union of their periods (stats_cells). A count by month and one dimension at most, in one
category at most, adds up its cells: a few thousand rows instead of a million acts.

Writes mark the months they change stale (stats_stale, by triggers, in the writer's transaction); a count
computes those months afresh from act_firsts, so that it always answers for the data it reads, and refresh()
stores their cells again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from sqlalchemy import Row, and_, delete, func, insert, or_, select, text
from sqlalchemy.orm import Session

from watchbot.store import Sessions, unavailable
from watchbot.store.models import ActFacetRow, ActFirstRow, MatchRow, StatsCellRow, StatsStaleRow

FACETS = ("department", "purpose", "operator")  # in act_facets
DIMENSIONS = (*FACETS, "kind", "source", "category")  # each with month, or alone
NONE = ""
Key = tuple[str, str, str, str]  # month, category, facet, value
INSERTED = 1000  # cells a statement


@dataclass
class Cell:
    acts: int = 0
    periods: list[tuple[int, int]] = field(default_factory=list)  # first and last day, as ordinals


def answers(by: Sequence[str], categories: Sequence[str], since: date | None, until: date | None) -> bool:
    """Whether the summary answers this question: by month, category and one other dimension at most, in one
    category at most (none when counting by category), over every date."""
    others = [name for name in by if name not in ("month", "category")]
    return (since is None and until is None and len(categories) <= 1 and len(others) <= 1
            and all(name in DIMENSIONS for name in others) and not (categories and "category" in by))


def count(session: Session, by: Sequence[str], categories: Sequence[str]) -> list[tuple[tuple, int, int]]:
    """(values, acts, days) per combination of values of `by`, as watchbot.store.stats.count gives them."""
    facet = next((name for name in by if name not in ("month", "category")), "category" if "category" in by else NONE)
    split = "category" in by and facet != "category"  # each category's cells, by another dimension
    category = categories[0] if categories else NONE
    stale = set(session.scalars(select(StatsStaleRow.month)))
    found = select(StatsCellRow.month, StatsCellRow.category, StatsCellRow.value, StatsCellRow.acts,
                   StatsCellRow.periods).where(StatsCellRow.facet == facet)
    found = found.where(StatsCellRow.category != NONE if split else StatsCellRow.category == category)
    cells = {(row.month, row.category, row.value): Cell(row.acts, _periods(row.periods))
             for row in session.execute(found) if row.month not in stale}
    cells |= {(month, counted, value): cell
              for (month, counted, _, value), cell in _cells(session, stale, None if split else category, facet).items()
              if counted != NONE or not split}
    rows: dict[tuple, Cell] = defaultdict(Cell)
    for (month, counted, value), cell in cells.items():
        named = {"month": month, "category": counted if split else value}
        row = rows[tuple(named.get(name, value) or None for name in by)]
        row.acts += cell.acts
        row.periods += cell.periods
    return [(values, row.acts, sum(last - first + 1 for first, last in _union(row.periods)))
            for values, row in rows.items()]


def stale(sessions: Sessions) -> int:
    """How many months have stale cells."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(StatsStaleRow)) or 0


def refresh(sessions: Sessions) -> int:
    """Store the cells of the stale months again; returns how many months."""
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":  # writers wait: none marks a month while it is read
            session.execute(text("LOCK TABLE stats_stale IN SHARE ROW EXCLUSIVE MODE"))
        # first a write, so that SQLite takes its write lock before reading what is stale
        session.execute(delete(StatsCellRow).where(StatsCellRow.month.in_(select(StatsStaleRow.month))),
                        execution_options={"synchronize_session": False})
        months = set(session.scalars(select(StatsStaleRow.month)))
        for month in months:  # a month at a time: the memory of one month's acts, not of the archive's
            rows = [{"month": month, "category": category, "facet": facet, "value": value, "acts": cell.acts,
                     "periods": ",".join(f"{first}:{last}" for first, last in cell.periods)}
                    for (month, category, facet, value), cell in _cells(session, {month}).items()]
            for start in range(0, len(rows), INSERTED):
                session.execute(insert(StatsCellRow), rows[start:start + INSERTED])
        session.execute(delete(StatsStaleRow), execution_options={"synchronize_session": False})
        session.commit()
        return len(months)


def refresh_unless_busy(sessions: Sessions) -> int:
    """refresh(), or nothing when the database is busy with a writer: the counts are exact without it, only
    slower (they read the stale months afresh)."""
    try:
        return refresh(sessions)
    except Exception as error:
        if unavailable(error):
            return 0
        raise


def _cells(session: Session, months: set[str], category: str | None = None,
           facet: str | None = None) -> dict[Key, Cell]:
    """The cells of these months, computed from act_firsts (only those of `category` and `facet` when given),
    their periods joined."""
    if not months:
        return {}
    within = or_(*(ActFirstRow.published.is_(None) if month == NONE else and_(
        ActFirstRow.published >= _first_day(month), ActFirstRow.published < _first_day(month, 1)) for month in months))
    values: dict[tuple[int, str], list[str]] = defaultdict(list)
    if facet in (None, *FACETS):
        found = select(ActFacetRow.act_id, ActFacetRow.facet, ActFacetRow.value).join(
            ActFirstRow, ActFirstRow.act_id == ActFacetRow.act_id).where(within)
        for act_id, name, value in session.execute(found if facet is None else found.where(ActFacetRow.facet == facet)):
            values[act_id, name].append(value)
    if category != NONE or facet in (None, "category"):
        for act_id, name in session.execute(select(MatchRow.act_id, MatchRow.category).distinct().join(
                ActFirstRow, ActFirstRow.act_id == MatchRow.act_id).where(within)):
            values[act_id, "category"].append(name)
    counted: dict[Key, int] = defaultdict(int)
    periods: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    months_of: dict[date | None, str] = {}
    for act in session.execute(select(ActFirstRow.act_id, ActFirstRow.published, ActFirstRow.kind,
                                      ActFirstRow.source_code, ActFirstRow.period_start, ActFirstRow.period_end)
                               .where(within)):
        month = months_of.get(act.published) or months_of.setdefault(
            act.published, act.published.strftime("%Y-%m") if act.published else NONE)
        period = ((act.period_start.toordinal(), act.period_end.toordinal())
                  if act.period_start and act.period_end and act.period_end >= act.period_start else None)
        for key in _keys(act, month, values, category, facet):
            counted[key] += 1
            if period:
                periods[key].append(period)
    return {key: Cell(acts, _union(periods[key])) for key, acts in counted.items()}


def _keys(act: Row, month: str, values: dict[tuple[int, str], list[str]], category: str | None,
          facet: str | None) -> list[Key]:
    """The cells an act counts in."""
    categories = values.get((act.act_id, "category"), [])
    dimensions = {NONE: [NONE], "kind": [act.kind or NONE], "source": [act.source_code], "category": categories,
                  **{name: values.get((act.act_id, name)) or [NONE] for name in FACETS}}
    if facet is not None:
        dimensions = {facet: dimensions[facet]}
    keys = []
    for counted in [NONE, *categories] if category is None else [category]:
        if counted == NONE or counted in categories:
            keys += [(month, counted, name, value) for name, found in dimensions.items()
                     if not (counted and name == "category") for value in found]
    return keys


def _first_day(month: str, later: int = 0) -> date:
    year, number = int(month[:4]), int(month[5:]) + later
    return date(year + (number - 1) // 12, (number - 1) % 12 + 1, 1)


def _periods(stored: str) -> list[tuple[int, int]]:
    return [(int(first), int(last)) for first, last in (period.split(":") for period in stored.split(",") if period)]


def _union(periods: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The periods joined where they overlap or touch."""
    joined: list[tuple[int, int]] = []
    for first, last in sorted(periods):
        if joined and first <= joined[-1][1] + 1:
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return joined
