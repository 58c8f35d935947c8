"""`watchbot classify`: split and classify PDF or text files, offline (no database, no network)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from watchbot.run.analysis import analyse_file, to_json
from watchbot.commands import FAILED, OK, load_rules
from watchbot.run.steps import READ_MARGIN
from watchbot.read.child import ChildFailed, run_in_child
from watchbot.read.extract import ExtractError
from watchbot.core.settings import ExtractSettings
from watchbot.core.terminal import printable


def register(commands, common) -> None:
    parser = commands.add_parser("classify", parents=[common], help="offline: split and classify PDF or text "
                                 "files")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a PDF, or a text file whose pages are separated by form feeds")
    parser.add_argument("--rules", type=Path, metavar="DIR", help="ruleset directory (default: the bundled rules)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file on stdout, with its acts "
                        "and their matches")
    parser.set_defaults(handler=handle, quiet_logs=True)


def handle(args) -> int:
    ruleset = load_rules(args.rules)
    results, status = [], OK
    with tempfile.TemporaryDirectory(prefix="watchbot-") as workdir:
        for path in args.paths:
            settings = ExtractSettings()
            try:  # in a child with the run's limits: a hostile file costs that file
                analysis = run_in_child(analyse_file, path, ruleset, settings, Path(workdir),
                                        timeout=settings.ocr_document_timeout_seconds + READ_MARGIN,
                                        memory_mb=settings.max_memory_mb)
            except (ExtractError, ChildFailed, OSError) as error:
                print(f"watchbot: {printable(path)}: {printable(error)}", file=sys.stderr)
                status = FAILED
                continue
            results.append(to_json(str(path), analysis))
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for result in results:
            print(describe(result))
    return status


def describe(result: dict) -> str:
    poor = f", read poorly: {result['poorly_read_pages']}" if result["poorly_read_pages"] else ""
    lines = [f"{printable(result['file'])}: {result['pages']} pages, {len(result['acts'])} acts, "
             f"OCR on pages {result['ocr_pages'] or 'none'}{poor}"]
    for act in result["acts"]:
        if not act["categories"]:
            continue
        pages = f"p. {act['first_page']}-{act['last_page']}"
        lines.append(f"  [{', '.join(act['categories'])}] {printable(act['ref'] or '-')} {pages}: {printable(act['title'])}")
        for match in act["matches"]:
            lines.append(f"      {match['category']}: « {printable(match['words'])} » p. {match['page']}, {match['zone']} "
                         f"({match['rule']})")
    return "\n".join(lines)
