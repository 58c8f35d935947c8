"""The numbers of the report, counted by `watchbot.store.stats.count` (SPEC §10), and the latest acts of each
category, gathered in one pass over the export rows (which the report also writes as files)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from watchbot.facts.gazetteer import gazetteer
from watchbot.match.rules import Ruleset
from watchbot.publish.toot import DEPARTMENTS
from watchbot.store import Sessions
from watchbot.store.stats import Count, count

LATEST = 50  # acts listed on a category's page, newest first
QUESTIONS = (("category",), ("category", "month"), ("category", "purpose"), ("category", "department"),
             ("category", "commune"), ("month",), ())


@dataclass(frozen=True)
class Row:
    """One line of a table: what it counts (a label, and a code where there is one) and its counts."""

    label: str
    acts: int
    days: int
    code: str = ""


@dataclass(frozen=True)
class Place:
    """A commune concerned, where the gazetteer places it (None: a code the gazetteer does not know)."""

    insee: str
    name: str
    department: str
    latitude: float | None
    longitude: float | None
    acts: int


@dataclass
class Tally:
    """One category's numbers."""

    name: str
    label: str
    description: str = ""
    acts: int = 0
    days: int = 0
    months: list[Row] = field(default_factory=list)
    purposes: list[Row] = field(default_factory=list)
    departments: list[Row] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    latest: deque = field(default_factory=lambda: deque(maxlen=LATEST))


@dataclass
class Figures:
    """All categories' numbers; `months` and the totals count each act once, whatever its categories."""

    categories: dict[str, Tally]
    months: list[Row]
    acts: int
    days: int


def gather(sessions: Sessions, ruleset: Ruleset, labels: Mapping[str, str]) -> Figures:
    """The counts of every category matched in the archive (and of every category of the rules, even empty)."""
    with sessions() as session:
        answers = {by: count(session, by) for by in QUESTIONS}
    categories = {name: Tally(name, rule.label, rule.description)
                  for name, rule in ruleset.categories.items()}
    for row in answers[("category",)]:
        name = row.values[0] or ""
        found = categories.setdefault(name, Tally(name, name))
        found.acts, found.days = row.acts, row.days
    for (name, value), row in _split(answers[("category", "month")]):
        categories[name].months.append(Row(value or "sans date", row.acts, row.days, value or ""))
    for (name, value), row in _split(answers[("category", "purpose")]):
        categories[name].purposes.append(Row(labels.get(value, value) if value else "non précisée", row.acts,
                                             row.days, value or ""))
    for (name, value), row in _split(answers[("category", "department")]):
        categories[name].departments.append(Row(department_label(value), row.acts, row.days, value or ""))
    for (name, value), row in _split(answers[("category", "commune")]):
        if value:
            categories[name].places.append(place(value, row.acts))
    for found in categories.values():
        _biggest_first(found)
    [total] = answers[()] or [Count((), 0, 0)]
    months = [Row(row.values[0] or "sans date", row.acts, row.days, row.values[0] or "") for row in answers[("month",)]]
    return Figures(dict(sorted(categories.items())), months, total.acts, total.days)


def keep_latest(figures: Figures, rows: Iterable[dict]) -> Iterable[dict]:
    """Pass the export rows (oldest first) through, keeping each category's latest ones."""
    for row in rows:
        for name in filter(None, row["categories"].split(";")):
            if name in figures.categories:
                figures.categories[name].latest.append(row)
        yield row


def department_label(code: str | None) -> str:
    if not code:
        return "non précisé"
    return f"{DEPARTMENTS[code]} ({code})" if code in DEPARTMENTS else code


def place(insee: str, acts: int) -> Place:
    commune = gazetteer().by_insee(insee)
    if commune is None:
        return Place(insee, insee, insee[:3] if insee.startswith("97") else insee[:2], None, None, acts)
    return Place(insee, commune.name, commune.department, commune.latitude, commune.longitude, acts)


def _split(rows: Sequence[Count]) -> Iterable[tuple[tuple[str, str | None], Count]]:
    """(category, value) of each row of a count by category and one other dimension."""
    for row in rows:
        if row.values[0]:
            yield (row.values[0], row.values[1]), row


def _biggest_first(category: Tally) -> None:
    for rows in (category.purposes, category.departments):
        rows.sort(key=lambda row: (-row.acts, row.label))
    category.places.sort(key=lambda found: (-found.acts, found.name))
