"""The YAML ruleset: one category per file ``rules/<category>.yaml``.

A rule file, for people who are not programmers (see rules/README.md)::

    label: Drones                 # shown in the toot
    emoji: "🚁"
    hashtags: [Technopolice, drones]
    strong:                       # one is enough, in the title or the dispositif
      - caméras installées sur des aéronefs
      - captation + image + aéronef       # all three, in order, close together
    support:                      # at least min_support of them
      - drone
      - regex: 'l\\.? ?242-5'
    min_support: 2
    exclude:                      # any of them: the act is not in the category
      - words: interdiction de survol
        where: title

Plain words and regular expressions are searched in the folded text, as
``watchbot.match.patterns`` says. Everything is compiled once, by ``load``.

By default a strong pattern counts in the title and the dispositif only: found
in a « Vu » or a « Considérant », it cites another text and only counts as a
support pattern. Support and exclude patterns count anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from watchbot.core import yamlfile
from watchbot.core.models import Category
from watchbot.core.yamlfile import Problem, YamlError
from watchbot.match import vocabulary
from watchbot.match.patterns import PLACES, Pattern, RuleError, compile_pattern, zones_of
from watchbot.match.vocabulary import Vocabulary
from watchbot.match.zones import DISPOSITIF, TITLE

DEFAULT_WHERE = {"strong": frozenset({TITLE, DISPOSITIF}), "support": PLACES["any"], "exclude": PLACES["any"]}
FILE_KEYS = ("label", "emoji", "hashtags", "description", "where", "strong", "support", "min_support", "exclude")
PATTERN_KEYS = ("words", "regex", "where", "within")
LISTS = ("strong", "support", "exclude")
_NAME = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class Rule:
    """A compiled category: what to look for, and what rules it out."""

    category: Category
    strong: tuple[Pattern, ...] = ()
    support: tuple[Pattern, ...] = ()
    min_support: int = 1
    exclude: tuple[Pattern, ...] = ()


@dataclass(frozen=True)
class Ruleset:
    rules: tuple[Rule, ...]
    vocabulary: Vocabulary = Vocabulary()  # of the facts: rules/facts/purposes.yaml and operators.yaml

    @cached_property
    def categories(self) -> dict[str, Category]:
        return {rule.category.name: rule.category for rule in self.rules}



def load(directory: Path) -> Ruleset:
    """Load and compile every rule file of ``directory`` and the facts' vocabulary beside them; YamlError lists
    every problem."""
    rules, problems = _read(Path(directory))
    terms, more = vocabulary.read(Path(directory))
    if problems or more:
        raise YamlError(problems + more)
    return Ruleset(tuple(rules), terms)


def check(directory: Path) -> list[Problem]:
    return _read(Path(directory))[1] + vocabulary.read(Path(directory))[1]


def rule_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def _read(directory: Path) -> tuple[list[Rule], list[Problem]]:
    if not directory.is_dir():
        return [], [Problem(str(directory), None, None, "not a directory of rule files")]
    files = rule_files(directory)
    if not files:
        return [], [Problem(str(directory), None, None, "no rule file", "add <category>.yaml files")]
    rules: list[Rule] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in files:
        name = path.stem
        if not _NAME.fullmatch(name):
            problems.append(Problem(str(path), None, None, f"bad category name '{name}'",
                                    "use lower-case letters, digits and _ in the file name"))
        elif name in seen:
            problems.append(Problem(str(path), None, None, f"duplicate category '{name}'",
                                    f"already defined in {seen[name]}"))
            continue
        seen[name] = path.name
        try:
            document = yamlfile.load(path)
        except YamlError as error:
            problems += error.problems
            continue
        file_problems = _validate(document)
        problems += file_problems
        if not file_problems:
            rules.append(_compile(name, document.data))
    return rules, problems


def _validate(document: yamlfile.Document) -> list[Problem]:
    data = document.data
    if not isinstance(data, dict):
        return [document.problem((), "a rule file must be a mapping of keys (label:, strong:, …)")]
    problems = document.unknown_keys((), data, FILE_KEYS)
    problems += _check_type(document, ("label",), str, required=True)
    for key in ("emoji", "description"):
        problems += _check_type(document, (key,), str)
    problems += _check_hashtags(document)
    problems += _check_where(document, ("where",))
    problems += _check_type(document, ("min_support",), int)
    if isinstance(data.get("min_support"), int) and data["min_support"] < 1:
        problems.append(document.problem(("min_support",), "min_support must be at least 1"))
    for key in LISTS:
        problems += _check_patterns(document, key)
    if not data.get("strong") and not data.get("support"):
        problems.append(document.problem((), "empty category: no 'strong' nor 'support' pattern",
                                         "add at least one pattern under 'strong:'"))
    supports = data["support"] if isinstance(data.get("support"), list) else []
    if isinstance(data.get("min_support"), int) and data["min_support"] > len(supports):
        problems.append(document.problem(("min_support",), f"min_support is {data['min_support']} but there are "
                                         f"only {len(supports)} support patterns", "lower it or add patterns"))
    return sorted(problems, key=lambda problem: (problem.line or 0, problem.column or 0))


def _check_type(document: yamlfile.Document, path: tuple, kind: type, required: bool = False) -> list[Problem]:
    value = document.value(path)
    if value is None:
        return [document.problem(path[:-1], f"missing '{path[-1]}'")] if required else []
    if not isinstance(value, kind) or isinstance(value, bool):
        expected = {str: "text", int: "a whole number", list: "a list"}[kind]
        return [document.problem(path, f"'{path[-1]}' must be {expected}, not {_kind(value)}")]
    return []


def _check_hashtags(document: yamlfile.Document) -> list[Problem]:
    hashtags = document.data.get("hashtags")
    if hashtags is None:
        return []
    if not isinstance(hashtags, list):
        return [document.problem(("hashtags",), "'hashtags' must be a list", "e.g. [Technopolice, drones]")]
    problems = []
    for index, tag in enumerate(hashtags):
        if not isinstance(tag, str) or not re.fullmatch(r"\w+", tag):
            problems.append(document.problem(("hashtags", index), f"bad hashtag {tag!r}",
                                             "one word of letters, digits or _, without '#'"))
    return problems


def _check_where(document: yamlfile.Document, path: tuple) -> list[Problem]:
    value = document.value(path)
    if value is None:
        return []
    if isinstance(value, list) and value:
        return [problem for index in range(len(value)) for problem in _check_where(document, (*path, index))]
    if isinstance(value, str) and value in PLACES:
        return []
    names = ", ".join(name for name in PLACES if name != "both")
    return [document.problem(path, f"'where' must be one of {names} (or a list of them), not {value!r}")]


def _check_patterns(document: yamlfile.Document, key: str) -> list[Problem]:
    items = document.data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        return [document.problem((key,), f"'{key}' must be a list of patterns", "one '- pattern' per line")]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path = (key, index)
        problems += _check_pattern(document, path, item)
        text = item.get("words", item.get("regex")) if isinstance(item, dict) else item
        if isinstance(text, str):
            if text in seen:
                problems.append(document.problem(path, f"duplicate pattern {text!r} in '{key}'",
                                                 f"same as item {seen[text] + 1}"))
            seen.setdefault(text, index)
    return problems


def _check_pattern(document: yamlfile.Document, path: tuple, item: Any) -> list[Problem]:
    if isinstance(item, dict):
        problems = document.unknown_keys(path, item, PATTERN_KEYS)
        if ("words" in item) == ("regex" in item):
            return problems + [document.problem(path, "a pattern needs either 'words' or 'regex'")]
        source_key = "words" if "words" in item else "regex"
        problems += _check_type(document, (*path, source_key), str)
        problems += _check_where(document, (*path, "where"))
        problems += _check_type(document, (*path, "within"), int)
        source_path = (*path, source_key)
    elif isinstance(item, str):
        problems, source_path = [], path
    else:
        return [document.problem(path, f"a pattern must be text or a mapping, not {_kind(item)}")]
    if problems:
        return problems
    try:
        compile_pattern(item)
    except RuleError as error:
        return [document.problem(source_path, str(error), _hint(error))]
    return []


def _hint(error: RuleError) -> str:
    if "regular expression" in str(error):
        return ("check brackets and backslashes; backreferences (\\1) and look-arounds ((?=…), (?<!…)) are "
                "not supported; or write plain words instead of 'regex'")
    return "write words with letters or digits"


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
            bool: "yes/no"}.get(type(value), type(value).__name__)


def _compile(name: str, data: dict) -> Rule:
    category = Category(name, data["label"], data.get("emoji", ""), tuple(data.get("hashtags", ())),
                        data.get("description", ""))
    where = {key: zones_of(data["where"]) if "where" in data else DEFAULT_WHERE[key] for key in LISTS}
    patterns = {key: tuple(compile_pattern(item, where[key]) for item in data.get(key) or ()) for key in LISTS}
    return Rule(category, patterns["strong"], patterns["support"], data.get("min_support", 1), patterns["exclude"])
