"""Where an act's measure applies: its communes (with their INSEE codes), its named sites and its scope.

Communes are looked up in the gazetteer among the capitalised runs of words of the act's own words (its
title, then its articles), in the département of the source when it is known. Courts, prefectures and
services named after a town (« tribunal administratif de Toulon », « préfet du Var ») are not places of
the measure. A named site is a run of words after a kind of place (« stade Félix Mayol », « gare de
Lyon », « quartier de la Beaucaire ») or before one (« Paris La Défense Arena »).
"""

from __future__ import annotations

import re

from watchbot.core.models import Commune
from watchbot.facts.gazetteer import Gazetteer, normalise

# A run of capitalised words, the small words of place names between them (« Saint-Cyr-sur-Mer »,
# « La Seyne sur Mer », « Châlons s/ Marne »), and an arrondissement's number (« Paris 16e »).
_CAPITAL = r"[A-ZÀ-ÖØ-Þ][\w'’]*"
_LINK = r"(?:[\s-]+(?:sur|sous|en|le|la|les|de|du|des|d'|d’|l'|l’|aux|lès|lez|et|s/|St|Ste)(?=[\s-]))"
RUN = re.compile(rf"{_CAPITAL}(?:(?:{_LINK})*[\s-]+(?:{_CAPITAL}|\d{{1,2}}(?:e|er|ème)\b))*")
NOT_PLACES = re.compile(
    r"(?:tribunal administratif|cour administrative d'appel|cour d'appel|tribunal judiciaire|pr[ée]f[eè]t|"
    r"pr[ée]fecture|sous-pr[ée]f\w*|pr[ée]fet de police|procureur de la r[ée]publique|recueil des actes|"
    r"journal officiel|code)\s+(?:de la |de l'|de l’|du |des |de |d'|d’)", re.IGNORECASE)
SITE_WORDS = ("stade", "stadium", "arena", "aréna", "gare", "gares", "station", "stations", "aéroport", "port",
              "hippodrome", "vélodrome", "circuit", "autoroute", "parc des expositions", "palais", "centre de rétention",
              "local de rétention", "centre commercial", "basilique", "cathédrale", "esplanade", "plage", "lac",
              "bois", "village", "parvis", "site", "salle", "théâtre", "zénith", "musée", "archives", "collège",
              "lycée", "école", "hôpital", "centre hospitalier")
AREA_WORDS = ("quartier", "secteur", "place", "centre-ville", "cité", "avenue", "rue", "boulevard", "cours")
_SITE = re.compile(
    r"\b(?P<kind>" + "|".join(sorted((*SITE_WORDS, *AREA_WORDS), key=len, reverse=True)) + r")\b"
    r"(?P<name>(?:\s+(?:de la|de l'|de l’|du|des|de|d'|d’|l'|la|le|les))?\s*[A-ZÀ-ÖØ-Þ0-9][^,;:()\n«»]{0,60}?)"
    r"(?=\s*(?:[,;:()\n«»]|\s(?:à|a|au|le|les|du|de|dans|pour|sur|en|et|ainsi|afin|lors|situé|sis)\s|$))",
    re.IGNORECASE)
DATELINE = re.compile(rf"{_CAPITAL}(?:[\s-]+{_CAPITAL})*,\s+le\s+\d")
_NAMED_BEFORE = re.compile(rf"((?:{_CAPITAL}\s+){{1,3}}(?:Arena|Aréna|Stadium|Dôme))")
DEPARTMENT_WIDE = re.compile(r"(?:ensemble|totalite|tout le territoire|territoire) du departement|dans le departement"
                             r"|sur le departement|du departement (?:du|de la|de l'|des|de)")


def communes(texts: list[str], gazetteer: Gazetteer, department: str | None) -> tuple[Commune, ...]:
    """The communes the raw texts name, in their order, the first text that names any winning."""
    for text in texts:
        found = _communes_in(text, gazetteer, department)
        if found:
            return found
    return ()


def _communes_in(text: str, gazetteer: Gazetteer, department: str | None) -> tuple[Commune, ...]:
    text = _without_institutions(text)
    names = gazetteer.names_in_department(department) if department else gazetteer.names
    found: dict[str, Commune] = {}
    for run in RUN.finditer(text):
        words = normalise(run.group()).split()
        for commune in _longest_names(words, names, gazetteer.max_words, strict=department is None):
            found.setdefault(commune.current_insee or commune.insee, commune)
    return tuple(found.values())


def _without_institutions(text: str) -> str:
    """The text with « tribunal administratif de Toulon », « préfet du Var »… and datelines (« Grenoble, le »)
    blanked out."""
    for pattern in (NOT_PLACES, DATELINE):
        while found := pattern.search(text):
            end = found.end()
            if pattern is NOT_PLACES and (name := RUN.match(text, end)):
                end = name.end()
            text = text[:found.start()] + "_" * (end - found.start()) + text[end:]
    return text


def _longest_names(words: list[str], names: dict[str, list[Commune]], max_words: int, strict: bool) -> list[Commune]:
    """The communes named by the longest runs of ``words``, left to right."""
    found, index = [], 0
    while index < len(words):
        for size in range(min(max_words, len(words) - index), 0, -1):
            candidates = names.get(" ".join(words[index:index + size]), [])
            if candidates and (not strict or len(candidates) == 1):
                found.append(candidates[0])
                index += size
                break
        else:
            index += 1
    return found


def sites(texts: list[str]) -> tuple[tuple[str, ...], bool]:
    """The named places of the first text that names any, and whether one is a site (not an area of a town)."""
    for text in texts:
        named = [(_tidy(match["kind"] + match["name"]), match["kind"].lower() not in AREA_WORDS)
                 for match in _SITE.finditer(text)]
        named += [(_tidy(match.group(1)), True) for match in _NAMED_BEFORE.finditer(text)]
        if named:
            places = tuple(dict.fromkeys(name for name, _ in named))
            return places, any(is_site for _, is_site in named)
    return (), False


def _tidy(name: str) -> str:
    return " ".join(name.split()).strip(" -–'’")


def scope(folded_texts: list[str], found_communes: tuple[Commune, ...], is_site: bool) -> str:
    """« site » for a named site, « commune » for communes, « department » for the whole département."""
    if is_site:
        return "site"
    if found_communes:
        return "commune"
    if any(DEPARTMENT_WIDE.search(text) for text in folded_texts):
        return "department"
    return ""
