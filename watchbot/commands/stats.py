"""`watchbot stats`: how many distinct acts, and how many days they cover, by month, département, purpose…"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from contextlib import nullcontext
from typing import Sequence

from rich.console import Console
from rich.table import Table

from watchbot import config as configuration
from watchbot.commands import config_option, iso_date
from watchbot.core.errors import ExitCode
from watchbot.facts.gazetteer import gazetteer
from watchbot.store import Sessions, open_database, summary
from watchbot.store.stats import DIMENSIONS, Count, count

FORMATS = ("table", "csv", "json")
NONE = "—"  # in the table: the acts without a value for that dimension


def register(commands, common) -> None:
    parser = commands.add_parser(
        "stats", parents=[common], help="count the distinct acts and the days they cover",
        description="Count the distinct acts matched in a category (an act republished in several RAA counts "
        "once, as published in its first RAA) and the days covered: the union of their periods (those whose "
        "first and last days are known). An act with several départements, communes, purposes, operators or "
        "categories counts in each; one with none in a row of its own (— in the table, null in JSON).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  watchbot stats --by month --by purpose\n"
               "  watchbot stats --category drones --by department --since 2025-01-01 --format csv")
    config_option(parser)
    parser.add_argument("--category", action="append", default=[], metavar="C",
                        help="only acts matched in this category, e.g. drones (repeatable)")
    parser.add_argument("--by", action="append", default=[], choices=DIMENSIONS, metavar="DIMENSION",
                        help=f"one row per value of: {', '.join(DIMENSIONS)} (repeatable: one row per "
                             "combination). month and week are those of the act's first RAA's publication")
    parser.add_argument("--since", type=iso_date, metavar="DATE",
                        help="only acts whose first RAA was published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", type=iso_date, metavar="DATE",
                        help="only acts whose first RAA was published on or before DATE")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="a table (default), CSV, or a JSON array of rows on stdout")
    parser.set_defaults(handler=handle, quiet_logs=True)


def handle(args) -> int:
    config = configuration.load(args.config)
    by = list(dict.fromkeys(args.by))
    sessions = open_database(config.db_url)
    _refresh(sessions)
    with sessions() as session:
        counts = count(session, by, args.category, args.since, args.until)
    if args.format == "json":
        json.dump(rows(by, counts), sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, [*_headers(by), "acts", "days"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(by, counts))
    else:
        Console(soft_wrap=True).print(table(by, counts))
    return ExitCode.OK


def _refresh(sessions: Sessions) -> None:
    """Bring the summary up to date first (a spinner on a terminal when there is much to do): the counts are
    exact without it, only slower; a database busy with a run is left as it is."""
    console = Console(stderr=True)
    stale = summary.stale(sessions)
    if not stale:
        return
    status = console.status(f"Counting the acts of {stale} months again…") if console.is_terminal and stale > 2 \
        else nullcontext()
    with status:
        summary.refresh_unless_busy(sessions)


def rows(by: Sequence[str], counts: Sequence[Count]) -> list[dict]:
    """SPEC §10: one row per combination, the dimensions as keys (with a commune's name), then acts and days."""
    found = []
    for item in counts:
        row: dict = {}
        for name, value in zip(by, item.values, strict=True):
            row[name] = value
            if name == "commune":
                row["commune_name"] = _commune_name(value)
        found.append(row | {"acts": item.acts, "days": item.days})
    return found


def table(by: Sequence[str], counts: Sequence[Count]) -> Table:
    result = Table(*_headers(by), "acts", "days", caption=f"{sum(1 for _ in counts)} rows")
    for column in result.columns[-2:]:
        column.justify = "right"
    for row in rows(by, counts):
        result.add_row(*[NONE if value is None else str(value) for value in row.values()])
    return result


def _headers(by: Sequence[str]) -> list[str]:
    return [header for name in by for header in ([name, "commune_name"] if name == "commune" else [name])]


def _commune_name(insee: str | None) -> str | None:
    commune = gazetteer().by_insee(insee) if insee else None
    return commune.name if commune else None
