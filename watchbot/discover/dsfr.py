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

import heapq
import itertools
import json
import logging
import re
from collections import deque
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any, Mapping, Protocol
from urllib.parse import unquote, urljoin, urlsplit

import soupsieve

from watchbot.core.models import CrawlOptions
from watchbot.core.urls import host_of, normalize_url
from watchbot.discover.dates import Period, find_period
from watchbot.discover.page import Choice, DocumentLink, Link, Parsed, keep, offset_of, parse
from watchbot.fetch import FetchError, HtmlPage, TimeUp

log = logging.getLogger(__name__)

MAX_DEPTH = 6


def crawl_options(preset: CrawlOptions, overrides: Mapping[str, Any]) -> CrawlOptions:
    """The preset with a source's options over it; ValueError naming a bad option."""
    known = {f.name for f in fields(CrawlOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; valid options: {', '.join(sorted(known))}")
    return replace(preset, **{name: _option(name, value) for name, value in overrides.items()})


def _option(name: str, value: Any) -> Any:
    """A source's option, checked, as `CrawlOptions` holds it; ValueError saying what is wrong."""
    if name in ("areas", "hosts"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ValueError(f"option '{name}' must be a list of strings")
        return tuple(items)
    if name == "browser":
        if not isinstance(value, bool):
            raise ValueError("option 'browser' must be true or false")
        return value
    if not isinstance(value, str):
        raise ValueError(f"option '{name}' must be a string")
    if name == "entry":
        if urlsplit(value).scheme not in ("", "http", "https"):
            raise ValueError(f"option 'entry' must be an http(s) URL or a path, not '{value}'")
    elif name in ("skip", "only", "exclude", "documents"):
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"option '{name}' is not a valid regular expression: {error}") from None
    else:
        try:
            soupsieve.compile(value)
        except soupsieve.SelectorSyntaxError as error:
            raise ValueError(f"option '{name}' is not a valid CSS selector: {error}") from None
    return value


class Pages(Protocol):
    """Where a walk reads its pages: the fetcher, or a headless browser in front of it."""

    def html(self, url: str) -> HtmlPage: ...

    def form(self, url: str, method: str, fields: dict[str, str]) -> HtmlPage: ...


@dataclass(frozen=True)
class Visit:
    """A page to read, with what the link that led to it said."""

    url: str
    depth: int
    period: Period | None
    hint: DocumentLink | None = None
    choice: Choice | None = None  # the form option that led here: submitted when its page lists nothing

    def closed_before(self, day: date, today: date) -> bool:
        """Whether the page stands for a period that ended before `day`, or for one past day (a detail
        page): once read, it needs no re-reading."""
        if self.period is None:
            return False
        return self.period.end < day or self.period.start == self.period.end < today

    def to_json(self) -> dict:
        period = self.period and [self.period.start.isoformat(), self.period.end.isoformat()]
        hint = self.hint and [self.hint.url, self.hint.title, _iso(self.hint.published)]
        choice = self.choice and [self.choice.action, self.choice.method, self.choice.field, self.choice.value]
        return {"url": self.url, "depth": self.depth, "period": period, "hint": hint, "choice": choice}

    @staticmethod
    def from_json(data: dict) -> Visit:
        period = data.get("period") and Period(*(date.fromisoformat(day) for day in data["period"]))
        hint = data.get("hint") and DocumentLink(data["hint"][0], data["hint"][1],
                                             data["hint"][2] and date.fromisoformat(data["hint"][2]))
        choice = data.get("choice") and Choice(*data["choice"])
        return Visit(data["url"], data["depth"], period or None, hint or None, choice or None)


@dataclass
class Progress:
    """What the crawl of one source remembers from run to run.

    `read`: the pages of closed periods (ended before the look-back, or a past day) already read, each with the start of
    the window it was read for: not read again unless the window reaches further back (not_before moved
    back). `pending`: the pages a run left unread when it reached `max_index_pages`, read first by the next.
    """

    read: dict[str, date] = field(default_factory=dict)
    pending: list[Visit] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"read": {url: day.isoformat() for url, day in self.read.items()},
                           "pending": [visit.to_json() for visit in self.pending]})

    @staticmethod
    def from_json(text: str | None) -> Progress:
        if not text:
            return Progress()
        data = json.loads(text)
        return Progress({url: date.fromisoformat(day) for url, day in data.get("read", {}).items()},
                        [Visit.from_json(visit) for visit in data.get("pending", [])])


class Walk:
    """One crawl of one source: `window` is every day looked for (back to not_before), `recent` the days
    whose pages are always read again (the current period and the look-back)."""

    def __init__(self, code: str, index_url: str, options: CrawlOptions, fetcher: Pages,
                 window: Period, recent: Period, today: date, max_pages: int, progress: Progress | None = None,
                 max_links: int = 2000):
        self.code = code
        self.index_url = normalize_url(index_url)
        self.options = options
        self.fetcher = fetcher
        self.window = window
        self.recent = recent
        self.today = today
        self.max_pages = max_pages
        self.progress = progress or Progress()
        self.max_links = max_links
        self.host = host_of(index_url)
        self.document_hosts = {self.host, *(host.lower() for host in options.hosts)}
        self.areas = tuple(_folder(prefix) for prefix in (urlsplit(self.index_url).path, *options.areas))
        self.documents: dict[str, DocumentLink] = {}
        self.failures: list[FetchError] = []
        self.fetched = 0
        self.known = 0  # pages of closed periods left unread because an earlier run read them
        self.index_links = 0  # links of the index page the crawl could follow
        self.seen: set[str] = set()
        self.order = itertools.count()

    def run(self) -> list[DocumentLink]:
        """Reads the recent pages first, then the older ones, newest period first."""
        recent: deque[Visit] = deque([Visit(self.index_url, 0, None)])
        older: list[tuple[int, int, Visit]] = []  # a heap: latest period end first, then page order
        if self.options.entry:
            self.fetched += 1
            self.fetcher.html(urljoin(self.index_url, self.options.entry))  # a failure is the index's
        self.seen = {self.index_url}
        for visit in self.progress.pending:
            if visit.url not in self.seen and (visit.period is None or visit.period.overlaps(self.window)):
                self.seen.add(visit.url)
                self._queue(visit, recent, older)
        self.progress.pending = []
        while recent or older:
            visit = recent.popleft() if recent else heapq.heappop(older)[2]
            if self._already_read(visit):
                self.known += 1
                continue
            if self.fetched == self.max_pages:
                self.progress.pending = [visit, *recent, *(item[2] for item in sorted(older))]
                log.warning("%s: stopped after %d index pages, %d left for the next run", self.code, self.fetched,
                            len(self.progress.pending))
                break
            for child in self._read(visit):
                if child.url not in self.seen:
                    self.seen.add(child.url)
                    self._queue(child, recent, older)
        # what the window no longer reaches is forgotten: read again if not_before ever moves back to it
        self.progress.read = {url: day for url, day in self.progress.read.items() if url in self.seen}
        return list(self.documents.values())

    def _queue(self, visit: Visit, recent: deque[Visit], older: list[tuple[int, int, Visit]]) -> None:
        if visit.period is not None and visit.closed_before(self.recent.start, self.today):
            heapq.heappush(older, (-visit.period.end.toordinal(), next(self.order), visit))
        else:
            recent.append(visit)

    def _already_read(self, visit: Visit) -> bool:
        read_for = self.progress.read.get(visit.url)
        return (read_for is not None and read_for <= self.window.start
                and visit.closed_before(self.recent.start, self.today))

    def _read(self, visit: Visit) -> list[Visit]:
        page = self._fetch(visit)
        if page is None:
            return []
        if visit.closed_before(self.recent.start, self.today):
            self.progress.read[visit.url] = self.window.start
        if page.url != visit.url:
            self.seen.add(page.url)
            if visit.url == self.index_url:  # an old index URL redirects: its new place is the area
                self.areas += (_folder(urlsplit(page.url).path),)
            visit = replace(visit, url=page.url)
        parsed = self._capped(parse(page.text, page.url, self.options.navigation, self.options.scope,
                                    self.options.documents), page.url)
        if visit.choice and not parsed.documents:
            parsed = self._submit(visit.choice) or parsed
        self._collect(parsed, visit)
        children = self._next(parsed, visit)
        if visit.depth == 0:
            self.index_links = len(children)
        return children

    def _fetch(self, visit: Visit) -> HtmlPage | None:
        self.fetched += 1
        try:
            return self.fetcher.html(visit.url)
        except FetchError as error:
            if visit.url == self.index_url or isinstance(error, TimeUp):
                raise
            if visit.choice:  # not a page of its own: the site wants its form submitted
                log.debug("%s: %s, submitting the form instead", self.code, error)
                return HtmlPage(visit.url, "")
            log.warning("%s: %s", self.code, error)
            self.failures.append(error)
            return None

    def _capped(self, parsed: Parsed, url: str) -> Parsed:
        """At most `max_links` documents and as many navigation links of one page: a crawl trap stays small."""
        if max(len(parsed.documents), len(parsed.links)) <= self.max_links:
            return parsed
        log.warning("%s: %s lists %d documents and %d links, only the first %d of each are read", self.code, url,
                    len(parsed.documents), len(parsed.links), self.max_links)
        return replace(parsed, documents=parsed.documents[:self.max_links], links=parsed.links[:self.max_links])

    def _submit(self, choice: Choice) -> Parsed | None:
        """The page the site answers when the option is chosen in its form, as a browser sends it."""
        self.fetched += 1
        try:
            page = self.fetcher.form(choice.action, choice.method, {choice.field: choice.value})
        except FetchError as error:
            if isinstance(error, TimeUp):
                raise
            log.warning("%s: %s", self.code, error)
            self.failures.append(error)
            return None
        return self._capped(parse(page.text, page.url, self.options.navigation, self.options.scope,
                                  self.options.documents), page.url)

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
        if not link.choice and not self._in_area(link.url):
            return None
        if self.options.skip and _matches(self.options.skip, link.text, link.url):
            return None
        if visit.depth == 0 and self.options.only and not _matches(self.options.only, link.text, link.url):
            return None
        period = find_period(_words(link), visit.period, self.today)
        if period and not period.overlaps(self.window):
            return None
        hint = DocumentLink(link.url, link.text, period.start) if period and period.start == period.end else None
        return Visit(link.url, visit.depth + 1, period or visit.period, hint, link.choice)

    def _in_area(self, url: str) -> bool:
        path = _folder(urlsplit(url).path)
        return any(path.startswith(area) and path != area for area in self.areas)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _words(link: Link) -> str:
    """What a link says about its period: its text and the last segment of its path."""
    segment = unquote(urlsplit(link.url).path.rstrip("/").rsplit("/", 1)[-1])
    return f"{link.text} {segment}"


def _folder(path: str) -> str:
    return unquote(path).rstrip("/").lower() + "/"


def _matches(pattern: str, *texts: str) -> bool:
    return any(re.search(pattern, text, re.IGNORECASE) or re.search(pattern, unquote(text), re.IGNORECASE)
               for text in texts)
