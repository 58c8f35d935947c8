"""`watchbot backfill`: crawl back to a date and queue the reading of every RAA found (docs/BACKFILL.md)."""

from __future__ import annotations

import sys

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, iso_date, selected_sources, source_option
from watchbot.core.clock import Clock
from watchbot.core.errors import ExitCode
from watchbot.queue import EngineUnavailable, open_engine, progress
from watchbot.queue.backfill import backfill


def register(commands, common) -> None:
    parser = commands.add_parser("backfill", parents=[common], help="crawl back to a date and queue the reading "
                                 "of every RAA found for `watchbot worker` (PostgreSQL; never posts)")
    config_option(parser)
    parser.add_argument("--since", type=iso_date, required=True, metavar="YYYY-MM-DD",
                        help="read the RAA published on or after this date")
    source_option(parser)
    parser.add_argument("--wait", action="store_true", help="wait until the queue is drained, showing the "
                        "progress; exit 1 if some documents failed")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    sources = selected_sources(config, args.source)
    clock = Clock.system()
    if args.since > clock.today:
        raise UsageError("--since is in the future")
    try:
        app, sessions = open_engine(config)
    except EngineUnavailable as error:
        raise UsageError(str(error)) from None
    queued = backfill(app, sessions, config, sources, args.since, clock, sys.stderr)
    print(f"{queued.jobs} documents queued, {queued.already} already in the queue; "
          f"{queued.sources_failed} sources failed", file=sys.stderr)
    if args.wait and progress.wait(app, sessions).counts.failed:
        return ExitCode.FAILED
    return ExitCode.FAILED if queued.sources_failed else ExitCode.OK
