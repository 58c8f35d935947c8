"""The `watchbot` sub-commands: one thin module each over the library.

Each module has `register(commands, common)`, which adds its parser (with the
`common` options) and sets `handler` to the function that runs it and returns
the exit code.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Sequence

from watchbot.core.errors import ExitCode, WatchbotError
from watchbot.core.models import Source
from watchbot.core.settings import BUNDLED_RULES, Config
from watchbot.discover import registry
from watchbot.match import rules as ruleset_files
from watchbot.match.rules import Ruleset


class UsageError(WatchbotError):
    """A command line that cannot be carried out: exit code 2."""

    exit_code = ExitCode.USAGE


def config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="F", help="configuration file (default: $WATCHBOT_CONFIG, "
                        "else ./watchbot.yaml if present, else the defaults)")


def source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", action="append", default=[], metavar="CODE",
                        help="only this source, e.g. pref83 (repeatable; default: every configured source)")


def load_rules(directory: Path | None) -> Ruleset:
    return ruleset_files.load(directory or BUNDLED_RULES)


def selected_sources(config: Config, codes: Sequence[str]) -> list[Source]:
    try:
        return registry.select(config.sources, codes)
    except ValueError as error:
        raise UsageError(str(error)) from None


def iso_date(value: str) -> date:
    """An option's date, as YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None
