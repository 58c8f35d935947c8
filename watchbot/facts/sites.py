"""The named places of an act: its sites (« stade Félix Mayol », « gare de Lyon »), the areas of a town
(« quartier de la Beaucaire »), and a CCTV system's establishment. A named site is a run of words after a kind of
place (« stade Félix Mayol », « gare de Lyon », « quartier de la Beaucaire ») or before one (« Paris La Défense
Arena »).
"""

from __future__ import annotations

import itertools
import re
from typing import Iterable

from watchbot.core.departments import DEPARTMENTS
from watchbot.core.models import Commune
from watchbot.facts.gazetteer import normalise
from watchbot.facts.places import CAPITAL, TRIED

SITE_WORDS = ("stade", "stadium", "arena", "aréna", "gare", "gares", "station", "stations", "station de métro",
              "stations de métro", "station du métro", "aéroport", "port",
              "hippodrome", "vélodrome", "circuit", "autoroute", "parc des expositions", "palais", "centre de rétention",
              "local de rétention", "centre commercial", "basilique", "cathédrale", "esplanade", "plage", "lac",
              "bois", "village", "parvis", "site", "salle", "théâtre", "zénith", "musée", "archives", "collège",
              "lycée", "école", "hôpital", "centre hospitalier", "parc", "ambassade", "ministère", "sanctuaire",
              "hypercacher", "foire", "parking", "terril", "terrils", "route", "domaine", "château", "citadelle",
              "prison", "centre pénitentiaire", "maison d'arrêt", "maison d’arrêt", "maison centrale", "mémorial",
              "nécropole", "nécropole nationale", "cimetière", "base de loisirs", "base nautique", "complexe sportif",
              "jardin", "abbaye", "église", "beffroi", "établissement", "dépendance", "synagogue", "mosquée", "temple",
              "chapelle", "opéra", "piscine", "gymnase", "centre aquatique", "halle")
AREA_WORDS = ("quartier", "secteur", "place", "centre-ville", "cité", "avenue", "rue", "boulevard", "cours", "allée",
              "allées", "chemin", "quai", "impasse", "marché", "marchés", "zone industrielle",
              "ZI", "zone d'activités", "zone d’activités", "ZAC")  # a market takes streets and squares of a town
# A quartier, a secteur, a town centre, an industrial zone (« dans les périmètres du Val de Souchez et de la ZI des
# Alouettes (rue Georges Carpentier, …, Château d’eau, chemin de Lens) »): the streets named with it only locate it.
BEARINGS = ("quartier", "secteur", "cité", "centre-ville", "zone industrielle", "zi",
            "zone d'activités", "zone d’activités", "zac")
STREETS = ("rue", "avenue", "boulevard", "cours", "allée", "allées", "chemin", "quai", "impasse")
# The squares and roads named in a list of streets (« à Arras, place des Héros, rue de la Taillerie et place du
# Théâtre ») are ways of that list: the list says where in the commune, it names no place.
SQUARES = ("place", "route")
LISTED_WITH = re.compile(r"\s*(?:(?:[,\n•–-]|\bet\b)\s*)+(?:(?:la|le|les)\s+|l['’])?")
# A number after an article counts something (« du secteur des 3, 30 à 34 avenue de Paris »): it is no name.
COUNTED_ONLY = re.compile(r"^\s*(?:de la|de l['’]|du|des|de|d['’]|la|le|les|l['’])\s*[\d\s-]+$", re.IGNORECASE)
# A town centre, a secteur or a quartier however named (« dans le secteur de l’établissement du "Bataclan" »).
AREA = re.compile(r"(?i)\bcentre-ville\b|\b(?:dans|sur) le (?:secteur|quartier)\b")
_ARTICLE = r"(?:\s+(?i:de la|de l'|de l’|de l□|du|des|de|d'|d’|l'|l’|la|le|les))"
_KINDS = "|".join(sorted((*SITE_WORDS, *AREA_WORDS), key=len, reverse=True))


def _initials(words: Iterable[str]) -> str:
    """A look-ahead on the words' first letters, in either case: the engine then passes over the other
    positions quickly (two to three times faster on the Var's acts than trying each word everywhere)."""
    letters = {case(word[0]) for word in words for case in (str.lower, str.upper)}
    return r"(?<!\w)(?=[" + re.escape("".join(sorted(letters))) + "])"


# The kinds of place as a name starts with them (« Stade », « Parc des expositions »), longest first.
_CAPITALISED_KINDS = "|".join(sorted({word[0].upper() + word[1:] for word in SITE_WORDS}, key=len, reverse=True))
# Lower-case words end a name, but not « de », « du »… before a capital (« Quartier du Pont du Las »), and
# « COLLÈGE DU MONTOIS » is one name.
_STOP = (r"(?=\s*(?:[,;:()\n«».…]|\s(?:à|a|au|aux|le|les|dans|pour|sur|en|et|entre|ainsi|afin|lors|situé|sis|"
         r"depuis|jusqu'à|vers|comme|d['’]une?|(?:du|de|des)(?!\s+(?:la\s+|l['’□])?[A-ZÀ-ÖØ-Þ]))\s|$))")
# A kind of place with a word that qualifies it names it (« vélodrome national », « théâtre antique », « stade
# municipal Jean Bouin », « domaine national de Saint-Cloud »); not a site, a road (« site olympique du vélodrome »,
# « route départementale »).
QUALIFIERS = (r"(?:nationale?|antique|olympique|municipale?|communale?|d[ée]partementale?|r[ée]gionale?|"
              r"internationale?|nautique|aquatique|omnisports|couverte?)")
_QUALIFIED_WORDS = [word for word in SITE_WORDS if word not in ("site", "route")]
_QUALIFIED = re.compile(
    _initials(_QUALIFIED_WORDS) + r"(?i:\b(?P<kind>" + "|".join(sorted(_QUALIFIED_WORDS, key=len, reverse=True))
    + r")\b)"
    r"(?P<name>\s+(?i:" + QUALIFIERS + r")\b(?:" + _ARTICLE + r"?\s+[A-ZÀ-ÖØ-Þ][^,;:()\n«»]{0,60}?)?)" + _STOP)
# A day after a place names no place (« à Paris La Défense Aréna le 13 décembre 2025 »).
_DAY = (r"\d{1,2}(?:er)?\s+(?i:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|"
        r"d[ée]cembre)\b")
# « site du Lac de l'Arrêt Darré » names the lake: « site » before another kind of place is none itself.
_SITE = re.compile(
    _initials((*SITE_WORDS, *AREA_WORDS)) + r"(?i:\b(?P<kind>"
    + _KINDS.replace("|site|", r"|site(?!(?:\s+" + QUALIFIERS + r")?" + _ARTICLE + r"?\s*(?:" + _KINDS + r")\b)|")
    + r")\b)"
    r"(?P<name>" + _ARTICLE + r"?\s*(?!\s*" + _DAY + r")[«\"“]?\s*[A-ZÀ-ÖØ-Þ0-9][^,;:()\n«»]{0,60}?)" + _STOP)
# A kind of place written with a capital starts a name, lower-case words included (« au Palais de justice de
# Paris », « au Village du rugby »); so does a ministry, whose name French writes in lower case.
_PROPER = re.compile(
    r"\b(?P<kind>" + _CAPITALISED_KINDS
    + r"|(?i:minist[èe]re))(?P<name>\s+(?:(?:de la|de l'|de l’|du|des|de|d'|d’)\s*|(?!(?:le|la|les|à|a|au|aux|et|en|pour|sur|dans|du|de|des)\b))[a-zà-öø-ÿ](?![’'□])[^,;:()\n«»]{0,60}?)" + _STOP)
# « cyclisme sur route »: a kind of place after « sur » without an article is no place.
GENERIC = re.compile(r"\bsur\s$")
# A venue named by its proper name alone after « au », « à la », « aux abords de l' », « devant le », « sur les »… (« au
# Panthéon », « au Champ de Mars », « aux abords de l'Assemblée nationale »); a person after it is none of its name
# (« au Panthéon de Marie CURIE »).
_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ][\w'’]*(?:-[\w'’]+)*"
_BEFORE_VENUE = (r"(?:au|aux|à l['’]|à la|(?:(?:aux\s+)?abords|enceinte|proximit[ée]|autour|site)\s+(?:du|de la|de l['’]|des)|"
                 r"(?:devant|sur)\s+(?:le|la|l['’]|les))")
ALONE = re.compile(rf"\b{_BEFORE_VENUE}\s*(?P<name>{_WORD}(?:\s+{_WORD})*"
                   rf"(?:\s+(?:de la|de l['’]|du|des|de|d['’])\s*{_WORD}(?!\s+[A-ZÀ-ÖØ-Þ]))?(?:\s+{QUALIFIERS})?)"
                   r"(?=[\s,;:().…]|$)")
# Its first word is not an event, an institution, a person's rank or a text (« aux Jeux Olympiques », « au Conseil
# d'État », « au Général de Gaulle », « au Journal officiel »).
NOT_VENUES = re.compile(r"(?:Jeux|Championnats?|Coupe|Tour|Mondial|Festival|Marathon|Semi|Forum|Sommet|Salon|"
                        r"Grand Prix|Troph[ée]e|Conseil|Tribunal|Pr[ée]sident|Premier|Ministre|Gouvernement|Maire|"
                        r"Pr[ée]f[eè]t|Procureur|Directeur|Directrice|Code|Journal|Recueil|Bulletin|Titre|Article|"
                        r"Chapitre|Service|Commissariat|Parquet|Cabinet|D[ée]partement|Nord|Sud|Est|Ouest|Occasion|"
                        r"Pr[ée]fecture|Direction|Demande|R[ée]publique|France|Europe|Territoire|Commune|Ville|Ensemble|"
                        r"G[ée]n[ée]ral|Colonel|Capitaine|Commandant|Lieutenant|Mar[ée]chal|Docteur|Professeur|Monsieur|"
                        r"Madame|Morts|Victimes)\b")
# A département or a region is no venue (« sur la Seine-Saint-Denis », « sur l'Île-de-France »).
NOT_VENUE_AREAS = {normalise(name) for name in (*DEPARTMENTS.values(), "Île-de-France")}
# A title cut short after a kind of place (« … sur le site du Stade ») names a site.
ENDS_WITH_KIND = re.compile(
    r"\b(?:" + _CAPITALISED_KINDS + r")\s*$")
# A title cut short by the Sommaire: « sur le site de Paris La... », « sur le site de l'Arena... ».
CUT = re.compile(r"\s*(?:\.\.\.|…)")
# A fair or a festival a title names where it names no venue is the place (« à l'occasion du salon international de
# l'agriculture », « à Villepinte dans le cadre du festival Dream Nation »); where it does, the venue is.
EVENT = re.compile(r"\b(?i:salon|festival)(?:\s+(?i:" + QUALIFIERS + r"))?(?:" + _ARTICLE + r"?\s*[A-ZÀ-ÖØ-Þ]"
                   r"[^,;:()\n«»]{0,60}?|\s+(?:de la|de l['’]|du|des|de|d['’])\s*[a-zà-öø-ÿ][\w'’]+)" + _STOP)
TRUNCATED = re.compile(r"(?i:\b(?P<kind>" + _KINDS + r")\b)[^,;:()\n]{0,40}?(?:\.\.\.|…)")
RECOUNTED = re.compile(r"(?i:\bquartier)\s+(?:(?i:de la|de l'|de l’|du|des|de|d'|d’)\s*)?"
                       r"(?P<name>(?:(?:La|Le|Les|L')\s*)?[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s+(?:du|de|des|de la)?\s*[A-ZÀ-ÖØ-Þ][\w'’-]*)*)")
# The prefecture's own site (« consultable sur le site de la Préfecture »), its website.
# The websites where an act is published or challenged (« le site Télérecours citoyens », « le site Légifrance »).
NOT_SITES = re.compile(r"(?i)^\s*(?:de la |de l'|de l’|du )?(?:pr[ée]fecture|sous-pr[ée]fecture|internet|"
                       r"t[ée]l[ée]recours|l[ée]gifrance|www\b|service-public)")
# A CCTV authorisation's title names the establishment: « … vidéoprotection pour le magasin JD SPORTS — Rosny »,
# « Vidéoprotection-Archives municipales-Le Mans ».
# « VP 1219 - CLG DU MONTOIS à Donnemarie Dontilly »: « VP » for vidéoprotection in a Sommaire title; « … à
# l'UDAF 90 ».
ESTABLISHMENT = re.compile(r"(?:(?i:vid[ée]o\s?-?protection|vid[ée]osurveillance)|\bVP\b(?:\s+\d+)?)\s*"
                           r"(?:(?i:pour|de)\s+(?:(?i:l'|l’|le |la |les )?(?i:[ée]tablissement|magasin|soci[ée]t[ée]|"
                           r"espace|bijouterie|enseigne|commerce)\s+)?|(?P<dash>-)\s*|(?i:à l'|à l’|au |à la ))(?P<name>[^\n]{2,80}?)(?=\s+(?:à|a|—|–|-)\s+\S|\s*-\s*\S+\s*-|$)",
                           re.MULTILINE)
# An address (« place Beauvau - 75008 PARIS », the prefecture's own) is no place of the measure.
POSTAL = re.compile(r"\b\d{2} ?\d{3}\b")  # « 62 020 ARRAS Cedex »
DASHES = re.compile(r"\s+[-–—]+\s+")
ABBREVIATED = ((re.compile(r"\bCLG\b"), "COLLÈGE"), (re.compile(r"\bclg\b", re.IGNORECASE), "collège"))
QUOTES = re.compile(r"[«»\"“”]")  # « l'établissement du "Bataclan" »: the name is Bataclan
GLUED_NUMBER = re.compile(r"(?<=[^\W\d]{3})\d{1,3}$")  # « Mayol8 », not « A5 »
NUMBERS = (r"(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente|"
           r"quarante|cinquante|soixante|cent)(?:[\s-]+(?:et[\s-]+)?(?:un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix))?")
# « deux gares parisiennes de la SNCF », « 46 stations de la RATP »: sites counted, not named.
COUNTED = re.compile(r"\b(?:(?:\d{1,3}|" + NUMBERS + r")\s+(?:gares|stations)\b|"
                     r"une\s+(?:gare|station)\s+(?=parisienne|de\s+m[ée]tro|SNCF|RATP|de\s+la\s+(?:SNCF|RATP)))"
                     r"[^,;:()\n]{0,80}?"
                     r"(?=\s+(?:d'un|d’un|d'une|d’une|à l'occasion|à l’occasion|pour|du|le|les)\b|[,;:()\n]|$)")
ROAD = re.compile(r"\bR[ND]\s?\d{1,4}\b")  # « RN 104 »: a route nationale, a route départementale
_NAMED_BEFORE = re.compile(rf"((?:{CAPITAL}\s+){{1,3}}(?:Arena|Aréna|ARENA|Stadium|Dôme))")
# « R.A.T.P. »: an acronym is written with or without its dots.
DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")
# The streets that bound a zone (« dans la zone située entre l'avenue du 8 mai 1945, la rue … et le ruisseau »)
# draw its edge: they are no places of the measure.
_WAYS = r"(?i:rue|avenue|boulevard|all[ée]e|chemin|route|quai|cours)\b"
_BOUND = r"(?:l['’]|la\s+|le\s+|les\s+|" + _WAYS + r")[^,;.]{1,60}?(?=\s*[,;.]|\s+et\s+|\s*$)"
BOUNDS = re.compile(r"(?i:\bentre|\bd[ée]limit[ée]e?s?\s+par)\s+(?=(?:l['’]|la\s+|le\s+|les\s+)" + _WAYS + ")"
                    + _BOUND + r"(?:(?:\s*,\s*|\s+et\s+)" + _BOUND + ")*")
# A secteur or a quartier named by a street (« dans le secteur Boulevard de la Lazarine et la rue … ») is that
# street.
STREET_NAMED = re.compile(r"(?i)^\s*(?:de la |de l'|du |des )?(?:rue|avenue|boulevard|all[ée]e|chemin|route|quai)\b")
LEADING_ARTICLE = re.compile(r"^\s*(?:de la|de l['’]|du|des|de|d['’])\s*", re.IGNORECASE)
# The names transport operators go by (« 46 stations de la Régie autonome des transports parisiens », misspelt
# « Région autonome » too).
OPERATORS = ((re.compile(r"(?i)r[ée]g(?:ie|ion) autonome des transports parisiens"), "RATP"),
             (re.compile(r"(?i)soci[ée]t[ée] nationale des chemins de fer fran[cç]ais"), "SNCF"))


def establishment(title: str, found_communes: tuple[Commune, ...]) -> tuple[str, ...]:
    """The establishment a CCTV authorisation's title names, not its commune (« à l'UDAF 90 », not « au Mans »);
    and where the title is parts between dashes up to its commune, each part (« - Blue Box - Centre Commercial
    les Eleis - Cherbourg-en-Cotentin »), while after « pour le magasin JD SPORTS — » comes its company."""
    found = ESTABLISHMENT.search(title)
    if not found or _is_commune(found["name"], found_communes):
        return ()
    named = [found["name"]]
    parts = DASHES.split(title[found.end("name"):].split("\n", 1)[0])[1:]
    if found["dash"] and any(_is_commune(part, found_communes) for part in parts):
        named += [part for part in itertools.takewhile(lambda part: not _is_commune(part, found_communes), parts)]
    return tuple(_tidy(_spelt_out(name)) for name in named)


def _is_commune(name: str, found_communes: tuple[Commune, ...]) -> bool:
    key = normalise(name)
    return any(key.startswith(normalise(commune.name)) or normalise(commune.name).startswith(key)
               for commune in found_communes)


def _spelt_out(name: str) -> str:
    for short, long in ABBREVIATED:
        name = short.sub(long, name)
    return name


def sites(texts: list[str], found_communes: tuple[Commune, ...] = (),
          considerants: str = "") -> tuple[tuple[str, ...], bool]:
    """The named places of the first text that names any, and whether one is a site (not an area of a town);
    else the quartier the considérants tell of more than once (recounted).
    A name cut short (« sur le site de l'Arena... ») is a site without a name, and so is a site named by its
    commune (« sur le site de Vaires-sur-Marne »); streets named with a quartier locate it (« dans le quartier
    de la Gabelle, dans un rayon de 500 m de la rue Marcel Pagnol »)."""
    for index, text in enumerate(map(_prepared, texts)):
        if (found := _sites_in(text, found_communes, title=index == 0)) is not None:
            return found
    return recounted(considerants), False


def _sites_in(text: str, found_communes: tuple[Commune, ...],
              title: bool = False) -> tuple[tuple[str, ...], bool] | None:
    """The named places of one text and whether one is a site; None where it names and locates none. A title
    also names a venue by its proper name alone (« au Panthéon »), and may be cut after a kind of place."""
    kinds = [(match, match["kind"].lower())
             for pattern in (_SITE, _PROPER, _QUALIFIED) for match in pattern.finditer(text)
             if not NOT_SITES.match(match["name"]) and not POSTAL.search(match["name"])
             and not GENERIC.search(text, max(0, match.start() - 4), match.start())]
    listed = _listed_squares(kinds, text)
    if any(kind in BEARINGS for _, kind in kinds):
        kinds = [(match, kind) for match, kind in kinds if kind not in STREETS]
    located = [(match, kind) for match, kind in kinds if _only_locates(match, kind, found_communes)]
    streets = [(match, kind) for match, kind in kinds if kind in STREETS] + listed
    named = [(_tidy(match["kind"] + match["name"]), kind not in AREA_WORDS) for match, kind in kinds
             if not CUT.match(text, match.end()) and (match, kind) not in located + streets
             and not COUNTED_ONLY.match(match["name"])]
    named += [(_tidy(match.group(1)), True) for match in _NAMED_BEFORE.finditer(text)]
    named += [(_tidy(match.group()), True) for pattern in (COUNTED, ROAD) for match in pattern.finditer(text)]
    named += [(name, True) for name in (_venues_alone(text, found_communes) if title else ())]
    area = any(kind in BEARINGS for _, kind in kinds) or AREA.search(text)
    if not named and title:
        named += [(_tidy(found.group()), False) for found in EVENT.finditer(text)]
    if named:  # a quartier or a town centre is part of a commune, a site in it or not
        places = _longest(tuple(dict.fromkeys(name for name, _ in named)))
        return places, any(is_site for _, is_site in named) and not area
    if located or title and ENDS_WITH_KIND.search(text) or any(
            found["kind"].lower() in SITE_WORDS for found in TRUNCATED.finditer(text)):
        return (), not area
    return ((), False) if streets else None  # streets locate the measure in its commune


def _venues_alone(text: str, found_communes: tuple[Commune, ...]) -> list[str]:
    """The venues named by a proper name alone (« au Panthéon », « au Champ-de-Mars »), not a commune (« au
    Mesnil-Amelot ») or a département, nor a kind of place whose name is cut off (« sur le site du Stade »)."""
    return [found["name"] for found in ALONE.finditer(text) if not NOT_VENUES.match(found["name"])
            and not CUT.match(text, found.end()) and not ENDS_WITH_KIND.match(text, found.start("name"))
            and normalise(found["name"]) not in NOT_VENUE_AREAS
            and not any(normalise(commune.name).endswith(normalise(found["name"])) for commune in found_communes)]


def _listed_squares(kinds: list[tuple[re.Match[str], str]], text: str) -> list[tuple[re.Match[str], str]]:
    """The squares and roads named in a run of ways, one after the other, with a street among them, and the
    landmarks named after a street of the run (« rue Marcel Caron, Château d'eau, chemin de Lens »; not « site le
    Virval et boulevard des Justes »)."""
    ways = sorted((found for found in kinds if found[1] not in BEARINGS), key=lambda found: found[0].start())
    runs: list[list[tuple[re.Match[str], str]]] = []
    for way in ways:
        if runs and LISTED_WITH.fullmatch(text, runs[-1][-1][0].end(), way[0].start()):
            runs[-1].append(way)
        else:
            runs.append([way])
    return [way for run in runs if any(kind in STREETS for _, kind in run) for index, way in enumerate(run)
            if way[1] in SQUARES or way[1] not in STREETS and any(kind in STREETS for _, kind in run[:index])]


def _prepared(text: str) -> str:
    """The text with transport operators and acronyms written one way, and without what names no place of the
    measure: the streets that bound a zone, the place of the attack a trial is about."""
    for long, short in OPERATORS:
        text = long.sub(short, text)
    text = DOTTED.sub(lambda found: found.group().replace(".", ""), text)
    for pattern in (BOUNDS, TRIED):
        text = pattern.sub(lambda found: "_" * len(found.group()), text)
    return text


def _only_locates(match: re.Match[str], kind: str, found_communes: tuple[Commune, ...]) -> bool:
    """Whether a named place only says where: a secteur named by its street, a site named by its commune. A
    quartier named after a way is a quartier (« quartier du Chemin Vert »)."""
    if kind == "secteur":
        return bool(STREET_NAMED.match(match["name"]))
    name = normalise(LEADING_ARTICLE.sub("", match["name"]))
    return kind == "site" and any(name == normalise(commune.name) for commune in found_communes)


def recounted(considerants: str) -> tuple[str, ...]:
    """The quartier the considérants tell of more than once (« des tirs … dans le quartier de La Beaucaire »),
    where the act's title and articles name no place: the facts that justify the measure happened there."""
    counts: dict[str, list[str]] = {}
    for match in RECOUNTED.finditer(considerants):
        counts.setdefault(normalise(match["name"]), []).append(_tidy(match.group()))
    return tuple(names[0] for names in counts.values() if len(names) > 1)[:1]


def _tidy(name: str) -> str:
    """One line, without quotes nor the page number extraction glues to a name's last word (« Stade Félix Mayol8 »)."""
    return GLUED_NUMBER.sub("", " ".join(QUOTES.sub("", name).split())).strip(" -–'’")


def _longest(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names without those read inside a longer one (« stations de la RATP » of « 46 stations de la RATP »)."""
    return tuple(name for name in names if not any(name != other and name in other for other in names))
