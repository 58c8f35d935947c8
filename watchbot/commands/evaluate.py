"""`watchbot eval`: precision and recall of a ruleset on labelled acts."""

from __future__ import annotations

from pathlib import Path

from watchbot.core.errors import ExitCode
from watchbot.commands import load_rules
from watchbot.match import evaluate


def register(commands, common) -> None:
    parser = commands.add_parser("eval", parents=[common], help="precision and recall of the rules on labelled "
                                 "acts")
    parser.add_argument("--labels", type=Path, required=True, metavar="CSV",
                        help="the labels: one act a row, with a 'categories' column (see rules/README.md)")
    parser.add_argument("--texts", type=Path, metavar="DIR",
                        help="the folder that the labels' 'file' and 'raa_sha256' columns name files in "
                        "(default: the labels file's folder); rows with neither are judged on their title")
    parser.add_argument("--split", choices=("tune", "held-out"),
                        help="only the rows of this half of the labels (their 'split' column): rules tuned by "
                        "reading the 'tune' half are judged on the 'held-out' half")
    parser.add_argument("--rules", type=Path, metavar="DIR", help="ruleset directory (default: the bundled rules)")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    ruleset = load_rules(args.rules)
    report = evaluate.evaluate(args.labels, args.texts or args.labels.parent, ruleset, split=args.split)
    print(evaluate.format_report(report))
    return ExitCode.OK
