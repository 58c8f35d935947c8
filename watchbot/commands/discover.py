"""`watchbot discover`: crawl the index pages only and list the RAA found."""

from __future__ import annotations

import json
import sys

from watchbot import config as configuration
from watchbot.commands import config_option, selected_sources, source_option
from watchbot.core.clock import Clock
from watchbot.core.errors import ExitCode
from watchbot.core.terminal import printable
from watchbot.run.survey import list_sources


def register(commands, common) -> None:
    parser = commands.add_parser("discover", parents=[common], help="crawl index pages only and list the RAA "
                                 "found (no PDF download, no post)")
    config_option(parser)
    source_option(parser)
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    found, status = [], ExitCode.OK
    for listed in list_sources(config, selected_sources(config, args.source), Clock.system().today):
        if listed.listings is None:
            status = ExitCode.FAILED
            continue
        print(f"{listed.source.code}: {len(listed.listings)} RAA, {listed.requests} requests", file=sys.stderr)
        found += listed.listings
        if not args.json:
            for item in listed.listings:
                print("\t".join(printable(field) for field in (item.source, item.published or "?", item.title,
                                                                item.url)))
    if args.json:
        json.dump([{"source": item.source, "url": item.url, "title": item.title,
                    "published": item.published.isoformat() if item.published else None} for item in found],
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    return status
