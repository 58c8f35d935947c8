"""`watchbot feed`: write the Atom feeds (also written after each run)."""

from __future__ import annotations

from pathlib import Path

from watchbot import config as configuration
from watchbot.commands import config_option, load_rules
from watchbot.core.errors import ExitCode
from watchbot.publish import feeds
from watchbot.store import open_database


def register(commands, common) -> None:
    parser = commands.add_parser("feed", parents=[common], help="write the Atom feeds: one per account, "
                                 "per category and per source")
    config_option(parser)
    parser.add_argument("--out", type=Path, metavar="DIR", help="write them there (default: feeds.dir of the "
                        "configuration, else <state_dir>/feeds)")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    ruleset = load_rules(config.rules_dir)
    for path in feeds.write_all(open_database(config.db_url), config, ruleset, args.out):
        print(path)
    return ExitCode.OK
