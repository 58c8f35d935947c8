"""The French communes: names, INSEE codes, départements and places, from communes.tsv.gz (docs/GAZETTEER.md),
with the lookups that find a commune from the way an act writes its name."""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, cached_property, lru_cache
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


@lru_cache(maxsize=4096)  # a text's runs of words are looked up again and again (nine times each, on the Var)
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
    """The communes of the shipped file's lines, each département's made into `Commune`s and indexed by name on
    first use: reading an act needs its source's département alone (a few hundred names); a name without a
    département, an INSEE code or the whole list reads them all."""

    MAX_WORDS = 8  # words in the longest name (tests/test_gazetteer.py checks it)

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines: dict[str, list[str]] = {}
        for line in lines:
            self._lines.setdefault(line.split("\t", 3)[2], []).append(line)
        self.max_words = self.MAX_WORDS
        self._departments: dict[str, dict[str, list[Commune]]] = {}
        self._areas: dict[tuple[str, ...], dict[str, list[Commune]]] = {}

    @cached_property
    def communes(self) -> list[Commune]:
        """Every commune, current ones first, so that a code or a name gives them before the former ones."""
        return _current_first(_commune(line) for lines in self._lines.values() for line in lines)

    @cached_property
    def names(self) -> dict[str, list[Commune]]:
        """Every commune by key (normalise)."""
        return _index(self.communes)

    @cached_property
    def _by_insee(self) -> dict[str, Commune]:
        found: dict[str, Commune] = {}
        for commune in self.communes:
            found.setdefault(commune.insee, commune)
        return found

    def by_insee(self, code: str) -> Commune | None:
        """The commune or arrondissement with this code, else the former commune that had it."""
        return self._by_insee.get(code.strip().upper())

    def find(self, name: str, department: str | None = None) -> list[Commune]:
        """The communes (current first) a written name may be, in a département if given."""
        if department is None:
            return list(self.names.get(normalise(name), []))
        return list(self.names_in_department(department).get(normalise(name), []))

    def arrondissements(self, commune: Commune) -> list[Commune]:
        """The arrondissements of Paris, Lyon or Marseille, which INSEE names after their commune (« Lyon 3e
        Arrondissement »: normalised « lyon 3 »); none for any other commune."""
        if commune.kind != "commune":
            return []
        name = re.compile(rf"{re.escape(normalise(commune.name))} \d+")
        return [part for key, parts in self.names_in_department(commune.department).items()
                if name.fullmatch(key) for part in parts if part.kind == "arrondissement"]

    def city_of_arrondissements(self, department: str) -> str | None:
        """The name of the one commune of the département that has arrondissements (« Paris » in Paris), if any."""
        cities = {commune.name.rsplit(" ", 2)[0] for communes in self.names_in_department(department).values()
                  for commune in communes if commune.kind == "arrondissement"}
        return cities.pop() if len(cities) == 1 else None

    def names_in_departments(self, codes: tuple[str, ...]) -> dict[str, list[Commune]]:
        """The communes of several départements by key, merged once (read-only, as names_in_department)."""
        if len(codes) == 1:
            return self.names_in_department(codes[0])
        if codes not in self._areas:
            names: dict[str, list[Commune]] = {}
            for code in codes:
                for key, communes in self.names_in_department(code).items():
                    names.setdefault(key, []).extend(communes)
            self._areas[codes] = names
        return self._areas[codes]

    def names_in_department(self, department: str) -> dict[str, list[Commune]]:
        """The communes of a département by key (normalise), for a scanner that looks up each run of up to
        max_words normalised words of a text."""
        code = department_code(department)
        if code not in self._departments:
            communes = _current_first(_commune(line) for line in self._lines.get(code, []))
            self._departments[code] = _index(communes)
        return self._departments[code]


def _current_first(communes: Iterable[Commune]) -> list[Commune]:
    return sorted(communes, key=lambda commune: commune.current_insee is not None)


def _index(communes: Iterable[Commune]) -> dict[str, list[Commune]]:
    names: dict[str, list[Commune]] = {}
    for commune in communes:
        names.setdefault(normalise(commune.name), []).append(commune)
    return names


def _commune(line: str) -> Commune:
    insee, name, department, latitude, longitude, current, kind = line.rstrip("\n").split("\t")
    return Commune(insee, name, department, float(latitude) if latitude else None,
                   float(longitude) if longitude else None, current or None, kind)


def read(path: Path) -> list[str]:
    """The lines of a communes file, its header left out."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        next(lines)
        return list(lines)


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer of the shipped file, read on first use."""
    return Gazetteer(read(DATA))
