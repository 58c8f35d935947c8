"""`watchbot run`: one full pass, the cron job."""

from __future__ import annotations

import logging

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, load_rules, selected_sources, source_option
from watchbot.run import pipeline

log = logging.getLogger("watchbot")


def register(commands, common) -> None:
    parser = commands.add_parser("run", parents=[common], help="one full pass: the cron job")
    config_option(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the toots instead of posting them")
    source_option(parser)
    parser.add_argument("--max-posts", type=int, metavar="N", help="at most N toots per account in this run")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config, tokens=not args.dry_run, required=True)
    ruleset = load_rules(config.rules_dir)
    if args.max_posts is not None and args.max_posts < 0:
        raise UsageError("--max-posts must be 0 or more")
    sources = selected_sources(config, args.source)
    summary = pipeline.run(config, ruleset, sources=sources, dry_run=args.dry_run, max_posts=args.max_posts)
    # a failed run says so even with --quiet; a quiet run that did nothing prints nothing
    log.log(logging.WARNING if summary.exit_code else logging.INFO, "run finished: %s", summary.line())
    return summary.exit_code
