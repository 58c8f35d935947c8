"""Plain-text helpers shared by the stages."""

from __future__ import annotations

import grapheme

ELLIPSIS = "…"


def one_line(text: str) -> str:
    """Every run of white space (line breaks included) as one space, none at the edges."""
    return " ".join(text.split())


def shorten(text: str, budget: int) -> str:
    """`text` cut at a word boundary to at most `budget` characters, ellipsis included."""
    if len(text) <= budget:
        return text
    if budget <= 1:
        return ""
    end = budget - 1
    if not text[end].isspace():
        end = text.rfind(" ", 0, end) if " " in text[:end] else grapheme.safe_split_index(text, end)
    return text[:end].rstrip(" ,;:.-–—…") + ELLIPSIS
