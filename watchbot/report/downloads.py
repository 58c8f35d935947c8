"""The report's export files (docs/EXPORT.md): every act once, as CSV, JSON and, when pyarrow is installed,
Parquet, written from one pass over `watchbot.store.export.rows` (rows are streamed, never all in memory)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import IO, Callable, Generator, Iterable

from watchbot.store import Sessions
from watchbot.store.export import FIELDS, rows

FOLDER = "donnees"
NAME = "actes"
PARQUET_BATCH = 10_000  # rows per Parquet row group
Sink = Generator[None, dict, None]  # sent each row; closed at the end
Tap = Callable[[Iterable[dict]], Iterable[dict]]  # sees the rows as they pass


def write_all(sessions: Sessions, directory: Path, tap: Tap = lambda found: found) -> list[tuple[str, str]]:
    """Write the files; return each one's path (relative to `directory`) and label."""
    folder = directory / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = [(f"{FOLDER}/{NAME}.csv", "Tableur (CSV)"), (f"{FOLDER}/{NAME}.json", "JSON")]
    writers = [_csv, _json]
    if _parquet_writer() is not None:
        written.append((f"{FOLDER}/{NAME}.parquet", "Parquet"))
        writers.append(_parquet)
    with ExitStack() as stack, sessions() as session:
        targets = [stack.enter_context(_Replacing(directory / path)) for path, _ in written]
        sinks = [writer(target) for writer, target in zip(writers, targets, strict=True)]
        for sink in sinks:
            next(sink)
        for row in tap(rows(session)):
            for sink in sinks:
                sink.send(row)
        for sink in sinks:
            sink.close()
    return written


class _Replacing:
    """A temporary file beside `path`, renamed over it when the block ends without an error (else removed)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> IO[bytes]:
        self.file = tempfile.NamedTemporaryFile(dir=self.path.parent, prefix=f".{self.path.name}.", delete=False)
        return self.file

    def __exit__(self, kind, *_) -> None:
        self.file.close()
        if kind is None:
            os.chmod(self.file.name, 0o644)
            os.replace(self.file.name, self.path)
        else:
            os.unlink(self.file.name)


def _plain(row: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in row.items()}


def _csv(target: IO[bytes]) -> Sink:
    with open(target.fileno(), "w", encoding="utf-8", newline="", closefd=False) as text:
        writer = csv.DictWriter(text, FIELDS, lineterminator="\n")
        writer.writeheader()
        try:
            while True:
                writer.writerow(_plain((yield)))
        except GeneratorExit:
            text.flush()


def _json(target: IO[bytes]) -> Sink:
    """A JSON array of objects, as `watchbot export --format json` writes it, one object at a time."""
    with open(target.fileno(), "w", encoding="utf-8", closefd=False) as text:
        separator = "[\n"
        try:
            while True:
                row = yield
                text.write(separator + json.dumps(_plain(row), ensure_ascii=False))
                separator = ",\n"
        except GeneratorExit:
            text.write("[]\n" if separator == "[\n" else "\n]\n")
            text.flush()


def _parquet_writer():
    try:
        from pyarrow import parquet
    except ImportError:
        return None
    return parquet.ParquetWriter


def _parquet(target: IO[bytes]) -> Sink:
    import pyarrow

    schema = pyarrow.schema([(name, pyarrow.date32() if name in ("start", "end", "published") else
                              pyarrow.int32() if name == "cameras" else pyarrow.string()) for name in FIELDS])
    writer = _parquet_writer()(target, schema)
    batch: list[dict] = []
    try:
        while True:
            batch.append((yield))
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pyarrow.Table.from_pylist(batch, schema=schema))
                batch.clear()
    except GeneratorExit:
        if batch:
            writer.write_table(pyarrow.Table.from_pylist(batch, schema=schema))
        writer.close()
