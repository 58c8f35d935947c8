"""The files the tests read: tests/data, and the shared real corpus beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
DATA = Path(__file__).resolve().parents[1] / "data"


def corpus(relative: str) -> Path:
    """A file of the shared real corpus, or a skip naming what is missing."""
    path = CORPUS / relative
    if not path.exists():
        pytest.skip(f"real corpus file {path} is absent (the shared/ folder is not beside this checkout)")
    return path
