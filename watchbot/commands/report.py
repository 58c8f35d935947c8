"""`watchbot report`: write the static site of counts, charts, a map and the export files (docs/REPORT.md)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, load_rules
from watchbot.core.errors import ExitCode
from watchbot.report import site
from watchbot.store import open_database


def register(commands, common) -> None:
    parser = commands.add_parser(
        "report", parents=[common], help="write a static site of charts, a map, tables and the export files",
        description="Write a static web site of the archive, entered at DIR/index.html: per category, the acts "
                    "per month, by purpose and by département, the days covered, a map of the communes, the "
                    "latest acts with their facts and links, and the export files (CSV, JSON, Parquet when "
                    "pyarrow is installed). Any web server can serve it, file:// too; nothing is fetched from "
                    "elsewhere. Also written after each run when report.dir is set.")
    config_option(parser)
    parser.add_argument("--out", type=Path, metavar="DIR", help="write it there (default: report.dir of the "
                        "configuration)")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    directory = args.out or config.report.dir
    if directory is None:
        raise UsageError("report: give --out DIR (or set report.dir in the configuration)")
    ruleset = load_rules(config.rules_dir)
    with _progress(not getattr(args, "quiet", False) and sys.stderr.isatty()) as step:
        index = site.write(open_database(config.db_url), config, ruleset, directory, step)
    print(index)
    return ExitCode.OK


@contextmanager
def _progress(shown: bool) -> Iterator[site.Step]:
    """A spinner naming the step under way, on a terminal only (nothing extra under cron)."""
    if not shown:
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("rapport : {task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("", total=None)
        yield lambda name: progress.update(task, description=name)
