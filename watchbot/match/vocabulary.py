"""The vocabulary of facts beside the rules: `rules/facts/purposes.yaml` and `rules/facts/operators.yaml`.

Each file maps a name (as exports and statistics write it) to its label in toots, the words that say it,
the words that, covering a word found, cancel it, and, for a purpose, the words that say it only where the act
says no other purpose (``alone``: a legal formula that every act may quote)::

    manifestation:
      label: manifestation
      words: [manifestation, cortège, rassemblement revendicatif]
      unless: [manifestation sportive]

Words are written as in the rules (one phrase or a ``regex:`` each) and compiled once, with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from watchbot.core import yamlfile
from watchbot.core.yamlfile import Problem, YamlError
from watchbot.match.patterns import Finder, RuleError, compile_regex, compile_words

FILES = ("purposes", "operators")
TERM_KEYS = ("label", "words", "unless", "alone")


@dataclass(frozen=True)
class Term:
    """One purpose or operator: its name, its label, and where a folded text says it."""

    name: str
    label: str
    words: tuple[Finder, ...]
    unless: tuple[Finder, ...] = ()
    alone: tuple[Finder, ...] = ()

    def said_alone(self, text: str) -> bool:
        """Whether ``text`` says it in the words that count only where nothing else is said."""
        return any(next(finder.finditer(text), None) for finder in self.alone)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where ``text`` says it: each span of its words that no ``unless`` words cover."""
        cancelled: list[tuple[int, int]] | None = None  # looked for once a word is found
        for finder in self.words:
            if finder.literal not in text:  # a word whose longest part the text lacks: not looked for (fast)
                continue
            for start, end in finder.finditer(text):
                if cancelled is None:
                    cancelled = [span for finder in self.unless for span in finder.finditer(text)]
                if not any(left <= start and end <= right for left, right in cancelled):
                    yield start, end


@dataclass(frozen=True)
class Vocabulary:
    purposes: tuple[Term, ...] = ()
    operators: tuple[Term, ...] = ()

    def labels(self) -> dict[str, str]:
        return {term.name: term.label for term in (*self.purposes, *self.operators)}


def read(rules_dir: Path) -> tuple[Vocabulary, list[Problem]]:
    """The vocabulary of ``rules_dir/facts/`` (empty when the folder is absent) and the problems of its files."""
    terms, problems = _read(rules_dir / "facts")
    return Vocabulary(**terms), problems


def _read(directory: Path) -> tuple[dict[str, tuple[Term, ...]], list[Problem]]:
    terms: dict[str, tuple[Term, ...]] = {}
    problems: list[Problem] = []
    for name in FILES:
        path = directory / f"{name}.yaml"
        if not path.exists():
            continue
        try:
            document = yamlfile.load(path)
        except YamlError as error:
            problems += error.problems
            continue
        read, found = _terms(document)
        terms[name], problems = read, problems + found
    return terms, problems


def _terms(document: yamlfile.Document) -> tuple[tuple[Term, ...], list[Problem]]:
    if not isinstance(document.data, dict):
        return (), [document.problem((), "a vocabulary file maps names to {label, words, unless}")]
    terms, problems = [], []
    for name, entry in document.data.items():
        if not isinstance(entry, dict):
            problems.append(document.problem((name,), "expected a mapping with label: and words:"))
            continue
        problems += document.unknown_keys((name,), entry, TERM_KEYS)
        words = _finders(document, (name, "words"), problems)
        if not words:
            problems.append(document.problem((name,), "no words", "add words: [ … ]"))
        unless = _finders(document, (name, "unless"), problems)
        alone = _finders(document, (name, "alone"), problems)
        terms.append(Term(str(name), str(entry.get("label", name)), words, unless, alone))
    return tuple(terms), problems


def _finders(document: yamlfile.Document, path: yamlfile.Path_, problems: list[Problem]) -> tuple[Finder, ...]:
    items = document.value(path) or []
    if not isinstance(items, list):
        problems.append(document.problem(path, "expected a list"))
        return ()
    finders = []
    for index, item in enumerate(items):
        try:
            if isinstance(item, dict) and set(item) == {"regex"}:
                finders.append(compile_regex(str(item["regex"])))
            else:
                finders.append(compile_words(str(item)))
        except RuleError as error:
            problems.append(document.problem((*path, index), str(error)))
    return tuple(finders)
