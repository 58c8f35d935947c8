"""`watchbot eval`: precision and recall of a ruleset on labelled acts."""

from __future__ import annotations

from pathlib import Path

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, load_rules
from watchbot.core.errors import ExitCode
from watchbot.evaluate import facts, measure, results


def register(commands, common) -> None:
    parser = commands.add_parser("eval", parents=[common], help="precision and recall of the rules on labelled "
                                 "acts")
    labels = parser.add_mutually_exclusive_group(required=True)
    labels.add_argument("--labels", type=Path, metavar="CSV",
                        help="the labels: one act a row, with a 'categories' column (see rules/README.md)")
    labels.add_argument("--facts", type=Path, metavar="DIR",
                        help="score the facts read (SPEC §9) on the labels of DIR/tune/*.csv and "
                        "DIR/held-out/*.csv (e.g. tests/data/facts); --texts is then the corpus folder their "
                        "'file' column names files in")
    parser.add_argument("--texts", type=Path, metavar="DIR",
                        help="the folder that the labels' 'file' and 'raa_sha256' columns name files in "
                        "(default: the labels file's folder); rows with neither are judged on their title")
    parser.add_argument("--split", choices=("tune", "held-out"),
                        help="only the rows of this half of the labels (their 'split' column): rules tuned by "
                        "reading the 'tune' half are judged on the 'held-out' half, of which only the scores "
                        "are printed, never the acts in error")
    parser.add_argument("--rules", type=Path, metavar="DIR", help="ruleset directory (default: the configuration's "
                        "rules_dir, else the bundled rules)")
    config_option(parser)
    parser.add_argument("--write-results", type=Path, metavar="FILE",
                        help="also put the scores (counts only) in this JSON results file under --name, with "
                        "the command that made them (docs/evaluation/results.json holds the published ones)")
    parser.add_argument("--name", help="the labelled set's name in the results file (default: the labels file's "
                        "name and the split)")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    ruleset = load_rules(args.rules or configuration.load(args.config, tokens=False).rules_dir)
    if args.facts:
        return handle_facts(args, ruleset.vocabulary)
    report = measure.evaluate(args.labels, args.texts or args.labels.parent, ruleset, split=args.split)
    if args.write_results:
        name = args.name or " ".join(filter(None, [args.labels.stem, args.split]))
        results.write(args.write_results, name, report, command(args))
    print(measure.format_report(report, errors=args.split != "held-out"))
    return ExitCode.OK


def handle_facts(args, vocabulary) -> int:
    if args.texts is None:
        raise UsageError("--facts needs --texts: the corpus folder the labels' files are in")
    report = facts.evaluate_facts(facts.label_files(args.facts, args.split), args.texts, vocabulary)
    print(facts.format_facts(report, errors=args.split != "held-out"))
    return ExitCode.OK


def command(args) -> str:
    """The command line that makes these figures again, the results file aside."""
    options = [("--labels", args.labels), ("--texts", args.texts), ("--split", args.split), ("--rules", args.rules)]
    return " ".join(["watchbot eval", *(f"{option} {value}" for option, value in options if value)])
