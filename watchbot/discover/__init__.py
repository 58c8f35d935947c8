"""Discovering the RAA a source publishes: `crawl(source, fetcher, today=…)` -> Listings.

A strategy is a preset of crawler options (`dsfr` for the departmental sites, the Préfecture de police
and anything with links to PDFs; `spip` for www.prefectures-regions.gouv.fr; `dims` for Moselle's
mc.moselle.gouv.fr); a source's own `options` override the preset, once, when `source()` builds it. The
`attrap` strategy reads the Attrap search API instead of a site (see attrap.py). The crawl reads the pages
whose period overlaps its window: from `since` (the source's not_before) or the look-back, whichever is
earlier, to today; pages of closed periods read by an earlier run (remembered in a `Progress`) are not
read again. `allowed_hosts` says which hosts a crawl may reach.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from watchbot.discover import attrap, browser, dims, spip
from watchbot.discover.dates import Period, window
from watchbot.discover.dsfr import Progress, Walk, crawl_options
from watchbot.fetch import ChallengeError, Fetcher, FetchError
from watchbot.core.errors import WatchbotError
from watchbot.core.models import AttrapOptions, CrawlOptions, Listing, Source
from watchbot.core.settings import CrawlSettings
from watchbot.core.urls import host_of

STRATEGIES = {"dsfr": CrawlOptions(), "spip": spip.OPTIONS, "dims": dims.OPTIONS}

__all__ = ["DiscoverError", "Progress", "STRATEGIES", "allowed_hosts", "crawl", "default_since", "source"]


class DiscoverError(WatchbotError):
    """A source could not be crawled; `passing` when a later run may succeed."""

    def __init__(self, reason: str, *, source: str | None = None, passing: bool = False,
                 challenge: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.passing = passing
        self.challenge = challenge  # the site answered with an anti-bot challenge


def source(code: str, name: str, index_url: str, *, department: str | None = None, strategy: str = "dsfr",
           options: Mapping[str, Any] | None = None) -> Source:
    """A source with its crawl plan resolved; DiscoverError for an unknown strategy or a bad option."""
    preset = STRATEGIES.get(strategy)
    if preset is None and strategy != "attrap":
        raise DiscoverError(f"unknown strategy '{strategy}'; known: {', '.join(STRATEGIES)}, attrap", source=code)
    try:
        plan = attrap.attrap_options(options or {}) if preset is None else crawl_options(preset, options or {})
    except ValueError as error:
        raise DiscoverError(str(error), source=code) from None
    return Source(code, name, index_url, department, strategy, plan)


def allowed_hosts(sources: Iterable[Source]) -> set[str]:
    """The hosts a crawl of these sources may reach: their index pages' and their strategies' extra hosts."""
    hosts = set()
    for source in sources:
        hosts.add(host_of(source.index_url))
        hosts.update(source.crawl.hosts)
    return hosts


DEFAULT_CRAWL = CrawlSettings()
BROWSER_HINT = ("; such a site can be read in a headless browser (option browser: true, after scripts/setup "
                "--browser) or through the Attrap API (strategy attrap, see docs/SOURCES.md)")
FIRST_RUN_DAYS = 7  # without a configured not_before, a source's first run reads the RAA of this many days


def default_since(not_before: date | None, today: date) -> date:
    """Where the window starts without a source's own record: the configured not_before, else the first-run week."""
    return not_before or today - timedelta(days=FIRST_RUN_DAYS)


def crawl(source: Source, fetcher: Fetcher, *, today: date, settings: CrawlSettings = DEFAULT_CRAWL,
          since: date | None = None, progress: Progress | None = None) -> list[Listing]:
    """The documents listed on the source's index pages of the window, de-duplicated by URL, in the order
    they were found; `progress` (updated in place) carries what earlier runs read and left unread."""
    recent = window(today, settings.lookback_months)
    span = Period(min(since, recent.start), today) if since else recent
    options = source.crawl
    if isinstance(options, AttrapOptions):
        return _from_attrap(source, fetcher, options, span, settings.max_index_pages)
    try:
        with (fetcher.limited(settings.source_deadline_seconds, "the source's deadline"),
              browser.pages(fetcher, source.index_url, options.browser) as pages):
            walk = Walk(source.code, source.index_url, options, pages, span, recent, today,
                        settings.max_index_pages, progress, settings.max_links_per_page)
            documents = walk.run()
    except ChallengeError as error:
        raise DiscoverError(f"index page unreachable: {error}{BROWSER_HINT}", source=source.code,
                            passing=True, challenge=True) from error
    except FetchError as error:
        raise DiscoverError(f"index page unreachable: {error}", source=source.code,
                            passing=error.passing) from error
    if not documents:
        _nothing_found(source, walk)
    return [Listing(source.code, document.url, document.title, document.published) for document in documents]


def _from_attrap(source: Source, fetcher: Fetcher, options: AttrapOptions, span: Period,
                 max_pages: int) -> list[Listing]:
    try:
        listings = attrap.crawl(source, fetcher, options, span, max_pages)
    except FetchError as error:
        raise DiscoverError(f"the Attrap API is unreachable: {error}", source=source.code,
                            passing=error.passing, challenge=isinstance(error, ChallengeError)) from error
    except ValueError as error:
        raise DiscoverError(str(error), source=source.code, passing=True) from None
    if not listings:
        raise DiscoverError(f"no RAA found at {source.index_url} for {options.administration} since "
                            f"{span.start}: the API may have changed", source=source.code)
    return listings


def _nothing_found(source: Source, walk: Walk) -> None:
    """A walk that lists nothing is an error, unless it left out pages an earlier run read or the next will."""
    challenges = [failure for failure in walk.failures if isinstance(failure, ChallengeError)]
    if challenges:
        raise DiscoverError(f"no document found, {len(challenges)} page(s) answered with an anti-bot challenge, "
                            f"first: {challenges[0]}{BROWSER_HINT}", source=source.code, passing=True,
                            challenge=True)
    if walk.failures:
        raise DiscoverError(f"no document found, {len(walk.failures)} page(s) failed, first: {walk.failures[0]}",
                            source=source.code, passing=any(failure.passing for failure in walk.failures))
    if walk.known or walk.progress.pending:
        return
    where = f"no RAA found at {source.index_url}"
    if walk.index_links:
        where += f" nor on the {walk.fetched - 1} page(s) it leads to"
    raise DiscoverError(f"{where}: the site may have changed", source=source.code)
