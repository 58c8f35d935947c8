"""Reading one index page: the documents it lists, the links it offers, its pagination.

Selection is by `href`, never by the `fr-link--download` class alone: the real markup bug
`<a id= class="fr-link fr-link--download">` leaves no class on the element for any HTML5 parser.
The options of any `<select>` whose values are paths count as links (with or without the DSFR
`fr-select` class); their values are site-relative without the leading slash ("Publications/…/Annee-2026").
Each remembers its form, for the sites that answer only to the form being submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Callable, Iterator
from urllib.parse import parse_qsl, unquote, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag

from watchbot.core.text import one_line
from watchbot.core.urls import normalize_url
from watchbot.discover.dates import find_date

DOCUMENT_PATH = re.compile(r"/(?:ire)?contenu/telechargement/", re.IGNORECASE)
OTHER_FILE = re.compile(r"\.(?:docx?|odt|ods|xlsx?|csv|zip|jpe?g|png|gif|mp[34]|pptx?)$", re.IGNORECASE)
OFFSET = re.compile(r"/\(offset\)/(\d+)|[?&]page=(\d+)")
DOWNLOAD_WORDS = re.compile(r"^\s*t[ée]l[ée]charger\s*(?:le\s+document|le\s+fichier|le\s+pdf)?\s*[:\-–]?\s*",
                            re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{3}")
# elements inside a link that carry its size and date, not its title (DSFR; Drupal at the Préfecture de police)
DETAIL_CLASSES = ("fr-link__detail", "fr-card__detail", "field--type-datetime")


@dataclass(frozen=True)
class DocumentLink:
    url: str
    title: str
    published: date | None


@dataclass(frozen=True)
class Choice:
    """An option of a form's <select>: what submitting the form with it sends, as a browser would."""

    action: str
    method: str  # "get" or "post"
    field: str
    value: str


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    choice: Choice | None = None  # set for the options of a <select>


@dataclass(frozen=True)
class PageLink:
    url: str
    offset: int
    last: bool


@dataclass(frozen=True)
class Parsed:
    documents: tuple[DocumentLink, ...]
    links: tuple[Link, ...]
    pagination: tuple[PageLink, ...]


def parse(html: str, page_url: str, navigation: str = "a[href]", scope: str = "main",
          documents_pattern: str | None = None) -> Parsed:
    """The documents, candidate navigation links and pagination links of one page.

    `navigation` is the CSS selector of the links that may lead to other index pages; `scope` the
    part of the page read when the page has one (the DSFR <main>, leaving out header and footer);
    `documents_pattern` a regex on the URLs of documents that neither end in .pdf nor are downloads.
    """

    def is_listed(url: str) -> bool:
        return is_document(url) or bool(documents_pattern and re.search(documents_pattern, url, re.IGNORECASE))

    soup = BeautifulSoup(html, "lxml")
    root = soup.select_one(scope) or soup
    documents: dict[str, DocumentLink] = {}
    shared: dict[int, date | None] = {}
    for anchor in root.select("a[href]"):
        url = absolute(page_url, attribute(anchor, "href"))
        if url and is_listed(url):
            keep(documents, DocumentLink(url, title_of(anchor, url), date_of(anchor, url, shared)))
    for option in root.select("select option[value]"):
        url = absolute(page_url, _site_relative(attribute(option, "value")))
        if url and is_listed(url):
            keep(documents, DocumentLink(url, one_line(option.get_text(" ")) or file_title(url),
                                      find_date(option.get_text(" ")) or find_date(file_title(url))))
    pagination = _pagination(root, page_url)
    paginated = {link.url for link in pagination}
    links = [Link(url, one_line(anchor.get_text(" ")) or attribute(anchor, "title"))
             for anchor in root.select(navigation)
             if anchor.name == "a" and (url := absolute(page_url, attribute(anchor, "href"))) and url not in paginated]
    links += [Link(url, one_line(option.get_text(" ")) or attribute(option, "title"), _choice(option, page_url))
              for option in root.select("select option[value]")
              if "/" in attribute(option, "value") and (url := absolute(page_url, _site_relative(attribute(option, "value"))))]
    links = [link for link in links if not is_listed(link.url) and link.url != _base(page_url)]
    return Parsed(tuple(documents.values()), tuple(_unique(links)), pagination)


def _choice(option: Tag, page_url: str) -> Choice:
    select = option.find_parent("select") or option  # options are only looked for inside a <select>
    form = select.find_parent("form")
    action = absolute(page_url, attribute(form, "action")) if form else None
    method = "post" if form and attribute(form, "method").lower() == "post" else "get"
    return Choice(action or _base(page_url), method, attribute(select, "name") or attribute(select, "id"), attribute(option, "value"))


def attribute(tag: Tag, name: str) -> str:
    """An attribute's value; a multi-valued one (class, rel) with its values joined by spaces; "" if absent."""
    value = tag.get(name)
    return value if isinstance(value, str) else " ".join(value or ())


def keep(documents: dict[str, DocumentLink], found: DocumentLink) -> None:
    """Duplicated link blocks are common: keep one entry per URL, the one that has a date."""
    known = documents.get(found.url)
    if known is None or known.published is None and found.published is not None:
        documents[found.url] = found


def _unique(links: list[Link]) -> list[Link]:
    seen: dict[str, Link] = {}
    for link in links:
        seen.setdefault(link.url, link)
    return list(seen.values())


def absolute(page_url: str, href: str) -> str | None:
    """The absolute, percent-encoded URL of an href, without fragment; None for non-web links."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    try:
        url = urldefrag(urljoin(page_url, href)).url
        if urlsplit(url).scheme not in ("http", "https"):
            return None
    except ValueError:  # such as an unclosed "[" in the host: a broken link is no link
        return None
    return normalize_url(url)


def _site_relative(value: str) -> str:
    value = value.strip()
    if not value or value.startswith(("/", "http://", "https://")):
        return value
    return "/" + value


def _base(url: str) -> str:
    return urldefrag(url).url


def is_document(url: str) -> bool:
    path = unquote(urlsplit(url).path)
    if path.lower().endswith(".pdf"):
        return True
    return bool(DOCUMENT_PATH.search(path)) and not OTHER_FILE.search(path)


def file_title(url: str) -> str:
    name = unquote(PurePosixPath(urlsplit(url).path).name)
    return one_line(re.sub(r"\.pdf$", "", name, flags=re.IGNORECASE))


def title_of(anchor: Tag, url: str) -> str:
    """The link's own words; else, in a table, its row's longest cell of words; else the file name."""
    parts = [text for child in anchor.children if (text := _own_text(child))]
    title = DOWNLOAD_WORDS.sub("", one_line(" ".join(parts)))
    if len(title) >= 3:
        return title
    row = anchor.find_parent("tr")
    cells = [text for cell in row.find_all("td") if anchor not in cell.descendants
             and WORD.search(text := one_line(cell.get_text(" ")))] if row else []
    return max(cells, key=len) if cells else file_title(url)


def _own_text(node) -> str:
    """Text of a node, leaving out the size/date detail spans."""
    if isinstance(node, Tag):
        if any(name in (node.get("class") or ()) for name in DETAIL_CLASSES):
            return ""
        return node.get_text(" ")
    return str(node)


def date_of(anchor: Tag, url: str, shared: dict[int, date | None] | None = None) -> date | None:
    """The publication date, from the first carrier that has one: the link's detail and title, its card's
    detail, its table row, its text, its file name.

    `shared` keeps the date of each card and table row already read: a row or card holding
    thousands of links is read once, not once per link.
    """
    shared = {} if shared is None else shared
    return next(filter(None, _carrier_dates(anchor, url, shared)), None)


def _carrier_dates(anchor: Tag, url: str, shared: dict[int, date | None]) -> Iterator[date | None]:
    for detail in anchor.select(", ".join("." + name for name in DETAIL_CLASSES)):
        yield find_date(detail.get_text(" "))
    yield find_date(attribute(anchor, "title"))
    card = anchor.find_parent(class_="fr-card")
    if card:
        yield _shared_date(card, shared, lambda: next(filter(None, (
            find_date(detail.get_text(" ")) for detail in card.select(".fr-card__detail"))), None))
    row = anchor.find_parent("tr")
    if row:
        yield _shared_date(row, shared, lambda: find_date(row.get_text(" ")))
    yield find_date(anchor.get_text(" "))
    yield find_date(file_title(url))


def _shared_date(element: Tag, shared: dict[int, date | None], read: Callable[[], date | None]) -> date | None:
    if id(element) not in shared:
        shared[id(element)] = read()
    return shared[id(element)]


def _pagination(root: Tag, page_url: str) -> tuple[PageLink, ...]:
    found: dict[str, PageLink] = {}
    for anchor in root.select("a[href]"):
        classes, rel = attribute(anchor, "class"), attribute(anchor, "rel")
        if "fr-pagination__link" not in classes and not OFFSET.search(attribute(anchor, "href")) \
                and rel not in ("next", "last"):
            continue
        if anchor.get("aria-disabled") == "true" or anchor.get("aria-current"):
            continue
        url = absolute(page_url, attribute(anchor, "href"))
        url = url and _without_first_offset(url)
        if not url or url == _base(page_url):
            continue
        last = "fr-pagination__link--last" in classes or rel == "last" or "derni" in anchor.get_text().lower()
        found.setdefault(url, PageLink(url, offset_of(url), last))
    return tuple(found.values())


def _without_first_offset(url: str) -> str:
    """`…/(offset)/0` and `…?page=0` are the list's own URL: one page, one URL."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
             if (key, value) != ("page", "0")]
    path = re.sub(r"/\(offset\)/0$", "", parts.path)
    return urlunsplit(parts._replace(path=path, query=urlencode(query)))


def offset_of(url: str) -> int:
    """The position of a list page: `/(offset)/N` (eZ Publish) or `?page=N` (Drupal); 0 for the first."""
    match = OFFSET.search(unquote(url))
    return int(match.group(1) or match.group(2)) if match else 0


