"""Read an act's facts (SPEC §9): what it authorises or bans, where, when, why, by whom, with how many cameras.

An act is read as a legal document (``watchbot.match.zones``): its title first (the Sommaire's and the one
printed on its first page), then its dispositif (the articles), then its considérants; never its visas,
which cite other acts, nor its signature, whose date is not the measure's. Considérant clauses that quote
a law (« l'article L. 242-5 … permet … ») are left out too: they list every purpose the law allows, not
the one this act serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Collection

from watchbot.core.models import Act, Commune, Facts
from watchbot.core.text import one_line
from watchbot.facts import places, sites
from watchbot.facts.dates import Span, act_date, lone_slots, periods, signed_on
from watchbot.facts.gazetteer import Gazetteer, gazetteer
from watchbot.match.normalize import fold
from watchbot.match.vocabulary import Term, Vocabulary
from watchbot.match.zones import CONSIDERANTS, DISPOSITIF, SIGNATURE, TITLE, zones

# The first words that say what the act does to an act that exists: the earliest one in the title wins, so
# « modifiant l'arrêté … portant renouvellement … » is a modification; what a demonstration asks for (« pour
# l'abrogation de la loi », « contre la modification ») is none.
KIND_WORDS = re.compile(r"\b(?<!pour l')(?<!contre l')(?<!pour la )(?<!contre la )"
                        r"(?:(?P<repeal>abrog(?:ation|eant)|portant retrait|retirant|retrait d(?:e l'|u |es ))"
                        r"|(?P<modification>modifi(?:ant|catif|cative|cation)|completant|rectifi(?:ant|catif|cative))"
                        r"|(?P<renewal>renouvel(?:ant|lement)|reconduisant|reconduction)"
                        r"|(?P<extension>prorog(?:eant|ation)|prolong(?:eant|ation)))")
# A repeal's title that names what the act does besides (folded): « abrogeant et remplaçant l'arrêté … », « abrogeant
# l'arrêté n° … et portant autorisation d'installer … »; not « portant abrogation et refus d'autorisation », nor the
# « et » of the title it quotes (« … et différentes mesures »).
REPLACING = re.compile(r"\babrog\w*\s+et\s+rempla|\babrog\w*\b.*\bet\s+(?:portant|autorisant|instituant|"
                       r"instaurant|interdisant|creant)\b")
# An act whose title says nothing of another may still repeal one first: « Article 1er : le présent arrêté abroge
# l'arrêté n° 2025/BSP/PP/005 … », « L'arrêté … est abrogé. »
REPEALS = re.compile(r"\bpresent arrete abroge\b|\barretes?\b[^.;]{0,120}\b(?:est|sont) abroge(?:e|s|es)?\b")
NUMBERS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
           "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
           "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50}
_NUMBER = r"(?P<n>\d{1,3}|" + "|".join(NUMBERS) + r")(?:\s?\(\d{1,3}\))?"  # « deux (2) »
# « Le nombre maximal de caméras pouvant procéder simultanément aux traitements est fixé à : deux (2) »,
# « … ne peut excéder 2 », « Nombre de caméras : 2 »; « au moyen d'une caméra », « 2 caméras installées sur »,
# « un drone équipé d'une caméra ». An aircraft is no camera: « au moyen de deux hélicoptères » says no number.
CAMERAS = (
    re.compile(r"nombre (?:maximal |maximum )?de cameras[^.;]{0,160}?(?:(?:fixe|porte|limite) a|est de|"
               r"(?:ne )?(?:peut|pourra|doit) (?:pas )?exceder|:)\s?:?\s" + _NUMBER + r"\b"),
    re.compile(r"nombre (?:maximal |maximum )?de cameras\s?[:|]?\s?" + _NUMBER + r"\b"),
    re.compile(r"(?:au moyen|equipee?s?) (?:de |d')" + _NUMBER + r" cameras?\b"),
    re.compile(r"\b" + _NUMBER + r" cameras?[ -](?:aeroportees?|installees? sur|embarquees?|pietons?|individuelles?|"
               r"de video-?protection)"),
)
# A CCTV system's cameras, counted where the authorisation lists them: « comportant 13 caméras intérieures »,
# « comportant 2 caméras intérieures et 4 caméras extérieures », « comportant : « 5camérasintérieures;
# + 1caméra extérieure ».
SYSTEM_CAMERAS = re.compile(r"comportant ?(?::\s?\"?\s?)?((?:\d{1,3} ?|[a-z]+ )cameras?(?: ?[a-z]+)?"
                            r"(?:(?:,|;?\s?\+)? (?:et )?(?:\d{1,3} ?|[a-z]+ )cameras?(?: ?[a-z]+)?)*)")
COUNT = re.compile(r"(\d{1,3}|[a-z]+) ?cameras?")
ACT_DAY = re.compile(r"\b\w{2,3}-(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})-\d{3,5}\b")
ACT_YEAR = re.compile(r"(?<!\d)(?P<y>20\d{2})[-/ ]?\d{3,5}\b")  # « 2023-01562 », « DUPA-2024-1564 »
# A title's words after it names another act describe that act (« modifiant l'arrêté … du 10 février 2026 … »).
OTHER_ACT = re.compile(r"\b(?:de |d')?l'arrete\b|\bl'ap\b")
# A bundle of acts (a CCTV commission's decisions): its acts have their own facts, the bundle none. « Arrêtés
# 2025-BSP-OP-38 portant … » is one act.
BUNDLE = re.compile(r"^\W*(?:arretes\b(?!\s+(?:n\s?°\s?)?\d)|commission departementale\b)|\bissus de la commission|"
                    r"\bcommunication des arretes")
# An act says what it does in its first pages; a longer one (a bundle not recognised as one, an annex of
# plans) is read that far only, which bounds the time facts take.
MAX_TEXT = 40_000  # characters: some fifteen pages
PAGE_NUMBER = re.compile(r"\s+\d{1,3}$")  # a running line's page number: « … de la Cathédrale Notre-Dame de Paris 9 »
# A footer glued to a page's last sentence: « … de 14h00 à 21h00.Préfecture du VAR - 83-2025-01-08-00003 - … ».
GLUED_FOOTER = re.compile(r"[.;:](?=[^.;:]{0,60}\s-\s*$)")
RUNNING_LINE = 25  # characters: a shorter line of the title may be a word of the act's own text
OLDEST = timedelta(days=366)  # a period starting longer before the act is an event it recalls
# « que le 4° du même article permet … la régulation des flux de transport » quotes the law as well.
LAW_CLAUSE = re.compile(r"article\s+[lr]\.?\s*\d|\bcode de\b|\bloi n|\bdispositions susvisees\b|"
                        r"\bmeme (?:article|code)\b")
# The threat level the whole country lives under (« la posture Vigipirate », « la menace terroriste sur le
# territoire national ») is the setting of every act of its time, not the purpose of this one.
NATIONAL_THREAT = re.compile(r"vigipirate|urgence attentat|menace terroriste[^;]{0,40}territoire national|"
                             r"peser sur la france")
CLAUSE = re.compile(r"[^;]+")
# Not « l'article L. 511-1 »; the dot first, so that the engine looks behind at dots only (8 times faster).
SENTENCE_END = re.compile(r";|\.(?:\s*\n|\s+(?=[Aa]rticle\b)|(?<=[^\W\d_]{3}\.)\s)")
DECIDES = re.compile(r"autoris|interdi|instaur|institu|renouvel|prorog|prolong|\bcree\b|est fixe")
# Who enforces a ban is named in its last article (« … sont chargés de l'exécution »); who checks the people
# entering a protection perimeter, in the article on searches.
ENFORCES = re.compile(DECIDES.pattern + r"|\bcharges?\b")
CHECKS = re.compile(r"\binstaure|\binstitue|(?:realise|effectue|accompli)e?s? par|responsable du dispositif")
BANS = frozenset({"demonstration_ban", "rave_ban"})
PRIVATE_SYSTEMS = frozenset({"videoprotection"})
CATEGORY_PURPOSES = {"rave_ban": "rave", "silt_perimeter": "terrorisme", "demonstration_ban": "manifestation"}


@dataclass(frozen=True)
class ActText:
    """The raw text of an act's zones that facts are read from."""

    title: str
    dispositif: str
    considerants: str
    signature: str

    @classmethod
    def of(cls, act: Act) -> ActText:
        parts: dict[str, list[str]] = {TITLE: [act.title or ""], DISPOSITIF: [], CONSIDERANTS: [], SIGNATURE: []}
        zone, budget = TITLE, MAX_TEXT
        for page in act.pages:
            if budget <= 0:
                break
            text = _without_running_lines(page.text[:budget].replace("\xa0", " "), act.ref, one_line(act.title or ""))
            budget -= len(page.text)
            for name, start, end in zones(text, zone):
                zone = name  # where the next page starts
                if name in parts:
                    parts[name].append(text[start:end])
        return cls(*("\n".join(parts[name]) for name in (TITLE, DISPOSITIF, CONSIDERANTS, SIGNATURE)))


def read_facts(act: Act, vocabulary: Vocabulary, categories: Collection[str] = (), department: str | None = None,
               published: date | None = None, communes_of: Gazetteer | None = None) -> Facts:
    """The facts of one act; ``department`` (the source's) narrows the communes looked for, ``published`` (the
    RAA's date) stands for the act's date when the act gives none."""
    if BUNDLE.search(fold(act.title or "")):
        return Facts(kind="")
    text = ActText.of(act)
    title, dispositif = fold(text.title), fold(text.dispositif)
    considerants = _own_clauses(fold(text.considerants))
    act_day = _act_day(act.ref, fold(text.signature), title) or published
    act_kind = _repealing(kind(title), dispositif)
    own_title = title if act_kind == "initial" else OTHER_ACT.split(title, maxsplit=1)[0]
    period = _period([dispositif, own_title], act_day)
    found = places.communes([*_whole_title(act), text.title, text.dispositif], communes_of or gazetteer(), department)
    named, is_site = _places(text, categories, found)
    scope = places.scope(title, ";".join(_deciding(dispositif, DECIDES)), found, named, is_site)
    if scope == "department":  # the communes it names are parts of it (forests, roads) or addresses
        found = ()
    return Facts(kind=act_kind, start=period.start, end=period.end, times=period.times, communes=found,
                 scope=scope, places=named,
                 purposes=_purposes(vocabulary.purposes, [title, dispositif, considerants], categories),
                 operators=_operators(vocabulary.operators, title, dispositif, categories),
                 cameras=_cameras([dispositif, title], fold(text.considerants)))


def _whole_title(act: Act) -> list[str]:
    """The act's own title, unless the Sommaire cut it short: the communes it names are the measure's, where its
    first page may also carry the end of the RAA's Sommaire, which names others."""
    title = (act.title or "").rstrip()
    return [] if title.endswith(("...", "…")) else [title]


def kind(title: str) -> str:
    """What the act does to the acts it names, from its folded title: initial unless it says otherwise."""
    found = KIND_WORDS.search(title)
    return found.lastgroup if found and found.lastgroup else "initial"


def replaces(facts: Facts, title: str) -> bool:
    """Whether a repeal puts a measure of its own in place: it states its own period, where a repeal alone states
    none (« le présent arrêté abroge l'arrêté … ; il est instauré un périmètre … le 19 avril »); or its title names
    what it does besides (« abrogeant l'arrêté n° … et portant autorisation d'installer … »), or only that, its
    articles repealing the act before it (« portant autorisation d'un système de vidéoprotection » whose last
    article says « l'arrêté du 3 mars 2020 est abrogé »)."""
    if facts.kind != "repeal":
        return False
    folded = fold(title)
    return facts.start is not None or kind(folded) != "repeal" or bool(REPLACING.search(folded))


def _repealing(title_kind: str, dispositif: str) -> str:
    return "repeal" if title_kind == "initial" and REPEALS.search(dispositif) else title_kind


def _own_clauses(considerants: str) -> str:
    return ";".join(clause for clause in CLAUSE.findall(considerants) 
                    if not LAW_CLAUSE.search(clause) and not NATIONAL_THREAT.search(clause))


def _act_day(ref: str | None, signature: str, title: str) -> date | None:
    """The act's date: in its identifier (« 83-2025-02-10-00001 »), else its signature's, else its title's."""
    if ref and (found := ACT_DAY.search(ref)):
        return date(int(found["y"]), int(found["m"]), int(found["d"]))
    days = [day for day in [signed_on(signature)] if day] or [span.end for span in periods(signature, None) if span.end]
    if days or (days := [day for day in [act_date(title)] if day]):
        return days[-1]
    if ref and (year := ACT_YEAR.search(ref)):
        return date(int(year["y"]), 1, 1)
    return None


def _without_running_lines(text: str, ref: str | None, title: str) -> str:
    """A page without its header and footer lines, which repeat the act's identifier and its title."""
    lines = (_before_footer(line, ref) for line in text.split("\n"))
    return "\n".join(line for line in lines if line is not None and not _in_title(line, title))


def _before_footer(line: str, ref: str | None) -> str | None:
    """The line, or what a footer naming the act was glued to, or None."""
    if not ref or ref not in line:
        return line
    head = line[:line.index(ref)]
    end = GLUED_FOOTER.search(head)
    return head[:end.end()] if end else None


def _in_title(line: str, title: str) -> bool:
    head = line.strip()[:RUNNING_LINE]
    return len(head) == RUNNING_LINE and head.split()[0] in title and PAGE_NUMBER.sub("", one_line(line)) in title


def _period(texts: list[str], act_day: date | None) -> Span:
    """The span from the earliest to the latest day of the first text that states a period; its hours, else
    those a deciding sentence gives apart (« Article 2 – La captation est autorisée de 10h00 à 18h00 »), else
    those of the title, which names the same operation."""
    for index, text in enumerate(texts):
        spans = [span for span in periods(text, act_day) if not _recalled(span, act_day)]
        starts = [span.start for span in spans if span.start]
        ends = [span.end for span in spans if span.end]
        if starts or ends:
            times = _times(spans) or lone_slots(";".join(_deciding(text, DECIDES)))
            for other in texts[index + 1:]:
                times = times or _times(periods(other, act_day))
            return Span(min(starts, default=None), max(ends, default=None), times, spans[0].at)
    return Span(None, None, (), 0)


def _times(spans: list[Span]) -> tuple[str, ...]:
    """The slots of the spans; a start hour alone (« à 07h00 ») is the same slot as a whole one starting then."""
    times = dict.fromkeys(time for span in spans for time in span.times)
    return tuple(time for time in times if not (time.endswith("-") and any(
        other.startswith(time) and other != time for other in times)))


def _recalled(span: Span, act_day: date | None) -> bool:
    day = span.start or span.end
    return act_day is not None and day is not None and day < act_day - OLDEST


def _places(text: ActText, categories: Collection[str], found: tuple[Commune, ...]) -> tuple[tuple[str, ...], bool]:
    """The named places and whether one is a site: a CCTV system's establishment, else the places of the title
    or of the articles that decide, else of the considérants."""
    if _private(categories) and (named := sites.establishment(text.title, found)):
        return named, True
    return sites.sites([text.title, "\n".join(_deciding(text.dispositif, DECIDES, raw=True))], found,
                       text.considerants)


def _purposes(terms: tuple[Term, ...], texts: list[str], categories: Collection[str]) -> tuple[str, ...]:
    """Why: what the act says, and what its category says of itself (a rave ban's purpose is a rave party;
    a protection perimeter's, terrorism; a demonstration ban's, a demonstration). A rave ban's or a
    demonstration ban's considérants tell of everything that may happen at one: only its title and articles
    count."""
    implied = tuple(CATEGORY_PURPOSES[name] for name in categories if name in CATEGORY_PURPOSES)
    if "rave_ban" in categories:
        return implied
    texts = texts[:2] if set(categories) & BANS else texts
    said = _terms(terms, texts) or implied or _alone(terms, texts)
    return tuple(term.name for term in terms if term.name in said or term.name in implied)


def _operators(terms: tuple[Term, ...], title: str, dispositif: str, categories: Collection[str]) -> tuple[str, ...]:
    """Who carries the measure out, as the sentence that decides it says (« la captation … par la direction
    interdépartementale de la police nationale … est autorisée »), else the title. A CCTV system is run by
    the establishment that asked for it: the forces its articles allow to view the images are no operators."""
    if _private(categories):
        return _terms(terms, [title])
    decides = ENFORCES if set(categories) & BANS else CHECKS if "silt_perimeter" in categories else DECIDES
    deciding = _deciding(dispositif, decides)
    return _terms(terms, deciding) or _terms(terms, [title])


def _private(categories: Collection[str]) -> bool:
    """A CCTV system only: run by the establishment that asked for it."""
    return bool(categories) and set(categories) <= PRIVATE_SYSTEMS


def _deciding(dispositif: str, decides: re.Pattern[str], *, raw: bool = False) -> list[str]:
    """The sentences of the articles (folded, or ``raw``) that decide (authorise, ban, institute…)."""
    return [sentence for sentence in SENTENCE_END.split(dispositif)
            if decides.search(fold(sentence) if raw else sentence)]


def _alone(terms: tuple[Term, ...], texts: list[str]) -> tuple[str, ...]:
    """The terms said in the words that count where nothing else is: the law's formula of its 1°, « la prévention
    des atteintes à la sécurité des personnes et des biens », is a purpose only where the act gives no other."""
    return tuple(term.name for term in terms if any(term.said_alone(text) for text in texts))


def _terms(terms: tuple[Term, ...], texts: list[str]) -> tuple[str, ...]:
    return tuple(term.name for term in terms if any(next(term.spans(text), None) for text in texts))


def _cameras(texts: list[str], considerants: str) -> int | None:
    """The cameras the articles authorise, else the title's; a considérant tells how many were asked for, but
    « comportant N caméras » is only written where a CCTV system is authorised, wherever a garbled heading
    (« Arréte ») left that article."""
    for text in texts:
        if (count := _system_cameras(text)) is not None:
            return count
        for pattern in CAMERAS:
            if found := pattern.search(text):
                return _number(found["n"])
    return _system_cameras(considerants)


def _system_cameras(text: str) -> int | None:
    if listed := SYSTEM_CAMERAS.search(text):
        counts = [_number(count) for count in COUNT.findall(listed.group(1))]
        if all(count is not None for count in counts):
            return sum(count for count in counts if count is not None)
    return None


def _number(written: str) -> int | None:
    return int(written) if written.isdigit() else NUMBERS.get(written)
