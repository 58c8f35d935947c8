"""Text from sites and documents made safe to print on a terminal.

A title or link text may hold escape sequences (set the window title, clear the
screen, colours) or line breaks that forge log lines. `printable` shows every
control and bidirectional-format character as a visible escape instead.
"""

from __future__ import annotations

import logging
import re

# C0 and C1 controls, DEL, and the format characters that reorder or hide text
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def printable(text: object) -> str:
    """`text` on one line, its control characters written as `\\x1b`, `\\n`, `\\u202e`…"""
    return UNPRINTABLE.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), str(text))


class PrintableLogs(logging.Filter):
    """Log lines whose message cannot hold control characters (a traceback attached to a record keeps its lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = printable(record.getMessage())
        record.args = ()
        return True
