"""`watchbot rules check [DIR]`: validate a ruleset."""

from __future__ import annotations

import sys
from pathlib import Path

from watchbot import config as configuration
from watchbot.commands import config_option
from watchbot.core.errors import ExitCode
from watchbot.core.settings import BUNDLED_RULES
from watchbot.match import rules


def register(commands, common) -> None:
    parser = commands.add_parser("rules", parents=[common], help="ruleset tools")
    tools = parser.add_subparsers(dest="rules_command", metavar="COMMAND")
    check = tools.add_parser("check", parents=[common], help="validate a ruleset")
    check.add_argument("directory", nargs="?", type=Path, metavar="DIR",
                       help="the folder of rule files (default: the configuration's rules_dir, else the "
                       "bundled rules)")
    config_option(check)
    check.set_defaults(handler=handle_check)


def handle_check(args) -> int:
    directory = args.directory or configuration.load(args.config, tokens=False).rules_dir or BUNDLED_RULES
    problems = rules.check(directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return ExitCode.USAGE
    ruleset = rules.load(directory)
    print(f"{directory}: {len(ruleset.categories)} categories OK ({', '.join(sorted(ruleset.categories))})")
    for name, category in sorted(ruleset.categories.items()):
        print(f"  {name}: {category.label}" + (f" — {category.description}" if category.description else ""))
    return ExitCode.OK
