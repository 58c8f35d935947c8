"""The `watchbot` command (README: Commands). Logs go to stderr, --json output to stdout.

Exit codes: 0 success; 1 some sources, documents or toots failed (retried next
run); 2 usage, configuration or ruleset error; 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from watchbot import __version__
from watchbot.commands import (
    accounts,
    backfill,
    browse,
    classify,
    demo,
    discover,
    evaluate,
    export,
    feed,
    reclassify,
    report,
    retry,
    rules,
    run,
    search,
    sources,
    stats,
    status,
    worker,
)
from watchbot.core.errors import ExitCode, WatchbotError
from watchbot.core.terminal import PrintableLogs, printable
from watchbot.store import UNUSABLE

COMMANDS = (run, discover, sources, accounts, classify, rules, evaluate, reclassify, status, retry, search, stats,
            export, feed, report, browse, demo, backfill, worker)
STATE_HELP = ("watchbot: check that the state directory (or database_url) is readable and writable and that its "
              "disk has room")
DAMAGED_HELP = ("watchbot: the SQLite file is damaged: it can be moved aside, a new one is made, and the toots already "
                "on the accounts are recognised and not posted again")
DAMAGED = ("malformed", "not a database", "file is encrypted")  # SQLite's words for a damaged file


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _logging(args)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        status = args.handler(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, rather than at exit
        return status
    except WatchbotError as error:
        for line in str(error).splitlines():
            print(f"watchbot: {printable(line)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return ExitCode.FAILED
    except BrokenPipeError:  # `watchbot status | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except UNUSABLE as error:
        reason = str(getattr(error, "orig", None) or error)
        damaged = any(words in reason for words in DAMAGED)
        print(f"watchbot: the database cannot be used: {printable(reason)}\n{DAMAGED_HELP if damaged else STATE_HELP}",
              file=sys.stderr)
        return ExitCode.USAGE
    except OSError as error:  # the state directory: missing rights, a full disk
        where = f"{error.filename}: " if error.filename else ""
        print(f"watchbot: {printable(where)}{error.strerror or error}\n{STATE_HELP}", file=sys.stderr)
        return ExitCode.USAGE


def _logging(args: argparse.Namespace) -> None:
    quiet = getattr(args, "quiet", False) or getattr(args, "quiet_logs", False)
    default = logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(PrintableLogs())
    if args.verbose < 2:  # -v is watchbot's own detail; the libraries' lines below a warning need -vv
        handler.addFilter(_watchbot_or_warning)
    logging.basicConfig(level=logging.DEBUG if args.verbose >= 2 else default, format="watchbot: %(message)s",
                        handlers=[handler])
    logging.getLogger("watchbot").setLevel(logging.DEBUG if args.verbose else default)


def _watchbot_or_warning(record: logging.LogRecord) -> bool:
    return record.name.partition(".")[0] == "watchbot" or record.levelno >= logging.WARNING


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="watchbot", description="Watch French prefectures' RAA for "
                                     "surveillance decrees and toot them on Mastodon.")
    parser.add_argument("--version", action="version", version=f"watchbot {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more detail on stderr (-vv: the libraries' too)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only problems (warnings and errors): for cron")
    # -v is accepted after the sub-command as well; SUPPRESS keeps a -v given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help="more detail on stderr (-vv: the libraries' too)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="only problems (warnings and errors): for cron")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands, common)
    return parser
