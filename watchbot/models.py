"""Plain data passed between the pipeline stages.

discover -> Listing, fetch -> Download, extract -> Page, split -> Act,
classify -> Match, post -> Delivery. No stage here touches the network, the
disk or the database: those stay at the edges (fetch, store, cli).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping


@dataclass(frozen=True)
class Source:
    """A prefecture site: data from the bundled registry or the config."""

    code: str
    name: str
    index_url: str
    department: str | None = None
    strategy: str = "dsfr"
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Listing:
    """A document (an RAA PDF) found on a source's index pages."""

    source: str
    url: str
    title: str
    published: date | None = None


@dataclass(frozen=True)
class Page:
    """The text of one PDF page; number is 1-based."""

    number: int | None
    text: str
    ocr: bool = False
    quality: float | None = None  # OCR mean word confidence, 0 to 1; None: a text layer, or no word read


@dataclass(frozen=True)
class Act:
    """One act of an RAA, with the pages it spans."""

    ref: str | None
    title: str
    first_page: int | None
    last_page: int | None
    pages: tuple[Page, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(page.text for page in self.pages)


@dataclass(frozen=True)
class Match:
    """Why an act belongs to a category: which rule, on which page, which words."""

    category: str
    rule: str
    page: int | None
    excerpt: str
    words: str = ""
    zone: str | None = None  # title, visas, considerants, dispositif, signature or annexes


@dataclass(frozen=True)
class Category:
    """A category of the ruleset, as a toot shows it (label, emoji, hashtags)."""

    name: str
    label: str
    emoji: str = ""
    hashtags: tuple[str, ...] = ()
    description: str = ""
