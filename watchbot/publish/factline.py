"""The line of facts that leads a toot (SPEC §9), in French, and the words that name an act's kind.

« 📍 Niort (79) · 🗓 12–14 juin 2026, 15h–22h · 🎯 manifestation · 👮 police nationale · 2 caméras »:
the named places and the communes with their département, the period, the purposes and the operators by their
labels in the vocabulary (rules/facts/*.yaml), the number of cameras. A repeal, modification, renewal or
extension is named in a toot's first words, so that none reads as a new act.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import groupby
from typing import Mapping, Sequence

from watchbot.core.models import Commune, Facts
from watchbot.core.text import shorten
from watchbot.facts.extract import replaces

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
KIND_WORDS = {"repeal": "Abrogation", "modification": "Modification", "renewal": "Renouvellement",
              "extension": "Prorogation"}
MAX_COMMUNES = 4  # more are counted, not named: a toot is not a list of communes
MAX_PLACES = 2
MAX_PLACE = 50  # characters of a named place; the line says where, the title and the act say more
MAX_WHERE = 100  # characters of the places and communes together, so that the period always follows
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def kind_words(facts: Facts | None, title: str) -> str:
    """« Abrogation »… for an act that is not a first one; "" for a first one or an act without facts."""
    if facts and replaces(facts, title):
        return "Abrogation et remplacement"
    return KIND_WORDS.get(facts.kind, "") if facts else ""


def facts_line(facts: Facts, labels: Mapping[str, str], department: str | None = None) -> str:
    """The facts the act states, "" when it states none; `department` is the source's, for a measure over
    the whole département; a purpose or operator missing from `labels` shows its name."""
    parts = [
        _tagged("📍", where(facts, department)),
        _tagged("🗓", ", ".join(filter(None, (period(facts.start, facts.end), hours(facts.times))))),
        _tagged("🎯", ", ".join(labels.get(name, name) for name in facts.purposes)),
        _tagged("👮", ", ".join(labels.get(name, name) for name in facts.operators)),
        f"{facts.cameras} caméra{'s' if facts.cameras > 1 else ''}" if facts.cameras else "",
    ]
    return " · ".join(part for part in parts if part)


def where(facts: Facts, department: str | None = None) -> str:
    """"Stade Bonal, Montbéliard (25)", "Niort, Chauray (79), Poitiers (86) et 3 autres communes"."""
    places = [shorten(place, MAX_PLACE) for place in facts.places[:MAX_PLACES]]
    if facts.communes:
        places.append(communes(facts.communes))
    elif facts.scope == "department":
        places.append(f"tout le département ({department})" if department else "tout le département")
    return shorten(", ".join(places), MAX_WHERE)


def communes(found: Sequence[Commune]) -> str:
    named = found[:MAX_COMMUNES]
    groups = [", ".join(commune.name for commune in group) + f" ({code})"
              for code, group in groupby(named, key=lambda commune: commune.department)]
    more = len(found) - len(named)
    return ", ".join(groups) + (f" et {more} autre{'s' if more > 1 else ''} commune{'s' if more > 1 else ''}"
                                if more else "")


def period(start: date | None, end: date | None) -> str:
    """« 31 janvier 2024 », « 12–14 juin 2026 », « du 31 janvier au 3 février 2024 »,
    « du 30 décembre 2025 au 2 janvier 2026 », « à partir du 1er mai 2026 », « jusqu'au 31 décembre 2026 »."""
    if start and end and start != end:
        if (start.year, start.month) == (end.year, end.month):
            return f"{_day(start)}–{french_date(end)}"
        first = f"{_day(start)} {MONTHS[start.month - 1]}" if start.year == end.year else french_date(start)
        return f"du {first} au {french_date(end)}"
    if start:
        return french_date(start) if end else f"à partir du {french_date(start)}"
    return f"jusqu'au {french_date(end)}" if end else ""


def hours(times: Sequence[str]) -> str:
    """The slots "15:00-22:00", "14:00-" as « 15h–22h », « à partir de 14h »."""
    slots = []
    for slot in times:
        begin, _, finish = slot.partition("-")
        slots.append(f"{_clock(begin)}–{_clock(finish)}" if finish else f"à partir de {_clock(begin)}")
    return ", ".join(slots)


def french_date(day: date) -> str:
    """"1er juin 2025", "16 juillet 2025"."""
    return f"{_day(day)} {MONTHS[day.month - 1]} {day.year}"


def _day(day: date) -> str:
    return "1er" if day.day == 1 else str(day.day)


def _clock(written: str) -> str:
    """"08:00" as « 8h », "23:59" as « 23h59 »; anything else as it is written."""
    found = CLOCK.fullmatch(written)
    if not found:
        return written
    return f"{int(found[1])}h" + (found[2] if found[2] != "00" else "")


def _tagged(emoji: str, text: str) -> str:
    return f"{emoji} {text}" if text else ""
