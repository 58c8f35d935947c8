"""`watchbot export`: every act with its facts and links, one row each, as CSV, JSON or Parquet (docs/EXPORT.md)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option
from watchbot.core.errors import ExitCode
from watchbot.report.downloads import WRITERS, has_parquet, stream
from watchbot.store import open_database

FORMATS = ("csv", "json", "parquet")


def register(commands, common) -> None:
    parser = commands.add_parser(
        "export", parents=[common], help="write every act with its facts: CSV, JSON or Parquet",
        description="Write one row per act matched in a category (an act republished in several RAA once, as "
                    "published in its first RAA), with its facts, its RAA and a link to its page. The columns "
                    "are described in docs/EXPORT.md.")
    config_option(parser)
    parser.add_argument("--format", choices=FORMATS, required=True,
                        help="csv, json (an array of objects) or parquet (needs pip install watchbot[export])")
    parser.add_argument("--out", type=Path, metavar="F", help="the file to write (default: stdout; required for "
                        "parquet)")
    parser.set_defaults(handler=handle, quiet_logs=True)


def handle(args) -> int:
    if args.format == "parquet" and args.out is None:
        raise UsageError("export: --format parquet needs --out FILE")
    if args.format == "parquet" and not has_parquet():
        raise UsageError("export: Parquet needs pyarrow: pip install 'watchbot[export]'")
    config = configuration.load(args.config)
    target = (args.out.open("wb") if args.format == "parquet" else args.out.open("w", encoding="utf-8", newline="")
              if args.out else nullcontext(sys.stdout))
    with target as out:
        stream(open_database(config.db_url), [WRITERS[args.format](out)])
    return ExitCode.OK
