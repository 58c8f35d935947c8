"""The generic, data-driven crawler of prefecture index pages (DSFR sites and the like).

From the index page it walks, breadth first:
- navigation links (year, month, semester, trimester, category, branch and detail pages, `<select>`
  options) inside the source's area, skipping every link whose period does not overlap the window
  (the current period and the look-back), so that a run reads a handful of pages;
- pagination links, all of them while a page still lists recent documents (but the last page of a
  descending list); once a page lists only older ones, only towards later pages (straight to the "last
  page" link when there is one) unless the list is in descending order;
and collects every document link of the pages it reads. Per-site differences are options (see
`CrawlOptions`), never code.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, Callable, Mapping
from urllib.parse import unquote, urlsplit

import soupsieve

from watchbot.discover.dates import Period, find_period
from watchbot.discover.page import DocumentLink, Link, Parsed, keep, offset_of, parse
from watchbot.fetch import FetchError, HtmlPage
from watchbot.models import CrawlOptions
from watchbot.urls import host_of, normalize_url

log = logging.getLogger(__name__)

MAX_DEPTH = 6


def crawl_options(preset: CrawlOptions, overrides: Mapping[str, Any]) -> CrawlOptions:
    """The preset with a source's options over it; ValueError naming a bad option."""
    known = {f.name for f in fields(CrawlOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; valid options: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        if name in ("areas", "hosts"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"option '{name}' must be a list of strings")
            value = tuple(value)
        elif not isinstance(value, str):
            raise ValueError(f"option '{name}' must be a string")
        elif name in ("skip", "only", "exclude"):
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"option '{name}' is not a valid regular expression: {error}") from None
        else:
            try:
                soupsieve.compile(value)
            except soupsieve.SelectorSyntaxError as error:
                raise ValueError(f"option '{name}' is not a valid CSS selector: {error}") from None
        values[name] = value
    return replace(preset, **values)


@dataclass(frozen=True)
class Visit:
    """A page to read, with what the link that led to it said."""

    url: str
    depth: int
    period: Period | None
    hint: DocumentLink | None = None


class Walk:
    def __init__(self, code: str, index_url: str, options: CrawlOptions, fetch_page: Callable[[str], HtmlPage],
                 window: Period, today: date, max_pages: int):
        self.code = code
        self.index_url = normalize_url(index_url)
        self.options = options
        self.fetch_page = fetch_page
        self.window = window
        self.today = today
        self.max_pages = max_pages
        self.host = host_of(index_url)
        self.document_hosts = {self.host, *(host.lower() for host in options.hosts)}
        self.areas = tuple(_folder(prefix) for prefix in (urlsplit(self.index_url).path, *options.areas))
        self.documents: dict[str, DocumentLink] = {}
        self.failures: list[FetchError] = []

    def run(self) -> list[DocumentLink]:
        queue = deque([Visit(self.index_url, 0, None)])
        seen = {self.index_url}
        fetched = 0
        while queue:
            visit = queue.popleft()
            if fetched == self.max_pages:
                log.warning("%s: stopped after %d index pages, %d left unread", self.code, fetched, len(queue) + 1)
                break
            fetched += 1
            try:
                page = self.fetch_page(visit.url)
            except FetchError as error:
                if visit.url == self.index_url:
                    raise
                log.warning("%s: %s", self.code, error)
                self.failures.append(error)
                continue
            if page.url != visit.url:
                seen.add(page.url)
                if visit.url == self.index_url:  # an old index URL redirects: its new place is the area
                    self.areas += (_folder(urlsplit(page.url).path),)
                visit = replace(visit, url=page.url)
            parsed = parse(page.text, page.url, self.options.navigation, self.options.scope)
            self._collect(parsed, visit)
            for child in self._next(parsed, visit):
                if child.url not in seen:
                    seen.add(child.url)
                    queue.append(child)
        return list(self.documents.values())

    def _collect(self, parsed: Parsed, visit: Visit) -> None:
        for document in parsed.documents:
            if host_of(document.url) not in self.document_hosts:
                log.debug("%s: %s is on another site, left out", self.code, document.url)
                continue
            if self.options.exclude and _matches(self.options.exclude, document.title, document.url):
                continue
            if document.published is None and visit.hint and visit.hint.published:
                document = DocumentLink(document.url, document.title, visit.hint.published)
            keep(self.documents, document)

    def _next(self, parsed: Parsed, visit: Visit) -> list[Visit]:
        children = [Visit(link.url, visit.depth, visit.period) for link in self._pages(parsed, visit)]
        if visit.depth < MAX_DEPTH:
            children += [child for link in parsed.links if (child := self._follow(link, visit))]
        return children

    def _pages(self, parsed: Parsed, visit: Visit):
        """Pagination: while the page is recent, every page but the last of a descending list; once it
        is old, only later pages of a list that is not descending, straight to the last when linked."""
        days = self._days(parsed, visit)
        descending = len(days) > 1 and days == sorted(days, reverse=True) and days[0] != days[-1]
        if not days or max(days) >= self.window.start:
            return tuple(link for link in parsed.pagination if not (descending and link.last))
        if descending:
            return ()
        here = offset_of(visit.url)
        later = tuple(link for link in parsed.pagination if link.offset > here)
        return tuple(link for link in later if link.last) or later

    def _days(self, parsed: Parsed, visit: Visit) -> list[date]:
        """The days a page lists, in page order: its documents', else the last days of its links' periods."""
        days = [document.published for document in parsed.documents if document.published]
        if days:
            return days
        periods = (find_period(_words(link), visit.period, self.today) for link in parsed.links)
        return [period.end for period in periods if period]

    def _follow(self, link: Link, visit: Visit) -> Visit | None:
        if host_of(link.url) != self.host:
            return None
        if not link.from_select and not self._in_area(link.url):
            return None
        if self.options.skip and _matches(self.options.skip, link.text, link.url):
            return None
        if visit.depth == 0 and self.options.only and not _matches(self.options.only, link.text, link.url):
            return None
        period = find_period(_words(link), visit.period, self.today)
        if period and not period.overlaps(self.window):
            return None
        hint = DocumentLink(link.url, link.text, period.start) if period and period.start == period.end else None
        return Visit(link.url, visit.depth + 1, period or visit.period, hint)

    def _in_area(self, url: str) -> bool:
        path = _folder(urlsplit(url).path)
        return any(path.startswith(area) and path != area for area in self.areas)


def _words(link: Link) -> str:
    """What a link says about its period: its text and the last segment of its path."""
    segment = unquote(urlsplit(link.url).path.rstrip("/").rsplit("/", 1)[-1])
    return f"{link.text} {segment}"


def _folder(path: str) -> str:
    return unquote(path).rstrip("/").lower() + "/"


def _matches(pattern: str, *texts: str) -> bool:
    return any(re.search(pattern, text, re.IGNORECASE) or re.search(pattern, unquote(text), re.IGNORECASE)
               for text in texts)
