"""Discovering the RAA a source publishes: `crawl(source, fetcher, today=…)` -> Listings.

A strategy is a preset of crawler options (`dsfr` for the departmental sites, the Préfecture de police
and anything with links to PDFs; `spip` for www.prefectures-regions.gouv.fr); a source's own `options`
override the preset, once, when `source()` builds it. The crawl reads only the pages of the current
period and the look-back, on the hosts `allowed_hosts` gives.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from watchbot.discover import spip
from watchbot.discover.dates import window
from watchbot.discover.dsfr import Walk, crawl_options
from watchbot.fetch import Fetcher, FetchError
from watchbot.models import CrawlOptions, Listing, Source
from watchbot.settings import CrawlSettings
from watchbot.urls import host_of

STRATEGIES = {"dsfr": CrawlOptions(), "spip": spip.OPTIONS}

__all__ = ["DiscoverError", "STRATEGIES", "allowed_hosts", "crawl", "source"]


class DiscoverError(Exception):
    """A source could not be crawled; `retry_later` when a later run may succeed."""

    def __init__(self, reason: str, *, source: str | None = None, retry_later: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.retry_later = retry_later


def source(code: str, name: str, index_url: str, *, department: str | None = None, strategy: str = "dsfr",
           options: Mapping[str, Any] | None = None) -> Source:
    """A source with its crawl plan resolved; DiscoverError for an unknown strategy or a bad option."""
    preset = STRATEGIES.get(strategy)
    if preset is None:
        raise DiscoverError(f"unknown strategy '{strategy}'; known: {', '.join(STRATEGIES)}", source=code)
    try:
        crawl = crawl_options(preset, options or {})
    except ValueError as error:
        raise DiscoverError(str(error), source=code) from None
    return Source(code, name, index_url, department, strategy, crawl)


def allowed_hosts(sources: Iterable[Source]) -> set[str]:
    """The hosts a crawl of these sources may reach: their index pages' and their strategies' extra hosts."""
    hosts = set()
    for source in sources:
        hosts.add(host_of(source.index_url))
        hosts.update(source.crawl.hosts)
    return hosts


DEFAULT_CRAWL = CrawlSettings()


def crawl(source: Source, fetcher: Fetcher, *, today: date, settings: CrawlSettings = DEFAULT_CRAWL) -> list[Listing]:
    """The documents listed on the source's index pages of the current period and the look-back,
    de-duplicated by URL, in the order they were found."""
    walk = Walk(source.code, source.index_url, source.crawl, fetcher.html,
                window(today, settings.lookback_months), today, settings.max_index_pages)
    try:
        documents = walk.run()
    except FetchError as error:
        raise DiscoverError(f"index page unreachable: {error}", source=source.code,
                            retry_later=error.retry_later) from error
    if not documents and walk.failures:
        raise DiscoverError(f"no document found, {len(walk.failures)} page(s) failed, first: {walk.failures[0]}",
                            source=source.code, retry_later=any(failure.retry_later for failure in walk.failures))
    return [Listing(source.code, document.url, document.title, document.published) for document in documents]
