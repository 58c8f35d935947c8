"""`watchbot export`: every act with its facts and links, one row each, as CSV, JSON or Parquet (docs/EXPORT.md)."""

from __future__ import annotations

import csv
import json
import sys
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import IO

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option
from watchbot.core.errors import ExitCode
from watchbot.store import open_database
from watchbot.store.export import FIELDS, rows

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
    config = configuration.load(args.config)
    with open_database(config.db_url)() as session:
        found = [_plain(row) for row in rows(session)] if args.format != "parquet" else list(rows(session))
    if args.format == "parquet":
        write_parquet(found, args.out)
        return ExitCode.OK
    with (args.out.open("w", encoding="utf-8", newline="") if args.out else nullcontext(sys.stdout)) as out:
        write_text(found, args.format, out)
    return ExitCode.OK


def write_text(found: list[dict], kind: str, out: IO[str]) -> None:
    if kind == "json":
        json.dump(found, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(found)


def write_parquet(found: list[dict], path: Path) -> None:
    try:
        import pyarrow
        from pyarrow import parquet
    except ImportError:
        raise UsageError("export: Parquet needs pyarrow: pip install 'watchbot[export]'") from None
    table = pyarrow.Table.from_pylist(found, schema=pyarrow.schema(
        [(name, pyarrow.date32() if name in ("start", "end", "published") else
          pyarrow.int32() if name == "cameras" else pyarrow.string()) for name in FIELDS]))
    parquet.write_table(table, path)


def _plain(row: dict) -> dict:
    """Dates as YYYY-MM-DD, for CSV and JSON."""
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in row.items()}
