"""`watchbot classify`: split and classify PDF or text files, offline (no database, no network)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, load_rules
from watchbot.core.errors import ExitCode
from watchbot.core.terminal import printable
from watchbot.run.classify_files import classify_files, describe


def register(commands, common) -> None:
    parser = commands.add_parser("classify", parents=[common], help="offline: split and classify PDF or text "
                                 "files")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a PDF, or a text file whose pages are separated by form feeds")
    parser.add_argument("--rules", type=Path, metavar="DIR", help="ruleset directory (default: the configuration's "
                        "rules_dir, else the bundled rules)")
    config_option(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per file on stdout, with its acts "
                        "and their matches")
    parser.set_defaults(handler=handle, quiet_logs=True)


def handle(args) -> int:
    urls = [str(path) for path in args.paths if str(path).startswith(("http:/", "https:/"))]
    if urls:
        raise UsageError(f"URLs are not supported ({urls[0].replace(':/', '://', 1)}): download the file and "
                         "give its path")
    config = configuration.load(args.config, tokens=False)
    results, failures = classify_files(args.paths, load_rules(args.rules or config.rules_dir), config.extract)
    for failure in failures:
        print(f"watchbot: {printable(failure)}", file=sys.stderr)
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for result in results:
            print(describe(result))
    return ExitCode.FAILED if failures else ExitCode.OK
