"""YAML loading that remembers where each value was written.

Config and rule files are edited by hand, so every error must name the file,
the line and the column. `load` returns the plain data (dicts, lists, str,
int, …) and a map from each value's path (a tuple of keys and indexes) to its
position.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from watchbot.core.errors import ExitCode, WatchbotError

Path_ = tuple[Any, ...]
MAX_VALUES = 100_000  # values of a file once its aliases are expanded: a hand-written file has a few hundred
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Problem:
    """One error in a hand-edited file, with where and a hint."""

    file: str
    line: int | None
    column: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class YamlError(WatchbotError):
    """A YAML file that cannot be used; the message lists its problems."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Document:
    """Parsed YAML plus the position of every value, for error messages."""

    file: str
    data: Any
    positions: dict[Path_, Position]

    def problem(self, path: Path_, message: str, hint: str = "") -> Problem:
        position = self._nearest(path)
        return Problem(
            self.file,
            position.line if position else None,
            position.column if position else None,
            message,
            hint,
        )

    def value(self, path: Path_) -> Any:
        """The value at `path`, or None where the path leads nowhere."""
        data = self.data
        for key in path:
            if isinstance(data, dict):
                data = data.get(key)
            elif isinstance(data, list) and isinstance(key, int) and key < len(data):
                data = data[key]
            else:
                return None
        return data

    def unknown_keys(self, path: Path_, mapping: dict, allowed: Iterable[str]) -> list[Problem]:
        allowed = list(allowed)
        problems = []
        for key in mapping:
            if key in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "valid keys: " + ", ".join(allowed)
            problems.append(self.problem((*path, key), f"unknown key '{key}'", hint))
        return problems

    def _nearest(self, path: Path_) -> Position | None:
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path)


def load(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise YamlError([Problem(str(path), None, None, f"cannot read: {error}")]) from error
    return parse(text, str(path))


def parse(text: str, file: str) -> Document:
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_size(node, file)
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise YamlError([Problem(file, None, None, "values nested too deeply")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        reason = getattr(error, "problem", None) or str(error)
        raise YamlError([Problem(file, line, column, f"invalid YAML: {reason}")]) from error
    positions: dict[Path_, Position] = {}
    if node is not None:
        _collect(node, (), positions)
    return Document(file, data, positions)


def _check_size(root: yaml.Node, file: str) -> None:
    """Refuse an alias that contains itself, or aliases that expand to more than MAX_VALUES values
    ("billion laughs": a few lines that would take gigabytes once expanded)."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        where = (file, node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in open_:
            raise YamlError([Problem(*where, "a recursive alias: this value contains itself",
                                     "write the value out instead of an alias")])
        open_.add(id(node))
        children = [item for pair in node.value for item in pair] if isinstance(node, yaml.MappingNode) else \
            node.value if isinstance(node, yaml.SequenceNode) else []
        total = 1 + sum(map(size, children))
        open_.discard(id(node))
        if total > MAX_VALUES:
            raise YamlError([Problem(*where, f"more than {MAX_VALUES} values once its aliases are expanded",
                                     "an alias bomb? write the values out instead of aliases")])
        sizes[id(node)] = total
        return total

    size(root)


def _collect(node: yaml.Node, path: Path_, positions: dict[Path_, Position]) -> None:
    positions[path] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, key_node.value)
            _collect(value_node, child, positions)
            positions[child] = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect(item, (*path, index), positions)
