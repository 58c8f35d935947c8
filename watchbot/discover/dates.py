"""Dates and periods written the French way on prefecture pages, links and file names.

`find_date` reads one publication day ("13/08/2026", "du 1er avril 2026", "2026-08-20-N206",
"RAA-N-306-du-20-aout-2026", "du 28, 29 et 30 octobre 2025"). `find_period` reads the span of days a
navigation link stands for ("RAA-2026", "08-AOUT", "Aout-2026", "1er-trimestre", "janvier-juillet",
"2e semestre 2026"), so that the crawler walks only the periods that overlap its window. A day written
as a bound ("à partir du 28 avril 2015", "avant le …", "depuis …") opens or closes the span; a day in the
name of an archive branch says nothing of its span.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_MONTH = "|".join(MONTHS)
_YEAR = r"((?:19|20)\d{2})"

# day and month numbers, in both orders, as in "13/08/2026", "03.12.2024", "D77-13-08-2026", "2026-08-20"
NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.\- ](\d{1,2})[/.\- ]" + _YEAR + r"(?!\d)")
NUMERIC_YMD = re.compile(r"(?<!\d)" + _YEAR + r"[/.\- ](\d{2})[/.\- ](\d{2})(?!\d)")
# "1er avril 2026", "28, 29 et 30 octobre 2025" (the last day is kept: the recueil closes on it)
WORDED = re.compile(r"(?<!\d)(\d{1,2})(?:er)?((?:\s*(?:,|et|au)\s*\d{1,2}(?:er)?)*)\s+(" + _MONTH + r")\s+" + _YEAR)
MONTH_WORD = re.compile(r"(?<![a-z])(" + _MONTH + r")(?![a-z])")
YEAR_WORD = re.compile(r"(?<!\d)" + _YEAR + r"(?!\d)")
ORDINAL = re.compile(r"(?<![a-z\d])([1-4])\s*(?:er|e|eme|nd|nde|ieme)?\s+(trimestre|semestre)(?![a-z])")
# words that make the day after them a bound of the span, not the span (on folded text)
FROM_BOUND = re.compile(r"(?:a partir d[ue]s?|a compter d[ue]s?|depuis(?: le)?|apres le|posterieurs? au)\s*$")
UNTIL_BOUND = re.compile(r"(?:avant le|jusqu.?au|anterieurs? au)\s*$")
ARCHIVE = re.compile(r"(?<![a-z])archives?(?![a-z])")
ORDINAL_AFTER = re.compile(r"(?<![a-z])(trimestre|semestre)\s*([1-4])(?!\d)")


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included."""

    start: date
    end: date

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def year(self) -> int | None:
        return self.start.year if self.start.year == self.end.year else None

    @staticmethod
    def of_months(year: int, first: int, last: int) -> Period:
        return Period(date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))


def simplify(text: str) -> str:
    """Lower case, no accents, words and numbers separated by single spaces ("Aout2" -> "aout 2")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"[°\-]", " ", text)
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z]{3})", " ", text)
    return re.sub(r"[\s_+]+", " ", text).strip()


def find_date(text: str) -> date | None:
    """The first publication day written in `text`, or None."""
    found = _days(simplify(text))
    return found[0][1] if found else None


def _days(folded: str) -> list[tuple[int, date]]:
    """The days written in folded text, with their positions, in text order."""
    candidates = []
    for match in WORDED.finditer(folded):
        days = re.findall(r"\d{1,2}", match.group(1) + match.group(2))
        candidates.append((match.start(), _day(int(match.group(4)), MONTHS[match.group(3)], int(days[-1]))))
    for match in NUMERIC_DMY.finditer(folded):
        candidates.append((match.start(), _day(int(match.group(3)), int(match.group(2)), int(match.group(1)))))
    for match in NUMERIC_YMD.finditer(folded):
        candidates.append((match.start(), _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))))
    return sorted((position, day) for position, day in candidates if day)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_period(text: str, context: Period | None, today: date) -> Period | None:
    """The span a navigation link stands for; a month without a year takes the context's year,
    else its latest occurrence up to today. None when the text names no period."""
    folded = simplify(text)
    days = _days(folded)
    if days:
        return _span_of_days(folded, days)
    years = [int(year) for year in YEAR_WORD.findall(folded)]
    months = [MONTHS[name] for name in MONTH_WORD.findall(folded)]
    part = _year_part(folded)
    year = years[-1] if years else (context.year if context else None)
    span = (min(months), max(months)) if months else part
    if span:
        first, last = span
        if year is None:
            year = today.year if first <= today.month else today.year - 1
        return Period.of_months(year, first, last)
    if years:
        return Period(date(min(years), 1, 1), date(max(years), 12, 31))
    return None


def _span_of_days(folded: str, days: list[tuple[int, date]]) -> Period | None:
    """The first day that is no bound; else the span the first bound opens or closes."""
    for position, day in days:
        before = folded[:position]
        if not FROM_BOUND.search(before) and not UNTIL_BOUND.search(before):
            return None if ARCHIVE.search(folded) else Period(day, day)
    position, day = days[0]
    return Period(day, date.max) if FROM_BOUND.search(folded[:position]) else Period(date.min, day)


def _year_part(folded: str) -> tuple[int, int] | None:
    match = ORDINAL.search(folded)
    if match:
        number, kind = int(match.group(1)), match.group(2)
    else:
        match = ORDINAL_AFTER.search(folded)
        if not match:
            return None
        kind, number = match.group(1), int(match.group(2))
    size = 3 if kind == "trimestre" else 6
    if number * size > 12:
        return None
    return (number - 1) * size + 1, number * size


def window(today: date, lookback_months: int) -> Period:
    """From the first day of the month `lookback_months` before today's, to today."""
    month_index = today.year * 12 + today.month - 1 - lookback_months
    return Period(date(month_index // 12, month_index % 12 + 1, 1), today)
