"""The search query language, parsed once and written for SQLite FTS5 and for PostgreSQL.

    drone aéronef*            both words (AND is implied), a word starting with "aéronef"
    drone OR aéronef          either
    drone NOT captation       the first without the second
    "zone de protection"      a phrase: these words in this order
    (drone OR aéronef) AND préfet

Operators are upper-case, as in FTS5; lower-case "and", "or", "not" are words. NOT binds tighter
than AND, AND tighter than OR. A word is cut into the same units as the index cuts text: runs of
letters and digits, so "l'aéronef" and "83-2025-06" are phrases of their parts. Case and accents
are folded by the databases, on the page text and on the query alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from watchbot.core.errors import ExitCode, WatchbotError

OPERATORS = ("AND", "OR", "NOT")
# a quoted phrase with an optional star, a parenthesis, or a bare word with an optional star
LEXEME = re.compile(r'\s*(?:"(?P<phrase>[^"]*)"(?P<phrase_star>\*?)|(?P<paren>[()])|(?P<word>[^\s()"*]+)(?P<star>\*?))')
WORD_PART = re.compile(r"[^\W_]+")
MAX_DEPTH = 20  # parentheses: a person's query nests a few; FTS5's parser overflows near 100
MAX_TERMS = 200  # words and operators


class QueryError(WatchbotError):
    """A query that cannot be understood; the message says where."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Words:
    """One word or a phrase: these words in a row, the last a prefix if `prefix`."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    kept: Node
    excluded: Node


Node = Words | And | Or | Not


def parse(text: str) -> Node:
    return _Parser(_lexemes(unicodedata.normalize("NFC", text))).query()


def _lexemes(text: str) -> list[str | Words]:
    """Operators and parentheses as strings, words and phrases as Words."""
    items: list[str | Words] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        found = LEXEME.match(text, position)
        if not found:
            raise QueryError(f"unexpected {text[position:].strip()[:20]!r} at character {position + 1}: "
                             "a phrase needs its closing quote and a star ends a word")
        position = found.end()
        if found["paren"]:
            items.append(found["paren"])
        elif found["word"] in OPERATORS:
            items.append(found["word"])
        else:
            source = found["word"] if found["word"] is not None else found["phrase"]
            words = tuple(WORD_PART.findall(source))
            if words:
                items.append(Words(words, bool(found["star"] or found["phrase_star"])))
    return items


class _Parser:
    def __init__(self, lexemes: list[str | Words]):
        self.lexemes = lexemes
        self.position = 0
        self.depth = 0

    def query(self) -> Node:
        if not self.lexemes:
            raise QueryError("the query has no word to search")
        if len(self.lexemes) > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} words, operators and parentheses")
        node = self._or()
        if self._peek() is not None:
            raise QueryError(f"unexpected {self._peek()!r} after a complete query")
        return node

    def _peek(self) -> str | Words | None:
        return self.lexemes[self.position] if self.position < len(self.lexemes) else None

    def _take(self, operator: str) -> bool:
        if self._peek() == operator:
            self.position += 1
            return True
        return False

    def _or(self) -> Node:
        items = [self._and()]
        while self._take("OR"):
            items.append(self._and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self) -> Node:
        items = [self._not()]
        while self._take("AND") or isinstance(self._peek(), Words) or self._peek() == "(":
            items.append(self._not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def _not(self) -> Node:
        node = self._operand()
        while self._take("NOT"):
            node = Not(node, self._operand())
        return node

    def _operand(self) -> Node:
        lexeme = self._peek()
        self.position += 1
        if isinstance(lexeme, Words):
            return lexeme
        if lexeme == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:  # SQLite's FTS5 and PostgreSQL stop far sooner than Python would
                raise QueryError(f"parentheses nested more than {MAX_DEPTH} deep")
            node = self._or()
            if not self._take(")"):
                raise QueryError("a parenthesis is not closed")
            self.depth -= 1
            return node
        if lexeme is None:
            raise QueryError("the query ends where a word was expected")
        raise QueryError(f"{lexeme!r} where a word was expected (NOT needs a word before it: a NOT b)")


def fts5(node: Node) -> str:
    """The FTS5 MATCH expression: every word quoted, so no word is read as an operator."""
    if isinstance(node, Words):
        return '"' + " ".join(node.words) + '"' + ("*" if node.prefix else "")
    if isinstance(node, Not):
        return f"({fts5(node.kept)} NOT {fts5(node.excluded)})"
    operator = " AND " if isinstance(node, And) else " OR "
    return "(" + operator.join(fts5(item) for item in node.items) + ")"


def tsquery(node: Node) -> str:
    """The to_tsquery() text: & | ! <-> and :*, every word a quoted lexeme."""
    if isinstance(node, Words):
        words = [f"'{word}'" for word in node.words]
        if node.prefix:
            words[-1] += ":*"
        return "(" + " <-> ".join(words) + ")"
    if isinstance(node, Not):
        return f"({tsquery(node.kept)} & !{tsquery(node.excluded)})"
    operator = " & " if isinstance(node, And) else " | "
    return "(" + operator.join(tsquery(item) for item in node.items) + ")"
