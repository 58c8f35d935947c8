"""Patterns, as rule files write them, compiled to search folded text.

Plain words match the folded text (see ``watchbot.match.normalize``): case,
accents, apostrophes, dashes, spacing and a plural s/x do not matter, and a
trailing ``*`` stands for any ending. Parts joined by « + » must all be found,
in order, within ``within`` characters. Regular expressions run on the folded
text too, with RE2: its time is linear in the text, whatever the pattern, so a
rule cannot hang a run (RE2 has no backreferences and no look-around).

``where`` names the zones of the act (see ``watchbot.match.zones``) in which a
pattern counts: one name or a list of them, ``body`` (every zone but the
title) or ``any``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import re2

from watchbot.core.errors import ExitCode, WatchbotError
from watchbot.match.normalize import fold
from watchbot.match.zones import TITLE, ZONES

# Names of a set of zones: each zone, and these groups (« both », the older name of « any »).
PLACES = {**{zone: frozenset({zone}) for zone in ZONES}, "body": frozenset(ZONES) - {TITLE},
          "any": frozenset(ZONES), "both": frozenset(ZONES)}
DEFAULT_WITHIN = 300  # characters of folded text: about two lines
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
