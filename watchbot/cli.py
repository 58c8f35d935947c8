"""The `watchbot` command (SPEC §2). Logs go to stderr, --json output to stdout.

Exit codes: 0 success; 1 some sources, documents or toots failed (retried next
run); 2 usage, configuration or ruleset error; 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Sequence

from watchbot import __version__, config as configuration, rules
from watchbot.lock import LockHeld
from watchbot.yamlfile import YamlError

log = logging.getLogger("watchbot")
OK, FAILED, USAGE, LOCKED = 0, 1, 2, 3


class UsageError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO if args.command != "classify"
                        else logging.WARNING, format="watchbot: %(message)s", stream=sys.stderr)
    if args.verbose < 2:
        for noisy in ("urllib3", "pdfminer", "alembic", "PIL"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return USAGE
    try:
        return args.handler(args)
    except (YamlError, UsageError) as error:
        print(f"watchbot: {error}", file=sys.stderr)
        return USAGE
    except LockHeld as error:
        print(f"watchbot: {error}; nothing was done", file=sys.stderr)
        return LOCKED
    except KeyboardInterrupt:
        return FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="watchbot", description="Watch French prefectures' RAA for "
                                     "surveillance decrees and toot them on Mastodon.")
    parser.add_argument("--version", action="version", version=f"watchbot {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail on stderr (-vv: libraries)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="one full pass: the cron job")
    _config_option(run)
    run.add_argument("--dry-run", action="store_true", help="print the toots instead of posting them")
    run.add_argument("--source", action="append", default=[], metavar="CODE", help="only this source (repeatable)")
    run.add_argument("--max-posts", type=int, metavar="N", help="at most N toots per account in this run")
    run.set_defaults(handler=cmd_run)

    discover = commands.add_parser("discover", help="crawl index pages only and list the RAA found")
    _config_option(discover)
    discover.add_argument("--source", action="append", default=[], metavar="CODE")
    discover.add_argument("--json", action="store_true", help="JSON on stdout")
    discover.set_defaults(handler=cmd_discover)

    classify = commands.add_parser("classify", help="offline: split and classify PDF or text files")
    classify.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    classify.add_argument("--rules", type=Path, metavar="DIR", help="ruleset directory (default: bundled)")
    classify.add_argument("--json", action="store_true", help="JSON on stdout (SPEC §5)")
    classify.set_defaults(handler=cmd_classify)

    rules_parser = commands.add_parser("rules", help="ruleset tools")
    rules_commands = rules_parser.add_subparsers(dest="rules_command", metavar="COMMAND")
    check = rules_commands.add_parser("check", help="validate a ruleset")
    check.add_argument("directory", nargs="?", type=Path, metavar="DIR")
    check.set_defaults(handler=cmd_rules_check)

    evaluate = commands.add_parser("eval", help="precision and recall of the rules on labelled acts")
    evaluate.add_argument("--labels", type=Path, required=True, metavar="CSV")
    evaluate.add_argument("--texts", type=Path, metavar="DIR", help="where the labelled texts are "
                          "(default: the labels file's folder)")
    evaluate.add_argument("--rules", type=Path, metavar="DIR")
    evaluate.set_defaults(handler=cmd_eval)

    reclassify = commands.add_parser("reclassify", help="apply edited rules to the acts already read "
                                     "(no download, no OCR); newly matching acts get their toots queued")
    _config_option(reclassify)
    reclassify.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                            help="only RAA published since this date")
    reclassify.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    reclassify.set_defaults(handler=cmd_reclassify)

    status = commands.add_parser("status", help="last runs, queued and failed toots, sources")
    _config_option(status)
    status.set_defaults(handler=cmd_status)

    demo = commands.add_parser("demo", help="offline end-to-end run on bundled real RAA")
    demo.add_argument("--keep", type=Path, metavar="DIR", help="keep the demo state in DIR")
    demo.set_defaults(handler=cmd_demo)
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="F", help="configuration file (default: $WATCHBOT_CONFIG, "
                        "./watchbot.yaml)")


def _ruleset(directory: Path | None):
    return rules.load(directory or configuration.BUNDLED_RULES)


def cmd_run(args) -> int:
    from watchbot import pipeline

    config = configuration.load(args.config)
    ruleset = _ruleset(config.rules_dir)
    if args.max_posts is not None and args.max_posts < 0:
        raise UsageError("--max-posts must be 0 or more")
    sources = _sources(config, args.source)
    summary = pipeline.run(config, ruleset, sources=sources, dry_run=args.dry_run, max_posts=args.max_posts)
    log.info("run finished: %s", summary.line())
    return summary.exit_code


def _sources(config, codes):
    from watchbot import pipeline

    try:
        return pipeline.selected_sources(config, codes)
    except ValueError as error:
        raise UsageError(str(error)) from None


def cmd_discover(args) -> int:
    from watchbot import discover
    from watchbot.fetch import FetchError, Fetcher
    from watchbot.pipeline import allowed_hosts, crawl

    config = configuration.load(args.config)
    sources = _sources(config, args.source)
    fetcher = Fetcher(config.http, allowed_hosts(sources))
    found, status = [], OK
    for source in sources:
        try:
            listings = crawl(config, source, fetcher, date.today())
        except (discover.DiscoverError, FetchError) as error:
            log.warning("source %s failed: %s", source.code, error)
            status = FAILED
            continue
        found += listings
        if not args.json:
            for item in listings:
                print(f"{item.source}\t{item.published or '?'}\t{item.title}\t{item.url}")
    if args.json:
        json.dump([{"source": item.source, "url": item.url, "title": item.title,
                    "published": item.published.isoformat() if item.published else None} for item in found],
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    return status


def cmd_classify(args) -> int:
    from watchbot.analysis import analyse_file, to_json
    from watchbot.config import ExtractSettings
    from watchbot.extract import ExtractError

    ruleset = _ruleset(args.rules)
    results, status = [], OK
    with tempfile.TemporaryDirectory(prefix="watchbot-") as workdir:
        for path in args.paths:
            try:
                analysis = analyse_file(path, ruleset, ExtractSettings(), Path(workdir))
            except (ExtractError, OSError) as error:
                print(f"watchbot: {path}: {error}", file=sys.stderr)
                status = FAILED
                continue
            results.append(to_json(str(path), analysis))
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for result in results:
            print(_describe(result))
    return status


def _describe(result: dict) -> str:
    lines = [f"{result['file']}: {result['pages']} pages, {len(result['acts'])} acts, "
             f"OCR on pages {result['ocr_pages'] or 'none'}"]
    for act in result["acts"]:
        if not act["categories"]:
            continue
        pages = f"p. {act['first_page']}-{act['last_page']}"
        lines.append(f"  [{', '.join(act['categories'])}] {act['ref'] or '-'} {pages}: {act['title']}")
        for match in act["matches"]:
            lines.append(f"      {match['category']}: « {match['words']} » p. {match['page']} ({match['rule']})")
    return "\n".join(lines)


def cmd_rules_check(args) -> int:
    directory = args.directory or configuration.BUNDLED_RULES
    problems = rules.check(directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return USAGE
    ruleset = rules.load(directory)
    print(f"{directory}: {len(ruleset.categories)} categories OK ({', '.join(sorted(ruleset.categories))})")
    return OK


def cmd_eval(args) -> int:
    from watchbot import evaluate

    ruleset = _ruleset(args.rules)
    try:
        report = evaluate.evaluate(args.labels, args.texts or args.labels.parent, ruleset)
    except evaluate.LabelError as error:
        raise UsageError(str(error)) from None
    print(evaluate.format_report(report))
    return OK


def cmd_reclassify(args) -> int:
    from watchbot.reclassify import reclassify

    config = configuration.load(args.config)
    changes = reclassify(config, _ruleset(config.rules_dir), since=args.since, dry_run=args.dry_run)
    log.info("%s%s", changes.line(), " (dry run: nothing changed)" if args.dry_run else "")
    return OK


def cmd_status(args) -> int:
    from watchbot import status

    config = configuration.load(args.config)
    print(status.report(config))
    return OK


def cmd_demo(args) -> int:
    from watchbot import demo

    return demo.main(keep=args.keep)
