"""Classify one act with the ruleset; every match says why.

The act is read zone by zone (title, visas, considérants, dispositif,
signature, annexes: ``watchbot.match.zones``); each pattern counts in the zones
its ``where`` names. A category matches when one of its strong patterns is
found in its zones, or at least ``min_support`` of its supporting patterns
(a strong pattern found in another zone, such as a « Vu » that cites another
act, counts as one of them, but cannot match alone), and none of its
exclusions.
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

from watchbot.core.models import Act, Match
from watchbot.core.text import one_line
from watchbot.match.normalize import Normalized, normalize
from watchbot.match.patterns import Pattern, compile_pattern
from watchbot.match.rules import Rule, Ruleset
from watchbot.match.zones import TITLE, zones

DELEGATIONS = tuple(compile_pattern({"words": words, "within": 30}) for words in (
    "délégation + signature", "subdélégation + signature", "délégation de pouvoirs",  # « de la signature »
    "portant délégation", "donnant délégation", "accordant délégation",
    "portant subdélégation", "donnant subdélégation", "accordant subdélégation",
))
# The title as the splitter found it may be cut short: the delegation wording
# is also looked for in the title zone of the body, in its first characters.
BODY_HEAD = 400
EXCERPT_CONTEXT = 90
TOKEN = re.compile(r"\S+")
# What OCR makes of stains and stamps (« du 2 =)/D//O25 autorisant »): signs no sentence of an act puts
# in a word, and doubled slashes outside a URL.
NOISE = re.compile(r"[=|~^{}\[\]<>\\_]|(?<!:)//")
MAX_EXCERPT = 240


@dataclass(frozen=True)
class _Zone:
    """A run of the act's text in one zone: the title, or part of a page."""

    zone: str
    place: int  # -1 for the act's title, else the index of the page
    offset: int  # where the run starts in the raw page
    text: Normalized
    has: Callable[[str], bool]


@dataclass(frozen=True)
class Hit:
    pattern: Pattern
    zone: _Zone
    start: int
    end: int

    @property
    def counts(self) -> bool:
        """Whether the pattern counts where it was found (else a strong pattern only supports)."""
        return self.zone.zone in self.pattern.where


class _ActText:
    """The act's title and pages cut into zones and normalised, computed once and on demand."""

    def __init__(self, act: Act):
        self.act = act

    @cached_property
    def zones(self) -> list[_Zone]:
        title = normalize(self.act.title or "")
        runs = [_Zone(TITLE, -1, 0, title, _cached_in(title.text))]
        for index, page in enumerate(self.act.pages):
            for name, start, end in zones(page.text, runs[-1].zone):
                text = normalize(page.text[start:end])
                runs.append(_Zone(name, index, start, text, _cached_in(text.text)))
        return runs

    @cached_property
    def _has(self) -> Callable[[str], bool]:
        return _cached_in("\n".join(zone.text.text for zone in self.zones))

    def find(self, pattern: Pattern, anywhere: bool = True) -> Hit | None:
        """The first hit in the pattern's zones, else (if ``anywhere``) its first hit in another zone."""
        if not all(self._has(part.literal) for part in pattern.parts):  # most patterns, most acts
            return None
        elsewhere = None
        for zone in self.zones:
            if (elsewhere is not None or not anywhere) and zone.zone not in pattern.where:
                continue
            span = pattern.find(zone.text.text, zone.has)
            if span is not None:
                hit = Hit(pattern, zone, *span)
                if hit.counts:
                    return hit
                elsewhere = elsewhere or hit
        return elsewhere

    def is_delegation(self) -> bool:
        heads = [zone.text.text[:BODY_HEAD] for zone in self.zones if zone.zone == TITLE and zone.offset < BODY_HEAD
                 and zone.place <= 0]
        return any(pattern.find(text) is not None for pattern in DELEGATIONS for text in heads)

    def match(self, category: str, hit: Hit) -> Match:
        zone = hit.zone
        raw = self.act.title if zone.place < 0 else self.act.pages[zone.place].text
        start, end = (zone.offset + index for index in zone.text.raw_span(hit.start, hit.end))
        page = self.act.first_page if zone.place < 0 else self.act.pages[zone.place].number
        return Match(category, hit.pattern.text, page, excerpt(raw, start, end), one_line(raw[start:end]),
                     zone.zone)


def classify(act: Act, ruleset: Ruleset) -> list[Match]:
    """The matches of every category the act belongs to (empty: none)."""
    text = _ActText(act)
    if text.is_delegation():
        return []
    return [match for rule in ruleset.rules for match in _apply(rule, text)]


def _apply(rule: Rule, text: _ActText) -> list[Match]:
    if _hits(rule.exclude, text, anywhere=False):
        return []
    # Strong patterns found outside their zones only count with support patterns.
    hits = _hits(rule.strong, text, anywhere=bool(rule.support))
    if not any(hit.counts for hit in hits):
        support = _hits(rule.support, text, anywhere=False)
        if not support or len(support) + len(hits) < rule.min_support:
            return []
        hits += support
    # Matches in the act's own words first: the toot's excerpt is taken from the first one.
    return [text.match(rule.category.name, hit) for hit in sorted(hits, key=_cites)]


def _cites(hit: Hit) -> bool:
    return not hit.counts


def explain(act: Act, rule: Rule) -> list[tuple[str, Match]]:
    """Every pattern of ``rule`` found in the act, as (list name, match), even when the
    category does not match: why a rule missed an act (too little support, an
    exclusion, a delegation)."""
    text = _ActText(act)
    found = [("delegation", text.match("", hit)) for hit in _hits(DELEGATIONS, text)]
    for kind in ("strong", "support", "exclude"):
        found += [(kind, text.match(rule.category.name, hit)) for hit in _hits(getattr(rule, kind), text)]
    return found


def _hits(patterns: tuple[Pattern, ...], text: _ActText, anywhere: bool = True) -> list[Hit]:
    return [hit for pattern in patterns if (hit := text.find(pattern, anywhere)) is not None]


def _cached_in(text: str) -> Callable[[str], bool]:
    """``literal in text``, remembered: many patterns share a literal (« protection »)."""
    known: dict[str, bool] = {}

    def has(literal: str) -> bool:
        if literal not in known:
            known[literal] = literal in text
        return known[literal]

    return has


def excerpt(raw: str, start: int, end: int, context: int = EXCERPT_CONTEXT) -> str:
    """The raw text around ``raw[start:end]``, cut at spaces and before OCR noise, on one line, short."""
    context = max(context - (end - start) // 2, 20)  # long words leave less room around them
    left = _after_noise(raw, max(start - context, 0), start)
    right = _before_noise(raw, end, min(end + context, len(raw)))
    if left > 0 and not raw[left - 1].isspace():
        space = raw.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(raw) and not raw[right].isspace():
        space = raw.rfind(" ", end, right)
        right = space if space >= 0 else right
    text = one_line(raw[left:right])
    cut = len(text) > MAX_EXCERPT
    if cut:
        text = text[:MAX_EXCERPT].rsplit(" ", 1)[0]
    return ("… " if left > 0 else "") + text + (" …" if cut or right < len(raw) else "")


def _after_noise(raw: str, left: int, start: int) -> int:
    """Where an excerpt starting at ``left`` may start: after the last OCR noise before the match."""
    noise = [token for token in TOKEN.finditer(raw, left, start) if NOISE.search(token.group())]
    if not noise:
        return left
    after = raw[noise[-1].end():start]
    return start - len(after.lstrip())


def _before_noise(raw: str, end: int, right: int) -> int:
    """Where an excerpt ending at ``right`` may end: before the first OCR noise after the match."""
    noise = next((token for token in TOKEN.finditer(raw, end, right) if NOISE.search(token.group())), None)
    return end + len(raw[end:noise.start()].rstrip()) if noise else right

