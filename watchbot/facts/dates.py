"""The days and hours an act's measure applies, read on folded text (``watchbot.match.normalize.fold``).

The forms real acts use: a range (« du lundi 10 au vendredi 14 février 2025 de 15h00 à 22h00 », « du samedi
25 janvier 2025 à 18h05 au dimanche 26 janvier 2025 à 01h05 », « à compter du 3 mars jusqu'au 31 mars
2025 »), a list (« les 11, 12 et 13 juin 2025 »), a day (« le samedi 1er mai de 8h à 20h »,
« le 12/06/2026 »), an end alone (« jusqu'au 31 décembre inclus »). A day written without a year takes the
year of the act's date (the next year when that puts it months before the act). A date that names another
text (« l'arrêté n° … du 24 avril 2025 », « la demande du … », « signé le … ») is no period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

MONTHS = {"janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4, "mai": 5,
          "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10, "oct": 10,
          "novembre": 11, "nov": 11, "decembre": 12, "dec": 12}
_DAY_NAME = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?"  # « les samedis 14 et 21 juin »
_WEEKDAY = rf"(?:{_DAY_NAME}\s+)?"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# « 18h00 », « 18 h 30 », « 18 heures », « 18:00 », « 0 9h00 » (a leading zero split off), « minuit ».
_TIME = r"(?:(?:0\s)?\d{1,2}\s?(?:heures?|h)(?:\s?\d{2})?|\d{1,2}:\d{2}|minuit|midi)"
_SEP = r"(?:\s*[,:(]\s*|\s+)"
# Words between a period and its hours: « du 14 au 20 juin inclus, chaque jour, de 18h00 à 02h00 ».
# « …, les vendredis et samedis, de 22h à 4h »
_DAILY = (r"(?:(?:\s*,)?\s+(?:inclus|chaque jour|chaque nuit|tous les jours|toutes les nuits|quotidiennement|"
          rf"(?:les|chaque) {_DAY_NAME}(?:(?:\s*,\s*|\s+et\s+){_DAY_NAME})*))*")
# « durant la plage horaire de 10h00 à 18h00 »
_HOURS_SPAN = r"(?:(?:(?:sur|durant|pendant|dans) )?(?:la|une) plage horaire(?: allant| comprise)?\s+)?"
# « de 22h au lendemain 6h », « 18h30 - 23h30 »
_UNTIL = r"(?:\s+(?:(?:et\s+)?jusqu'a|a|et|(?:jusqu')?au lendemain(?:\s+a)?)\s+|\s?-\s?)"
# How a date is written before it names another text, or the act's signature.
REFERENCE = re.compile(
    r"(?:\b(?:arrete|ap|decret|loi|ordonnance|circulaire|courrier|lettre|demande|declaration|deliberation|avis|"
    r"instruction|convention|jugement|decision|commission|recueil|raa)\b[^;:]{0,60}\b(?:du|le|en date du)|"
    r"\ben date du|\bsigne le|\bpublie le|\brecu le|\bdate du|fait a [\w' -]{1,40}, le|"
    r"(?:^|\n)\s*[\w'-]+(?: [\w'-]+){0,3}, le)\s*$")
# The date line at the head of an act, just above its heading (« Grenoble, le 2 juillet 2024 ARRÊTÉ … »): the
# day it was signed.
DATELINE = (re.compile(r"[\w-], le\s*$"), re.compile(r"\s*\.?\s*(?:arrete|decision)\b"))
# A street named after a day (« rue du 4 septembre », « place du 14 juillet »).
STREET = re.compile(r"\b(?:rue|avenue|av|boulevard|bd|place|quai|allee|square|impasse|chemin|route|esplanade|"
                    r"parvis|carrefour|rond-point|promenade)\s+(?:du\s+)?$")
EVENT = re.compile(r"\b(?:festivites|fetes?|celebrations?|commemorations?|ceremonies?|feux? d'artifice)\s+(?:du\s+)?$")
FROM = re.compile(r"\b(?:a compter|a partir) du\s+$")  # « à compter du 17 mars 2025 », with no last day
PERIOD_WORDS = re.compile(r"autoris|interdi|instaur|institu|renouvel|prorog|prolong")
DAYS_BEFORE_NEXT_YEAR = 180


def _date(name: str, *, day_only: bool = False) -> str:
    """A date with uniquely named groups: a day with a month and a year (words or digits), or a day alone; « 1er »
    may be typed « 1° » (folded « 1o »)."""
    worded = (rf"{_WEEKDAY}(?P<{name}_d>\d{{1,2}}|premier)(?:\s?(?:er|eme|e|o)(?![a-z]))?"
              rf"(?:\s*(?P<{name}_m>{_MONTH})\.?(?![a-z])(?:\s+(?P<{name}_y>\d{{4}})(?!\d))?)"
              + ("?" if day_only else ""))
    digits = (rf"(?P<{name}_nd>\d{{1,2}})(?P<{name}_s>[/.\s])(?P<{name}_nm>\d{{1,2}})(?P={name}_s)"
              rf"(?P<{name}_ny>\d{{4}}|\d{{2}})(?!\d)")
    if day_only:  # a range's first day may leave its year to the last: « du 10/07 au 31/08/25 »
        digits += rf"|(?P<{name}_yd>\d{{1,2}})/(?P<{name}_ym>\d{{1,2}})(?![\d/])"
    return rf"(?<![\d/.])(?:{digits}|{worded})"


def _time(name: str) -> str:
    return rf"(?P<{name}>{_TIME})\)?"


def _slot(name: str) -> str:
    """« de 15h00 à 22h00 », « entre 8 h et 20 h », « à partir de 14h », « à 14h00 », « sur la plage horaire
    10h00 - 18h00 »."""
    return (rf"(?:{_DAILY}{_SEP}{_HOURS_SPAN}(?:(?:de|des|entre|a partir de|a compter de|a)\s+)?"
            rf"{_time(name + '_from')}"
            rf"(?:{_UNTIL}{_time(name + '_to')})?)?")


RANGE = re.compile(
    rf"(?:du|le|depuis le|a compter du|a partir du|entre le)\s+{_date('a', day_only=True)}"
    rf"(?:{_SEP}(?:(?:a|des|de|a partir de)\s+)?{_time('a_t')})?"
    rf"(?:{_SEP}(?:au|jusqu'au|et jusqu'au|et le|et)\s+|\s+a\s?){_date('b')}"
    rf"(?:{_SEP}(?:(?:a|jusqu'a)\s+)?{_time('b_t')})?" + _slot("s"))
# « les 11, 12 et 13 juin », « le mercredi 05, jeudi 06 et vendredi 07 février », « les nuits des 13 et 14 juillet »
LIST = re.compile(
    rf"(?:les?|des)\s+{_WEEKDAY}(?P<first>\d{{1,2}})(?:er)?(?:\s*,\s*{_WEEKDAY}\d{{1,2}}(?:er)?)*"
    rf"\s+et\s+{_WEEKDAY}(?P<last>\d{{1,2}})(?:er)?\s+(?P<m>{_MONTH})\.?(?![a-z])(?:\s+(?P<y>\d{{4}}))?" + _slot("s"))
# Hours written before the days: « de 18h00 le samedi 14 juin à 02h00 le dimanche 15 juin 2025 ».
TIMED_RANGE = re.compile(
    rf"(?:de|a partir de)\s+{_time('a_t')}\s+(?:le\s+|du\s+)?{_date('a', day_only=True)}"
    rf"\s+(?:a|au|jusqu'a|jusqu'au)\s+{_time('b_t')}\s+(?:le\s+|du\s+)?{_date('b')}" + _slot("s"))
# A file name's or a terse title's « - 27 au 30 06 25 ».
BARE_RANGE = re.compile(rf"[-_(]\s?{_date('a', day_only=True)}\s+au\s+{_date('b')}" + _slot("s"))
UNTIL = re.compile(rf"jusqu'au\s+{_date('b')}")
SINGLE = re.compile(r"(?=[\dlmjvsdp])" + _date("a") + _slot("s"))  # a digit, a weekday or « premier »: fast
# The slots after a day's first: « de 8h30 à 12h30 et de 14h00 à 18h00 ».
MORE_SLOT = re.compile(rf"\s*(?:[,;]\s*)?(?:(?:et|puis|ainsi que)\s+)?(?:de|entre)\s+"
                       rf"{_time('s_from')}{_UNTIL}{_time('s_to')}")
# A slot before the day it applies to: « de 10h00 à 18h00 le 14 juin 2025 ».
LEADING_SLOT = re.compile(rf"(?:de|entre|a partir de)\s+{_time('s_from')}{_UNTIL}{_time('s_to')}{_SEP}(?:le\s+)?$")
# Hours an article gives apart from its days: « Article 2 – La captation est autorisée de 10h00 à 18h00. »
LONE_SLOT = re.compile(rf"\b(?:de|entre|a partir de)\s+{_time('s_from')}{_UNTIL}{_time('s_to')}")
SIGNED = re.compile(r"(?:fait a [\w' -]{1,40}, le|\bsigne le)\s+" + _date("a"))
ACT_DATE = re.compile(r"\b(?:arrete|ap|decision)\b[^;:]{0,40}?\bdu\s+" + _date("a"))


@dataclass(frozen=True)
class Span:
    """A period read in a text: its first and last day (None when not said), its hours, where it was read."""

    start: date | None
    end: date | None
    times: tuple[str, ...]
    at: int


def periods(text: str, act_day: date | None) -> list[Span]:
    """The periods a folded text states, in the order they appear (dates naming other texts left out)."""
    found: list[Span] = []
    events: list[Span] = []  # « les festivités du 14 juillet »: the period where the text gives no other
    for pattern in (TIMED_RANGE, RANGE, BARE_RANGE, LIST, UNTIL, SINGLE):
        read: list[tuple[int, int]] = []
        for match in pattern.finditer(text):
            if _is_reference(text, match.start()) or _is_dateline(text, match) or _is_street(text, match.start()):
                continue
            span = _span(pattern, match, act_day)
            if span is not None:
                named = EVENT.search(text, max(0, match.start() - 30), match.start())
                (events if named else found).append(_days(pattern, _with_slots(span, text, match), text, match.start()))
            read.append(match.span())
        text = _blanked(text, read)  # what a pattern read, the next ones do not read again
    return sorted(found or events, key=lambda span: span.at)


def _days(pattern: re.Pattern[str], span: Span, text: str, start: int) -> Span:
    """A day or days with their slot: the last night's slot ends the next day (« les 3, 4 et 5 juillet de 13h30 à
    02h30 » ends on 6 July); a day that starts a measure alone (« à compter du 17 mars ») is no last day. A range
    names its last morning itself (« du 28 mars au 27 avril, les vendredis et samedis de 22h à 2h »)."""
    if pattern not in (LIST, SINGLE) or span.end is None:
        return span
    if pattern is SINGLE and FROM.search(text, max(0, start - 20), start):
        return replace(span, end=None)
    last = span.times[-1].split("-") if span.times else []
    return replace(span, end=span.end + timedelta(days=1)) if len(last) == 2 and "" < last[1] < last[0] else span


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], " " * (end - start)]
        last = end
    return "".join(parts) + text[last:]


def _with_slots(span: Span, text: str, match: re.Match[str]) -> Span:
    """The span with the slots written after its first one, or before its day."""
    if span.times:
        return replace(span, times=span.times + _more_slots(text, match.end()))
    leading = LEADING_SLOT.search(text, max(0, match.start() - 60), match.start())
    return replace(span, times=_slots(leading)) if leading else span


def _more_slots(text: str, end: int) -> tuple[str, ...]:
    slots: tuple[str, ...] = ()
    while found := MORE_SLOT.match(text, end):
        slots, end = slots + _slots(found), found.end()
    return slots


def lone_slots(text: str) -> tuple[str, ...]:
    """The slots of hours a folded text gives without a day (read where its days come without hours)."""
    return tuple(dict.fromkeys(slot for found in LONE_SLOT.finditer(text) for slot in _slots(found)))


def signed_on(signature: str) -> date | None:
    """The day a folded signature gives (« Fait à Toulon, le 10 février 2025 »)."""
    days = [day for found in SIGNED.finditer(signature) if (day := _parsed(found, "a", None, None))]
    return _plain(days[-1]) if days else None


def act_date(title: str) -> date | None:
    """The date a folded title gives its act (« arrêté n° … du 31 janvier 2025 », « AP du 19 août 2024 »)."""
    found = ACT_DATE.search(title)
    return _parsed(found, "a", None, None) if found else None


def _is_reference(text: str, start: int) -> bool:
    before = text[max(0, start - 80):start]
    reference = REFERENCE.search(before)
    return reference is not None and not PERIOD_WORDS.search(before[reference.start():])


def _is_street(text: str, start: int) -> bool:
    return STREET.search(text, max(0, start - 20), start) is not None


def _is_dateline(text: str, match: re.Match[str]) -> bool:
    before, after = DATELINE
    return bool(before.search(text, max(0, match.start() - 8), match.start()) and after.match(text, match.end()))


def _span(pattern: re.Pattern[str], match: re.Match[str], act_day: date | None) -> Span | None:
    if pattern is LIST:
        month, year = MONTHS[match["m"]], _year(match["y"], act_day)
        start, end = _day(year, month, match["first"]), _day(year, month, match["last"])
        return _dated(start, end, _slots(match), match.start(), act_day)
    year = _year(None, act_day)
    if pattern is UNTIL:
        return _dated(None, _parsed(match, "b", None, year), (), match.start(), act_day)
    if pattern is SINGLE:
        day = _parsed(match, "a", None, year)
        return _dated(day, day, _slots(match), match.start(), act_day)
    end = _parsed(match, "b", None, year)
    start = _parsed(match, "a", end.month if end else None, end.year if end else year)
    if start and end and not getattr(end, "yearless", False):  # its year is the end's, which the text gives
        start = _year_before(start, end) if getattr(start, "yearless", False) else start
        start = date(start.year, start.month, start.day)
    if start and end and start > end and start.month == end.month:
        start = _month_before(start)
    at, until = match.groupdict().get("a_t"), match.groupdict().get("b_t")
    times = (f"{_clock(at or '')}-{_clock(until or '', end=True)}",) if at or until else _slots(match)
    return _dated(start, end, times, match.start(), act_day)


def _dated(start: date | None, end: date | None, times: tuple[str, ...], at: int, act_day: date | None) -> Span | None:
    """The span with a year-less day moved to the year after the act's when it would be long before it."""
    if start is None and end is None:
        return None
    if act_day is not None:
        start, end = (_after(day, act_day) for day in (start, end))
        if start and end and end < start:
            end = _safe(end.year + 1, end.month, end.day) if end.year == start.year else None
    return Span(_plain(start), _plain(end), times, at)


def _plain(day: date | None) -> date | None:
    return date(day.year, day.month, day.day) if day else None


def _after(day: date | None, act_day: date) -> date | None:
    if day is not None and getattr(day, "yearless", False) and day < act_day - timedelta(days=DAYS_BEFORE_NEXT_YEAR):
        return _safe(day.year + 1, day.month, day.day)
    return day


class _YearlessDate(date):
    """A day whose year came from the act's date, not from the text."""

    yearless = True


def _parsed(match: re.Match[str], name: str, month: int | None, year: int | None) -> date | None:
    if match[f"{name}_nd"]:
        full = match[f"{name}_ny"]
        return _safe(int(full) + (2000 if len(full) == 2 else 0), int(match[f"{name}_nm"]), int(match[f"{name}_nd"]))
    if match.groupdict().get(f"{name}_yd"):
        return _yearless(_safe(year, int(match[f"{name}_ym"]), int(match[f"{name}_yd"])) if year else None)
    day = match[f"{name}_d"]
    if day is None:
        return None
    month = MONTHS[match[f"{name}_m"]] if match[f"{name}_m"] else month
    given = match[f"{name}_y"]
    year = int(given) if given else year
    if month is None or year is None:
        return None
    parsed = _day(year, month, day)
    return parsed if given else _yearless(parsed)


def _yearless(day: date | None) -> date | None:
    return _YearlessDate(day.year, day.month, day.day) if day else None


def _year(given: str | None, act_day: date | None) -> int | None:
    return int(given) if given else act_day.year if act_day else None


def _day(year: int | None, month: int, day: str) -> date | None:
    return _safe(year, month, 1 if day == "premier" else int(day)) if year else None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_before(start: date, end: date) -> date:
    """A first day written without the year of the last, in the year before when its month is later (« du 28
    décembre au 3 janvier 2026 »)."""
    return _safe(start.year - 1, start.month, start.day) or start if start.month > end.month else start


def _month_before(day: date) -> date:
    previous = day.replace(day=1) - timedelta(days=1)
    return _safe(previous.year, previous.month, day.day) or previous


def _slots(match: re.Match[str]) -> tuple[str, ...]:
    if not match["s_from"]:
        return ()
    return (f"{_clock(match['s_from'])}-{_clock(match['s_to'] or '', end=True)}",)


def _clock(written: str, end: bool = False) -> str:
    """« 15h00 », « 8 heures », « 18 h 05 », « midi » as « 15:00 », « 08:00 », « 18:05 », « 12:00 »; « minuit »
    starts a day at « 00:00 » and ends one at « 24:00 »."""
    if not written:
        return ""
    if written in ("minuit", "midi"):
        return "12:00" if written == "midi" else "24:00" if end else "00:00"
    written = re.sub(r"^0\s", "", written)  # « 0 9h00 »
    hours, minutes = re.match(r"(\d{1,2})\D*(\d{2})?", written).groups()  # type: ignore[union-attr]
    return f"{int(hours):02d}:{minutes or '00'}"
