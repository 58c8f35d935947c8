"""`watchbot search`: find stored acts by the words of their pages."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Sequence

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, iso_date, load_rules
from watchbot.core.errors import ExitCode
from watchbot.core.models import KINDS, Facts
from watchbot.core.settings import Config
from watchbot.core.text import clean
from watchbot.facts.gazetteer import department_code, gazetteer
from watchbot.run.analysis import facts_json
from watchbot.run.steps import sources_by_code
from watchbot.store import open_database
from watchbot.store.search import MARK, SORTS, Filters, SearchHit, search

INSEE_CODE = re.compile(r"\d[\dAB]\d{3}", re.IGNORECASE)

BOLD, PLAIN = "\033[1m", "\033[0m"


def register(commands, common) -> None:
    parser = commands.add_parser(
        "search", parents=[common], help="search every stored act by its words",
        description="Search the title and text of every stored act. Case and accents do not matter. "
        'Words: all must be there; OR, NOT (upper-case), "a phrase", a prefix: aéronef*, (parentheses).',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='examples:\n  watchbot search "aéronef* OR drone*"\n'
               '  watchbot search \'"périmètre de protection" NOT abrogation\' --source pref83 --since 2025-01-01\n'
               '  watchbot search --commune Niort --purpose manifestation --from 2026-06-01 --to 2026-06-30')
    parser.add_argument("query", metavar="QUERY", nargs="?",
                        help="the words to find (quote it for the shell); without it, every act the filters let "
                             "through, newest first")
    config_option(parser)
    parser.add_argument("--category", action="append", default=[], metavar="C",
                        help="only acts matched in this category, e.g. drones (repeatable)")
    parser.add_argument("--source", action="append", default=[], metavar="CODE",
                        help="only this source, e.g. pref83 (repeatable)")
    parser.add_argument("--since", type=iso_date, metavar="DATE", help="only RAA published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", type=iso_date, metavar="DATE", help="only RAA published on or before DATE")
    parser.add_argument("--commune", action="append", default=[], metavar="NAME|INSEE",
                        help="only acts whose facts name this commune, e.g. Niort or 79191 (repeatable)")
    parser.add_argument("--department", action="append", default=[], metavar="CODE",
                        help="only acts applying in this département, e.g. 83, 2A (repeatable)")
    parser.add_argument("--purpose", action="append", default=[], metavar="P",
                        help="only acts for this purpose, e.g. manifestation (repeatable; the names of "
                             "rules/facts/purposes.yaml)")
    parser.add_argument("--kind", action="append", default=[], metavar="K",
                        help=f"only acts of this kind: {', '.join(KINDS)} (repeatable)")
    parser.add_argument("--from", dest="period_from", type=iso_date, metavar="DATE",
                        help="only acts whose period (the days the measure applies) ends on or after DATE")
    parser.add_argument("--to", dest="period_to", type=iso_date, metavar="DATE",
                        help="only acts whose period starts on or before DATE")
    parser.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N acts (default: 20)")
    parser.add_argument("--sort", choices=SORTS, default="relevance", help="best matches first (default) or "
                        "newest RAA first")
    parser.add_argument("--json", action="store_true", help="a JSON list of the acts found on stdout, with "
                        "their facts")
    parser.set_defaults(handler=handle, quiet_logs=True)


def handle(args) -> int:
    config = configuration.load(args.config)
    filters = _filters(args, config)
    sessions = open_database(config.db_url)
    with sessions() as session:
        hits = search(session, args.query, filters, args.limit, args.sort)
        if args.json:
            json.dump([to_json(hit) for hit in hits], sys.stdout, ensure_ascii=False, indent=2)
            print()
        else:
            print(describe(hits, bold=sys.stdout.isatty()))
            for hint in hints(args.query) if not hits and args.query else []:
                print(hint)
    return ExitCode.OK


def hints(query: str) -> list[str]:
    """What may explain that a query found nothing: operators written in lower case, a plural searched as such."""
    found = []
    if re.search(r"\s(?:or|and|not)\s", query):
        found.append("Hint: or, and, not in lower case are words to find; write OR, AND, NOT for the operators.")
    if any(word.endswith(("s", "x")) and not word.endswith("*") for word in re.findall(r"[^\s\"()]+", query)):
        found.append("Hint: a word finds itself only: aéronef* finds aéronef and aéronefs.")
    return found


def to_json(hit: SearchHit) -> dict:
    document = hit.document
    return {"source": document.source_code, "source_name": hit.source_name, "ref": hit.act.ref,
            "title": hit.act.title, "categories": hit.act.categories, "raa": document.title,
            "raa_url": document.url, "published": document.published.isoformat() if document.published else None,
            "page": hit.page, "link": hit.link, "snippet": hit.snippet,
            "facts": facts_json(hit.facts) if hit.facts else None}


def describe(hits: list[SearchHit], bold: bool = False) -> str:
    if not hits:
        return "No act found."
    blocks = []
    for number, hit in enumerate(hits, 1):
        document = hit.document
        published = f" du {document.published:%d/%m/%Y}" if document.published else ""
        categories = f" [{', '.join(hit.act.categories)}]" if hit.act.categories else ""
        snippet = clean(hit.snippet)  # the document's text: its escapes and bidi controls never reach the terminal
        snippet = snippet.replace(MARK[0], BOLD).replace(MARK[1], PLAIN) if bold else snippet
        blocks.append("\n".join([
            f"{number}. {clean(hit.source_name or document.source_code)} — "
            f"{clean(hit.act.ref) or 'acte sans numéro'}{categories}",
            f"   {clean(hit.act.title)}",
            f"   {clean(document.title)}{published}, page {hit.page}: {clean(hit.link)}",
            *([f"   {clean(_summary(hit.facts))}"] if hit.facts else []),
            *([f"   {snippet}"] if snippet else [])]))
    return "\n\n".join(blocks)


def _summary(facts: Facts) -> str:
    """The facts on one line: kind, period, communes (or scope), purposes, operators, cameras."""
    period = " → ".join(str(day) for day in dict.fromkeys((facts.start, facts.end)) if day)
    where = ", ".join(f"{commune.name} ({commune.department})" for commune in facts.communes) or facts.scope
    cameras = f"{facts.cameras} cameras" if facts.cameras else ""
    return " · ".join(part for part in (facts.kind, period, where, ", ".join(facts.purposes),
                                        ", ".join(facts.operators), cameras) if part)


def _filters(args, config: Config) -> Filters:
    """The command line's filters, their values checked: an unknown one is a usage error naming the known ones."""
    ruleset = load_rules(config.rules_dir)
    _known("category", args.category, sorted(ruleset.categories))
    _known("source", args.source, sorted(sources_by_code(config)))
    _known("purpose", args.purpose, [term.name for term in ruleset.vocabulary.purposes])
    _known("kind", args.kind, KINDS)
    departments = sorted({commune.department for commune in gazetteer().communes})
    codes = [department_code(code) for code in args.department]
    _known("département", codes, departments)
    return Filters(args.category, args.source, args.since, args.until,
                   [code for commune in args.commune for code in _insee_codes(commune)], codes, args.purpose,
                   args.kind, args.period_from, args.period_to)


def _known(name: str, values: Sequence[str], known: Sequence[str]) -> None:
    unknown = [value for value in values if value not in known]
    if unknown:
        raise UsageError(f"search: unknown {name} {', '.join(unknown)}: one of {', '.join(known)}")


def _insee_codes(commune: str) -> list[str]:
    """The INSEE codes a commune given by name (every commune of that name) or by code stands for, with those
    of its arrondissements: an act in « Paris 16e » is an act in Paris."""
    if INSEE_CODE.fullmatch(commune.strip()):
        found = gazetteer().by_insee(commune)
        if found is None:
            raise UsageError(f"search: no commune has the INSEE code {commune}")
        return [found.insee, *(part.insee for part in gazetteer().arrondissements(found))]
    codes = list(dict.fromkeys(place.insee for found in gazetteer().find(commune)
                               for place in (found, *gazetteer().arrondissements(found))))
    if not codes:
        raise UsageError(f"search: no commune is named {commune!r} (a name as INSEE writes it, or its code)")
    return codes


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)
