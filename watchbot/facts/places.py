"""Where an act's measure applies: its communes (with their INSEE codes) and its scope (its named sites are
read by watchbot.facts.sites).

Communes are looked up in the gazetteer among the capitalised runs of words of the act's own words (its
title, then its articles), in the département of the source when it is known. Courts, prefectures and
services named after a town (« tribunal administratif de Toulon », « préfet du Var ») are not places of
the measure.
"""

from __future__ import annotations

import difflib
import re

from watchbot.core.departments import DEPARTMENTS
from watchbot.core.models import Commune
from watchbot.facts.gazetteer import Gazetteer, normalise
from watchbot.match.normalize import fold

# A run of capitalised words, the small words of place names between them (« Saint-Cyr-sur-Mer »,
# « La Seyne sur Mer », « Châlons s/ Marne »), and an arrondissement's number (« Paris 16e »).
CAPITAL = r"[A-ZÀ-ÖØ-Þ][\w'’]*"
_GAP = r"(?:[ \t]*-[ \t]*\n?[ \t]*|[ \t]+)"  # a new line starts a new run, except after a hyphen
_LINK = rf"(?:{_GAP}(?:sur|sous|en|le|la|les|de|du|des|d'|d’|l'|l’|aux|lès|lez|et|s/|St|Ste)(?={_GAP}))"
# A name's last words may be in lower case after « sur », « sous », « lès » (« la Seyne  sur mer »).
RUN = re.compile(rf"{CAPITAL}(?:(?:{_LINK})*{_GAP}(?:{CAPITAL}|\d{{1,2}}(?:e|er|ème)\b))*")
NAME = re.compile(rf"{RUN.pattern}(?:{_GAP}(?:sur|sous|lès|lez){_GAP}[a-zà-öø-ÿ]+\b(?![-'’]))?")
LIST_OF_NAMES = re.compile(rf"{NAME.pattern}(?:(?:[ \t]*,[ \t]*|[ \t]+et[ \t]+){NAME.pattern})+")
NOT_PLACES = re.compile(  # \b first: the engine then tries the words at word starts only (4 times faster)
    r"\b(?:tribunal\s+administratif|cour\s+administrative\s+d'appel|cour\s+d'appel|tribunal\s+judiciaire|"
    r"pr[ée]f[eè]t|pr[ée]fecture|sous-pr[ée]f\w*|procureur\s+de\s+la\s+r[ée]publique|recueil\s+des\s+actes|"
    r"journal\s+officiel|code|d[ée]partement|arrondissement|circonscription|brigade|compagnie|groupement|"
    r"commissariat|attentats?|assassinat|jeux\s+(?:olympiques|paralympiques)(?:\s+et\s+paralympiques)?|(?-i:JOP?)|"
    r"forum|sommet|(?:semi-)?marathon|tournoi|"  # an event named after its city: « Forum de Paris sur la paix »
    r"h[ôo]tel(?=\s+de\s+ville\b))"
    r"\s+(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])\s*", re.IGNORECASE)
# An event's name in quotes (« un événement festif intitulé « Fnac Live Paris » ») names no place of the measure.
EVENT_NAMED = re.compile(r"(?i:intitul[ée]e?s?|d[ée]nomm[ée]e?s?)\s*[«\"“]\s*[^»\"”\n]{1,80}[»\"”]")
# A town followed by a year names an event (« Sommet pour l'action sur l'intelligence artificielle de Paris 2025 »).
EVENT_YEAR = re.compile(rf"(?:\bde\s+|\bd['’]){RUN.pattern}\s+(?:19|20)\d\d\b(?![-/]\d)")
# The names that follow one of NOT_PLACES: « des sous-préfets de Forbach – Boulay-Moselle, Sarrebourg et Metz ».
NAMES = re.compile(rf"{RUN.pattern}(?:\s*(?:,|–|-|\bet\b|\bde\b|\bd'|\bd’)\s*(?:{RUN.pattern}))*")
# The Préfecture de police acts for Paris, the three départements around it and, as the zone de défense de Paris
# and for the airports, the rest of Île-de-France (with their prefects: « … à Gonesse (95) »).
# A shortened name (« Saint-Ouen ») is looked for around Paris only.
NEAR: dict[str, tuple[str, ...]] = {"75": ("75", "92", "93", "94")}
AREAS = {"75": (*NEAR["75"], "77", "78", "91", "95")}
# A street is named after a town (« avenue de Malakoff », « boulevard Saint-Denis », « Route de Stains »): the
# name is no commune of the measure (« Route de Stains à Villeneuve-sous-Dammartin »).
STREET = re.compile(r"\b(?i:rue|avenue|boulevard|route|quai|place|pont|porte|chemin|all[ée]e|impasse|square|"
                    r"chauss[ée]e|rond-point)\s+(?:(?i:de la|de l'|de l’|du|des|de|d'|d’)\s*)?(?=[A-ZÀ-ÖØ-Þ])")
# A commune named in a site's name (« au bois de Vincennes ») outside the source's own département is no
# commune of the measure (the Bois de Vincennes is in Paris).
SITE_OF = re.compile(r"(?i:\b(?:bois|gare|for[êe]t)\s+(?:de\s+|du\s+|d'|d’))$")
# The stations of a city named by its adjective (« dans cinq gares parisiennes »).
CITY_ADJECTIVES = ((re.compile(r"(?i)\bgares?\s+parisiennes?\b"), "75056"),)
# A trial tells where the attack it judges happened (« à l'occasion du procès de l'attentat dans la basilique
# Notre-Dame de Nice »), not where the measure applies (« … à Paris », « … devant la cour d'assises »).
TRIED = re.compile(r"(?i:\bproc[èe]s\s+(?:de\s+l['’]|des\s+|du\s+|de\s+la\s+)(?:attentats?|attaques?|assassinats?|"
                   r"meurtres?|tuerie)\b)[^,;:()\n]{0,80}?"
                   r"(?=\s+(?:à|au|devant)\s+(?:[A-ZÀ-ÖØ-Þ]|la cour|le tribunal|le palais)|[,;:()\n]|$)")
# A list of communes (« interdiction de manifestations sur les communes d'Annecy, Annemasse et Filières »): a name
# a letter or two away from a commune's is that commune.
LISTED = re.compile(r"(?i:\bcommunes)\s+(?:de\s+|d'|d’)(?P<list>[^.;:()\n]{3,400})")
LIST_BREAK = re.compile(r"\s*,\s*|\s+et\s+")
MAX_LISTED_WORDS = 4
CLOSE = 0.85  # difflib's ratio: « filieres » and « filliere » 0.875, « glieres val de bornes » and « … borne » 0.98
# A title that names départements as well as communes (« applicables à Paris et dans les départements de la
# Seine-Saint-Denis, du Val d'Oise … »): their communes are in the articles.
ELSEWHERE = re.compile(r"(?i)\bdans les d[ée]partements\b")
# The secteur of Paris's first four arrondissements is Paris (the gazetteer has no secteurs).
SECTORS = {"paris centre": "paris"}
# An arrondissement's postcode in a title (« papaveri 69007 »): Paris 75001–75020, Lyon 69001–69009, Marseille
# 13001–13016; their INSEE codes are 751nn, 6938n and 132nn.
POSTCODE = re.compile(r"\b(?:75(?P<p>0[0-2]\d)|690(?P<l>0[1-9])|13(?P<m>0[01]\d))\b")
ARRONDISSEMENTS = {"p": ("751", 20), "l": ("6938", 9), "m": ("132", 16)}
# An arrondissement written out (« dans le 13e arrondissement de Paris », « les 7e et 8e arrondissements de
# Marseille », « le XIIIe arrondissement »): read as the gazetteer names it (« Paris 13e »).
_ORDINAL = r"(?:\d{1,2}|[IVX]{1,5})\s?(?:e|er|ère|ème|eme|ième|ieme)\b"
WRITTEN_OUT = re.compile(rf"\b(?P<numbers>{_ORDINAL}(?:(?:\s*,\s*|\s+et\s+){_ORDINAL})*)\s+arrondissements?\b"
                         rf"(?:\s+(?:de\s+|d['’])(?P<city>{CAPITAL}))?")
ROMAN = {"I": 1, "V": 5, "X": 10}
ADDRESS = re.compile(r"\b\d{2}\s?\d{3}\s+[^\n]{0,40}?\bcedex\b", re.IGNORECASE)
MIN_SHORTENED = 5  # letters: « Saint », « Port », « Mont » start too many names to stand for one
TOKEN_BREAK = re.compile(r"[\s'’]+")
# « Paris et Saint-Mandé », « Meaux en Seine-et-Marne »: two names.
AND = re.compile(r"\s+et\s+|\s+en\s+(?=(?:" + "|".join(map(re.escape, DEPARTMENTS.values())) + r")\b)")
# « Grenoble, le 02 juillet 2024 », also glued by the extraction to the line before (« sécuritéGrenoble, le »).
DATELINE = re.compile(rf"(?:^[ \t]*|(?<=[a-zà-öø-ÿ])){CAPITAL}(?:[ \t-]+{CAPITAL}){{0,3}},\s+le\s+\d", re.MULTILINE)
# « sur l'ensemble du département », « dans le département du Finistère »; not « le représentant de l'État
# dans le département », the prefect, nor « recueil des actes administratifs du département de Paris ».
DEPARTMENT_WIDE = re.compile(r"(?:ensemble|totalite|tout le territoire|territoire) du departement"
                             r"|aux departements (?:du|de la|de l'|des|de)"
                             r"|(?<!etat )(?:dans|sur) le departement(?! (?:du|de la|de l'|des|de) [^,;:\n]{1,40}:)"
                             r"|(?<!actes administratifs )du departement (?:du|de la|de l'|des|de)")

# A département of an organisation (« le directeur du département de sécurité »), the one of the RAA (its line
# broken by the extraction: « actes adminis tratifs du département de Paris »): no area of the measure.
NOT_AREAS = re.compile(r"\b(?:directeur|directrice|chef|responsable|adjointe?|adminis ?tratifs) du departement\b")
# « dans les Hauts-de-Seine (92) » (folded): a département named without the word.
DEPARTMENT_CODED = re.compile(r"\b(?:dans|sur) (?:le |la |les |l')(?!communes?\b|villes?\b)"
                              r"(?P<name>[a-z][\w'-]*(?: [\w'-]+){0,2}) \((?:\d{2}|2[ab])\)")
# A département named after « en », « dans le », « sur le territoire de », « dans les départements de » (« en
# Seine-Saint-Denis », « dans les Hauts-de-Seine », « dans le Val d'Oise »), or by its number (« dans le 94 »); not
# Paris, a commune as well.
DEPARTMENT_NAMED = re.compile(
    r"\b(?:en|(?:dans|sur) (?:le|la|les|l')|(?:territoire|departements) (?:de la|du|des|de l'|de)) ?(?:" + "|".join(sorted(
        (re.escape(fold(name)).replace(r"\-", "[- ]") for code, name in DEPARTMENTS.items() if code != "75"),
        key=len, reverse=True))
    + r"|(?:\d{2}|2a|2b|97\d)(?= |,|$))(?![\w-])")
# The measure covers towns, a site named besides (« sur la ville de Lourdes et le Sanctuaire Notre-Dame »,
# « dans les communes de Tarbes, … et celles du site du Lac »).
WHOLE_COMMUNES = re.compile(r"\b(?:dans|sur) (?:les communes|la ville) (?:de |d')")


def communes(texts: list[str], gazetteer: Gazetteer, department: str | None) -> tuple[Commune, ...]:
    """The communes the raw texts name, in their order: the first text that names any wins; else the
    arrondissement whose postcode the title (the first text's first line) gives; else the one commune of the
    département whose name starts with words of the first text (« Décines » for Décines-Charpieu, « CHERBOURG »
    for Cherbourg-en-Cotentin, « Saint-Ouen » for Saint-Ouen-sur-Seine)."""
    found: tuple[Commune, ...] = ()
    for index, text in enumerate(texts):
        found += tuple(commune for commune in _communes_in(text, gazetteer, department) if commune not in found)
        if found and not ELSEWHERE.search(text):
            return _with_neighbours(found, texts[index + 1:], gazetteer, department)
    if found:
        return found
    if texts and (arrondissement := _by_postcode(texts[0].split("\n", 1)[0], gazetteer)):
        return (arrondissement,)
    return _shortened(texts[0], gazetteer, department) if department and texts else ()


def _with_neighbours(found: tuple[Commune, ...], later: list[str], gazetteer: Gazetteer,
                     department: str | None) -> tuple[Commune, ...]:
    """The communes found, and those a later text names with all of them (« … - ARRAS » in the title, « à
    Arras, Beaurains et Agny » in the articles)."""
    for text in later:
        if _listed_with(found, text, gazetteer, department) and _listed_with(
                found, text := _blanked(text, gazetteer, department), gazetteer, department):
            found += tuple(commune for commune in _communes_blanked(text, gazetteer, department)
                           if commune not in found)
    return found


def _listed_with(found: tuple[Commune, ...], text: str, gazetteer: Gazetteer, department: str | None) -> bool:
    """Whether a list of names in the text (« Arras,Beaurains et Agny ») names one of the communes found; read on
    the raw text first, as blanking out the institutions of a long text takes time."""
    return any(set(found) & set(_communes_blanked(listed.group(), gazetteer, department))
               for listed in LIST_OF_NAMES.finditer(text))


def _by_postcode(title: str, gazetteer: Gazetteer) -> Commune | None:
    found = POSTCODE.search(title)
    if not found or not found.lastgroup:
        return None
    prefix, last = ARRONDISSEMENTS[found.lastgroup]
    number = int(found[found.lastgroup])
    return gazetteer.by_insee(f"{prefix}{number:0{5 - len(prefix)}d}") if 1 <= number <= last else None


def _shortened(text: str, gazetteer: Gazetteer, department: str) -> tuple[Commune, ...]:
    starts: dict[str, list[Commune]] = {}
    for key, found in _names(gazetteer, department, NEAR).items():
        words = key.split()
        for size in range(1, len(words)):
            starts.setdefault(" ".join(words[:size]), []).extend(
                commune for commune in found if not commune.current_insee)
    for run in RUN.finditer(_without_institutions(text)):
        for token in TOKEN_BREAK.split(run.group()):
            key = normalise(token)
            candidates = starts.get(key, []) if len(key) >= MIN_SHORTENED else []
            if len(candidates) == 1:
                return (candidates[0],)
    return ()


def _communes_in(text: str, gazetteer: Gazetteer, department: str | None) -> tuple[Commune, ...]:
    return _communes_blanked(_blanked(text, gazetteer, department), gazetteer, department)


def _blanked(text: str, gazetteer: Gazetteer, department: str | None) -> str:
    return _without_institutions(_arrondissements_named(text, gazetteer, department))


def _communes_blanked(text: str, gazetteer: Gazetteer, department: str | None) -> tuple[Commune, ...]:
    """The communes a text names, its institutions blanked out (_blanked)."""
    names = _names(gazetteer, department)
    found: dict[str, Commune] = {}
    for run in NAME.finditer(text):
        named_after = SITE_OF.search(text, max(0, run.start() - 12), run.start())
        for part in AND.split(run.group()):
            tokens = [token for token in TOKEN_BREAK.split(part) if token]
            for commune in _longest_names(tokens, names, gazetteer.max_words, strict=department is None):
                if not named_after or department in (None, commune.department):
                    found.setdefault(commune.current_insee or commune.insee, commune)
    for commune in _misspelt(text, names):
        found.setdefault(commune.current_insee or commune.insee, commune)
    for pattern, code in CITY_ADJECTIVES:
        if pattern.search(text) and (city := gazetteer.by_insee(code)) and city.name in _names_of(names):
            found.setdefault(code, city)
    return tuple(found.values())


def _arrondissements_named(text: str, gazetteer: Gazetteer, department: str | None) -> str:
    """The text with its arrondissements written out as the gazetteer names them: « 13e arrondissement de Paris »
    and, in the département of Paris, « XIIIe arrondissement » become « Paris 13e »."""
    def named(found: re.Match[str]) -> str:
        city = found["city"] or (department and gazetteer.city_of_arrondissements(department))
        if not city:
            return found.group()
        numbers = re.findall(r"(\d+|[IVX]+)\s?[eè]", found["numbers"])
        return ", ".join(f"{city} {_number(number)}e" for number in numbers)
    return WRITTEN_OUT.sub(named, text) if "rrondissement" in text else text


def _number(written: str) -> int:
    """« 13 » or « XIII »: 13."""
    if written.isdigit():
        return int(written)
    values = [ROMAN[letter] for letter in written]
    return sum(-value if value < after else value for value, after in zip(values, [*values[1:], 0], strict=True))


def _names_of(names: dict[str, list[Commune]]) -> set[str]:
    return {commune.name for communes in names.values() for commune in communes}


def _misspelt(text: str, names: dict[str, list[Commune]]) -> list[Commune]:
    """The communes of a list (« sur les communes d'Annecy, …, Glières-Val-de Bornes et Filières ») whose name is
    written with a letter or two wrong."""
    found = []
    for listed in LISTED.finditer(text):
        for item in LIST_BREAK.split(listed["list"]):
            key = normalise(item)
            if item[:1].isupper() and key not in names and len(key.split()) <= MAX_LISTED_WORDS:
                found += [names[close][0] for close in difflib.get_close_matches(key, names, n=1, cutoff=CLOSE)]
    return found


def _names(gazetteer: Gazetteer, department: str | None,
           areas: dict[str, tuple[str, ...]] = AREAS) -> dict[str, list[Commune]]:
    if department is None:
        return gazetteer.names
    return gazetteer.names_in_departments(areas.get(department, (department,)))


def _without_institutions(text: str) -> str:
    """The text with the attack a trial judges, an event's name (« de Paris 2025 »), « tribunal administratif de
    Toulon », « préfet du Var », addresses (« 93007 Bobigny Cedex ») and datelines (« Grenoble, le ») blanked out."""
    for pattern in (TRIED, EVENT_NAMED, EVENT_YEAR, NOT_PLACES, STREET, ADDRESS, DATELINE):
        end = 0
        while found := pattern.search(text, end):
            end = found.end()
            if pattern is STREET and (name := RUN.match(text, end)):
                end = name.end()
            if pattern is NOT_PLACES and (name := NAMES.match(text, end)):
                end = name.end()
            text = text[:found.start()] + "_" * (end - found.start()) + text[end:]
            end = max(end, found.start() + 1)
    return text


def _longest_names(tokens: list[str], names: dict[str, list[Commune]], max_words: int,
                   strict: bool) -> list[Commune]:
    """The communes named by the longest runs of whole ``tokens`` (words or hyphenated names), left to right.
    In a run of mixed case a name must end the run's capitalised words: « Val » of « Val des Rougières »,
    « Paris » of « Paris La Défense » are none."""
    capitals = [index for index, token in enumerate(tokens) if token[0].isupper()]
    shouting = all(token.isupper() or not token.isalpha() for token in tokens)
    found, index = [], 0
    while index < len(tokens):
        if tokens[index][0].islower():  # a lower case word ends a name, never starts one (« Blois sur mer »)
            index += 1
            continue
        for end in range(min(len(tokens), index + max_words), index, -1):
            key = normalise(" ".join(tokens[index:end]))
            candidates = names.get(SECTORS.get(key, key), [])
            last = shouting or not any(capital >= end for capital in capitals)
            if candidates and last and (not strict or len(candidates) == 1):
                found.append(candidates[0])
                index = end
                break
        else:
            index += 1
    return found


def scope(title: str, deciding: str, found_communes: tuple[Commune, ...], named: tuple[str, ...],
          is_site: bool) -> str:
    """« department » when the title or the articles that decide say the whole département, else « site » for
    a named site, « commune » for communes (folded texts)."""
    title, deciding = NOT_AREAS.sub("_", title), NOT_AREAS.sub("_", deciding)
    if DEPARTMENT_WIDE.search(title) or DEPARTMENT_WIDE.search(deciding) or _department_coded(title, found_communes):
        return "department"
    if found_communes and WHOLE_COMMUNES.search(title):
        return "commune"
    if is_site or named and not found_communes:  # a place named in no commune named is a site
        return "site"
    return "commune" if found_communes else ""


def _department_coded(title: str, found_communes: tuple[Commune, ...]) -> bool:
    """Whether the title says a département by its name, its number or both (« dans les Hauts-de-Seine (92) »,
    « en Seine-Saint-Denis », « dans le 94 »), not a commune (« à Thiais (94) ») nor besides one (« à Paris et dans
    les Hauts-de-Seine (92) »)."""
    return not found_communes and bool(DEPARTMENT_CODED.search(title) or DEPARTMENT_NAMED.search(title))
