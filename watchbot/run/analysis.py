"""Read one document and classify its acts: extract -> split -> classify.

Shared by `watchbot classify` (files on disk, no database) and `watchbot run`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from watchbot.match.classify import classify
from watchbot.core.settings import ExtractSettings
from watchbot.read.extract import Extraction, extract_pdf, read_text_file
from watchbot.core.models import Act, Match, Page
from watchbot.match.normalize import fold
from watchbot.match.rules import Ruleset
from watchbot.read.split import IDENTIFIER, split


MIN_FINGERPRINT_TEXT = 200  # characters


@dataclass(frozen=True)
class ClassifiedAct:
    act: Act
    matches: tuple[Match, ...]

    @property
    def categories(self) -> list[str]:
        return sorted({match.category for match in self.matches})


@dataclass(frozen=True)
class Analysis:
    pages: tuple[Page, ...]
    ocr_pages: tuple[int, ...]
    acts: tuple[ClassifiedAct, ...]
    poor_pages: tuple[int, ...] = ()


def analyse_file(path: Path, ruleset: Ruleset, settings: ExtractSettings, workdir: Path) -> Analysis:
    if path.suffix.lower() == ".txt":
        extraction = read_text_file(path)
    else:
        extraction = extract_pdf(path, settings, workdir)
    return analyse(extraction, ruleset)


def analyse(extraction: Extraction, ruleset: Ruleset) -> Analysis:
    acts = tuple(ClassifiedAct(act, tuple(classify(act, ruleset))) for act in split(extraction.pages))
    return Analysis(extraction.pages, extraction.ocr_pages, acts, extraction.poor_pages)


def act_key(act: Act) -> str:
    """Same reference and title -> same key, whichever RAA republishes the act."""
    if not act.ref and not act.title.strip():
        return fingerprint(act)
    return _digest(f"{act.ref or ''}|{fold(act.title)}")


def fingerprint(act: Act) -> str:
    """The act's text without its identifiers, which change when it is republished."""
    folded = "".join(fold(IDENTIFIER.sub(" ", act.text)).split())
    if len(folded) < MIN_FINGERPRINT_TEXT:  # an unread scan: too little text to tell two acts apart
        return _digest(f"{act.ref}|{act.title}|{act.first_page}|{act.text}")
    return _digest(folded)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_json(file: str, analysis: Analysis) -> dict:
    """One entry of `watchbot classify --json`."""
    numbers = [page.number for page in analysis.pages if page.number is not None]
    return {
        "file": file,
        "pages": len(numbers) if numbers else None,
        "ocr_pages": list(analysis.ocr_pages),
        # page number (a string, as JSON keys are) -> OCR mean word confidence, 0 to 1 (null: no word read)
        "ocr_quality": {str(page.number): page.quality for page in analysis.pages if page.ocr},
        "poorly_read_pages": list(analysis.poor_pages),
        "acts": [_act_json(item) for item in analysis.acts],
    }


def _act_json(item: ClassifiedAct) -> dict:
    act = item.act
    return {
        "ref": act.ref,
        "title": act.title,
        "first_page": act.first_page,
        "last_page": act.last_page,
        "categories": item.categories,
        "matches": [
            {"category": m.category, "rule": m.rule, "page": m.page, "zone": m.zone, "excerpt": m.excerpt,
             "words": m.words}
            for m in item.matches
        ],
    }
