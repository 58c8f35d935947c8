"""`watchbot discover`: crawl the index pages only and list the RAA found."""

from __future__ import annotations

import json
import logging
import sys

from watchbot import config as configuration, discover
from watchbot.core.clock import Clock
from watchbot.commands import FAILED, OK, config_option, selected_sources, source_option
from watchbot.fetch import FetchError, Fetcher
from watchbot.core.terminal import printable

log = logging.getLogger("watchbot")


def register(commands, common) -> None:
    parser = commands.add_parser("discover", parents=[common], help="crawl index pages only and list the RAA "
                                 "found (no PDF download, no post)")
    config_option(parser)
    source_option(parser)
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    sources = selected_sources(config, args.source)
    found, status = [], OK
    today = Clock.system().today
    with Fetcher(config.http, discover.allowed_origins(sources)) as fetcher:
        for source in sources:
            before = fetcher.requests
            try:
                listings = discover.crawl(source, fetcher, today=today, settings=config.crawl,
                                          since=discover.default_since(config.not_before, today))
            except (discover.DiscoverError, FetchError) as error:
                log.warning("source %s failed: %s (%d requests)", source.code, error, fetcher.requests - before)
                status = FAILED
                continue
            print(f"{source.code}: {len(listings)} RAA, {fetcher.requests - before} requests", file=sys.stderr)
            found += listings
            if not args.json:
                for item in listings:
                    print("\t".join(printable(field) for field in (item.source, item.published or "?", item.title,
                                                                    item.url)))
    if args.json:
        json.dump([{"source": item.source, "url": item.url, "title": item.title,
                    "published": item.published.isoformat() if item.published else None} for item in found],
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    return status
