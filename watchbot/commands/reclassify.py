"""`watchbot reclassify`: apply edited rules to the acts already read."""

from __future__ import annotations

import logging

from watchbot import config as configuration
from watchbot.commands import config_option, iso_date, load_rules
from watchbot.core.errors import ExitCode
from watchbot.run.reclassify import reclassify

log = logging.getLogger("watchbot")


def register(commands, common) -> None:
    parser = commands.add_parser("reclassify", parents=[common], help="apply edited rules to the acts already "
                                 "read (no download, no OCR); newly matching acts get their toots queued")
    config_option(parser)
    parser.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD",
                        help="only RAA published since this date")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    changes = reclassify(config, load_rules(config.rules_dir), since=args.since, dry_run=args.dry_run)
    log.info("%s%s", changes.line(), " (dry run: nothing changed)" if args.dry_run else "")
    return ExitCode.OK
