"""`watchbot search`: find stored acts by the words of their pages."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from watchbot import config as configuration
from watchbot.core.errors import ExitCode
from watchbot.commands import config_option
from watchbot.store import open_database
from watchbot.store.search import MARK, SORTS, Filters, SearchHit, search

BOLD, PLAIN = "\033[1m", "\033[0m"


def register(commands, common) -> None:
    parser = commands.add_parser(
        "search", parents=[common], help="search every stored act by its words",
        description="Search the title and text of every stored act. Case and accents do not matter. "
        'Words: all must be there; OR, NOT (upper-case), "a phrase", a prefix: aéronef*, (parentheses).',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='examples:\n  watchbot search "aéronef* OR drone*"\n'
               '  watchbot search \'"périmètre de protection" NOT abrogation\' --source pref83 --since 2025-01-01')
    parser.add_argument("query", metavar="QUERY", help="the words to find (quote it for the shell)")
    config_option(parser)
    parser.add_argument("--category", action="append", default=[], metavar="C",
                        help="only acts matched in this category, e.g. drones (repeatable)")
    parser.add_argument("--source", action="append", default=[], metavar="CODE",
                        help="only this source, e.g. pref83 (repeatable)")
    parser.add_argument("--since", type=_date, metavar="DATE", help="only RAA published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", type=_date, metavar="DATE", help="only RAA published on or before DATE")
    parser.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N acts (default: 20)")
    parser.add_argument("--sort", choices=SORTS, default="relevance", help="best matches first (default) or "
                        "newest RAA first")
    parser.add_argument("--json", action="store_true", help="a JSON list of the acts found on stdout")
    parser.set_defaults(handler=handle, quiet_logs=True)


def handle(args) -> int:
    config = configuration.load(args.config)
    filters = Filters(args.category, args.source, args.since, args.until)
    sessions = open_database(config.db_url)
    with sessions() as session:
        hits = search(session, args.query, filters, args.limit, args.sort)
        if args.json:
            json.dump([to_json(hit) for hit in hits], sys.stdout, ensure_ascii=False, indent=2)
            print()
        else:
            print(describe(hits, bold=sys.stdout.isatty()))
    return ExitCode.OK


def to_json(hit: SearchHit) -> dict:
    document = hit.document
    return {"source": document.source_code, "source_name": hit.source_name, "ref": hit.act.ref,
            "title": hit.act.title, "categories": hit.act.categories, "raa": document.title,
            "raa_url": document.url, "published": document.published.isoformat() if document.published else None,
            "page": hit.page, "link": hit.link, "snippet": hit.snippet}


def describe(hits: list[SearchHit], bold: bool = False) -> str:
    if not hits:
        return "No act found."
    blocks = []
    for number, hit in enumerate(hits, 1):
        document = hit.document
        published = f" du {document.published:%d/%m/%Y}" if document.published else ""
        categories = f" [{', '.join(hit.act.categories)}]" if hit.act.categories else ""
        snippet = hit.snippet.replace(MARK[0], BOLD).replace(MARK[1], PLAIN) if bold else hit.snippet
        blocks.append("\n".join([
            f"{number}. {hit.source_name or document.source_code} — {hit.act.ref or 'acte sans numéro'}{categories}",
            f"   {hit.act.title}",
            f"   {document.title}{published}, page {hit.page}: {hit.link}",
            f"   {snippet}"]))
    return "\n\n".join(blocks)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)
