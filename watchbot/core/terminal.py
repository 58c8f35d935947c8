"""Text made safe to print on a terminal, for messages that are not only a document's text.

A title or link text may hold escape sequences (set the window title, clear the screen, colours) or
line breaks that forge log lines. Document text goes through `watchbot.core.text.clean` before any
output; `printable` shows what that cleaner would take out (controls, bidi and other format
characters, line breaks) as a visible escape, so that a log line or an error keeps its evidence.
"""

from __future__ import annotations

import logging

from watchbot.core.text import hidden


def printable(text: object) -> str:
    """`text` on one line, the characters `clean` takes out written as `\\x1b`, `\\n`, `\\u202e`…"""
    return "".join(_escaped(char) for char in str(text))


def _escaped(char: str) -> str:
    if hidden(char) or (char.isspace() and char != " "):
        return char.encode("unicode_escape").decode("ascii")
    return char


class PrintableLogs(logging.Filter):
    """Log lines whose message cannot hold control characters (a traceback attached to a record keeps its lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = printable(record.getMessage())
        record.args = ()
        return True
