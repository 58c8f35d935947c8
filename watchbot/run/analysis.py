"""Read one document and classify its acts: extract -> split -> classify -> facts.

Shared by `watchbot classify` (files on disk, no database) and `watchbot run`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from watchbot.core.models import Act, Facts, Match, Page
from watchbot.core.settings import ExtractSettings
from watchbot.facts.extract import read_facts
from watchbot.match.classify import classify
from watchbot.match.normalize import fold
from watchbot.match.rules import Ruleset
from watchbot.read.extract import Extraction, extract_pdf, read_text_file
from watchbot.read.split import IDENTIFIER, split

MIN_FINGERPRINT_TEXT = 200  # characters
DEPARTMENT_OF_REF = re.compile(r"^D?(?P<department>\d[\dAB]\d?)-\d{4}-")  # « 83-2025-… », « D77-2024-… », « 2A-… »


@dataclass(frozen=True)
class ClassifiedAct:
    act: Act
    matches: tuple[Match, ...]
    facts: Facts | None = None  # read for the acts with a category
    department: str | None = None  # the one its facts were read for: the source's, else its identifier's

    @property
    def categories(self) -> list[str]:
        return sorted({match.category for match in self.matches})


@dataclass(frozen=True)
class Analysis:
    pages: tuple[Page, ...]
    ocr_pages: tuple[int, ...]
    acts: tuple[ClassifiedAct, ...]
    poor_pages: tuple[int, ...] = ()


def analyse_file(path: Path, ruleset: Ruleset, settings: ExtractSettings, workdir: Path,
                 department: str | None = None, published: date | None = None) -> Analysis:
    if path.suffix.lower() == ".txt":
        extraction = read_text_file(path)
    else:
        extraction = extract_pdf(path, settings, workdir)
    return analyse(extraction, ruleset, department, published)


def analyse(extraction: Extraction, ruleset: Ruleset, department: str | None = None,
            published: date | None = None) -> Analysis:
    """The acts of a document, classified, with the facts of those in a category; ``department`` (the
    source's, else the one an act's identifier names) and ``published`` (the RAA's date) help read them."""
    acts = tuple(classified(act, ruleset, department, published) for act in split(extraction.pages))
    return Analysis(extraction.pages, extraction.ocr_pages, acts, extraction.poor_pages)


def classified(act: Act, ruleset: Ruleset, department: str | None = None,
               published: date | None = None) -> ClassifiedAct:
    item = ClassifiedAct(act, tuple(classify(act, ruleset)))
    if not item.matches:
        return item
    found = DEPARTMENT_OF_REF.match(act.ref or "")
    department = department or (found and found["department"]) or None
    facts = read_facts(act, ruleset.vocabulary, item.categories, department, published)
    return replace(item, facts=facts, department=department)


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
        **({"facts": facts_json(item.facts)} if item.facts else {}),
    }


def facts_json(facts: Facts) -> dict:
    """The facts as SPEC §9 writes them: ISO dates, communes with their INSEE codes; empty when not stated."""
    return {
        "kind": facts.kind,
        "start": facts.start.isoformat() if facts.start else None,
        "end": facts.end.isoformat() if facts.end else None,
        "times": list(facts.times),
        "communes": [{"name": commune.name, "insee": commune.insee} for commune in facts.communes],
        "scope": facts.scope,
        "places": list(facts.places),
        "purposes": list(facts.purposes),
        "operators": list(facts.operators),
        "cameras": facts.cameras,
    }
