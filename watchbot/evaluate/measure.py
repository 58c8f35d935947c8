"""`watchbot eval`: precision and recall of a ruleset on labelled acts.

The labels are a CSV file with a ``categories`` column (names separated by
``;``; ``trap`` is ignored) and, to find each act's text in the texts
directory, one of:

- ``raa_sha256`` and ``act_id``: the act ``act_id`` of the whole RAA
  ``<raa_sha256>.txt``, cut into acts by ``watchbot.read.split``;
- ``file``: a file holding one act (form feeds separate pages; leading lines
  starting with ``#`` are provenance notes and are skipped);
- neither: the act is its ``title`` alone (for title rules).

Optional columns: ``split`` (``tune`` or ``held-out``: ``evaluate(split=…)`` keeps
the rows of one half, so that rules tuned by reading one half are judged on the
other), ``title``, ``trap_reason`` ("category: why | …") naming
the categories a naive search would wrongly give the act: they are reported
so that a rule editor sees at once that every trap stays negative; and
``repeal`` (``repeal`` or ``modification``: the act repeals or amends an act of
its categories, and belongs to them all the same): how many of these each
category finds is reported apart, since a rule that reads « abrogeant l'arrêté
… » as a quotation would miss them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from watchbot.core.errors import ExitCode, WatchbotError
from watchbot.core.models import Act, Match, Page
from watchbot.match.classify import classify, explain
from watchbot.match.rules import Rule, Ruleset
from watchbot.read.extract import pages_of_text


class LabelError(WatchbotError):
    """The labels file or a text it names cannot be used."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Label:
    name: str  # how the report names the act: act id or file
    title: str
    categories: frozenset[str]
    traps: frozenset[str]
    raa: str = ""
    act_id: str = ""
    file: str = ""
    trap: bool = False  # a negative that shares a category's words (``kind`` column ``trap``)
    repeal: str = ""  # ``repeal`` or ``modification`` of an act of its categories (``repeal`` column)


@dataclass(frozen=True)
class Score:
    category: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def positives(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True)
class Error:
    kind: str  # "false positive" or "false negative"
    category: str
    act: str
    title: str
    words: tuple[str, ...] = ()  # what matched; for a false negative, what was found all the same
    trap: bool = False
    missing: bool = False  # the act was not found in its RAA


@dataclass
class Report:
    acts: int = 0
    scores: list[Score] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)
    traps: dict[str, int] = field(default_factory=dict)  # category -> trap acts
    missing: list[str] = field(default_factory=list)  # acts the splitter did not find
    trap_acts: int = 0
    repeals: dict[str, list[int]] = field(default_factory=dict)  # category -> [found, labelled] repeals


def read_labels(path: Path, split: str | None = None) -> list[Label]:
    try:
        with open(path, newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LabelError(f"{path}: cannot read labels: {error}") from error
    if rows and "categories" not in rows[0]:
        raise LabelError(f"{path}: no 'categories' column")
    if split is not None:
        if rows and "split" not in rows[0]:
            raise LabelError(f"{path}: no 'split' column to choose the '{split}' rows")
        rows = [row for row in rows if row["split"] == split]
        if not rows:
            raise LabelError(f"{path}: no row in split '{split}'")
    return [_label(row) for row in rows]


def _label(row: dict[str, str]) -> Label:
    categories = frozenset(_names(row.get("categories", ""), ";")) - {"trap"}
    traps = frozenset(reason.split(":")[0].strip() for reason in _names(row.get("trap_reason", ""), "|"))
    name = row.get("act_id") or row.get("file") or row.get("title", "")[:80]
    return Label(name, row.get("title", ""), categories, traps, row.get("raa_sha256", ""), row.get("act_id", ""),
                 row.get("file", ""), trap=bool(traps) or row.get("kind") == "trap", repeal=row.get("repeal") or "")


def _names(cell: str | None, separator: str) -> list[str]:
    return [name.strip() for name in (cell or "").split(separator) if name.strip()]


def read_text(path: Path) -> str:
    """A text file as written by extraction tools: UTF-8, else Windows-1252."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LabelError(f"cannot read {path}: {error}") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def evaluate(labels_csv: Path, texts_dir: Path, ruleset: Ruleset,
             splitter: Callable[[list[Page]], list[Act]] | None = None, split: str | None = None) -> Report:
    """Classify every labelled act (of one ``split`` if given) and compare with its labels."""
    labels = read_labels(labels_csv, split)
    acts = _Acts(Path(texts_dir), splitter)
    report = Report(acts=len(labels), trap_acts=sum(label.trap for label in labels))
    categories = sorted(set(ruleset.categories) | {name for label in labels for name in label.categories})
    counts = {name: [0, 0, 0] for name in categories}
    rules = {rule.category.name: rule for rule in ruleset.rules}
    for label in labels:
        act = acts.get(label)
        if act is None:
            report.missing.append(label.name)
        matches = classify(act, ruleset) if act is not None else []
        found = {match.category for match in matches}
        for name in label.traps:
            report.traps[name] = report.traps.get(name, 0) + 1
        for name in label.categories if label.repeal else ():
            repeals = report.repeals.setdefault(name, [0, 0])
            repeals[0] += name in found
            repeals[1] += 1
        for name in categories:
            _count(report, counts[name], name, label, found, matches, act, rules.get(name))
    report.scores = [Score(name, *counts[name]) for name in categories]
    return report


def _count(report: Report, count: list[int], category: str, label: Label, found: set[str],
           matches: list[Match], act: Act | None, rule: Rule | None) -> None:
    expected, got = category in label.categories, category in found
    if expected and got:
        count[0] += 1
    elif got:
        count[1] += 1
        words = tuple(dict.fromkeys(f"{match.words} [{match.zone}]" for match in matches
                                    if match.category == category))
        report.errors.append(Error("false positive", category, label.name, label.title, words,
                                   trap=category in label.traps or label.trap and not label.traps))
    elif expected:
        count[2] += 1
        near = tuple(f"{kind}: {match.words} [{match.zone}]" for kind, match in explain(act, rule)) \
            if act and rule else ()
        report.errors.append(Error("false negative", category, label.name, label.title, near, missing=act is None))


class _Acts:
    """Finds the act of a label, reading and splitting each RAA once."""

    def __init__(self, texts_dir: Path, splitter: Callable[[list[Page]], list[Act]] | None):
        self.texts_dir = texts_dir
        self.splitter = splitter
        self.raa: dict[str, dict[str, Act]] = {}

    def get(self, label: Label) -> Act | None:
        if label.raa:
            return self._split(label.raa).get(label.act_id)
        if label.file:
            text = _strip_notes(read_text(self.texts_dir / label.file))
            pages = list(pages_of_text(text))
            return Act(label.act_id or None, label.title, pages[0].number, pages[-1].number, tuple(pages))
        return Act(None, label.title, None, None)

    def _split(self, raa: str) -> dict[str, Act]:
        if raa not in self.raa:
            if self.splitter is None:
                from watchbot.read.split import split

                self.splitter = split
            pages = list(pages_of_text(read_text(self.texts_dir / f"{raa}.txt")))
            self.raa[raa] = {act.ref: act for act in self.splitter(pages) if act.ref}
        return self.raa[raa]


def _strip_notes(text: str) -> str:
    return re.sub(r"\A(?:#[^\n]*\n)+", "", text)


def format_report(report: Report, errors: bool = True) -> str:
    """The table of scores, then (unless not ``errors``) every error with the words that matched."""
    lines = [f"{report.acts} acts", "",
             f"{'category':<20} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} "
             f"{'F1':>5} {'traps':>5}"]
    for score in report.scores:
        found = score.true_positives + score.false_positives
        lines.append(f"{score.category:<20} {score.positives:>4} {score.true_positives:>4} "
                     f"{score.false_positives:>4} {score.false_negatives:>4} "
                     f"{_ratio(score.precision, found):>9} {_ratio(score.recall, score.positives):>7} "
                     f"{_ratio(score.f1, found + score.positives):>5} {report.traps.get(score.category, 0):>5}")
    trapped = [error for error in report.errors if error.trap]
    lines += ["", f"traps wrongly flagged: {len(trapped)} (trap acts: {report.trap_acts})",
              "repeals and modifications found: " + (", ".join(
                  f"{name} {found} / {labelled}" for name, (found, labelled) in sorted(report.repeals.items()))
                  or "none labelled")]
    if report.missing:
        lines += ["", f"acts not found in their RAA by the splitter: {len(report.missing)}",
                  *(f"  {name}" for name in report.missing if errors)]
    for kind in ("false positive", "false negative"):
        listed = [error for error in report.errors if error.kind == kind]
        lines += ["", f"{kind}s: {len(listed)}"]
        lines += [_format_error(error) for error in listed if errors]
    return "\n".join(lines)


def _ratio(value: float, count: int) -> str:
    """A ratio with three decimals, or « - » when it is 0/0."""
    return f"{value:.3f}" if count else "-"


def _format_error(error: Error) -> str:
    notes = [note for flag, note in ((error.trap, "trap"), (error.missing, "act not found")) if flag]
    words = " ; ".join(f"« {word} »" for word in error.words)
    found = "matched" if error.kind == "false positive" else "found, not enough"
    return (f"  {error.category:<18} {error.act}  {error.title[:100]}"
            + (f"  [{', '.join(notes)}]" if notes else "") + (f"\n      {found}: {words}" if words else ""))
