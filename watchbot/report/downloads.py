"""The export files (docs/EXPORT.md): every act once, as CSV, JSON and, when pyarrow is installed, Parquet,
written from one pass over `watchbot.store.export.batches`, a batch of rows at a time (never all in memory). The
report and `watchbot export` write them with the same writers; the report's figures see the same batches."""

from __future__ import annotations

import csv
import io
import json
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Callable, Generator, Sequence

from watchbot.core.files import replacing
from watchbot.store import Sessions
from watchbot.store.export import DATES, FIELDS, batches

FOLDER = "donnees"
NAME = "actes"
LABELS = {"csv": "Tableur (CSV)", "json": "JSON", "parquet": "Parquet"}
Sink = Generator[None, list, None]  # sent each batch of rows (tuples of FIELDS' values); closed at the end
ENCODER = json.JSONEncoder(ensure_ascii=False)
BETWEEN = ', {"id": '  # in the JSON of a list of rows, only where a row starts (a string's quotes are escaped)


def write_all(sessions: Sessions, directory: Path, others: Sequence[Sink] = ()) -> list[tuple[str, str]]:
    """Write the files (`others` see the same batches of rows); return each one's path (relative to
    `directory`) and label."""
    (directory / FOLDER).mkdir(parents=True, exist_ok=True)
    kinds = ["csv", "json", *(["parquet"] if has_parquet() else [])]
    written = [(f"{FOLDER}/{NAME}.{kind}", LABELS[kind]) for kind in kinds]
    with ExitStack() as stack:
        sinks = [WRITERS[kind](stack.enter_context(replacing(directory / path, binary=kind == "parquet")))
                 for kind, (path, _) in zip(kinds, written, strict=True)]
        stream(sessions, [*sinks, *others])
    return written


def stream(sessions: Sessions, sinks: list[Sink]) -> None:
    """Hand each batch of rows to every writer, then close them (they write their ends)."""
    for sink in sinks:
        next(sink)
    with sessions() as session:
        for batch in batches(session):
            for sink in sinks:
                sink.send(batch)
    for sink in sinks:
        sink.close()


def has_parquet() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def csv_writer(out: IO[str]) -> Sink:
    """A header, then a line per act (None as an empty cell); a batch written at once (csv.writer writes a row a
    call: a million calls through the temporary file's wrapper)."""
    batch = io.StringIO()
    writer = csv.writer(batch, lineterminator="\n")
    writer.writerow(FIELDS)
    try:
        while True:
            out.write(batch.getvalue())
            batch.seek(0)
            batch.truncate()
            writer.writerows((yield))
    except GeneratorExit:
        out.write(batch.getvalue())


def json_writer(out: IO[str]) -> Sink:
    """A JSON array of objects, one a line. A batch is encoded in one call, its rows then put on lines of their
    own: a call per row would cost more than the encoding."""
    separator = "[\n"
    try:
        while True:
            batch = ENCODER.encode([dict(zip(FIELDS, row, strict=True)) for row in (yield)])
            out.write(separator + batch[1:-1].replace(BETWEEN, ",\n" + BETWEEN[2:]))
            separator = ",\n"
    except GeneratorExit:
        out.write("[]\n" if separator == "[\n" else "\n]\n")


def parquet_writer(out: IO[bytes]) -> Sink:
    """A row group per batch; dates as dates (read from their text by Arrow), `cameras` as an integer, the rest
    as text."""
    import pyarrow
    from pyarrow import parquet

    schema = pyarrow.schema([(name, pyarrow.date32() if name in DATES else
                              pyarrow.int32() if name == "cameras" else pyarrow.string()) for name in FIELDS])
    writer = parquet.ParquetWriter(out, schema)
    try:
        while True:
            columns = zip(*(yield), strict=True)  # the batch's rows as columns
            writer.write_table(pyarrow.Table.from_arrays([
                pyarrow.array(values, type=pyarrow.string()).cast(field.type) if field.name in DATES else
                pyarrow.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)],
                schema=schema))
    except GeneratorExit:
        writer.close()


WRITERS: dict[str, Callable[[IO], Sink]] = {"csv": csv_writer, "json": json_writer, "parquet": parquet_writer}
