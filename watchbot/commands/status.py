"""`watchbot status`: what the last runs did and what waits for the next one."""

from __future__ import annotations

from watchbot import config as configuration
from watchbot.commands import config_option
from watchbot.core.errors import ExitCode
from watchbot.run.status import report


def register(commands, common) -> None:
    parser = commands.add_parser("status", parents=[common], help="last runs, sources, failed documents, "
                                 "queued and failed toots")
    config_option(parser)
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    print(report(configuration.load(args.config)))
    return ExitCode.OK
