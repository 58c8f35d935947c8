"""Plain data passed between the pipeline stages.

discover -> Listing, read -> Page, split -> Act, classify -> Match; the
sources and categories they work with. Nothing here touches the network, the
disk or the database: those stay at the edges (fetch, store, commands).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CrawlOptions:
    """How to walk one site: a strategy's preset, with the source's own options over it."""

    navigation: str = "a[href]"  # CSS of the links that may lead to more index pages
    scope: str = "main"  # the part of the page that is read, when the page has one
    areas: tuple[str, ...] = ()  # path prefixes navigation may enter, besides the index URL's own path
    hosts: tuple[str, ...] = ()  # other hosts the site's documents live on (the index URL's host is implied)
    skip: str | None = None  # regex (case-insensitive) on a link's text or URL: never followed
    only: str | None = None  # regex: on the index page, only the links matching it are followed
    exclude: str | None = None  # regex on a document's title or URL: not listed
    documents: str | None = None  # regex on a URL: a document link, besides `.pdf` and /contenu/telechargement/
    entry: str | None = None  # a page (URL or path) opened first, for the session cookie the site wants
    browser: bool = False  # index pages read in a headless browser, for a site behind a JavaScript challenge


@dataclass(frozen=True)
class AttrapOptions:
    """How to read a source through the Attrap search API instead of its site."""

    administration: str = ""  # Attrap's code of the administration: pref94, ppparis…
    query: str = ""  # Attrap's full-text query `s`; empty: every RAA
    hosts: tuple[str, ...] = ()  # the hosts the documents live on


@dataclass(frozen=True)
class Source:
    """A prefecture site, from the bundled registry or the config, its crawl plan resolved
    (`watchbot.discover.source` builds it)."""

    code: str
    name: str
    index_url: str
    department: str | None = None
    strategy: str = "dsfr"
    crawl: CrawlOptions | AttrapOptions = CrawlOptions()
    timezone: str = "Europe/Paris"  # the zone of the prefecture's calendar: its publication days and its today


@dataclass(frozen=True)
class Listing:
    """A document (an RAA PDF) found on a source's index pages."""

    source: str
    url: str
    title: str
    published: date | None = None


@dataclass(frozen=True)
class Page:
    """The text of one PDF page; number is 1-based."""

    number: int | None
    text: str
    ocr: bool = False
    quality: float | None = None  # OCR mean word confidence, 0 to 1; None: a text layer, or no word read


@dataclass(frozen=True)
class Act:
    """One act of an RAA, with the pages it spans."""

    ref: str | None
    title: str
    first_page: int | None
    last_page: int | None
    pages: tuple[Page, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(page.text for page in self.pages)


@dataclass(frozen=True)
class Match:
    """Why an act belongs to a category: which rule, on which page, which words."""

    category: str
    rule: str
    page: int | None
    excerpt: str
    words: str = ""
    zone: str | None = None  # title, visas, considerants, dispositif, signature or annexes


@dataclass(frozen=True)
class Category:
    """A category of the ruleset, as a toot shows it (label, emoji, hashtags)."""

    name: str
    label: str
    emoji: str = ""
    hashtags: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune (kind "commune"), an arrondissement municipal of Paris, Lyon or Marseille ("arrondissement"),
    or a former commune, now a commune déléguée ("deleguee") or associée ("associee") of current_insee.
    A commune déléguée may have the code of its commune nouvelle. No place for a few new communes."""

    insee: str
    name: str
    department: str
    latitude: float | None
    longitude: float | None
    current_insee: str | None
    kind: str


KINDS = ("initial", "renewal", "modification", "extension", "repeal")
SCOPES = ("commune", "department", "site")


@dataclass(frozen=True)
class Facts:
    """What an act authorises or bans: its kind (one of KINDS), the first and last day its measure applies and
    the hours, where (communes, scope: one of SCOPES, named places), why (purposes), by whom (operators), and
    the maximum number of cameras or aircraft. A field the act does not state is empty."""

    kind: str = "initial"
    start: date | None = None
    end: date | None = None
    times: tuple[str, ...] = ()
    communes: tuple[Commune, ...] = ()
    scope: str = ""
    places: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    cameras: int | None = None
