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

Plain words match the folded text (see ``watchbot.match.normalize``): case,
accents, apostrophes, dashes, spacing and a plural s/x do not matter, and a
trailing ``*`` stands for any ending. Regular expressions run on the folded
text too, with RE2: its time is linear in the text, whatever the pattern, so a
rule cannot hang a run (RE2 has no backreferences and no look-around).
Everything is compiled once, by ``load``.

``where`` names the zones of the act (see ``watchbot.match.zones``) in which a
pattern counts: one name or a list of them, ``body`` (every zone but the
title) or ``any``. By default a strong pattern counts in the title and the
dispositif only: found in a « Vu » or a « Considérant », it cites another text
and only counts as a support pattern. Support and exclude patterns count anywhere.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator

import re2

from watchbot.core import yamlfile
from watchbot.core.errors import ExitCode, WatchbotError
from watchbot.core.models import Category
from watchbot.match.normalize import fold
from watchbot.match.zones import DISPOSITIF, TITLE, ZONES
from watchbot.core.yamlfile import Problem, YamlError

# Names of a set of zones: each zone, and these groups (« both », the older name of « any »).
PLACES = {**{zone: frozenset({zone}) for zone in ZONES}, "body": frozenset(ZONES) - {TITLE},
          "any": frozenset(ZONES), "both": frozenset(ZONES)}
DEFAULT_WHERE = {"strong": frozenset({TITLE, DISPOSITIF}), "support": PLACES["any"], "exclude": PLACES["any"]}
FILE_KEYS = ("label", "emoji", "hashtags", "description", "where", "strong", "support", "min_support", "exclude")
PATTERN_KEYS = ("words", "regex", "where", "within")
LISTS = ("strong", "support", "exclude")
DEFAULT_WITHIN = 300  # characters of folded text: about two lines
_NAME = re.compile(r"[a-z0-9_]+")
_WORD = re.compile(r"[a-z0-9]+\*?")
# Between two words of a phrase: nothing (glued words), or up to three
# separators (« d 'images », « L. 242- 5 »).
_GAP = "[^a-z0-9]{0,3}"
# Text layers glue a phrase to the next or previous word (« aéronefsle », « desdrones »,
# « portantinterdiction »): a phrase may touch one of these short words, and a long
# word any word. Shorter words stay whole: « hydrodrone » is no drone.
GLUE_AFTER = frozenset("le la les de des du et en au aux sur par pour dans un une".split())
GLUE_BEFORE = frozenset("l d le la les de des du".split())
MIN_GLUED_WORD = 4
MIN_FREELY_GLUED_WORD = 11


class RuleError(WatchbotError):
    """A pattern that cannot be compiled; the message says why."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Finder:
    """One phrase or regular expression, searched in folded text."""

    regex: Any  # a compiled re or re2 pattern: search(text, position) -> match with span()
    literal: str  # a substring every match contains: cheap to look for first
    bounded: bool  # phrases must start and end on word boundaries

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        position = 0
        while (match := self.regex.search(text, position)) is not None:
            start, end = match.span()
            if end > start and (not self.bounded or _on_boundaries(text, start, end)):
                yield start, end
                position = end
            else:
                position = start + 1


def _on_boundaries(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` starts and ends a word, or is glued to a word as
    text layers glue them; letters glued to digits (« Mayol35 », « n°2023 ») count
    as separate words."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if _same_word(before, text[start]):
        glued = _word_before(text, start, start - 40)
        if not _may_glue(_word_after(text, start, end), glued, GLUE_BEFORE):
            return False
    if _same_word(text[end - 1], after):
        glued = _word_after(text, end, end + 40)
        if not _may_glue(_word_before(text, end, start), glued, GLUE_AFTER):
            return False
    return True


def _same_word(left: str, right: str) -> bool:
    return left.isalnum() and right.isalnum() and left.isdigit() == right.isdigit()


def _may_glue(word: str, glued: str, short_words: frozenset[str]) -> bool:
    if not word.isalpha() or not glued.isalpha():
        return False
    return len(word) >= MIN_FREELY_GLUED_WORD or len(word) >= MIN_GLUED_WORD and glued in short_words


def _word_before(text: str, index: int, limit: int) -> str:
    """The letters and digits just before ``index``, not before ``limit``."""
    start = index
    while start > max(limit, 0) and text[start - 1].isalnum():
        start -= 1
    return text[start:index]


def _word_after(text: str, index: int, limit: int) -> str:
    end = index
    while end < min(limit, len(text)) and text[end].isalnum():
        end += 1
    return text[index:end]


@dataclass(frozen=True)
class Pattern:
    """A pattern as written, its parts (in this order, within ``within`` characters) and where to look."""

    text: str
    parts: tuple[Finder, ...]
    where: frozenset[str] = PLACES["any"]
    within: int = DEFAULT_WITHIN

    def find(self, text: str, has: Callable[[str], bool] | None = None) -> tuple[int, int] | None:
        """The first span of ``text`` holding every part, in order and close together, or None.

        ``has(literal)`` answers ``literal in text``, perhaps from a cache: the
        cheap test that rules out most texts before any regular expression runs.
        """
        has = has or text.__contains__
        if not all(has(part.literal) for part in self.parts):
            return None
        first, *others = self.parts
        if not others:
            return next(first.finditer(text), None)
        following = [list(part.finditer(text)) for part in others]
        if not all(following):
            return None
        for start, end in first.finditer(text):
            for spans in following:
                # The earliest span after the previous part: if it is too far, any other is too.
                index = bisect.bisect_left(spans, (end, end))
                if index == len(spans) or spans[index][0] > start + self.within:
                    break
                end = spans[index][1]
            else:
                return start, end
        return None


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

    @cached_property
    def categories(self) -> dict[str, Category]:
        return {rule.category.name: rule.category for rule in self.rules}


# Compiling patterns ----------------------------------------------------------

def compile_words(words: str) -> Finder:
    """A phrase as a non-programmer writes it, e.g. « caméras installées sur des aéronefs »."""
    tokens = _WORD.findall(fold(words))
    if not tokens:
        raise RuleError("no letter or digit left in these words")
    body = _GAP.join(_word_regex(token) for token in tokens)
    literal = max((token.rstrip("*") for token in tokens), key=len)
    if literal.endswith("al"):  # « local » also finds « locaux »
        literal = literal[:-2]
    return Finder(re.compile(body), literal, bounded=True)


def _word_regex(token: str) -> str:
    if token.endswith("*"):
        # Possessive and bounded (no word is that long): no backtracking, so
        # even a text made of one endless word is searched in linear time.
        return re.escape(token[:-1]) + "[a-z0-9]{0,40}+"
    if token.isdigit():
        return token
    if token.endswith("al"):
        return re.escape(token[:-2]) + "(?:al|aux)"
    return re.escape(token) + "[sx]?"


def compile_regex(source: str) -> Finder:
    """A regular expression, for RE2; its accented letters are folded like the text."""
    folded = "".join(fold(char) if not char.isascii() else char for char in source)
    try:
        regex = re2.compile(folded, _RE2_OPTIONS)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise RuleError(f"invalid regular expression: {reason}") from None
    return Finder(regex, "", bounded=False)


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the error is reported with its file and line instead
    return options


_RE2_OPTIONS = _re2_options()


def compile_pattern(spec: str | dict, default_where: frozenset[str] = PLACES["any"]) -> Pattern:
    """A pattern item of a rule file: a phrase (parts joined by « + ») or a mapping."""
    if isinstance(spec, str):
        spec = {"words": spec}
    where = zones_of(spec["where"]) if "where" in spec else default_where
    within = spec.get("within", DEFAULT_WITHIN)
    if "regex" in spec:
        return Pattern(spec["regex"], (compile_regex(spec["regex"]),), where, within)
    parts = tuple(compile_words(part) for part in spec["words"].split(" + "))
    return Pattern(spec["words"], parts, where, within)


def zones_of(where: str | list[str]) -> frozenset[str]:
    """The zones named by a ``where`` value: a name or a list of names."""
    names = [where] if isinstance(where, str) else where
    return frozenset().union(*(PLACES[name] for name in names))


# Loading and checking ---------------------------------------------------------

def load(directory: Path) -> Ruleset:
    """Load and compile every rule file of ``directory``; YamlError lists every problem."""
    rules, problems = _read(Path(directory))
    if problems:
        raise YamlError(problems)
    return Ruleset(tuple(rules))


def check(directory: Path) -> list[Problem]:
    return _read(Path(directory))[1]


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
