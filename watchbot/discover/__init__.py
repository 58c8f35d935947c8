"""Discovering the RAA a source publishes: `crawl(source, fetcher, today=…)` -> Listings.

A source names its strategy, an object that checks the source's options and lists its documents (see
`Strategy`), registered by name in `STRATEGIES`. `dsfr` (the departmental sites, the Préfecture de police
and anything with links to PDFs), `spip` (www.prefectures-regions.gouv.fr) and `dims` (Moselle's
mc.moselle.gouv.fr) walk a site with the generic crawler, each from its preset of crawler options; a
source's own `options` override the preset, once, when `source()` builds it. `attrap` reads the Attrap
search API instead of a site (see attrap.py). The crawl reads the pages whose period overlaps its window:
from `since` (the source's not_before) or the look-back, whichever is earlier, to today; pages of closed
periods read by an earlier run (remembered in a `Progress`) are not read again. `allowed_origins` says which
origins (scheme, host and port) a crawl may reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watchbot.core.errors import WatchbotError
from watchbot.core.models import AttrapOptions, CrawlOptions, Listing, Source
from watchbot.core.settings import CrawlSettings
from watchbot.discover import attrap, browser, dims, spip
from watchbot.discover.dates import Period, window
from watchbot.discover.dsfr import Progress, Walk, crawl_options
from watchbot.fetch import ChallengeError, Fetcher, FetchError
from watchbot.fetch.guard import origin_of

__all__ = ["DiscoverError", "Job", "Progress", "STRATEGIES", "Strategy", "allowed_origins", "crawl", "default_since",
           "source"]


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
           options: Mapping[str, Any] | None = None, timezone: str = "Europe/Paris") -> Source:
    """A source with its crawl plan resolved; DiscoverError for an unknown strategy, a bad option or time zone."""
    if not _known_zone(timezone):
        raise DiscoverError(f"unknown time zone '{timezone}' (e.g. Europe/Paris, America/Cayenne)", source=code)
    if strategy not in STRATEGIES:
        raise DiscoverError(f"unknown strategy '{strategy}'; known: {', '.join(STRATEGIES)}", source=code)
    try:
        plan = STRATEGIES[strategy].options(options or {})
    except ValueError as error:
        raise DiscoverError(str(error), source=code) from None
    return Source(code, name, index_url, department, strategy, plan, timezone)


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def allowed_origins(sources: Iterable[Source]) -> set[str]:
    """What a crawl of these sources may reach (see Fetcher): their index pages' scheme, host and port, and
    their strategies' extra hosts (on the default ports)."""
    allowed = set()
    for source in sources:
        allowed.add(str(origin_of(source.index_url)))
        allowed.update(source.crawl.hosts)
    return allowed


DEFAULT_CRAWL = CrawlSettings()
BROWSER_HINT = ("; such a site can be read in a headless browser (option browser: true, after scripts/setup "
                "--browser) or through the Attrap API (strategy attrap, see docs/SOURCES.md)")
FIRST_RUN_DAYS = 7  # without a configured not_before, a source's first run reads the RAA of this many days


def default_since(not_before: date | None, today: date) -> date:
    """Where the window starts without a source's own record: the configured not_before, else the first-run week."""
    return not_before or today - timedelta(days=FIRST_RUN_DAYS)


@dataclass(frozen=True)
class Job:
    """One crawl of a source: the period it reads (`recent`: the look-back part of it), within the
    settings' limits; `progress` (updated in place) carries what earlier runs read and left unread."""

    span: Period
    recent: Period
    today: date
    settings: CrawlSettings
    progress: Progress | None = None


class Strategy(Protocol):
    """How the documents of a source are found."""

    def options(self, overrides: Mapping[str, Any]) -> CrawlOptions | AttrapOptions:
        """The source's crawl plan from its `options`; ValueError naming a bad option."""
        ...

    def crawl(self, source: Source, fetcher: Fetcher, job: Job) -> list[Listing]:
        """The documents the source lists in the job's period; DiscoverError when there is none to be read."""
        ...


def crawl(source: Source, fetcher: Fetcher, *, today: date, settings: CrawlSettings = DEFAULT_CRAWL,
          since: date | None = None, progress: Progress | None = None) -> list[Listing]:
    """The documents listed on the source's index pages of the window, de-duplicated by URL, in the order
    they were found; `progress` (updated in place) carries what earlier runs read and left unread."""
    recent = window(today, settings.lookback_months)
    span = Period(min(since, recent.start), today) if since else recent
    return STRATEGIES[source.strategy].crawl(source, fetcher, Job(span, recent, today, settings, progress))


class SiteCrawl:
    """A site walked by the generic crawler (see dsfr.py), from a preset of crawler options."""

    def __init__(self, preset: CrawlOptions):
        self.preset = preset

    def options(self, overrides: Mapping[str, Any]) -> CrawlOptions:
        return crawl_options(self.preset, overrides)

    def crawl(self, source: Source, fetcher: Fetcher, job: Job) -> list[Listing]:
        options = source.crawl
        assert isinstance(options, CrawlOptions), f"{source.code}: a site's crawl plan, not {options}"
        settings = job.settings
        try:
            with (fetcher.limited(settings.source_deadline_seconds, "the source's deadline"),
                  browser.pages(fetcher, source.index_url, options.browser) as pages):
                walk = Walk(source.code, source.index_url, options, pages, job.span, job.recent, job.today,
                            settings.max_index_pages, job.progress, settings.max_links_per_page)
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


class AttrapSearch:
    """A source read through the Attrap search API (see attrap.py)."""

    def options(self, overrides: Mapping[str, Any]) -> AttrapOptions:
        return attrap.attrap_options(overrides)

    def crawl(self, source: Source, fetcher: Fetcher, job: Job) -> list[Listing]:
        options = source.crawl
        assert isinstance(options, AttrapOptions), f"{source.code}: an Attrap plan, not {options}"
        try:
            listings = attrap.crawl(source, fetcher, options, job.span, job.settings.max_index_pages)
        except FetchError as error:
            raise DiscoverError(f"the Attrap API is unreachable: {error}", source=source.code,
                                passing=error.passing,
                                challenge=isinstance(error, ChallengeError)) from error
        except ValueError as error:
            raise DiscoverError(str(error), source=source.code, passing=True) from None
        if not listings:
            raise DiscoverError(f"no RAA found at {source.index_url} for {options.administration} since "
                                f"{job.span.start}: the API may have changed", source=source.code)
        return listings


STRATEGIES: dict[str, Strategy] = {"dsfr": SiteCrawl(CrawlOptions()), "spip": SiteCrawl(spip.OPTIONS),
                                   "dims": SiteCrawl(dims.OPTIONS), "attrap": AttrapSearch()}


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
