"""The numbers of the report, counted by `watchbot.store.stats.count` (SPEC §10); the communes of each category
and its latest acts, gathered in one pass over the export rows (which the report also writes as files): counting
acts by commune reads every act, and so does the export, once."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Iterable, Mapping, Sequence

from watchbot.core.departments import DEPARTMENTS
from watchbot.facts.gazetteer import gazetteer
from watchbot.match.rules import Ruleset
from watchbot.report.downloads import Sink
from watchbot.store import Sessions
from watchbot.store.export import CATEGORIES, FIELDS
from watchbot.store.stats import Count, count

LATEST = 50  # acts listed on a category's page, newest first
QUESTIONS = (("category",), ("category", "month"), ("category", "purpose"), ("category", "department"),
             ("month",), ())
INSEE = FIELDS.index("insee")


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
    latest: deque = field(default_factory=lambda: deque(maxlen=LATEST))  # export rows


@dataclass
class Figures:
    """All categories' numbers; `months` and the totals count each act once, whatever its categories."""

    categories: dict[str, Tally]
    months: list[Row]
    acts: int
    days: int


def gather(sessions: Sessions, ruleset: Ruleset, labels: Mapping[str, str]) -> Figures:
    """The counts of every category matched in the archive (and of every category of the rules, even empty);
    its communes and latest acts come from the export rows (tally)."""
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
    for found in categories.values():
        for rows in (found.purposes, found.departments):
            rows.sort(key=lambda row: (-row.acts, row.label))
    [total] = answers[()] or [Count((), 0, 0)]
    months = [Row(row.values[0] or "sans date", row.acts, row.days, row.values[0] or "") for row in answers[("month",)]]
    return Figures(dict(sorted(categories.items())), months, total.acts, total.days)


def tally(figures: Figures) -> Sink:
    """Sent the export rows (oldest first), a batch at a time: at the end, each category has its latest acts
    and its places (its acts counted by commune, an act in each of its distinct communes, as `stats --by
    commune` counts them), the most concerned first. Per row, only what a row's pair of lists (categories and
    INSEE codes) holds is counted, and its latest rows kept: lists are split once per distinct pair."""
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    latest: dict[str, deque] = defaultdict(lambda: deque(maxlen=LATEST))  # (rank, row) by categories
    rank = 0
    try:
        while True:
            for row in (yield):
                rank += 1
                pairs[row[CATEGORIES], row[INSEE]] += 1
                latest[row[CATEGORIES]].append((rank, row))
    except GeneratorExit:
        _places(figures, pairs)
        _latest(figures, latest)


def _places(figures: Figures, pairs: dict[tuple[str, str], int]) -> None:
    communes: Counter[tuple[str, str]] = Counter()
    for (names, codes), acts in pairs.items():
        for code in set(codes.split(";")) - {""}:
            for name in names.split(";"):
                communes[name, code] += acts
    for (name, code), acts in sorted(communes.items()):  # ties in INSEE order, as stats gives them
        if name in figures.categories:
            figures.categories[name].places.append(place(code, acts))
    for found in figures.categories.values():
        found.places.sort(key=lambda found: (-found.acts, found.name))


def _latest(figures: Figures, latest: dict[str, deque]) -> None:
    candidates: dict[str, list[tuple[int, tuple]]] = defaultdict(list)
    for names, kept in latest.items():
        for name in names.split(";"):
            candidates[name].extend(kept)
    for name, ranked in candidates.items():
        if name in figures.categories:
            figures.categories[name].latest.extend(row for _, row in sorted(ranked, key=itemgetter(0)))


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
