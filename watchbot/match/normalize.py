"""Text normalisation for matching, with a map back to the raw text.

Rules match a folded copy of the text: lower case, no accents, plain ASCII,
one kind of apostrophe, dash and space, line-end hyphenation undone, common
OCR and decoding slips repaired. Excerpts are cut from the raw text.

Normalisation is a short list of stages, each linear and run by C code
(``re.sub``, ``unicodedata.normalize``, ``str.split``). The offset map is
rebuilt from the same stages only when a match needs an excerpt, so the
common case (no match) pays nothing for it.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator, Sequence

from watchbot.core.text import one_line

# Folds that Unicode decomposition does not give, and characters that would
# otherwise vanish with the rest of non-ASCII text.
_SPECIAL = {
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae",
    # Latin-1 text decoded with a wrong code page: « sØcuritØ », « particuliŁres ».
    "Ø": "e", "ø": "e", "Ł": "e", "ł": "e",
    "°": "o",  # « n° » reads « no » in OCR too
    # « l□enregistrement »: a glyph without a Unicode map, read as a white square, is an apostrophe.
    **dict.fromkeys("’ʼ‘`´′ʹ□", "'"),
    **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    **dict.fromkeys("«»“”„", '"'),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff", ""),
    # Titles in file-name form (« AP_drone_2025_09_18 »): an underscore separates words.
    "_": " ",
}

Mapper = Callable[[int], int]


@dataclass(frozen=True)
class _Sub:
    """A substitution stage: ``pattern`` matches are replaced by ``replacement``.

    ``fast`` computes the same result faster when given; ``guard`` skips texts
    without that string.
    """

    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]
    guard: str | None = None
    fast: Callable[[str], str] | None = None

    def apply(self, text: str) -> str:
        if self.guard is not None and self.guard not in text:
            return text
        if self.fast is not None:
            return self.fast(text)
        return self.pattern.sub(self.replacement, text)

    def _replace(self, match: re.Match[str]) -> str:
        if isinstance(self.replacement, str):
            return match.expand(self.replacement)
        return self.replacement(match)

    def mapper(self, text: str) -> Mapper:
        active = self.guard is None or self.guard in text
        return _Map(self, self.pattern.finditer(text) if active else iter(()))


class _Map:
    """Maps output indexes of one stage to input indexes, reading matches only as far as needed."""

    def __init__(self, stage: _Sub, matches: Iterator[re.Match[str]]):
        self.stage = stage
        self.matches = matches
        self.out_starts: list[int] = []  # pairs: start and end of each replacement in the output
        self.in_starts: list[int] = []  # pairs: start and end of each replaced text in the input
        self.shift = 0

    def _read_past(self, index: int) -> None:
        while not self.out_starts or self.out_starts[-2] <= index:
            match = next(self.matches, None)
            if match is None:
                return
            length = len(self.stage._replace(match))
            out_start = match.start() - self.shift
            self.out_starts += [out_start, out_start + length]
            self.in_starts += [match.start(), match.end()]
            self.shift += match.end() - match.start() - length

    def __call__(self, index: int) -> int:
        self._read_past(index)
        segment = bisect.bisect_right(self.out_starts, index) - 1
        if segment < 0:
            return index
        if segment % 2 == 0:  # inside a replacement
            return self.in_starts[segment]
        return self.in_starts[segment] + index - self.out_starts[segment]


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _per_char(function: Callable[[str], str]) -> _Sub:
    """A whole-text function that leaves ASCII alone and maps each other character by itself."""
    return _Sub(_NON_ASCII, lambda match: function(match[0]), fast=function)


def _nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


def _ascii(text: str) -> str:
    return text.encode("ascii", "ignore").decode("ascii")


def _space(match: re.Match[str]) -> str:
    at_edge = match.start() == 0 or match.end() == len(match.string)
    return "" if at_edge else " "


# Order matters: hyphenation needs the raw line breaks and case; accents go
# with the rest of non-ASCII once NFKD has split them from their letters.
_STAGES: Sequence[_Sub] = (
    # « vidéo-\nprotection » → « vidéoprotection »; « vidéo-protection » stays.
    _Sub(re.compile(r"[-\u2010\u2011\u00ad][ \t]*\r?\n\s*(?=[a-zà-öø-ÿœæ])"), ""),
    _Sub(re.compile("[" + "".join(_SPECIAL) + "]"), lambda match: _SPECIAL[match[0]]),
    _per_char(_nfkd),
    _per_char(_ascii),
    _per_char(str.lower),
    # OCR slips: « ceuvre » (œuvre), « anêté » (arrêté), « Article 1* » (1er).
    _Sub(re.compile(r"ceuvr"), "oeuvr", guard="ceuvr"),
    _Sub(re.compile(r"\banet(?=e)"), "arret", guard="anete"),
    _Sub(re.compile(r"\b1\*"), "1er", guard="1*"),
    # Runs of white space become one space, none at the edges; the pattern
    # skips single spaces, which stay as they are.
    _Sub(re.compile(r"\s{2,}|[^\S ]|\A\s|\s\Z"), _space, fast=one_line),
)


def fold(text: str) -> str:
    """The folded text alone (for patterns, titles, comparisons)."""
    for stage in _STAGES:
        text = stage.apply(text)
    return text


@dataclass(frozen=True)
class Normalized:
    """A folded copy of ``raw``; ``raw_span`` maps a span of ``text`` back to ``raw``."""

    raw: str
    text: str = field(repr=False)

    @cached_property
    def _mappers(self) -> list[Mapper]:
        mappers = []
        text = self.raw
        for stage in _STAGES:
            mappers.append(stage.mapper(text))
            text = stage.apply(text)
        return mappers[::-1]

    def raw_index(self, index: int) -> int:
        """Index in ``raw`` of the character at ``index`` in ``text``."""
        for to_input in self._mappers:
            index = to_input(index)
        return min(index, len(self.raw))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``raw`` that produced ``text[start:end]``."""
        if end <= start:
            position = self.raw_index(start)
            return position, position
        return self.raw_index(start), self.raw_index(end - 1) + 1


def normalize(text: str) -> Normalized:
    return Normalized(text, fold(text))
