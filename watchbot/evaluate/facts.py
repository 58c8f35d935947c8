"""`watchbot eval --facts DIR`: precision and recall of the facts read from labelled acts.

The labels are CSV files (DIR/<split>/*.csv, e.g. tests/data/facts/tune/) with one row per act: where its text is
(``corpus``, ``file`` relative to the corpus folder, ``ref``), its ``title`` and ``department``, and
the facts a person read in it (SPEC §9). An act is found in its file by watchbot's own splitter (its
identifier), else from where its reference is printed to the next act's heading; a title-only source
(pp-paris/arretes.csv) gives the title alone. A field counts where the label or the reading has a value:
a value read and right is a hit, read and wrong a false positive (and a miss when a value was expected),
expected and not read a miss. Communes count by INSEE code or by name. Places are free text: two name the same
place when one contains the other or when the distinctive words of one, case and accents folded, are all words of
the other (« Magasin Aldi » and « ALDI MARCHE DAMMARTIN SARL »): articles, the generic words of a shop's name
(« magasin », « SARL ») and what a label adds in parentheses do not count (docs/EVALUATION.md).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from watchbot.core.models import Act, Facts
from watchbot.evaluate.measure import LabelError
from watchbot.facts.extract import read_facts
from watchbot.facts.gazetteer import normalise
from watchbot.match.normalize import fold
from watchbot.match.vocabulary import Vocabulary
from watchbot.read.extract import pages_of_text
from watchbot.read.split import split

SCALARS = ("kind", "start", "end", "scope", "cameras")
SETS = ("communes", "places", "purposes", "operators", "times")
FIELDS = (*SCALARS, *SETS)
HEADING = re.compile(r"\n\s*(?:arr[êeé]t[ée]|d[ée]cision)\b[^\n]{0,40}n\s?°", re.IGNORECASE)
# Words that do not tell one place from another: articles, and the generic words of a shop's name.
PLAIN_WORDS = frozenset("a au aux d de des du en et l la le les sur magasin bijouterie enseigne commerce societe "
                        "etablissement sa sas sarl".split())
ASIDE = re.compile(r"\([^)]*\)")
ACT_WINDOW = 12_000  # characters: an act found by its reference, when the next act's heading is not found


@dataclass
class FieldScore:
    name: str
    hits: int = 0
    false_positives: int = 0
    misses: int = 0

    @property
    def labelled(self) -> int:
        return self.hits + self.misses

    @property
    def precision(self) -> float:
        return self.hits / (self.hits + self.false_positives) if self.hits + self.false_positives else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.labelled if self.labelled else 1.0


@dataclass
class FactsReport:
    acts: int = 0
    missing: list[str] = field(default_factory=list)
    scores: dict[str, FieldScore] = field(default_factory=lambda: {name: FieldScore(name) for name in FIELDS})
    errors: list[str] = field(default_factory=list)


def evaluate_facts(labels: Iterable[Path], corpus: Path, vocabulary: Vocabulary) -> FactsReport:
    report = FactsReport()
    texts = _Texts(corpus)
    for row in (row for path in labels for row in csv.DictReader(path.open(encoding="utf-8", newline=""))):
        act = texts.act(row)
        if act is None:
            report.missing.append(f"{row['file']} {row['ref']}")
            continue
        report.acts += 1
        facts = read_facts(act, vocabulary, row["category"].split(";"), department=row["department"] or None)
        for name in FIELDS:
            _score(report, name, _expected(row, name), _read(facts, name), row)
    return report


def _expected(row: dict[str, str], name: str) -> Any:
    value = row[name].strip()
    if name in SETS:
        return [item.strip() for item in value.split(";") if item.strip()]
    return int(value) if name == "cameras" and value else value


def _read(facts: Facts, name: str) -> Any:
    value = getattr(facts, name)
    if name == "communes":
        return [commune.name for commune in value] + [f"#{commune.insee}" for commune in value]
    if name in SETS:
        return list(value)
    return value.isoformat() if hasattr(value, "isoformat") else value if value is not None else ""


def _score(report: FactsReport, name: str, expected: Any, read: Any, row: dict[str, str]) -> None:
    score = report.scores[name]
    if name in SETS:
        found = [item for item in read if not item.startswith("#")] if name == "communes" else read
        right = [item for item in expected if any(_same(name, item, other) for other in read)]
        wrong = [item for item in found if not any(_same(name, other, item) for other in expected)]
        score.hits, score.misses = score.hits + len(right), score.misses + len(expected) - len(right)
        score.false_positives += len(wrong)
        if wrong or len(right) < len(expected):
            report.errors.append(f"{row['ref'] or row['file']} {name}: expected {expected}, read {found}")
        return
    if name == "kind" and not expected:
        return
    if expected and read == expected:
        score.hits += 1
        return
    score.false_positives += bool(read)
    score.misses += bool(expected)
    if read or expected:
        report.errors.append(f"{row['ref'] or row['file']} {name}: expected {expected!r}, read {read!r}")


def _same(name: str, expected: str, read: str) -> bool:
    if name == "communes":
        return normalise(expected) == normalise(read) or read == f"#{expected}"
    if name == "places":
        left, right = fold(expected), fold(read)
        return left in right or right in left or _same_words(left, right)
    return expected == read


def _same_words(left: str, right: str) -> bool:
    """Whether the distinctive words of one folded place name are all words of the other."""
    words = [set(re.findall(r"\w+", ASIDE.sub(" ", name))) - PLAIN_WORDS for name in (left, right)]
    return any(side and side <= other for side, other in ((words[0], words[1]), (words[1], words[0])))


def label_files(directory: Path, split: str | None) -> list[Path]:
    """The label files of one half (DIR/tune, DIR/held-out), or of both."""
    halves = [split] if split else ["tune", "held-out"]
    files = sorted(path for half in halves for path in (directory / half).glob("*.csv"))
    if not files:
        raise LabelError(f"no label file in {directory}/{{{','.join(halves)}}}/*.csv")
    return files


def format_facts(report: FactsReport, errors: bool = True) -> str:
    """The table of scores, then (unless ``errors`` is false, as for the held-out half) each error."""
    lines = [f"{report.acts} acts read" + (f", {len(report.missing)} not found" if report.missing else ""),
             f"{'field':10} {'labelled':>8} {'precision':>9} {'recall':>6}"]
    lines += [f"{score.name:10} {score.labelled:>8} {score.precision:>9.3f} {score.recall:>6.3f}"
              for score in report.scores.values()]
    if errors:
        lines += ["", *report.errors, *(f"not found: {name}" for name in report.missing)]
    return "\n".join(lines)


class _Texts:
    """The act of a label row, each file read and split once."""

    def __init__(self, corpus: Path):
        self.corpus = corpus
        self.files: dict[str, tuple[str, dict[str, Act]]] = {}
        self.unnumbered: dict[str, list[Act]] = {}

    def act(self, row: dict[str, str]) -> Act | None:
        path = self.corpus / row["file"]
        if path.suffix == ".csv":
            return Act(row["ref"] or None, row["title"], None, None)
        if path.suffix != ".txt" or not path.exists():
            return None
        text, acts = self._read(path)
        if row["ref"] in acts and acts[row["ref"]].pages:  # not an entry of the Sommaire whose pages are cut off
            return acts[row["ref"]]
        if len(acts) <= 1 and row["corpus"] in ("real-acts", "nord-pdc"):
            pages = tuple(pages_of_text(text))
            return Act(row["ref"] or None, row["title"], pages[0].number, pages[-1].number, pages)
        return self._titled(path, row["ref"]) or _by_reference(text, row)

    def _titled(self, path: Path, ref: str) -> Act | None:
        """The act the splitter cut out without an identifier of the source's form, whose heading prints
        the label's reference (« Arrêté n° 2024-00111 » of a Préfecture de police act in another RAA)."""
        return next((act for act in self.unnumbered[str(path)] if ref and act.title and ref in act.title), None)

    def _read(self, path: Path) -> tuple[str, dict[str, Act]]:
        key = str(path)
        if key not in self.files:
            text = re.sub(r"\A(?:#[^\n]*\n)+", "", path.read_text(encoding="utf-8", errors="replace"))
            acts = split(list(pages_of_text(text)))
            self.files[key] = (text, {act.ref: act for act in acts if act.ref})
            self.unnumbered[key] = [act for act in acts if not act.ref]
        return self.files[key]


def _by_reference(text: str, row: dict[str, str]) -> Act | None:
    """The act from the last place its reference is printed before a title (past the Sommaire), to the next
    act's heading."""
    ref = row["ref"]
    if not ref:
        return None
    places = [match.start() for match in re.finditer(re.escape(ref), text)]
    if not places:
        return None
    start = places[1] if len(places) > 1 else places[0]
    following = HEADING.search(text, start + 300)
    end = following.start() if following else start + ACT_WINDOW
    pages = tuple(pages_of_text(text[start:end]))
    return Act(ref, row["title"], None, None, pages)
