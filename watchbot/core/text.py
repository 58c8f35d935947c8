"""Plain-text helpers shared by the stages."""

from __future__ import annotations


def one_line(text: str) -> str:
    """Every run of white space (line breaks included) as one space, none at the edges."""
    return " ".join(text.split())
