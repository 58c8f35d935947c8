"""`watchbot sources check`: crawl each source's window and say whether it works.

What an operator runs after installing, and weekly: per source, whether its index page answered, how
many RAA its window lists, the newest publication date, the requests made and whether an anti-bot
challenge answered instead of a page; exit 1 when any source is broken.
"""

from __future__ import annotations

from datetime import date

from watchbot import config as configuration
from watchbot.commands import config_option, selected_sources, source_option
from watchbot.core.errors import ExitCode
from watchbot.run.survey import Health, check_sources

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


def row(health: Health) -> tuple[str, ...]:
    return (health.code, "yes" if health.reachable else "no", str(health.found),
            health.newest.isoformat() if health.newest else "—", str(health.requests),
            "yes" if health.challenge else "no", health.problem)


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows)


def handle_check(args) -> int:
    config = configuration.load(args.config)
    health, requests = check_sources(config, selected_sources(config, args.source), date.today())
    print(table([COLUMNS, *(row(item) for item in health)]))
    broken = [item.code for item in health if item.problem]
    print(f"{len(health)} sources, {len(broken)} broken{': ' + ', '.join(broken) if broken else ''}; "
          f"{requests} requests")
    return ExitCode.FAILED if broken else ExitCode.OK
