"""Classify one act with the ruleset; every match says why.

A category matches when one of its strong patterns is found, or at least
``min_support`` of its supporting patterns, and none of its exclusions.
Signature delegations list every power of the signatory (drones, perimeters,
retention…): they are recognised by their title and never classified.
Each pattern is reported once, at its first hit (the title first), so a
title repeated in every page footer counts once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from watchbot.models import Act, Match
from watchbot.match.normalize import Normalized, normalize
from watchbot.match.rules import Pattern, Rule, Ruleset, compile_pattern
from watchbot.text import one_line

DELEGATIONS = tuple(compile_pattern({"words": words, "within": 30}) for words in (
    "délégation + signature", "subdélégation + signature", "délégation de pouvoirs",  # « de la signature »
    "portant délégation", "donnant délégation", "accordant délégation",
    "portant subdélégation", "donnant subdélégation", "accordant subdélégation",
))
# The title as the splitter found it may be cut short: the delegation wording
# is also looked for at the top of the body, before the first « Vu ».
BODY_HEAD = 400
_FIRST_VU = re.compile(r"\bvu\b")
VISA = re.compile(r"\s*(?:vu|considérant)\b", re.IGNORECASE)
EXCERPT_CONTEXT = 90
MAX_EXCERPT = 240


@dataclass(frozen=True)
class Hit:
    pattern: Pattern
    place: int  # -1 for the title, else the index of the page
    start: int
    end: int


class _ActText:
    """The normalised title and pages of an act, computed once and on demand."""

    def __init__(self, act: Act):
        self.act = act

    @cached_property
    def title(self) -> Normalized:
        return normalize(self.act.title or "")

    @cached_property
    def pages(self) -> list[Normalized]:
        return [normalize(page.text) for page in self.act.pages]

    @cached_property
    def _places(self) -> dict[str, list[tuple[int, Normalized, Callable[[str], bool]]]]:
        title = [(-1, self.title, _cached_in(self.title.text))]
        pages = [(index, page, _cached_in(page.text)) for index, page in enumerate(self.pages)]
        return {"title": title, "body": pages, "both": title + pages}

    def find(self, pattern: Pattern) -> Hit | None:
        for place, text, has in self._places[pattern.where]:
            span = pattern.find(text.text, has)
            if span is not None:
                return Hit(pattern, place, *span)
        return None

    def is_delegation(self) -> bool:
        head = self.pages[0].text[:BODY_HEAD] if self.pages else ""
        head = _FIRST_VU.split(head, maxsplit=1)[0]
        return any(pattern.find(text) is not None for pattern in DELEGATIONS for text in (self.title.text, head))

    def in_visa(self, hit: Hit) -> bool:
        """Whether the hit is in a « Vu … ; » or « Considérant … ; » clause, which cites other acts."""
        if hit.place < 0:
            return False
        text = self.pages[hit.place]
        start = text.raw_span(hit.start, hit.end)[0]
        clause = text.raw[max(text.raw.rfind(";", 0, start), text.raw.rfind(":", 0, start)) + 1:start]
        return VISA.match(clause) is not None

    def match(self, category: str, hit: Hit) -> Match:
        text = self.title if hit.place < 0 else self.pages[hit.place]
        start, end = text.raw_span(hit.start, hit.end)
        page = self.act.first_page if hit.place < 0 else self.act.pages[hit.place].number
        return Match(category, hit.pattern.text, page, excerpt(text.raw, start, end), one_line(text.raw[start:end]))


def classify(act: Act, ruleset: Ruleset) -> list[Match]:
    """The matches of every category the act belongs to (empty: none)."""
    text = _ActText(act)
    if text.is_delegation():
        return []
    return [match for rule in ruleset.rules for match in _apply(rule, text)]


def _apply(rule: Rule, text: _ActText) -> list[Match]:
    if any(text.find(pattern) for pattern in rule.exclude):
        return []
    hits = _hits(rule.strong, text)
    if not hits:
        hits = _hits(rule.support, text)
        if len(hits) < rule.min_support:
            return []
    # Matches in the act's own words first: the toot's excerpt is taken from the first one.
    return [text.match(rule.category.name, hit) for hit in sorted(hits, key=text.in_visa)]


def explain(act: Act, rule: Rule) -> list[tuple[str, Match]]:
    """Every pattern of ``rule`` found in the act, as (list name, match), even when the
    category does not match: why a rule missed an act (too little support, an
    exclusion, a delegation)."""
    text = _ActText(act)
    found = [("delegation", text.match("", hit)) for hit in _hits(DELEGATIONS, text)]
    for kind in ("strong", "support", "exclude"):
        found += [(kind, text.match(rule.category.name, hit)) for hit in _hits(getattr(rule, kind), text)]
    return found


def _hits(patterns: tuple[Pattern, ...], text: _ActText) -> list[Hit]:
    return [hit for pattern in patterns if (hit := text.find(pattern)) is not None]


def _cached_in(text: str) -> Callable[[str], bool]:
    """``literal in text``, remembered: many patterns share a literal (« protection »)."""
    known: dict[str, bool] = {}

    def has(literal: str) -> bool:
        if literal not in known:
            known[literal] = literal in text
        return known[literal]

    return has


def excerpt(raw: str, start: int, end: int, context: int = EXCERPT_CONTEXT) -> str:
    """The raw text around ``raw[start:end]``, cut at spaces, on one line, short."""
    context = max(context - (end - start) // 2, 20)  # long words leave less room around them
    left = max(start - context, 0)
    right = min(end + context, len(raw))
    if left > 0:
        space = raw.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(raw):
        space = raw.rfind(" ", end, right)
        right = space if space >= 0 else right
    text = one_line(raw[left:right])
    cut = len(text) > MAX_EXCERPT
    if cut:
        text = text[:MAX_EXCERPT].rsplit(" ", 1)[0]
    return ("… " if left > 0 else "") + text + (" …" if cut or right < len(raw) else "")

