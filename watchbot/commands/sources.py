"""`watchbot sources check`: crawl each source's window and say whether it works.

What an operator runs after installing, and weekly: per source, whether its index page answered, how
many RAA its window lists, the newest publication date, the requests made and whether an anti-bot
challenge answered instead of a page; exit 1 when any source is broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from watchbot import config as configuration, discover
from watchbot.commands import FAILED, OK, config_option, selected_sources, source_option
from watchbot.fetch import Fetcher, FetchError
from watchbot.core.models import Source
from watchbot.core.settings import Config

COLUMNS = ("source", "reachable", "RAA", "newest", "requests", "challenge", "problem")


def register(commands, common) -> None:
    parser = commands.add_parser("sources", parents=[common], help="source tools")
    tools = parser.add_subparsers(dest="sources_command", metavar="COMMAND")
    check = tools.add_parser("check", parents=[common], help="crawl each source's window and report whether "
                             "it works (reachable, RAA found, newest date, requests, challenge); exit 1 when "
                             "one is broken")
    config_option(check)
    source_option(check)
    check.set_defaults(handler=handle_check)


@dataclass(frozen=True)
class Health:
    code: str
    reachable: bool
    found: int  # RAA of the window (undated ones included)
    newest: date | None
    requests: int
    challenge: bool
    problem: str = ""

    def row(self) -> tuple[str, ...]:
        return (self.code, "yes" if self.reachable else "no", str(self.found),
                self.newest.isoformat() if self.newest else "—", str(self.requests),
                "yes" if self.challenge else "no", self.problem)


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


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows)


def handle_check(args) -> int:
    config = configuration.load(args.config)
    sources = selected_sources(config, args.source)
    fetcher = Fetcher(config.http, discover.allowed_origins(sources))
    today = date.today()
    health = [check(source, fetcher, config, today) for source in sources]
    print(table([COLUMNS, *(item.row() for item in health)]))
    broken = [item.code for item in health if item.problem]
    print(f"{len(health)} sources, {len(broken)} broken{': ' + ', '.join(broken) if broken else ''}; "
          f"{fetcher.requests} requests")
    return FAILED if broken else OK
