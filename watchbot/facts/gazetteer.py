"""The French communes: names, INSEE codes, départements and places, from communes.tsv.gz (docs/GAZETTEER.md),
with the lookups that find a commune from the way an act writes its name."""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from watchbot.core.models import Commune

DATA = Path(__file__).with_name("communes.tsv.gz")
# INSEE's articles, written after the name in parentheses by some lists (« Havre (Le) ») and left out of keys.
ARTICLES = frozenset({"l", "le", "la", "les", "aux", "las", "los"})
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
TRAILING_ARTICLE = re.compile(r"\s*\((?:l'|l’|le|la|les|aux|las|los)\)\s*$", re.IGNORECASE)
SUR = re.compile(r"\bs/")  # « Châlons s/ Marne »
WORD = re.compile(r"[^\W_]+")
# « 16e », « 16ème », « 1er », « 16e arrondissement », « 16 arrdt »: the number alone.
ORDINAL = re.compile(r"\b(\d+) ?(?:er|ere|eme|e)?(?: (?:arrondissement|arrdt|arrt|arr))?\b")


def normalise(name: str) -> str:
    """The key of a name: lower case words without accents or punctuation, the abbreviations spelt out, the
    ordinal of an arrondissement as a number, without a leading article: « Seyne-sur-Mer (La) » and
    « LA SEYNE S/ MER » give « seyne sur mer »; « Paris 16ème arrondissement » gives « paris 16 »."""
    text = SUR.sub(" sur ", TRAILING_ARTICLE.sub("", name).lower().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    words = [ABBREVIATIONS.get(word, word) for word in ORDINAL.sub(r"\1", " ".join(WORD.findall(text))).split()]
    return " ".join(words[1:] if len(words) > 1 and words[0] in ARTICLES else words)


def department_code(department: str) -> str:
    """« 83 », « 2a », « 1 » as the file writes them: « 83 », « 2A », « 01 »."""
    return department.strip().upper().zfill(2)


class Gazetteer:
    def __init__(self, communes: Iterable[Commune]) -> None:
        # Current communes first, so that a code or a name gives them before the former ones.
        self.communes = sorted(communes, key=lambda commune: commune.current_insee is not None)
        self._by_insee: dict[str, Commune] = {}
        self.names: dict[str, list[Commune]] = {}
        for commune in self.communes:
            self._by_insee.setdefault(commune.insee, commune)
            self.names.setdefault(normalise(commune.name), []).append(commune)
        self.max_words = max(len(key.split()) for key in self.names)
        self._departments: dict[str, dict[str, list[Commune]]] = {}

    def by_insee(self, code: str) -> Commune | None:
        """The commune or arrondissement with this code, else the former commune that had it."""
        return self._by_insee.get(code.strip().upper())

    def find(self, name: str, department: str | None = None) -> list[Commune]:
        """The communes (current first) a written name may be, in a département if given."""
        found = self.names.get(normalise(name), [])
        if department is None:
            return list(found)
        code = department_code(department)
        return [commune for commune in found if commune.department == code]

    def names_in_department(self, department: str) -> dict[str, list[Commune]]:
        """The communes of a département by key (normalise), for a scanner that looks up each run of up to
        max_words normalised words of a text."""
        code = department_code(department)
        if code not in self._departments:
            self._departments[code] = {key: found for key, communes in self.names.items()
                                        if (found := [commune for commune in communes if commune.department == code])}
        return self._departments[code]


def read(path: Path) -> Iterable[Commune]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            insee, name, department, latitude, longitude, current, kind = line.rstrip("\n").split("\t")
            yield Commune(insee, name, department, float(latitude) if latitude else None,
                          float(longitude) if longitude else None, current or None, kind)


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer of the shipped file, read on first use."""
    return Gazetteer(read(DATA))
