"""Files that readers may be serving while they are written: feeds, report pages and export files."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


@contextmanager
def replacing(path: Path, binary: bool = True) -> Iterator[IO]:
    """A temporary file beside `path`, renamed over it when the block ends without an error (else removed): a
    reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb" if binary else "w", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False, encoding=None if binary else "utf-8",
                                     newline=None if binary else "") as temporary:
        try:
            yield temporary
            temporary.flush()
            os.fsync(temporary.fileno())
            os.chmod(temporary.name, 0o644)
            os.replace(temporary.name, path)
        except BaseException:
            os.unlink(temporary.name)
            raise


def replace(path: Path, content: bytes) -> None:
    """Write `path` whole (replacing)."""
    with replacing(path) as out:
        out.write(content)
