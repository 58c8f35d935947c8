"""Plain-text helpers shared by the stages.

`clean` is the one cleaner of text from a document or a site before any output (toot, feed, terminal,
log): a title may hold escape sequences, bidi controls or the control codes junk glyphs leave (ESC, VT,
NUL), which forge terminal output and are not allowed in XML.
"""

from __future__ import annotations

import unicodedata

import grapheme

ELLIPSIS = "…"
HIDDEN = ("Cc", "Cf")  # controls, and the format characters that reorder or hide text (bidi, zero width)


def hidden(char: str) -> bool:
    """A control or invisible format character: what `clean` takes out."""
    return unicodedata.category(char) in HIDDEN


def clean(text: str | None) -> str:
    """Document text on one line: NFC, no control or invisible format character, single spaces."""
    text = unicodedata.normalize("NFC", text or "")
    return one_line("".join(" " if char.isspace() else char for char in text if char.isspace() or not hidden(char)))


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


def cut_middle(text: str, budget: int) -> str:
    """`text` in at most `budget` characters, its middle replaced by an ellipsis: its start and its end are kept."""
    if len(text) <= budget:
        return text
    head = (budget - 1) // 3
    return text[:head] + ELLIPSIS + text[len(text) - (budget - 1 - head):]
