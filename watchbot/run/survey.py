"""Crawl sources without storing anything: what `watchbot discover` lists and `watchbot sources check` judges."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Iterator, Sequence

from watchbot import discover
from watchbot.core.models import Listing, Source
from watchbot.core.settings import Config
from watchbot.fetch import Fetcher, FetchError

log = logging.getLogger("watchbot")


@dataclass(frozen=True)
class Listed:
    """What one source's window lists, or None when its crawl failed."""

    source: Source
    listings: list[Listing] | None
    requests: int


def list_sources(config: Config, sources: Sequence[Source], today: date) -> Iterator[Listed]:
    """Crawl each source's window, one after the other; a failure is logged and costs that source."""
    with Fetcher(config.http, discover.allowed_origins(sources)) as fetcher:
        for source in sources:
            before = fetcher.requests
            try:
                listings = discover.crawl(source, fetcher, today=today, settings=config.crawl,
                                          since=discover.default_since(config.not_before, today))
            except (discover.DiscoverError, FetchError) as error:
                log.warning("source %s failed: %s (%d requests)", source.code, error, fetcher.requests - before)
                listings = None
            yield Listed(source, listings, fetcher.requests - before)


@dataclass(frozen=True)
class Health:
    code: str
    reachable: bool
    found: int  # RAA of the window (undated ones included)
    newest: date | None
    requests: int
    challenge: bool
    problem: str = ""


def check_sources(config: Config, sources: Sequence[Source], today: date) -> tuple[list[Health], int]:
    """The health of each source, and the requests made in all."""
    with Fetcher(config.http, discover.allowed_origins(sources)) as fetcher:
        return [check(source, fetcher, config, today) for source in sources], fetcher.requests


def check(source: Source, fetcher: Fetcher, config: Config, today: date) -> Health:
    since = discover.default_since(config.not_before, today)
    before = fetcher.requests
    try:
        listings = discover.crawl(source, fetcher, today=today, settings=config.crawl, since=since)
    except discover.DiscoverError as error:
        reachable = not isinstance(error.__cause__, FetchError)  # only the index page's failure is chained
        return Health(source.code, reachable, 0, None, fetcher.requests - before, error.challenge, error.reason)
    dates = [listing.published for listing in listings if listing.published]
    found = sum(1 for listing in listings if listing.published is None or listing.published >= since)
    return Health(source.code, True, found, max(dates, default=None), fetcher.requests - before, False)
